#!/bin/sh
# A throwaway PostgreSQL 15 for tests: `postgres.sh start` runs initdb + pg_ctl in a new temp dir
# on a free loopback port and prints URL=postgresql://... and PGDIR=...; `postgres.sh stop DIR`
# stops it and removes DIR. Installs Debian's postgresql if no server binaries are found.
# Exit 3 (with a reason on stderr) when PostgreSQL cannot be had here; the tests then skip.
set -eu

find_bin() {
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    return 1
}

as_owner() {
    # initdb and postgres refuse to run as root: run them as the postgres user then.
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
start)
    BIN="$(find_bin || true)"
    if [ -z "$BIN" ]; then
        if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != "0" ]; then
            echo "postgres.sh: no PostgreSQL server and no apt-get as root to install it" >&2
            exit 3
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
        BIN="$(find_bin)"
    fi
    if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    DIR="$(mktemp -d /tmp/minshare-pg.XXXXXX)"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    if [ "$(id -u)" = "0" ]; then chown postgres "$DIR"; fi
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust --no-sync -E UTF8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=on -c max_connections=200" \
        start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
    echo "URL=postgresql://postgres@127.0.0.1:$PORT/postgres"
    echo "PGDIR=$DIR"
    ;;
stop)
    DIR="${2:?usage: postgres.sh stop DIR}"
    BIN="$(find_bin)"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: postgres.sh start | stop DIR" >&2
    exit 2
    ;;
esac
