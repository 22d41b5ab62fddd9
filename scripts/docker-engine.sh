#!/usr/bin/env bash
# Make a Docker engine with the Compose v2 plugin answer on this (Debian-like, root) machine,
# for the compose test and `make images-local`. It does only what is missing:
#   1. `dockerd` absent: install Debian's docker.io (engine, containerd, runc);
#   2. `docker compose` absent: install the Compose v2 plugin (and buildx) from Debian trixie's
#      packages, fetched with apt through a private list directory so the machine's own
#      sources are left alone (bookworm only ships the old Python docker-compose 1.x);
#   3. no engine answering: start dockerd in the background (log: /var/log/dockerd.log).
# Prints one last line, "engine: ready" or "engine: unavailable: <why>", and exits 0 / 1.
# The engine it starts keeps running; `scripts/docker-engine.sh --stop` stops the one it
# started (its pid is in /run/newsevents-dockerd.pid).
set -uo pipefail

PIDFILE=/run/newsevents-dockerd.pid
LOG=/var/log/dockerd.log
APT_TIMEOUT_S=${APT_TIMEOUT_S:-420}

unavailable() {
    echo "engine: unavailable: $*"
    exit 1
}

engine_answers() {
    docker info >/dev/null 2>&1
}

if [ "${1:-}" = "--stop" ]; then
    if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        kill "$(cat "$PIDFILE")"
        for _ in $(seq 60); do
            kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
            sleep 0.5
        done
        rm -f "$PIDFILE"
        echo "engine: stopped"
    else
        echo "engine: none started by this script"
    fi
    exit 0
fi

as_root() {
    [ "$(id -u)" -eq 0 ] || unavailable "$1 needs root (run as root, or start Docker yourself)"
}

apt_install() {
    as_root "installing $*"
    command -v apt-get >/dev/null || unavailable "no apt-get to install $*"
    DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT_S" apt-get install -y -q "$@" \
        >/tmp/newsevents-apt.log 2>&1 ||
        {
            timeout "$APT_TIMEOUT_S" apt-get update -q >>/tmp/newsevents-apt.log 2>&1
            DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT_S" apt-get install -y -q "$@" \
                >>/tmp/newsevents-apt.log 2>&1
        } || unavailable "apt-get install $* failed (see /tmp/newsevents-apt.log)"
}

install_compose_plugin() {
    # Debian trixie's docker-compose (2.x) and docker-buildx are static Go binaries that
    # need only libc6 >= 2.34 (bookworm has 2.36).
    as_root "installing the Compose plugin"
    local dir=/var/cache/newsevents-trixie-apt
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
    echo "deb http://deb.debian.org/debian trixie main" >"$dir/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -q)
    timeout "$APT_TIMEOUT_S" apt-get "${opts[@]}" update >/tmp/newsevents-apt.log 2>&1 ||
        unavailable "cannot read Debian trixie's package lists (see /tmp/newsevents-apt.log)"
    (cd "$dir/debs" && timeout "$APT_TIMEOUT_S" apt-get "${opts[@]}" download \
        docker-compose docker-buildx >>/tmp/newsevents-apt.log 2>&1) ||
        unavailable "cannot download docker-compose/docker-buildx (see /tmp/newsevents-apt.log)"
    dpkg -i "$dir"/debs/*.deb >>/tmp/newsevents-apt.log 2>&1 ||
        unavailable "dpkg -i of the Compose plugin failed (see /tmp/newsevents-apt.log)"
}

command -v dockerd >/dev/null || apt_install docker.io
command -v docker >/dev/null || unavailable "no docker client after installing docker.io"
docker compose version >/dev/null 2>&1 || install_compose_plugin
docker compose version >/dev/null 2>&1 || unavailable "docker compose does not answer"

if ! engine_answers; then
    as_root "starting dockerd"
    command -v setsid >/dev/null || unavailable "no setsid to start dockerd"
    setsid dockerd >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 120); do
        engine_answers && break
        kill -0 "$(cat "$PIDFILE")" 2>/dev/null || unavailable "dockerd exited (see $LOG)"
        sleep 0.5
    done
    engine_answers || unavailable "dockerd did not answer within 60 s (see $LOG)"
fi
echo "engine: ready ($(docker version --format 'server {{.Server.Version}}' 2>/dev/null)," \
    "$(docker compose version --short 2>/dev/null | sed 's/^/compose /'))"
