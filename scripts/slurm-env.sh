#!/usr/bin/env bash
# Sourced by the slurm-*.sh scripts: where the private single-node cluster keeps its configuration, state and logs.
# Everything lives under target/slurm (nothing in /etc): every Slurm command finds the cluster through SLURM_CONF.
SLURM_HOME="${SLURM_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/slurm}"
export SLURM_CONF="$SLURM_HOME/slurm.conf"
MUNGE_SOCKET="$SLURM_HOME/munge/munge.socket"
