#!/usr/bin/env bash
# Start a single-node Slurm cluster on localhost for scripts/slurm-test.sh (CI runs as root on Debian).
#
# Installs Debian's slurm-wlm and munge with apt-get when they are missing, writes a one-node slurm.conf under
# target/slurm (SLURM_CONF points there; /etc is not touched), starts munged, slurmctld and slurmd as root, and waits
# (at most 60 s) until `sinfo` shows the node idle. scripts/slurm-down.sh stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/slurm-env.sh

if [ "$(id -u)" != 0 ]; then
    echo "slurm-up.sh: must run as root (it installs packages and starts daemons)" >&2
    exit 2
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

"$(dirname "$0")/slurm-down.sh" >/dev/null 2>&1 || true
rm -rf "$SLURM_HOME"
mkdir -p "$SLURM_HOME"/{munge,state,spool,log}
chmod 700 "$SLURM_HOME/munge"

# munge: a fresh key and a private socket, so nothing else on the machine is involved.
dd if=/dev/urandom of="$SLURM_HOME/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$SLURM_HOME/munge/munge.key"
munged --force --key-file="$SLURM_HOME/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$SLURM_HOME/munge/munged.pid" --log-file="$SLURM_HOME/log/munged.log" \
    --seed-file="$SLURM_HOME/munge/munged.seed"

host="$(hostname -s)"
# The node as slurmd sees the hardware (CPUs, sockets, cores, memory), so it is not drained for a mismatch.
node="$(slurmd -C | head -n 1)"
cat >"$SLURM_CONF" <<CONF
# Written by scripts/slurm-up.sh: a one-node cluster on localhost for CI.
ClusterName=claimbench
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${MUNGE_SOCKET}
StateSaveLocation=${SLURM_HOME}/state
SlurmdSpoolDir=${SLURM_HOME}/spool
SlurmctldPidFile=${SLURM_HOME}/slurmctld.pid
SlurmdPidFile=${SLURM_HOME}/slurmd.pid
SlurmctldLogFile=${SLURM_HOME}/log/slurmctld.log
SlurmdLogFile=${SLURM_HOME}/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
${node} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld
slurmd

for _ in $(seq 60); do
    state="$(sinfo -h -o %t 2>/dev/null || true)"
    if [ "$state" = idle ]; then
        sinfo
        exit 0
    fi
    sleep 1
done
echo "slurm-up.sh: the node did not become idle in 60 s (state: ${state:-none}); logs in $SLURM_HOME/log" >&2
tail -n 20 "$SLURM_HOME"/log/*.log >&2 || true
exit 1
