#!/bin/sh
# lab.sh: a real third-party NETCONF lab on loopback, for tests that must talk to a
# server netstitch did not write.
#
# Each device is one yuma123 `netconfd` with its own YANG modules, its own yuma home and
# its own UNIX socket; one private OpenSSH `sshd` listens on 127.0.0.1 with one port per
# device and maps each port to its netconfd through `netconf-subsystem`. Everything
# (host keys, client keys, configs, logs, pid files) lives under the lab directory and is
# generated at start time; nothing is committed and nothing under /etc is touched except
# the optional password user (see --password-user). Facts this script relies on are in
# docs/vendors.md B.2-B.5 and B.9: `--port` is mandatory for
# netconfd behind sshd, `--yuma-home` must differ per device, sshd needs /run/sshd and an
# absolute path, and StrictModes/UsePAM must be off for a lab under /tmp.
#
# Usage:
#   lab.sh start DIR [--devices "NAME:MODULES:TARGET[:STARTUP] ..."] [--base-port N]
#                    [--password-user]
#       NAME     [A-Za-z0-9_]+ (it becomes part of shell variable names in lab.env)
#       MODULES  comma-separated .yang files; relative names are looked up in
#                tests/lab/models/ first, then relative to the current directory
#       TARGET   candidate (also :startup) or running (:writable-running only)
#       STARTUP  optional seed file loaded as the device's startup config
#       default: "a:lab-net.yang:candidate b:lab-net.yang:candidate c:lab-net.yang:running"
#       Ports are BASE, BASE+1, ... in device order. Without --base-port a free block is
#       probed at random; with it the block must be free. LAB_MODPATH (colon list) adds
#       module search directories for vendor models.
#   lab.sh stop DIR                 stop everything the lab started (idempotent)
#   lab.sh status DIR               one line per process; exit 0 only if all run
#   lab.sh restart-device DIR NAME  SIGTERM that netconfd and start it again
#   lab.sh kill-device DIR NAME     SIGKILL that netconfd (a crash), no restart
#   lab.sh pause-device DIR NAME    SIGSTOP that netconfd (a hung device: TCP and SSH
#                                   still answer, NETCONF replies never come)
#   lab.sh resume-device DIR NAME   SIGCONT it
#   lab.sh drop-sessions DIR NAME   kill the per-connection sshd processes serving
#                                   NAME's port (a TCP/SSH drop); the device survives
#   lab.sh ensure-password-user     create the local user nctest; its password is in
#                                   DIR/ssh/password after start (LAB_PASSWORD_FILE)
#
# After start, DIR/lab.env (sourceable shell) describes the lab: ports, key paths,
# host-key SHA256 fingerprints as `ssh-keygen -lf` prints them, a known_hosts file and
# the client schema directory. Readiness is detected from the netconfd socket and from
# sshd's listening sockets (ss), never by opening a TCP connection to sshd: a bare
# probe shows up in sshd logs as a failed key exchange.
set -eu

LAB_HOME=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$LAB_HOME/../.." && pwd)
SSHD=/usr/sbin/sshd
NETCONFD=/usr/sbin/netconfd
SUBSYS=/usr/sbin/netconf-subsystem
YUMA_MODS=/usr/share/yuma/modules
PW_USER=nctest
PW_PASS=nc-lab-secret-42
DEFAULT_DEVICES="a:lab-net.yang:candidate b:lab-net.yang:candidate c:lab-net.yang:running"

die() {
    echo "lab.sh: $*" >&2
    exit 1
}

# Absolute form of a directory that may not exist yet.
absdir() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

rand16() {
    od -An -N2 -tu2 /dev/urandom | tr -d ' '
}

# True when nothing listens on TCP port $1 (any address).
port_free() {
    [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# Is $1 a live process whose command line mentions $2? Guards every kill so that a
# recycled pid never hits a stranger.
pid_is() {
    [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

# All descendants of pid $1 (children first listed after their parent).
descendants() {
    ps -eo pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2; pids[NR] = $1 }
        END {
            want[root] = 1; changed = 1
            while (changed) {
                changed = 0
                for (i in pids) {
                    p = pids[i]
                    if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1 }
                }
            }
            for (p in want) if (p != root) print p
        }'
}

# Is pid $1 running? A zombie has finished (only its parent can reap it).
alive() {
    [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Wait until none of the given pids is alive, up to $1 tenths of a second.
wait_gone() {
    tenths=$1
    shift
    while [ "$tenths" -gt 0 ]; do
        any=""
        for p in "$@"; do
            alive "$p" && any=1
        done
        [ -z "$any" ] && return 0
        sleep 0.1
        tenths=$((tenths - 1))
    done
    return 1
}

resolve_module() {
    case $1 in
        /*) m=$1 ;;
        *)
            if [ -f "$LAB_HOME/models/$1" ]; then
                m=$LAB_HOME/models/$1
            else
                m=$(pwd)/$1
            fi
            ;;
    esac
    [ -f "$m" ] || die "module not found: $1"
    printf '%s\n' "$m"
}

# The password differs from the user name on purpose: tests grep logs for it.
ensure_password_user() {
    if ! id "$PW_USER" >/dev/null 2>&1; then
        # A concurrent lab may create it first; that is fine.
        useradd -M -d /nonexistent -s /bin/sh "$PW_USER" 2>/dev/null || id "$PW_USER" >/dev/null \
            || die "cannot create user $PW_USER"
    fi
    # Setting the same password again is harmless, and chpasswd locks /etc/shadow.
    echo "$PW_USER:$PW_PASS" | chpasswd || die "cannot set the password of $PW_USER"
}

fingerprint() {
    ssh-keygen -lf "$1" | awk '{print $2}'
}

# Write DIR/dev/NAME/start.sh: the one netconfd command line for that device, used by
# start and restart-device alike.
write_device() {
    name=$1 mods=$2 target=$3 seed=$4 port=$5
    d=$DIR/dev/$name
    mkdir -p "$d/yhome/data"
    modargs=""
    modpath="$LAB_HOME/models"
    oldifs=$IFS
    IFS=,
    for m in $mods; do
        IFS=$oldifs
        abs=$(resolve_module "$m")
        modargs="$modargs --module=$abs"
        modpath="$modpath:$(dirname "$abs")"
    done
    IFS=$oldifs
    [ -n "${LAB_MODPATH:-}" ] && modpath="$modpath:$LAB_MODPATH"
    modpath="$modpath:$YUMA_MODS"
    if [ -n "$seed" ]; then
        [ -f "$seed" ] || die "startup file not found: $seed"
        cp "$seed" "$d/seed-cfg.xml"
    else
        echo '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>' >"$d/seed-cfg.xml"
    fi
    case $target in
        candidate) topts="--target=candidate --with-startup=true" ;;
        running) topts="--target=running --with-startup=false" ;;
        *) die "device $name: target must be candidate or running, not '$target'" ;;
    esac
    cat >"$d/start.sh" <<EOF
#!/bin/sh
# Generated by lab.sh: runs device $name's netconfd in the foreground. Every start
# begins from the seed config, like a device that reboots without saving.
cp "$d/seed-cfg.xml" "$d/startup-cfg.xml"
rm -f "$d/ncx.sock"
exec $NETCONFD --config=/dev/null --yuma-home=$d/yhome --ncxserver-sockname=$d/ncx.sock \\
    --port=$port --modpath=$modpath$modargs \\
    --startup=$d/startup-cfg.xml $topts --superuser=root --access-control=off \\
    --log=$d/netconfd.log --log-append --log-level=info
EOF
    chmod 0755 "$d/start.sh"
}

# Start device $1's netconfd in the background and wait for its socket.
start_device() {
    d=$DIR/dev/$1
    # start.sh removes it too, but only once it runs: a socket left by a killed netconfd
    # must not pass for the new one's.
    rm -f "$d/ncx.sock"
    sh "$d/start.sh" </dev/null >>"$d/netconfd.out" 2>&1 &
    echo $! >"$d/netconfd.pid"
    pid=$!
    # 0.03-0.06 s on an idle machine (docs/vendors.md B.3); seconds on a loaded one.
    end=$(($(date +%s) + 60))
    while [ ! -S "$d/ncx.sock" ]; do
        if ! alive "$pid"; then
            tail -n 5 "$d/netconfd.log" >&2 2>/dev/null || true
            die "device $1: netconfd exited during startup (log: $d/netconfd.log)"
        fi
        [ "$(date +%s)" -lt "$end" ] || die "device $1: netconfd socket did not appear within 60 s"
        sleep 0.02
    done
}

stop_device() {
    d=$DIR/dev/$1
    pid=$(cat "$d/netconfd.pid" 2>/dev/null || true)
    if pid_is "$pid" "$d/yhome"; then
        kill -CONT "$pid" 2>/dev/null || true
        kill -"${2:-TERM}" "$pid" 2>/dev/null || true
        if ! wait_gone 30 "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone 20 "$pid" || true
        fi
    fi
}

load_env() {
    [ -f "$DIR/lab.env" ] || die "no lab in $DIR (lab.env missing)"
    # shellcheck disable=SC1091
    . "$DIR/lab.env"
}

device_port() {
    eval "printf '%s\n' \"\${LAB_DEV_$1_PORT:-}\""
}

check_device_name() {
    case " $LAB_DEVICES " in
        *" $1 "*) ;;
        *) die "no device '$1' in this lab (devices: $LAB_DEVICES)" ;;
    esac
}

sshd_pid() {
    p=$(cat "$DIR/ssh/sshd.pid" 2>/dev/null || true)
    if pid_is "$p" "$DIR/ssh/sshd_config"; then
        printf '%s\n' "$p"
    fi
}

cmd_start() {
    devices=$DEFAULT_DEVICES
    base=""
    want_pw=""
    while [ $# -gt 0 ]; do
        case $1 in
            --devices) devices=$2; shift 2 ;;
            --base-port) base=$2; shift 2 ;;
            --password-user) want_pw=1; shift ;;
            *) die "start: unknown option $1" ;;
        esac
    done
    if [ -f "$DIR/lab.env" ] && [ -n "$(sshd_pid)" ]; then
        die "a lab is already running in $DIR; stop it first"
    fi
    for x in "$SSHD" "$NETCONFD" "$SUBSYS" /usr/bin/ssh-keygen /usr/bin/ss; do
        [ -x "$x" ] || die "missing $x (run scripts/install-deps.sh)"
    done
    mkdir -p "$DIR/ssh" "$DIR/dev" "$DIR/schema-cache"
    # netconf-subsystem runs as the logged-in user; a password user (not root) must be
    # able to reach the netconfd sockets even when DIR came from mktemp -d (mode 0700).
    chmod 0711 "$DIR"
    # sshd refuses to start without its privilege separation directory.
    mkdir -p -m 0755 /run/sshd
    [ -n "$want_pw" ] && ensure_password_user

    # Keys: generated here, never committed. RSA keys are PEM because libnetconf2's
    # server side and older clients want PEM; 2048 bits keeps start-up fast.
    k=$DIR/ssh
    rm -f "$k"/ssh_host_* "$k"/client_*
    ssh-keygen -q -t ed25519 -N '' -C lab-host -f "$k/ssh_host_ed25519_key"
    ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C lab-host -f "$k/ssh_host_rsa_key"
    ssh-keygen -q -t ed25519 -N '' -C lab-client -f "$k/client_ed25519"
    ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C lab-client -f "$k/client_rsa"
    cat "$k/client_ed25519.pub" "$k/client_rsa.pub" >"$k/authorized_keys"
    printf '%s\n' "$PW_PASS" >"$k/password"
    chmod 0600 "$k/password"

    # Parse the device list and pick ports.
    names=""
    n=0
    for spec in $devices; do
        name=${spec%%:*}
        case $name in
            '' | *[!A-Za-z0-9_]*) die "bad device name in '$spec'" ;;
        esac
        case " $names " in *" $name "*) die "duplicate device name $name" ;; esac
        names="$names $name"
        n=$((n + 1))
    done
    names=${names# }
    [ "$n" -gt 0 ] || die "no devices"

    tries=0
    while :; do
        tries=$((tries + 1))
        [ "$tries" -le 20 ] || die "no free block of $n ports found"
        if [ -n "$base" ]; then
            b=$base
        else
            b=$((20000 + $(rand16) % 40000))
        fi
        ok=1
        i=0
        while [ "$i" -lt "$n" ]; do
            port_free $((b + i)) || ok=""
            i=$((i + 1))
        done
        if [ -z "$ok" ]; then
            [ -n "$base" ] && die "ports $base..$((base + n - 1)) are not all free"
            continue
        fi
        if try_start "$b"; then
            break
        fi
        # Another lab (or anything else) took a port between the probe and the bind.
        [ -n "$base" ] \
            && die "sshd could not bind ports $base..$((base + n - 1)) (see $DIR/ssh/sshd.log)"
    done
    write_env
}

# Write configs for base port $1, start netconfds and sshd. Returns 1 (after cleaning
# up) when sshd did not get every port, so the caller can retry elsewhere.
try_start() {
    b=$1
    i=0
    subsys=$SUBSYS
    ports=""
    for spec in $devices; do
        oldifs=$IFS
        IFS=:
        # shellcheck disable=SC2086
        set -- $spec
        IFS=$oldifs
        [ $# -ge 3 ] || die "device spec '$spec' is not NAME:MODULES:TARGET[:STARTUP]"
        port=$((b + i))
        write_device "$1" "$2" "$3" "${4:-}" "$port"
        subsys="$subsys --ncxserver-sockname=$port@$DIR/dev/$1/ncx.sock"
        ports="$ports $port"
        i=$((i + 1))
    done
    k=$DIR/ssh
    {
        echo "# Generated by tests/lab/lab.sh; private to this lab."
        echo "ListenAddress 127.0.0.1"
        for p in $ports; do echo "Port $p"; done
        echo "HostKey $k/ssh_host_ed25519_key"
        echo "HostKey $k/ssh_host_rsa_key"
        echo "PidFile $k/sshd.pid"
        echo "AuthorizedKeysFile $k/authorized_keys"
        echo "StrictModes no"
        echo "UsePAM no"
        echo "PermitRootLogin yes"
        echo "PubkeyAuthentication yes"
        echo "PasswordAuthentication yes"
        echo "KbdInteractiveAuthentication no"
        echo "AllowTcpForwarding no"
        echo "X11Forwarding no"
        echo "LogLevel VERBOSE"
        echo "MaxStartups 50:30:100"
        # sshd runs the subsystem through the user's shell. bash, when it thinks sshd
        # started it at shell level 1, sources ~/.bashrc, which on some machines costs
        # a quarter of a second per session; SHLVL=1 makes the subsystem shell level 2.
        echo "SetEnv SHLVL=1"
        echo "Subsystem netconf $subsys"
    } >"$k/sshd_config"

    for name in $names; do
        start_device "$name"
    done
    rm -f "$k/sshd.pid"
    : >"$k/sshd.log"
    "$SSHD" -f "$k/sshd_config" -E "$k/sshd.log" </dev/null >/dev/null 2>&1 \
        || { stop_all; return 1; }
    # Ready when the pid file exists and every port is listening (60 s: a loaded machine).
    end=$(($(date +%s) + 60))
    while :; do
        spid=$(sshd_pid)
        if [ -n "$spid" ]; then
            missing=""
            for p in $ports; do
                ss -Htlnp "sport = :$p" 2>/dev/null | grep -q "pid=$spid," || missing=1
            done
            [ -z "$missing" ] && break
            if grep -q "Bind to port" "$k/sshd.log"; then
                stop_all
                return 1
            fi
        fi
        if [ "$(date +%s)" -ge "$end" ]; then
            stop_all
            return 1
        fi
        sleep 0.02
    done
    BASE=$b
    PORTS=$ports
    return 0
}

write_env() {
    k=$DIR/ssh
    kh=$k/known_hosts
    : >"$kh"
    for p in $PORTS; do
        for t in ed25519 rsa; do
            key=$(cut -d' ' -f1-2 "$k/ssh_host_${t}_key.pub")
            printf '[127.0.0.1]:%s %s\n' "$p" "$key" >>"$kh"
        done
    done
    {
        echo "# Generated by tests/lab/lab.sh start; source it."
        echo "LAB_DIR='$DIR'"
        echo "LAB_HOST=127.0.0.1"
        echo "LAB_BASE_PORT=$BASE"
        echo "LAB_DEVICES='$names'"
        echo "LAB_USER=root"
        echo "LAB_CLIENT_KEY_ED25519='$k/client_ed25519'"
        echo "LAB_CLIENT_PUB_ED25519='$k/client_ed25519.pub'"
        echo "LAB_CLIENT_KEY_RSA='$k/client_rsa'"
        echo "LAB_CLIENT_PUB_RSA='$k/client_rsa.pub'"
        echo "LAB_HOSTKEY_ED25519_SHA256='$(fingerprint "$k/ssh_host_ed25519_key.pub")'"
        echo "LAB_HOSTKEY_RSA_SHA256='$(fingerprint "$k/ssh_host_rsa_key.pub")'"
        echo "LAB_KNOWN_HOSTS='$kh'"
        echo "LAB_PASSWORD_USER=$PW_USER"
        echo "LAB_PASSWORD_FILE='$k/password'"
        echo "LAB_SCHEMA_DIR='$TOP/yang/ietf'"
        echo "LAB_SCHEMA_CACHE='$DIR/schema-cache'"
        echo "LAB_SSHD_LOG='$k/sshd.log'"
        i=0
        for spec in $devices; do
            oldifs=$IFS
            IFS=:
            # shellcheck disable=SC2086
            set -- $spec
            IFS=$oldifs
            echo "LAB_DEV_$1_PORT=$((BASE + i))"
            echo "LAB_DEV_$1_TARGET=$3"
            echo "LAB_DEV_$1_MODULES='$2'"
            echo "LAB_DEV_$1_LOG='$DIR/dev/$1/netconfd.log'"
            i=$((i + 1))
        done
    } >"$DIR/lab.env.tmp"
    mv "$DIR/lab.env.tmp" "$DIR/lab.env"
}

# Stop sshd (and every per-connection child) and every netconfd of the lab.
stop_all() {
    spid=$(sshd_pid)
    if [ -n "$spid" ]; then
        kids=$(descendants "$spid")
        kill -TERM "$spid" 2>/dev/null || true
        for p in $kids; do kill -TERM "$p" 2>/dev/null || true; done
        # shellcheck disable=SC2086
        if ! wait_gone 30 "$spid" $kids; then
            kill -KILL "$spid" $kids 2>/dev/null || true
            wait_gone 20 "$spid" $kids || true
        fi
    fi
    rm -f "$DIR/ssh/sshd.pid"
    # All netconfds at once: each takes up to a second to notice SIGTERM.
    npids=""
    for d in "$DIR"/dev/*/; do
        [ -d "$d" ] || continue
        pid=$(cat "$d/netconfd.pid" 2>/dev/null || true)
        if pid_is "$pid" "${d}yhome"; then
            # A paused device would sit on SIGTERM until continued.
            kill -CONT "$pid" 2>/dev/null || true
            kill -TERM "$pid" 2>/dev/null || true
            npids="$npids $pid"
        fi
    done
    # shellcheck disable=SC2086
    if [ -n "$npids" ] && ! wait_gone 20 $npids; then
        kill -KILL $npids 2>/dev/null || true
        wait_gone 20 $npids || true
    fi
}

cmd_status() {
    load_env
    rc=0
    spid=$(sshd_pid)
    if [ -n "$spid" ]; then
        echo "sshd running pid=$spid"
    else
        echo "sshd stopped"
        rc=1
    fi
    for name in $LAB_DEVICES; do
        d=$DIR/dev/$name
        pid=$(cat "$d/netconfd.pid" 2>/dev/null || true)
        if pid_is "$pid" "$d/yhome" && [ -S "$d/ncx.sock" ]; then
            echo "device $name running pid=$pid port=$(device_port "$name")"
        else
            echo "device $name stopped port=$(device_port "$name")"
            rc=1
        fi
    done
    return $rc
}

# Kill the sshd processes that serve established connections on device $1's port.
cmd_drop_sessions() {
    load_env
    check_device_name "$1"
    port=$(device_port "$1")
    spid=$(sshd_pid)
    [ -n "$spid" ] || die "sshd is not running"
    kids=" $(descendants "$spid" | tr '\n' ' ') "
    victims=""
    for p in $(ss -Htnp state established "sport = :$port" 2>/dev/null \
        | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
        case $kids in *" $p "*) victims="$victims $p" ;; esac
    done
    for p in $victims; do kill -KILL "$p" 2>/dev/null || true; done
    echo "dropped:${victims:- none}"
}

[ $# -ge 1 ] || die "usage: lab.sh start|stop|status|restart-device|kill-device|pause-device|\
resume-device|drop-sessions DIR ... (see the comment at the top)"
cmd=$1
shift
if [ "$cmd" = ensure-password-user ]; then
    ensure_password_user
    exit 0
fi
[ $# -ge 1 ] || die "$cmd: missing DIR"
DIR=$(absdir "$1")
DIR=${DIR%/}
shift
case $cmd in
    start)
        cmd_start "$@"
        ;;
    stop)
        stop_all
        ;;
    status)
        cmd_status
        ;;
    restart-device)
        [ $# -eq 1 ] || die "restart-device DIR NAME"
        load_env
        check_device_name "$1"
        stop_device "$1"
        start_device "$1"
        ;;
    kill-device)
        [ $# -eq 1 ] || die "kill-device DIR NAME"
        load_env
        check_device_name "$1"
        stop_device "$1" KILL
        ;;
    pause-device | resume-device)
        [ $# -eq 1 ] || die "$cmd DIR NAME"
        load_env
        check_device_name "$1"
        pid=$(cat "$DIR/dev/$1/netconfd.pid" 2>/dev/null || true)
        pid_is "$pid" "$DIR/dev/$1/yhome" || die "device $1 is not running"
        if [ "$cmd" = pause-device ]; then kill -STOP "$pid"; else kill -CONT "$pid"; fi
        ;;
    drop-sessions)
        [ $# -eq 1 ] || die "drop-sessions DIR NAME"
        cmd_drop_sessions "$1"
        ;;
    *)
        die "unknown command $cmd"
        ;;
esac
