# Local stand-in for postgres:16-alpine, built by `make images-local` from Debian's
# postgresql-15. It follows the public image's contract as far as compose uses it:
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB create the role and database on first
# start, data in PGDATA (/var/lib/postgresql/data, a volume), pg_isready for health checks,
# runs as user postgres, listens on 5432 with password (scram) auth for network clients.
ARG DEBIAN_IMAGE=newsevents-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
# postgresql-common would create a "main" cluster on install; the entrypoint makes its own.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \
    && sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
        /etc/postgresql-common/createcluster.conf \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
COPY docker/local/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
USER postgres
EXPOSE 5432
# Smart shutdown waits for clients; SIGINT is PostgreSQL's fast shutdown (as the public image).
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint"]
CMD ["postgres"]
