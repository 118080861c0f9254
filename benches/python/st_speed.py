# The PyTorch side of benches/compare_python.sh (issue 7): sentence-transformers embedding speed,
# wall clock AND process CPU time, so that a run on a busy machine still gives a usable figure.
#
# Run it from a throwaway venv outside the repository (compare_python.sh makes one):
#   VENV/bin/pip install torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 numpy==2.4.6
#   VENV/bin/python benches/python/st_speed.py --model-dir models/all-minilm-l6-v2 --sentences FILE
#
# Inputs: FILE (one text a line; compare_python.sh writes the seed sentences there, the same file
# the Rust side reads) cycled to --n texts. For each batch size: one warm-up pass over the first
# max(4 * batch, 64) texts, then --runs timed passes over all n; prints one JSON line per batch:
#   {"impl": "pytorch", "batch": b, "sentences_per_s": n / median wall s,
#    "sentences_per_cpu_s": n / median CPU s, "runs_s": [wall s of each run]}
# --threads sets the intra-op threads (0: the library's default, the core count). --mode picks
# what a user after speed would try instead of plain PyTorch f32:
#   bf16       the model moved to torch.bfloat16 (oneDNN uses AMX or avx512_bf16 where the CPU has
#              them), row "pytorch-bf16";
#   onnx       the same weights exported to ONNX (torch.onnx, opset 17) and run by ONNX Runtime
#              with every graph optimisation, row "onnxruntime";
#   onnx-int8  that ONNX model with ONNX Runtime's dynamic int8 quantization (int8 weights,
#              activations quantized per batch: VNNI where the CPU has it), row "onnxruntime-int8".
# The ONNX modes tokenize, sort by length, mean-pool and normalise as sentence-transformers does,
# and their row carries "min_cosine": the lowest cosine of a distinct text's vector to PyTorch
# f32's (the accuracy bar claimbench's own modes must pass is 0.999).

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--sentences", type=Path, required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batches", default="1,8,32,64")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--mode", choices=["f32", "bf16", "onnx", "onnx-int8"], default="f32")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    base = [l for l in args.sentences.read_text(encoding="utf-8").splitlines() if l.strip()]
    texts = (base * (args.n // len(base) + 1))[: args.n]
    model = SentenceTransformer(str(args.model_dir), device="cpu")
    model.eval()
    extra = {}
    if args.mode == "f32":
        name, encode = "pytorch", model.encode
    elif args.mode == "bf16":
        name, encode = "pytorch-bf16", model.to(torch.bfloat16).encode
    else:
        name = {"onnx": "onnxruntime", "onnx-int8": "onnxruntime-int8"}[args.mode]
        encode = onnx_encoder(model, args.mode == "onnx-int8", args.threads)
        with torch.inference_mode():
            want = model.encode(base, batch_size=32, convert_to_numpy=True)
        got = encode(base, batch_size=32)
        extra["min_cosine"] = round(float((want * got).sum(axis=1).min()), 6)
        print(f"{name}: lowest cosine to PyTorch f32 over {len(base)} texts "
              f"{extra['min_cosine']}", file=sys.stderr)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {len(texts)} texts, "
          f"{args.mode}", file=sys.stderr)
    with torch.inference_mode():
        for b in [int(x) for x in args.batches.split(",")]:
            encode(texts[: max(b * 4, 64)], batch_size=b)
            walls, cpus = [], []
            for _ in range(args.runs):
                c0, t0 = time.process_time(), time.perf_counter()
                encode(texts, batch_size=b)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            print(json.dumps({
                "impl": name, "batch": b,
                "sentences_per_s": round(len(texts) / statistics.median(walls), 2),
                "sentences_per_cpu_s": round(len(texts) / statistics.median(cpus), 2),
                "runs_s": [round(t, 3) for t in walls],
                **extra,
            }), flush=True)


def onnx_encoder(model, quantize, threads):
    """An encode(texts, batch_size) -> unit vectors running `model`'s transformer in ONNX Runtime."""
    import tempfile

    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    bert, tok = model[0].auto_model.eval(), model.tokenizer
    max_len = model.max_seq_length

    class Hidden(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, ids, mask, types):
            return self.bert(input_ids=ids, attention_mask=mask,
                             token_type_ids=types).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    work = Path(tempfile.mkdtemp(prefix="claimbench-onnx-"))
    path = work / "model.onnx"
    ids = torch.ones(2, 16, dtype=torch.long)
    torch.onnx.export(Hidden(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(path),
                      input_names=names, output_names=["hidden"], opset_version=17,
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["hidden"]},
                      dynamo=False)
    if quantize:
        quantize_dynamic(str(path), str(work / "int8.onnx"), weight_type=QuantType.QInt8,
                         per_channel=True)
        path = work / "int8.onnx"
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads > 0:
        opts.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def encode(texts, batch_size):
        # longest first, as sentence-transformers batches them
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), bert.config.hidden_size), dtype=np.float32)
        for s in range(0, len(texts), batch_size):
            idx = order[s:s + batch_size]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True,
                      max_length=max_len, return_tensors="np")
            feed = {n: enc[n].astype(np.int64) for n in names}
            hidden = session.run(None, feed)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            v = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out[idx] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        return out

    return encode


if __name__ == "__main__":
    main()
