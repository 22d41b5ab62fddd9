# Local stand-in for redis:7-alpine, built by `make images-local` from Debian's redis-server
# (7.0). Same conventions as the public image: data in /data, runs as user redis, listens on
# 6379 on all interfaces of the container with protected mode off (the public image compiles
# it off; here redis-entrypoint adds --protected-mode no before the given arguments).
ARG DEBIAN_IMAGE=newsevents-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && mkdir -p /data && chown redis:redis /data
COPY docker/local/redis-entrypoint.sh /usr/local/bin/redis-entrypoint
WORKDIR /data
USER redis
EXPOSE 6379
ENTRYPOINT ["redis-entrypoint"]
CMD ["redis-server"]
