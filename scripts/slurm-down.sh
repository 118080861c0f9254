#!/usr/bin/env bash
# Stop the cluster of scripts/slurm-up.sh: slurmd, slurmctld and munged, each by the pid in its own pid file.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/slurm-env.sh

for pidfile in "$SLURM_HOME/slurmd.pid" "$SLURM_HOME/slurmctld.pid" "$SLURM_HOME/munge/munged.pid"; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$pidfile"
done
