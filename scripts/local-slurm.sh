#!/usr/bin/env bash
# One-node Slurm cluster on this machine, for trying `agelab sweep --slurm` and its tests
# without a real cluster. Config, state, spool, logs and pid files all live under one folder
# (AGELAB_SLURM_DIR, default /tmp/agelab-slurm), so nothing global is changed except that
# munged is started when it is not running. Nothing is exported: `start` prints the SLURM_CONF
# to use.
#
#   scripts/local-slurm.sh start|stop|status
set -euo pipefail

dir="${AGELAB_SLURM_DIR:-/tmp/agelab-slurm}"
conf="$dir/slurm.conf"
node="$(hostname -s)"

need() {
    command -v "$1" >/dev/null 2>&1 || {
        echo "local-slurm: '$1' not found; install slurm-wlm and munge (apt-get install -y slurm-wlm munge)" >&2
        exit 2
    }
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    local cpus mem_mib
    cpus="$(nproc)"
    mem_mib=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    local tmp="$conf.tmp.$$"
    cat >"$tmp" <<CONF
ClusterName=agelab
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
NodeName=$node CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
    mv "$tmp" "$conf"
}

start_munge() {
    if ! pgrep -x munged >/dev/null 2>&1; then
        mkdir -p /run/munge
        [ -f /etc/munge/munge.key ] || mungekey -c
        # The package owns key, socket and log folders by the munge user; run munged as that
        # user when it exists (munged refuses root with munge-owned files), root otherwise.
        if id munge >/dev/null 2>&1; then
            chown munge:munge /run/munge
            runuser -u munge -- /usr/sbin/munged
        else
            /usr/sbin/munged
        fi
    fi
}

start() {
    need slurmctld; need slurmd; need sinfo; need munged
    write_conf
    start_munge
    export SLURM_CONF="$conf"
    pid_alive "$dir/slurmctld.pid" || slurmctld -f "$conf"
    pid_alive "$dir/slurmd.pid" || slurmd -f "$conf"
    # Bounded wait for the node to become schedulable.
    local i state=""
    for i in $(seq 1 60); do
        state="$(sinfo -h -n "$node" -o %t 2>/dev/null | head -n1 || true)"
        case "$state" in
            idle|mix|alloc) echo "SLURM_CONF=$conf"; return 0 ;;
        esac
        sleep 1
    done
    echo "local-slurm: node $node not idle after 60 s (state '${state:-none}'); logs in $dir/log" >&2
    exit 1
}

stop() {
    local f
    for f in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
        if pid_alive "$f"; then
            kill "$(cat "$f")"
            for _ in $(seq 1 20); do pid_alive "$f" || break; sleep 0.5; done
        fi
        rm -f "$f"
    done
    echo "local-slurm: stopped"
}

status() {
    local up=0
    pid_alive "$dir/slurmctld.pid" && echo "slurmctld: running" || { echo "slurmctld: stopped"; up=1; }
    pid_alive "$dir/slurmd.pid" && echo "slurmd: running" || { echo "slurmd: stopped"; up=1; }
    if [ "$up" = 0 ]; then
        echo "SLURM_CONF=$conf"
        SLURM_CONF="$conf" sinfo || true
    fi
    return "$up"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
