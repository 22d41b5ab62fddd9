#!/bin/sh
# `redis-server ARGS...` runs with protected mode off (ARGS may turn it back on), like the
# public redis image; any other command runs as given.
set -e
if [ "$1" = "redis-server" ]; then
    shift
    exec redis-server --protected-mode no "$@"
fi
exec "$@"
