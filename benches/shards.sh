#!/usr/bin/env bash
# Issue 17's figure: one scoring job as 1 shard and as N shards run concurrently on this machine, then the merge.
#
#   benches/shards.sh DATA_DIR [N] [MATCHER]     (DATA_DIR from benches/data/make_synthetic.py; N default 4)
#
# Prints, per process, wall seconds, user+sys CPU seconds and peak RSS (from /usr/bin/time -v), checks that the
# merged run.json equals the single run's byte for byte, and leaves everything under DATA_DIR/shards-bench.
set -euo pipefail
data="$1"
n="${2:-4}"
matcher="${3:-token-f1}"
bin="$(cd "$(dirname "$0")/.." && pwd)/target/release/claimbench"
out="$data/shards-bench"
rm -rf "$out"
mkdir -p "$out"
args=(--pred "$data/predictions.jsonl" --gold "$data/gold" --matcher "$matcher")

measure() { # name, command...: runs it under /usr/bin/time -v, the report in $out/<name>.time
    local name="$1"
    shift
    /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err"
}
row() { # name
    local f="$out/$1.time"
    awk -v name="$1" -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
        END { printf "| %-10s | %8.1f | %8.1f | %8.0f |\n", name, w, u + s, r / 1024 }' "$f"
}

start=$(date +%s.%N)
measure single "$bin" score "${args[@]}" --out "$out/single"
single_end=$(date +%s.%N)
for ((i = 0; i < n; i++)); do
    measure "shard-$i" "$bin" score "${args[@]}" --shard "$i/$n" --out "$out/parts" &
done
wait
shards_end=$(date +%s.%N)
measure merge "$bin" merge "$out/parts" --out "$out/merged"
merge_end=$(date +%s.%N)
cmp "$out/single/run.json" "$out/merged/run.json"
echo "merged run.json is byte-identical to the single run's ($(wc -c <"$out/merged/run.json") bytes)"
echo "| process    |   wall s |    CPU s | peak MiB |"
echo "|------------|---------:|---------:|---------:|"
row single
for ((i = 0; i < n; i++)); do row "shard-$i"; done
row merge
awk -v a="$start" -v b="$single_end" -v c="$shards_end" -v d="$merge_end" -v n="$n" 'BEGIN {
    printf "single: %.1f s wall; %d shards concurrently: %.1f s wall; merge: %.1f s; shards + merge: %.1f s\n",
        b - a, n, c - b, d - c, d - b }'
du -sh "$out/parts" "$out/single/run.json" | sed 's/^/size: /'
