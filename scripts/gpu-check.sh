#!/usr/bin/env bash
# The GPU check, in one go, on a machine with an NVIDIA GPU (no Rust, no network): run from the repository root
# with .device/ carried (see scripts/gpu-prepare.sh). Prints a short table last.
#  1. GPU f16 and bf16 embeddings of the seed sentences against CPU f32 (cosine of each pair >= 0.999);
#  2. the seed gold scored with `sentences` and `minilm-worthy` on the GPU against the CPU run (same matches,
#     F1 within 0.005);
#  3. batch scoring: >= 100,000 predicted claims against a gold set of the same shape, claims/s on GPU and CPU,
#     and time to first result (model load included).
#
# Dry run of the script's logic on a machine without a GPU (the "GPU" side then runs on the CPU):
#   CB=target/release/claimbench GPU=cpu BATCH_DOCS=50 BATCH_PREDS=2000 OUT=/tmp/gpu-dry scripts/gpu-check.sh
set -euo pipefail
d=${1:-.device}
out=${OUT:-$d/out}
gpu=${GPU:-cuda}
batch_docs=${BATCH_DOCS:-1000}
batch_preds=${BATCH_PREDS:-100000}
mkdir -p "$out"
rm -f "$out/batch-times.txt"
if [ -n "${CB:-}" ]; then
  cb=$CB
else
  xz -dc "$d/claimbench-cuda.xz" > "$out/claimbench" && chmod +x "$out/claimbench"
  cb="$out/claimbench"
fi
nv=$(python3 -c "import nvidia,os;print(os.path.join(list(nvidia.__path__)[0],'cu13','lib'))" 2>/dev/null || true)
export LD_LIBRARY_PATH="${nv:+$nv:}${LD_LIBRARY_PATH:-}"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
else
  echo "no nvidia-smi: dry run with --device $gpu" | tee "$out/gpu.txt"
fi
m=(--model-dir "$d/minilm-f16" --no-cache)

for dt in f16 bf16; do
  "$cb" embed "${m[@]}" --device "$gpu" --dtype "$dt" --batch-size 256 --file "$d/sentences.txt" > "$out/gpu_$dt.jsonl"
done
"$cb" embed "${m[@]}" --device cpu --dtype f32 --file "$d/sentences.txt" > "$out/cpu_f16w.jsonl"

for dt in f16 bf16; do
  "$cb" eval "${m[@]}" --device "$gpu" --dtype "$dt" --extractor sentences --extractor minilm-worthy --bootstrap 200 \
    --runs-dir "$out" --name "gpu-$dt" > "$out/eval-$dt.txt"
done

# 4. Batch scoring: 100,000 predicted claims over 1,000 synthetic documents (9,019 gold claims), cosine matcher,
#    no embedding cache (every distinct text is embedded in this run), whole process timed; time to first result
#    from the run's timings.json.
python3 benches/data/make_synthetic.py "$out/batch" --docs "$batch_docs" --preds "$batch_preds" --seed 2 > /dev/null
for run in "gpu:$gpu" "cpu-ref:cpu"; do
  name=${run%%:*} dev=${run#*:}
  s=$(date +%s.%N)
  "$cb" score "${m[@]}" --device "$dev" --matcher cosine --no-intervals \
    --gold "$out/batch/gold" --pred "$out/batch/predictions.jsonl" --out "$out/batch-$name" --json > "$out/batch-$name.json"
  e=$(date +%s.%N)
  echo "$name $(python3 -c "print($e-$s)")" >> "$out/batch-times.txt"
done

python3 - "$d" "$out" <<'PY'
import json, math, sys
d, out = sys.argv[1], sys.argv[2]
def vecs(p): return [json.loads(l)["embedding"] for l in open(p)]
def cos(a, b):
    return sum(x*y for x, y in zip(a, b)) / (math.sqrt(sum(x*x for x in a)) * math.sqrt(sum(y*y for y in b)))
ref = vecs(f"{d}/cpu_f32.jsonl")
rows = []
for dt in ("f16", "bf16"):
    g = vecs(f"{out}/gpu_{dt}.jsonl")
    m = min(cos(a, b) for a, b in zip(ref, g))
    rows.append((f"embeddings GPU {dt} vs CPU f32 (min cosine, {len(g)} sentences)", f"{m:.5f}", "ok" if m >= 0.999 else "FAIL"))
cpu = json.load(open(f"{d}/cpu-run/run.json"))
for dt in ("f16", "bf16"):
    gpu = json.load(open(f"{out}/gpu-{dt}/run.json"))
    for s in ("sentences", "minilm-worthy"):
        a, b = cpu["systems"][s]["results"], gpu["systems"][s]["results"]
        pa = {(x["doc"], m["pred"], m["gold"]) for x in a["documents"] for m in x["matches"]}
        pb = {(x["doc"], m["pred"], m["gold"]) for x in b["documents"] for m in x["matches"]}
        df = abs(a["micro"]["rates"]["f1"] - b["micro"]["rates"]["f1"])
        rows.append((f"{s} on GPU {dt}: F1 {b['micro']['rates']['f1']:.4f} vs CPU {a['micro']['rates']['f1']:.4f}, matches differing",
                     f"{len(pa ^ pb)}", "ok" if df <= 0.005 else "FAIL"))
times = dict(l.split() for l in open(f"{out}/batch-times.txt"))
runs = {dev: json.load(open(f"{out}/batch-{dev}/run.json")) for dev in times}
gpu = "gpu"
n = runs[gpu]["systems"]["predictions"]["results"]["micro"]["pred"]
for dev in times:
    t = float(times[dev])
    tm = json.load(open(f"{out}/batch-{dev}/timings.json"))
    first = tm.get("first_result_s", {}).get("predictions", float("nan"))
    label = runs[dev]["manifest"]["device"] + " " + runs[dev]["manifest"]["dtype"]
    rows.append((f"batch scoring {n} claims on {label}: claims/s (whole process), time to first result",
                 f"{n/t:.0f} claims/s", f"{t:.1f} s total, first result after {first:.1f} s"))
a, b = (runs[k]["systems"]["predictions"]["results"] for k in ("cpu-ref", gpu))
df = abs(a["micro"]["rates"]["f1"] - b["micro"]["rates"]["f1"])
rows.append((f"batch scoring, {gpu} {runs[gpu]['manifest']['dtype']} vs cpu f32: micro F1", f"{b['micro']['rates']['f1']:.4f} vs {a['micro']['rates']['f1']:.4f}",
             "ok" if df <= 0.005 else "FAIL"))
w = max(len(r[0]) for r in rows)
print("\n" + open(f"{out}/gpu.txt").read().strip())
for r in rows: print(f"{r[0]:<{w}}  {r[1]:>14}  {r[2]}")
PY
