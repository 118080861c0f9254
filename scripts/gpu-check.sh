#!/usr/bin/env bash
# The GPU check, in one go, on a machine with an NVIDIA GPU (no Rust, no network): run from the repository root
# with .device/ carried (see scripts/gpu-prepare.sh). Prints a short table last.
#  1. GPU f16 and bf16 embeddings of the seed sentences against CPU f32 (cosine of each pair >= 0.999);
#  2. the seed gold scored with `sentences` and `minilm-worthy` on the GPU against the CPU run (same matches,
#     F1 within 0.005);
#  3. batch scoring: >= 100,000 predicted claims against a gold set of the same shape, claims/s on GPU and CPU.
set -euo pipefail
d=${1:-.device}
out=${OUT:-$d/out}
mkdir -p "$out"
xz -dc "$d/claimbench-cuda.xz" > "$out/claimbench" && chmod +x "$out/claimbench"
nv=$(python3 -c "import nvidia,os;print(os.path.join(list(nvidia.__path__)[0],'cu13','lib'))" 2>/dev/null || true)
export LD_LIBRARY_PATH="${nv:+$nv:}${LD_LIBRARY_PATH:-}"
cb="$out/claimbench"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
m=(--model-dir "$d/minilm-f16" --no-cache)

for dt in f16 bf16; do
  "$cb" embed "${m[@]}" --device cuda --dtype "$dt" --batch-size 256 --file "$d/sentences.txt" > "$out/gpu_$dt.jsonl"
done
"$cb" embed "${m[@]}" --device cpu --dtype f32 --file "$d/sentences.txt" > "$out/cpu_f16w.jsonl"

for dt in f16 bf16; do
  "$cb" eval "${m[@]}" --device cuda --dtype "$dt" --extractors sentences,minilm-worthy --bootstrap 200 \
    --runs-dir "$out" --name "gpu-$dt" > "$out/eval-$dt.txt"
done

python3 "$d/make_synthetic.py" --docs 1000 --preds 100000 --seed 7 --out "$out/batch" > /dev/null
for dev in cuda cpu; do
  dt=f16; [ "$dev" = cpu ] && dt=f32
  s=$(date +%s.%N)
  "$cb" score "${m[@]}" --device "$dev" --dtype "$dt" --batch-size 512 --matcher cosine --no-intervals \
    --gold "$out/batch" --pred "$out/batch/predictions.jsonl" --json > "$out/batch-$dev.json"
  e=$(date +%s.%N)
  echo "$dev $(python3 -c "print($e-$s)")" >> "$out/batch-times.txt"
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
n = json.load(open(f"{out}/batch-cuda.json"))["leaderboard"][0]["predicted"]
for dev in ("cuda", "cpu"):
    t = float(times[dev]); rows.append((f"batch scoring {n} claims on {dev} (whole process)", f"{n/t:.0f} claims/s", f"{t:.1f} s"))
w = max(len(r[0]) for r in rows)
print("\n" + open(f"{out}/gpu.txt").read().strip())
for r in rows: print(f"{r[0]:<{w}}  {r[1]:>14}  {r[2]}")
PY
