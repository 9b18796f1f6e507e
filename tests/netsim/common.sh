# Sourced by tests/netsim/t_*.sh: check the prerequisites, skip (77) when they are missing.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
NETSIM=${NETSIM:-$TOP/$BUILD/netstitch-netsim}
NETSIM_TESTS=$TOP/tests/netsim
export TOP BUILD NETSIM NETSIM_TESTS
if [ ! -x "$NETSIM" ]; then
    echo "netsim not built: $NETSIM"; exit 77
fi
if ! /usr/bin/python3 -c 'import ncclient' 2>/dev/null; then
    echo "python3-ncclient missing (apt-get install python3-ncclient)"; exit 77
fi
if ! command -v ssh-keygen >/dev/null 2>&1; then
    echo "ssh-keygen missing"; exit 77
fi
