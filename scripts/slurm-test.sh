#!/usr/bin/env bash
# Sharded scoring on a real Slurm cluster (the one scripts/slurm-up.sh starts): a single-machine run, then
# `sbatch --array=0-3` of `claimbench score --shard-from-env` and an `--dependency=afterok` merge job; the merged
# run.json and predictions copies must equal the single run's byte for byte. Builds nothing: it runs
# target/release/claimbench. Waits at most SLURM_TEST_TIMEOUT seconds (default 150) for the jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/slurm-env.sh
repo="$(pwd)"
bin="$repo/target/release/claimbench"
[ -x "$bin" ] || { echo "slurm-test.sh: $bin is missing: cargo build --release -p claimbench-cli" >&2; exit 2; }

work="$repo/target/slurm-test"
rm -rf "$work"
mkdir -p "$work"
# The test data: 24 synthetic documents, 480 predictions, scored twice as two systems.
gold="$repo/crates/cli/tests/data/shard/gold"
preds="$repo/crates/cli/tests/data/shard/predictions.jsonl"
args="--pred $preds --pred $preds --gold $gold --matcher token-f1 --bootstrap 1000"

"$bin" score $args --out "$work/single" >"$work/single.txt"

array="$(sbatch --parsable --job-name=cb-shard --array=0-3 --chdir="$work" --output="$work/shard-%a.log" \
    --wrap "$bin score $args --shard-from-env --out $work/parts")"
merge="$(sbatch --parsable --job-name=cb-merge --dependency=afterok:"$array" --chdir="$work" \
    --output="$work/merge.log" --wrap "$bin merge $work/parts --out $work/merged")"
echo "submitted array job $array (shards 0-3) and merge job $merge (afterok:$array)"

job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | tr '\n' ' '; }
fail() {
    echo "slurm-test.sh: $*" >&2
    for f in "$work"/*.log; do echo "--- $f" >&2; cat "$f" >&2; done
    exit 1
}
deadline=$((SECONDS + ${SLURM_TEST_TIMEOUT:-150}))
while :; do
    state="$(job_state "$merge")"
    case "$state" in
        "COMPLETED "|"FAILED "|"CANCELLED "|"TIMEOUT "|"NODE_FAIL "|"OUT_OF_MEMORY ") break ;;
    esac
    # A failed array task leaves the merge pending forever (afterok can no longer be met): stop at once.
    shards="$(job_state "$array")"
    case "$shards" in
        *PENDING*|*RUNNING*|*CONFIGURING*|*COMPLETING*) ;;
        *FAILED*|*CANCELLED*|*TIMEOUT*|*NODE_FAIL*|*OUT_OF_MEMORY*)
            scancel "$merge" 2>/dev/null || true
            fail "a shard job failed (array job states: $shards); the merge never ran" ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "slurm-test.sh: the jobs did not finish in time (merge: ${state:-unknown}, shards: $(job_state "$array"))" >&2
        squeue >&2 || true
        scancel "$array" "$merge" 2>/dev/null || true
        exit 1
    fi
    sleep 1
done

[ "$(job_state "$array")" = "COMPLETED " ] || fail "the shard jobs ended $(job_state "$array")"
[ "$state" = "COMPLETED " ] || fail "the merge job ended $state"
ls "$work"/parts/shard-0000{0,1,2,3}-of-00004.json >/dev/null || fail "a part is missing"
cmp "$work/single/run.json" "$work/merged/run.json" || fail "merged run.json differs from the single run's"
for sys in predictions predictions-2; do
    cmp "$work/single/predictions/$sys.jsonl" "$work/merged/predictions/$sys.jsonl" ||
        fail "merged predictions/$sys.jsonl differs"
done
grep -h '^shard ' "$work"/shard-*.log
tail -n 1 "$work/merge.log"
echo "slurm: 4 array tasks + afterok merge: run.json byte-identical to the single run ($(wc -c <"$work/merged/run.json") bytes)"
