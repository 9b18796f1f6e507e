#!/bin/sh
# Install the Debian packages netstitch needs to build and test, when missing.
# Idempotent: when everything is present it only runs dpkg-query and returns in
# well under a second. Needs root (or sudo) only when something is missing.
set -eu

PKGS="build-essential pkg-config libyang2-dev libyang2-tools libnetconf2-dev libssh-dev \
libxml2-dev libxml2-utils libcmocka-dev openssh-server netconfd yangcli python3-ncclient \
libyuma-base valgrind clang libclang-rt-14-dev graphviz libjansson-dev python3-prometheus-client \
libsqlite3-dev sqlite3 libpq-dev postgresql ansible zlib1g-dev"
# graphviz: `netstitch graph --svg` and tests/cli parse the DOT with dot (the command
# works without it; t_graph then skips, which fails make check unless declared).
# zlib1g-dev: the compile keeps every router's payload and CLI deflated until written
# (compiler/compile.c; libxml2 already depends on it).
# libjansson-dev: the command's JSON output encodes its strings with jansson.
# python3-prometheus-client: tests/push/t_health.sh parses `status --format prometheus`
# with its OpenMetrics parser.
# libsqlite3-dev: the default state store (netconf/store_sqlite.c); sqlite3: tests read it.
# libpq-dev, postgresql: the team state store (netconf/store_pg.c) and the tests that
# start a throw-away PostgreSQL cluster.
# ansible: `make bench` compares a push with an Ansible playbook (bench/ansible/; the
# package ships the ansible.netcommon collection); nothing else uses it.

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-deps: need root to install:$missing" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# A stale package index makes install fail on a fresh machine; refresh once.
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
