# Local stand-in for python:3.11-slim, built by `make images-local` from Debian packages:
# bookworm's python3 is 3.11. It offers what the app Dockerfiles use from the public image:
# `python3` with the venv module, `useradd`, CA certificates.
ARG DEBIAN_IMAGE=newsevents-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
# pip's own certificate bundle does not hold the CAs that `make images-local` added to the
# system store; point it at the system store.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    LANG=C.UTF-8
CMD ["python3"]
