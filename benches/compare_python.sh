#!/usr/bin/env bash
# claimbench vs sentence-transformers (PyTorch) on the same CPU, side by side in one run (issue 7).
#
#   benches/compare_python.sh            # everything
#   RUNS=3 N=1000 benches/compare_python.sh
#
# What it does:
#  1. a throwaway venv outside the repository (${TMPDIR:-/tmp}/claimbench-bench-venv) with pinned
#     torch + sentence-transformers (+ scipy for the scoring job); made once, reused;
#  2. the model directory: $MODEL_DIR, else models/all-minilm-l6-v2 (fetched with
#     `claimbench models fetch all-minilm-l6-v2` when missing);
#  3. the seed sentences (seeds/*.txt split on sentence ends, benches/python/st_bench.py's splitter)
#     written to one file that both sides read, cycled to N (2000) texts;
#  4. builds the Rust side in release (`embed_speed` and `score_job` examples);
#  5. waits for a quiet machine (1-minute load average below QUIET_LOAD=0.5, at most
#     QUIET_TIMEOUT=600 s), then notes the load; for each batch size (1, 8, 32, 64) runs
#     PyTorch, claimbench f32 (fast forward) and the candle-transformers forward, each with a
#     warm-up and the median of RUNS=5 passes, printing sentences/s, the ratio to PyTorch, CPU-time
#     throughput (sentences per CPU second: usable even when the load never dropped) and GFLOP/s
#     against the machine's f32 peak;
#  6. the whole-process scoring job (500 predicted against 500 gold claims, embedding matcher,
#     one-to-one assignment; start-up and model load included), Python vs Rust, median of RUNS.
#
# Peak f32 GFLOP/s = cores x GHz x FLOPs/cycle/core, FLOPs/cycle/core = FMA units x lanes x 2
# (lanes: 16 with avx512f, 8 with AVX2). The FMA unit count is not visible from inside a VM:
# FMA_UNITS (default 2, as on Xeon Gold/Platinum Sapphire/Emerald Rapids) overrides it; GHz comes
# from lscpu's "CPU max MHz", else /proc/cpuinfo "cpu MHz" (the nominal clock under KVM), or $GHZ.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-${TMPDIR:-/tmp}/claimbench-bench-venv}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/claimbench-compare.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
N="${N:-2000}"
RUNS="${RUNS:-5}"
BATCHES="${BATCHES:-1 8 32 64}"
JOB_N="${JOB_N:-500}"
QUIET_LOAD="${QUIET_LOAD:-0.5}"
QUIET_TIMEOUT="${QUIET_TIMEOUT:-600}"
IMPLS="${IMPLS:-fast candle}"

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# 1. venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sentence_transformers, scipy' 2>/dev/null; then
  say "== making the Python venv $VENV (torch, sentence-transformers, scipy)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 \
    numpy==2.4.6 scipy==1.17.1
fi

# 2. model
MODEL_DIR="${MODEL_DIR:-$ROOT/models/all-minilm-l6-v2}"
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  say "== fetching all-minilm-l6-v2 into models/"
  cargo run -q --release -p claimbench-cli -- models fetch all-minilm-l6-v2
fi

# 3. sentences
SENT="$WORK/sentences.txt"
GOLD="$WORK/gold.txt"
"$VENV/bin/python" - "$ROOT" "$SENT" "$GOLD" <<'EOF'
import sys
from pathlib import Path
root = Path(sys.argv[1])
sys.path.insert(0, str(root / "benches" / "python"))
from st_bench import seed_sentences  # noqa: E402
import json  # noqa: E402
s = seed_sentences(root)
Path(sys.argv[2]).write_text("\n".join(s) + "\n", encoding="utf-8")
gold = [json.loads(l)["text"] for p in sorted((root / "gold").glob("[0-9]*.jsonl"))
        for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
Path(sys.argv[3]).write_text("\n".join(gold) + "\n", encoding="utf-8")
print(f"{len(s)} distinct seed sentences, {len(gold)} gold claims", file=sys.stderr)
EOF

# 4. build
say "== building the Rust side (release)"
cargo build -q --release -p claimbench-benches --example embed_speed --example score_job
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
EMBED="$TARGET_DIR/release/examples/embed_speed"
SCORE="$TARGET_DIR/release/examples/score_job"

# machine
CORES="$(nproc)"
GHZ="${GHZ:-$(lscpu | awk -F: '/CPU max MHz/ {gsub(/ /,"",$2); printf "%.2f", $2/1000}')}"
[ -n "$GHZ" ] || GHZ="$(awk -F: '/cpu MHz/ {printf "%.2f", $2/1000; exit}' /proc/cpuinfo)"
FMA_UNITS="${FMA_UNITS:-2}"
if grep -qw avx512f /proc/cpuinfo; then LANES=16; ISA=avx512f; else LANES=8; ISA=avx2; fi
PEAK="$(awk -v c="$CORES" -v g="$GHZ" -v u="$FMA_UNITS" -v l="$LANES" 'BEGIN {printf "%.1f", c*g*u*l*2}')"
say "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores, $GHZ GHz, $ISA, $FMA_UNITS FMA units"
say "   f32 peak = $CORES cores x $GHZ GHz x $FMA_UNITS FMA x $LANES lanes x 2 = $PEAK GFLOP/s"

# 5. wait for quiet
waited=0
while awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN {exit !(l >= q)}'; do
  if [ "$waited" -ge "$QUIET_TIMEOUT" ]; then
    say "   machine not quiet after ${QUIET_TIMEOUT}s (load $(load1)): timing anyway; trust the CPU-time columns"
    break
  fi
  sleep 10
  waited=$((waited + 10))
done
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
say "== $(date -u '+%Y-%m-%d %H:%M UTC'), load average at start: $LOAD_START"

printf '%-6s %-9s %12s %9s %11s %9s %8s %7s\n' batch impl "sentences/s" "vs torch" "sent/CPU-s" "vs torch" "GFLOP/s" "%peak"
for b in $BATCHES; do
  py="$("$VENV/bin/python" benches/python/st_speed.py --model-dir "$MODEL_DIR" --sentences "$SENT" \
    --n "$N" --runs "$RUNS" --batches "$b" 2>/dev/null | tail -1)"
  lines="$py"
  for imp in $IMPLS; do
    lines="$lines
$("$EMBED" --model-dir "$MODEL_DIR" --sentences "$SENT" --n "$N" --runs "$RUNS" --batches "$b" --impl "$imp")"
  done
  printf '%s\n' "$lines" | "$VENV/bin/python" benches/python/compare_table.py "$PEAK"
done
say "   load average at end of the embedding runs: $(cut -d' ' -f1-3 /proc/loadavg)"

# 6. whole-process scoring job
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() {  # wall seconds of one whole process
  local t0 t1
  t0="$(date +%s.%N)"; "$@" >/dev/null 2>&1; t1="$(date +%s.%N)"
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b-a}'
}
if [ -x "$SCORE" ]; then
  "$SCORE" --model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$SENT" --gold "$GOLD" >/dev/null  # warm the page cache
  "$VENV/bin/python" benches/python/score_job.py --model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$SENT" --gold "$GOLD" >/dev/null 2>&1
  py_t="$(for _ in $(seq "$RUNS"); do time_cmd "$VENV/bin/python" benches/python/score_job.py --model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$SENT" --gold "$GOLD"; done | median)"
  rs_t="$(for _ in $(seq "$RUNS"); do time_cmd "$SCORE" --model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$SENT" --gold "$GOLD"; done | median)"
  py_out="$("$VENV/bin/python" benches/python/score_job.py --model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$SENT" --gold "$GOLD" 2>/dev/null)"
  rs_out="$("$SCORE" --model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$SENT" --gold "$GOLD" 2>/dev/null)"
  say "== scoring job ($JOB_N x $JOB_N, embedding cosine, one-to-one assignment), whole process, median of $RUNS"
  printf 'python   %8.3f s   %s\n' "$py_t" "$py_out"
  printf 'rust     %8.3f s   %s\n' "$rs_t" "$rs_out"
  awk -v p="$py_t" -v r="$rs_t" 'BEGIN {printf "rust / python time: %.3f (target <= 0.333)\n", r/p}'
else
  say "== scoring job: no score_job binary (pending)"
fi
say "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
