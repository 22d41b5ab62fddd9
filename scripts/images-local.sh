#!/usr/bin/env bash
# `make images-local`: build, from Debian packages, local stand-ins for the public images the
# compose stack uses, for machines that cannot pull from a public registry or reach PyPI's
# torch index; then `docker compose --env-file docker/local.env ...` builds the same
# Dockerfiles with them (see docker/local.env and README "Docker").
#
#   newsevents-local/debian:bookworm  debootstrap --variant=minbase bookworm, imported
#   newsevents-local/python:3.11      + python3 python3-venv      (for python:3.11-slim)
#   newsevents-local/redis:7          + redis-server               (for redis:7-alpine)
#   newsevents-local/postgres:15      + postgresql-15, entrypoint  (for postgres:16-alpine)
#   docker/wheels/torch-2.13.0+cpu-*.whl  the CPU torch wheel pip finds on this machine
#
# Images that exist are kept (layer caching does the rest); REBUILD=1 rebuilds the base.
# The machine's extra CA certificates (/usr/local/share/ca-certificates) go into the base
# image, so that builds behind a TLS-intercepting proxy can reach the package registries.
set -euo pipefail

cd "$(dirname "$0")/.."

PREFIX=newsevents-local
DEBIAN_IMAGE=$PREFIX/debian:bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TORCH=torch==2.13.0
PIP=${PIP:-python3 -m pip}

started=$(date +%s)
say() { echo "images-local: $* ($(($(date +%s) - started)) s)"; }

bash scripts/docker-engine.sh

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_debian_base() {
    command -v debootstrap >/dev/null || {
        say "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
    }
    local rootfs
    rootfs=$(mktemp -d /tmp/newsevents-rootfs.XXXXXX)
    # shellcheck disable=SC2064
    trap "rm -rf '$rootfs'" EXIT
    say "debootstrap bookworm (minbase) into $rootfs"
    debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$MIRROR" \
        >/tmp/newsevents-debootstrap.log 2>&1 ||
        { tail -20 /tmp/newsevents-debootstrap.log; exit 1; }
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
        chroot "$rootfs" update-ca-certificates >/dev/null
    fi
    # Slim like the public images: no recommends, no apt lists, no docs or man pages.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$rootfs/etc/apt/apt.conf.d/90newsevents-slim"
    printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n' \
        >"$rootfs/etc/dpkg/dpkg.cfg.d/90newsevents-slim"
    echo "deb $MIRROR bookworm main" >"$rootfs/etc/apt/sources.list"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
    say "importing $DEBIAN_IMAGE"
    tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
}

if [ "${REBUILD:-0}" = 1 ] || ! image_exists "$DEBIAN_IMAGE"; then
    build_debian_base
else
    say "$DEBIAN_IMAGE exists"
fi

for spec in python:3.11 redis:7 postgres:15; do
    name=${spec%%:*}
    say "building $PREFIX/$spec"
    docker build -q -f "docker/local/$name.Dockerfile" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
        -t "$PREFIX/$spec" . >/dev/null
done

mkdir -p docker/wheels
if ! compgen -G "docker/wheels/torch-2.13.0+cpu-*.whl" >/dev/null; then
    say "pip download $TORCH (the CPU build) into docker/wheels"
    # shellcheck disable=SC2086
    $PIP download "$TORCH" --no-deps --only-binary=:all: -d docker/wheels -q
fi
compgen -G "docker/wheels/torch-2.13.0+cpu-*.whl" >/dev/null || {
    echo "images-local: pip found no CPU torch wheel for $TORCH (found: $(ls docker/wheels))." >&2
    echo "  Put torch-2.13.0+cpu-cp311-*.whl into docker/wheels/, or set TORCH_PIP_ARGS." >&2
    exit 1
}
say "done; images:"
docker image ls --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' "$PREFIX/*"
echo "Use them with: docker compose --env-file docker/local.env up -d --build  (make up-local)"
