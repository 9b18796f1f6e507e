# pg.sh: a throw-away PostgreSQL cluster for the state store's tests (sourced, POSIX sh).
#   pg_up       initdb a cluster in a temporary directory as the postgres user, start it
#               on a Unix socket there (no TCP), set $PG_URL; pg_down (registered with
#               the caller's cleanup through PG_DOWN) stops it and removes everything.
# Needs root (to run as postgres) and the Debian postgresql package
# (scripts/install-deps.sh); exits 77 otherwise, saying why.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_up() {
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || { echo "postgresql is not installed"; exit 77; }
    [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 \
        || { echo "not root, or no postgres user: cannot start a cluster"; exit 77; }
    PG_DIR=$(mktemp -d /tmp/nst-pg.XXXXXX)
    chown postgres "$PG_DIR"
    chmod 0700 "$PG_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; fail "initdb"; }
    PG_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=''" start >/dev/null 2>&1 \
        || { cat "$PG_DIR/log"; fail "pg_ctl start"; }
    PG_URL="postgresql:///postgres?host=$PG_DIR&port=$PG_PORT&user=postgres"
}
pg_down() {
    [ -n "${PG_DIR:-}" ] || return 0
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
}
