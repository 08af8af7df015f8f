# shellcheck shell=bash
# Helpers for tests that boot a container with tests/lib/ct-boot. Sourced.
#
#   tests/lib/ct-boot NAME STAGE [nspawn options] > console.log 2>&1 & L=$!
#   ct_wait "$L" 60          # sets C, the container's PID 1
#   ct systemctl start ...   # a command inside the container
#   ct_stop "$L" 60; ct_cleanup NAME
#
# The container is entered with nsenter (all namespaces of its PID 1), so no
# machined registration is needed.

# ct_pid LAUNCHER_PID: PID of the container's systemd, the first descendant
# of the launcher named "systemd".
ct_pid() {
    local p
    for p in $(ps -o pid= --ppid "$1"); do
        if [ "$(cat "/proc/$p/comm" 2> /dev/null)" = systemd ]; then
            echo "$p"
            return 0
        fi
        ct_pid "$p" && return 0
    done
    return 1
}

# ct_wait LAUNCHER_PID [SECONDS]: waits until the container's systemd has
# finished booting (running or degraded) and sets C to its PID.
ct_wait() {
    local s=
    for _ in $(seq $((${2:-60} * 5))); do
        kill -0 "$1" 2> /dev/null || { echo "container exited during boot" >&2; return 1; }
        if C=$(ct_pid "$1"); then
            s=$(nsenter -t "$C" -a systemctl is-system-running 2> /dev/null) || true
            case $s in running | degraded) return 0 ;; esac
        fi
        sleep 0.2
    done
    echo "container did not boot in ${2:-60} s: ${s:-no answer from systemd}" >&2
    return 1
}

# ct COMMAND...: runs COMMAND in the container (C set by ct_wait).
ct() { nsenter -t "$C" -a "$@"; }

# ct_stop LAUNCHER_PID [SECONDS]: powers the container off and waits for the
# launcher to exit; kills it (and with it the container) after SECONDS.
ct_stop() {
    local _
    kill -0 "$1" 2> /dev/null || return 0
    [ -z "${C:-}" ] || ct systemctl --no-block poweroff 2> /dev/null || true
    for _ in $(seq $((${2:-60} * 5))); do
        kill -0 "$1" 2> /dev/null || { wait "$1" 2> /dev/null || true; return 0; }
        sleep 0.2
    done
    echo "container did not power off in ${2:-60} s: killing it" >&2
    # SIGKILL to a PID namespace's init kills everything in the namespace;
    # nspawn then exits, and with it the launcher.
    [ -z "${C:-}" ] || kill -KILL "$C" 2> /dev/null || true
    sleep 1
    kill -KILL "$1" 2> /dev/null || true
    wait "$1" 2> /dev/null || true
}

# ct_cleanup NAME: removes the cgroups and the mount point ct-boot left
# behind. Only after the container has stopped (ct_stop).
ct_cleanup() {
    local h
    for h in systemd unified; do
        if [ -d "/sys/fs/cgroup/$h/ct-$1" ]; then
            find "/sys/fs/cgroup/$h/ct-$1" -depth -type d -exec rmdir {} + 2> /dev/null || true
        fi
    done
    rmdir "/tmp/ct-$1" 2> /dev/null || true
}
