#!/usr/bin/env bash
# claimbench vs sentence-transformers (PyTorch) on the same CPU, side by side in one run (issue 7).
#
#   benches/compare_python.sh                                   # everything
#   RUNS=3 QUIET_TIMEOUT=120 benches/compare_python.sh
#   VENV=/path/to/existing/venv benches/compare_python.sh       # reuse a venv that has the packages
#
# What it does:
#  1. a throwaway venv outside the repository ($VENV, default ${TMPDIR:-/tmp}/claimbench-bench-venv)
#     with pinned torch + sentence-transformers (+ scipy for the scoring job); made once, reused
#     (PyPI's torch wheel pulls the CUDA libraries: about 6 GB);
#  2. the model directory: $MODEL_DIR, else models/all-minilm-l6-v2 (fetched with
#     `claimbench models fetch all-minilm-l6-v2` when missing);
#  3. the distinct seed sentences (seeds/*.txt split on sentence ends, benches/python/st_bench.py's
#     splitter) written to one file that both sides read, cycled to N (2000) texts; and for the
#     scoring job JOB_N (500) distinct predicted texts (seed sentences) and JOB_N distinct gold
#     texts (gold claims), repeated rounds marked " (2)", " (3)", ... (claimbench embeds a
#     repeated text once; PyTorch would not, so the texts are made distinct to time equal work);
#  4. builds the Rust side in release (`embed_speed` and `score_job` examples);
#  5. waits for a quiet machine (1-minute load average below QUIET_LOAD, 0.5 per core, at most
#     QUIET_TIMEOUT=600 s) and refuses to compare (exit 1) on a machine that stays busy, since
#     PyTorch's threads spin under contention and no column of a busy run is a fair comparison; a
#     block after which the load rose above QUIET_LOAD is marked INVALID and the script exits 1 at
#     the end; for each batch size (BATCHES, 1 8 32 64) runs
#     PyTorch and each of IMPLS (default `claimbench claimbench-int16 candle`: claimbench's
#     embedder with the fast forward in f32; the same in int16, what `--dtype auto` runs on a CPU
#     with AMX or AVX-512 VNNI; and the plain candle-transformers forward), each with a
#     warm-up and the median of RUNS=5 passes, printing sentences/s, the ratio to PyTorch, CPU-time
#     throughput (sentences per CPU second: usable even when the load never dropped) and GFLOP/s
#     against the machine's f32 peak; then at batch MODES_BATCH (32) the reduced-precision modes
#     (MODES, default `claimbench-f16 claimbench-bf16 claimbench-int16`) beside what a Python user
#     would run instead (PY_MODES, default `bf16 onnx onnx-int8`: the model moved to
#     torch.bfloat16, only on a CPU with avx512_bf16 or amx_bf16; ONNX Runtime in f32; ONNX
#     Runtime with dynamic int8 quantization; the ONNX rows also print the lowest cosine of
#     their vectors to PyTorch f32's, see st_speed.py); MODES="" skips this block;
#  6. the whole-process scoring job (JOB_N predicted against JOB_N gold claims, embedding matcher,
#     one-to-one assignment; start-up and model load included), Python vs Rust, median of RUNS.
#
# Every table row is the median of RUNS passes; the load average is printed before and after each
# block, because on a shared machine the wall-clock columns are only as good as the quiet.
#
# Peak f32 GFLOP/s = cores x GHz x FLOPs/cycle/core, FLOPs/cycle/core = FMA units x lanes x 2
# (lanes: 16 with avx512f, 8 with AVX2). The FMA unit count is not visible from inside a VM:
# FMA_UNITS (default 2, as on Xeon Gold/Platinum Sapphire/Emerald Rapids) overrides it. GHz is
# the clock measured while busy (`embed_speed --clock`: a chain of dependent multiplies; under KVM
# /proc/cpuinfo only shows the nominal clock, which turbo exceeds), or $GHZ.
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
QUIET_LOAD="${QUIET_LOAD:-$(awk -v c="$(nproc)" 'BEGIN {print 0.5 * c}')}"
QUIET_TIMEOUT="${QUIET_TIMEOUT:-600}"
IMPLS="${IMPLS:-claimbench claimbench-int16 candle}"
MODES="${MODES-claimbench-f16 claimbench-bf16 claimbench-int16}"
MODES_BATCH="${MODES_BATCH:-32}"
# PyTorch bf16 only where the CPU has bf16 arithmetic: elsewhere PyTorch converts every
# product and takes many minutes (on a Zen 2, under 35 sentences/s against 146 in f32)
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo 2>/dev/null; then
  PY_MODES="${PY_MODES-bf16 onnx onnx-int8}"
else
  PY_MODES="${PY_MODES-onnx onnx-int8}"
fi

say() { printf '%s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
invalid=""
# check_quiet BLOCK: mark BLOCK's rows INVALID when the load rose above QUIET_LOAD while it ran.
check_quiet() {
  if awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN {exit !(l >= q)}'; then
    say "   INVALID: load $(load1) above $QUIET_LOAD after $1: its rows are not a comparison"
    invalid="$invalid $1;"
  fi
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# run a command whose stdout we keep; on failure show its stderr and stop
run_logged() {
  local log="$WORK/step.log"
  if ! "$@" 2>"$log"; then
    say "!! failed: $*"
    cat "$log" >&2
    exit 1
  fi
}

# 1. venv
if [ ! -x "$VENV/bin/python" ] ||
  ! "$VENV/bin/python" -c 'import sentence_transformers, scipy, onnx, onnxruntime' 2>/dev/null; then
  say "== making the Python venv $VENV (torch, sentence-transformers, scipy, ONNX Runtime)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 \
    numpy==2.4.6 scipy==1.17.1 onnx==1.23.2 onnxruntime==1.32.0
fi
PY="$VENV/bin/python"

# 2. model
MODEL_DIR="${MODEL_DIR:-$ROOT/models/all-minilm-l6-v2}"
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  say "== fetching all-minilm-l6-v2 into models/"
  cargo run -q --release -p claimbench-cli -- models fetch all-minilm-l6-v2
fi

# 3. texts
SENT="$WORK/sentences.txt"
JOB_PRED="$WORK/job_pred.txt"
JOB_GOLD="$WORK/job_gold.txt"
run_logged "$PY" - "$ROOT" "$SENT" "$JOB_PRED" "$JOB_GOLD" "$JOB_N" <<'EOF'
import json
import sys
from pathlib import Path

root = Path(sys.argv[1])
sys.path.insert(0, str(root / "benches" / "python"))
from st_bench import seed_sentences  # noqa: E402


def distinct(xs):
    return list(dict.fromkeys(xs))


def rounds(base, n):
    return [base[i % len(base)] + ("" if i < len(base) else f" ({i // len(base) + 1})")
            for i in range(n)]


s = distinct(seed_sentences(root))
gold = distinct([json.loads(line)["text"]
                 for p in sorted((root / "gold").glob("[0-9][0-9][0-9].jsonl"))
                 for line in p.read_text(encoding="utf-8").splitlines() if line.strip()])
n = int(sys.argv[5])
Path(sys.argv[2]).write_text("\n".join(s) + "\n", encoding="utf-8")
Path(sys.argv[3]).write_text("\n".join(rounds(s, n)) + "\n", encoding="utf-8")
Path(sys.argv[4]).write_text("\n".join(rounds(gold, n)) + "\n", encoding="utf-8")
print(f"{len(s)} distinct seed sentences, {len(gold)} distinct gold claims", file=sys.stderr)
EOF
cat "$WORK/step.log" >&2

# 4. build
say "== building the Rust side (release)"
cargo build -q --release -p claimbench-benches --example embed_speed --example score_job
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
EMBED="$TARGET_DIR/release/examples/embed_speed"
SCORE="$TARGET_DIR/release/examples/score_job"

# machine
CORES="$(nproc)"
NOMINAL="$(lscpu | awk -F: '/CPU max MHz/ {gsub(/ /,"",$2); printf "%.2f", $2/1000}')"
[ -n "$NOMINAL" ] || NOMINAL="$(awk -F: '/cpu MHz/ {printf "%.2f", $2/1000; exit}' /proc/cpuinfo)"
GHZ="${GHZ:-$("$EMBED" --clock)}"
FMA_UNITS="${FMA_UNITS:-2}"
if grep -qw avx512f /proc/cpuinfo; then LANES=16; ISA=avx512f; else LANES=8; ISA=avx2; fi
PEAK="$(awk -v c="$CORES" -v g="$GHZ" -v u="$FMA_UNITS" -v l="$LANES" 'BEGIN {printf "%.1f", c*g*u*l*2}')"
say "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores, $GHZ GHz measured ($NOMINAL nominal), $ISA, $FMA_UNITS FMA units"
say "   reduced-precision hardware: $(grep -o -w -E 'amx_tile|amx_int8|amx_bf16|avx512_bf16|avx512_fp16|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
say "   f32 peak = $CORES cores x $GHZ GHz x $FMA_UNITS FMA x $LANES lanes x 2 = $PEAK GFLOP/s"
say "   $("$PY" -c 'import torch, sentence_transformers as s; print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), sentence-transformers {s.__version__}")')"

# 5. wait for quiet
waited=0
while awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN {exit !(l >= q)}'; do
  if [ "$waited" -ge "$QUIET_TIMEOUT" ]; then
    say "   machine not quiet after ${QUIET_TIMEOUT}s (load $(load1), QUIET_LOAD $QUIET_LOAD): no comparison on a busy machine"
    exit 1
  fi
  sleep 10
  waited=$((waited + 10))
done
say "== $(date -u '+%Y-%m-%d %H:%M UTC'), load average at start: $(loadavg)"
say "   $N texts per pass, median of $RUNS passes after a warm-up"

header() { printf '%-6s %-17s %12s %9s %11s %9s %8s %7s\n' batch impl "sentences/s" "vs torch" "sent/CPU-s" "vs torch" "GFLOP/s" "%peak"; }
# one block: PyTorch first (f32, then each mode of $PY_EXTRA), then the given Rust impls, at
# batch size $1
block() {
  local b="$1" lines imp dt
  shift
  lines="$(run_logged "$PY" benches/python/st_speed.py --model-dir "$MODEL_DIR" --sentences "$SENT" \
    --n "$N" --runs "$RUNS" --batches "$b" | tail -1)"
  for dt in ${PY_EXTRA:-}; do
    lines="$lines
$(run_logged "$PY" benches/python/st_speed.py --model-dir "$MODEL_DIR" --sentences "$SENT" \
    --n "$N" --runs "$RUNS" --batches "$b" --mode "$dt" | tail -1)"
  done
  for imp in "$@"; do
    lines="$lines
$(run_logged "$EMBED" --model-dir "$MODEL_DIR" --sentences "$SENT" --n "$N" --runs "$RUNS" --batches "$b" --impl "$imp")"
  done
  printf '%s\n' "$lines" | "$PY" benches/python/compare_table.py "$PEAK"
}
header
for b in $BATCHES; do
  # shellcheck disable=SC2086  # IMPLS is a list
  block "$b" $IMPLS
  say "   load average after batch $b: $(loadavg)"
  check_quiet "batch $b"
done
if [ -n "$MODES" ]; then
  say "== precision modes at batch $MODES_BATCH (GFLOP/s against the f32 peak; 'vs torch' is against PyTorch f32)"
  header
  # shellcheck disable=SC2086
  PY_EXTRA="$PY_MODES" block "$MODES_BATCH" claimbench $MODES
  say "   load average after the modes: $(loadavg)"
  check_quiet "the modes"
fi

# 6. whole-process scoring job
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() {  # wall seconds of one whole process
  local t0 t1
  t0="$(date +%s.%N)"
  if ! "$@" >/dev/null 2>"$WORK/job.log"; then
    say "!! failed: $*"
    cat "$WORK/job.log" >&2
    exit 1
  fi
  t1="$(date +%s.%N)"
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b-a}'
}
JOB_ARGS=(--model-dir "$MODEL_DIR" --n "$JOB_N" --pred "$JOB_PRED" --gold "$JOB_GOLD")
say "== scoring job ($JOB_N x $JOB_N distinct texts, embedding cosine, one-to-one assignment), whole process"
say "   load average before: $(loadavg)"
time_cmd "$SCORE" "${JOB_ARGS[@]}" >/dev/null  # warm the page cache
time_cmd "$PY" benches/python/score_job.py "${JOB_ARGS[@]}" >/dev/null
py_t="$(for _ in $(seq "$RUNS"); do time_cmd "$PY" benches/python/score_job.py "${JOB_ARGS[@]}"; done | median)"
rs_t="$(for _ in $(seq "$RUNS"); do time_cmd "$SCORE" "${JOB_ARGS[@]}"; done | median)"
rs16_t="$(for _ in $(seq "$RUNS"); do time_cmd "$SCORE" "${JOB_ARGS[@]}" --dtype int16; done | median)"
py_out="$(run_logged "$PY" benches/python/score_job.py "${JOB_ARGS[@]}")"
py_phases="$(tail -1 "$WORK/step.log")"
rs_out="$(run_logged "$SCORE" "${JOB_ARGS[@]}")"
rs_phases="$(tail -1 "$WORK/step.log")"
printf 'python   %8.3f s (median of %s)   %s\n         %s\n' "$py_t" "$RUNS" "$py_out" "$py_phases"
printf 'rust     %8.3f s (median of %s)   %s\n         %s\n' "$rs_t" "$RUNS" "$rs_out" "$rs_phases"
rs16_out="$(run_logged "$SCORE" "${JOB_ARGS[@]}" --dtype int16)"
printf 'int16    %8.3f s (median of %s)   %s\n' "$rs16_t" "$RUNS" "$rs16_out"
awk -v p="$py_t" -v r="$rs_t" 'BEGIN {printf "rust / python time: %.3f (target <= 0.333)\n", r/p}'
awk -v p="$py_t" -v r="$rs16_t" 'BEGIN {printf "rust int16 / python time: %.3f (target <= 0.333)\n", r/p}'
say "== load average at the end: $(loadavg)"
check_quiet "the scoring job"
if [ -n "$invalid" ]; then
  say "== INVALID rows (the machine was not quiet after:$invalid): rerun on a quiet machine"
  exit 1
fi
