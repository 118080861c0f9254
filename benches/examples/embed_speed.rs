//! Embedding throughput of all-MiniLM-L6-v2 on the CPU, the Rust side of
//! `benches/compare_python.sh` (issue 7).
//!
//! ```text
//! cargo run --release -p claimbench-benches --example embed_speed -- \
//!     --model-dir models/all-minilm-l6-v2 --sentences FILE [--impl IMPL]
//!     [--n 2000] [--runs 5] [--batches 1,8,32,64]
//! ```
//!
//! `embed_speed --clock` only prints the measured core clock in GHz (a chain of dependent
//! multiplies), for the peak GFLOP/s figure.
//!
//! IMPL: `claimbench` (what users get: `claimbench_model::Embedder` with its defaults, which
//! on the CPU in f32 is the fast forward), `claimbench-f16` / `claimbench-bf16` /
//! `claimbench-int16` (the embedder with the fast forward and its matrix products in f16 / bf16 /
//! int16), `claimbench-candle` (the
//! embedder on candle-transformers' forward); or the bare forwards without the embedder:
//! `fast`, `fast-f16`, `fast-bf16` (`claimbench_model::fast::FastBert`) and `candle`
//! (candle-transformers' `BertModel`, padded length-sorted batches).
//!
//! FILE has one text a line, cycled to `--n` texts. Per batch size: one warm-up pass over the
//! first max(4 * batch, 64) texts, then `--runs` timed passes over all of them (tokenising,
//! length-sorted batching, forward, mean pooling and normalisation all inside the timing). The
//! embedder embeds a repeated text once, so it is called once per round of FILE's distinct
//! texts (each round sorted and batched on its own, no cache): it embeds all `--n`. One
//! JSON line per batch size: sentences/s from the median wall time, sentences per CPU second from
//! the median process CPU time (user + system, `/proc/self/stat`; robust on a busy machine), and
//! GFLOP/s of useful work:
//! `FLOPs = sum over texts of layers * (2 n (4 h^2 + 2 h i) + 4 n^2 h)` with `n` the text's token
//! count (no padding), `h` hidden size, `i` intermediate size: the four h x h projections and the
//! two h x i feed-forward products per token, plus Q K^T and P V per sequence.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use claimbench_model::fast::FastBert;
use claimbench_model::{Embedder, EmbedderOptions, Forward, ModelOverrides, Precision};
use tokenizers::{Tokenizer, TruncationParams};

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

enum Imp {
    Candle(Box<BertModel>),
    Fast(Box<FastBert>),
    /// The embedder's precision and forward; it is loaded per batch size.
    Embedder(Precision, Forward),
}

fn forward(imp: &Imp, batch: &[&[u32]]) -> Res<Vec<Vec<f32>>> {
    match imp {
        Imp::Embedder(..) => Err("internal: the embedder does its own batching".into()),
        Imp::Fast(f) => Ok(f.embed_mean(batch, true)?),
        Imp::Candle(m) => {
            let dev = Device::Cpu;
            let s = batch.iter().map(|x| x.len()).max().unwrap_or(0);
            let b = batch.len();
            let mut ids = vec![0u32; b * s];
            let mut mask = vec![0u32; b * s];
            for (i, x) in batch.iter().enumerate() {
                ids[i * s..i * s + x.len()].copy_from_slice(x);
                mask[i * s..i * s + x.len()].iter_mut().for_each(|m| *m = 1);
            }
            let ids = Tensor::from_vec(ids, (b, s), &dev)?;
            let tt = ids.zeros_like()?;
            let mask = Tensor::from_vec(mask, (b, s), &dev)?;
            let hs = m.forward(&ids, &tt, Some(&mask))?;
            let mf = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let mean = hs.broadcast_mul(&mf)?.sum(1)?.broadcast_div(&mf.sum(1)?)?;
            let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
            Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
        }
    }
}

/// Through the embedder: one call per round of `distinct` texts (a repeated text in one call
/// would be embedded once).
fn embed_rounds(e: &Embedder, texts: &[String], distinct: usize) -> Res<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(texts.len());
    for round in texts.chunks(distinct.max(1)) {
        let refs: Vec<&str> = round.iter().map(String::as_str).collect();
        out.extend(e.embed(&refs)?.vectors);
    }
    Ok(out)
}

/// Tokenise, sort by length (stable, index tie-break), embed in batches, restore input order.
fn embed_all(tok: &Tokenizer, imp: &Imp, texts: &[String], batch: usize) -> Res<Vec<Vec<f32>>> {
    let enc = tok.encode_batch(texts.to_vec(), true)?;
    let ids: Vec<&[u32]> = enc.iter().map(|e| e.get_ids()).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| (ids[i].len(), i));
    let mut out = vec![Vec::new(); ids.len()];
    for chunk in order.chunks(batch.max(1)) {
        let b: Vec<&[u32]> = chunk.iter().map(|&i| ids[i]).collect();
        for (v, &i) in forward(imp, &b)?.into_iter().zip(chunk) {
            out[i] = v;
        }
    }
    Ok(out)
}

fn flops(tok: &Tokenizer, texts: &[String], c: &Config) -> Res<(f64, usize)> {
    let enc = tok.encode_batch(texts.to_vec(), true)?;
    let (h, i, l) = (
        c.hidden_size as f64,
        c.intermediate_size as f64,
        c.num_hidden_layers as f64,
    );
    let mut f = 0.0;
    let mut tokens = 0;
    for e in &enc {
        let n = e.get_ids().len() as f64;
        tokens += e.get_ids().len();
        f += l * (2.0 * n * (4.0 * h * h + 2.0 * h * i) + 4.0 * n * n * h);
    }
    Ok((f, tokens))
}

/// CPU time (user + system) of the whole process in seconds, from /proc/self/stat (10 ms ticks).
fn cpu_time() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn load(dir: &Path, which: &str) -> Res<(Imp, Config)> {
    let config: Config = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json"))?)?;
    let embedder = match which {
        "claimbench" => Some((Precision::F32, Forward::Auto)),
        "claimbench-f16" => Some((Precision::F16, Forward::Fast)),
        "claimbench-bf16" => Some((Precision::Bf16, Forward::Fast)),
        "claimbench-int16" => Some((Precision::Int16, Forward::Fast)),
        "claimbench-candle" => Some((Precision::F32, Forward::Candle)),
        _ => None,
    };
    if let Some((p, f)) = embedder {
        return Ok((Imp::Embedder(p, f), config));
    }
    let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu)?;
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
    let imp = match which {
        "candle" => Imp::Candle(Box::new(BertModel::load(vb, &config)?)),
        "fast" => Imp::Fast(Box::new(FastBert::load(vb, &config, DType::F32)?)),
        "fast-f16" => Imp::Fast(Box::new(FastBert::load(vb, &config, DType::F16)?)),
        "fast-bf16" => Imp::Fast(Box::new(FastBert::load(vb, &config, DType::BF16)?)),
        o => {
            return Err(format!(
                "unknown --impl {o} (claimbench, claimbench-f16, claimbench-bf16, \
                 claimbench-int16, claimbench-candle, fast, fast-f16, fast-bf16, candle)"
            )
            .into())
        }
    };
    Ok((imp, config))
}

/// The core clock in GHz while busy, measured: a chain of dependent xor + 64-bit multiply steps
/// (1 + 3 cycles on Intel cores since Sandy Bridge and on AMD Zen), median of 5 runs.
/// Under a hypervisor that hides `CPU max MHz`, this is the clock that the peak figure needs.
fn measure_ghz() -> f64 {
    const N: u64 = 100_000_000;
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let k = std::hint::black_box(1u64);
            let mut x = std::hint::black_box(3u64);
            let t = Instant::now();
            for i in 0..N {
                x = (x ^ i).wrapping_mul(k);
            }
            std::hint::black_box(x);
            4.0 * N as f64 / t.elapsed().as_secs_f64() / 1e9
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--clock") {
        println!("{:.2}", measure_ghz());
        return Ok(());
    }
    let dir = PathBuf::from(arg(&args, "--model-dir").ok_or("--model-dir DIR is required")?);
    let sentences = arg(&args, "--sentences").ok_or("--sentences FILE is required")?;
    let n: usize = arg(&args, "--n")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(2000);
    let runs: usize = arg(&args, "--runs")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    let batches = arg(&args, "--batches").unwrap_or_else(|| "1,8,32,64".into());
    let which = arg(&args, "--impl").unwrap_or_else(|| "fast".into());
    let base: Vec<String> = std::fs::read_to_string(&sentences)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect();
    if base.is_empty() {
        return Err(format!("no texts in {sentences}").into());
    }
    let texts: Vec<String> = base.iter().cycle().take(n).cloned().collect();
    let mut tok = Tokenizer::from_file(dir.join("tokenizer.json"))?;
    tok.with_truncation(Some(TruncationParams {
        max_length: 256,
        ..Default::default()
    }))?;
    tok.with_padding(None);
    let (imp, config) = load(&dir, &which)?;
    let (fl, tokens) = flops(&tok, &texts, &config)?;
    let distinct = base.iter().collect::<std::collections::BTreeSet<_>>().len();
    if distinct != base.len() {
        return Err(format!("{sentences} repeats a line: give distinct texts").into());
    }
    for b in batches.split(',') {
        let b: usize = b.trim().parse()?;
        let embedder = match imp {
            Imp::Embedder(precision, forward) => {
                let opts = EmbedderOptions {
                    precision,
                    batch_size: b,
                    ..EmbedderOptions::default()
                };
                let e =
                    Embedder::load_with_forward(&dir, &opts, &ModelOverrides::default(), forward)?;
                eprintln!(
                    "embedder: {} forward, {}, batch {b}, max {} tokens",
                    e.forward(),
                    e.precision(),
                    e.max_seq_length()
                );
                Some(e)
            }
            _ => None,
        };
        let run = |texts: &[String]| match &embedder {
            Some(e) => embed_rounds(e, texts, distinct),
            None => embed_all(&tok, &imp, texts, b),
        };
        let warm = &texts[..(b * 4).max(64).min(texts.len())];
        run(warm)?;
        let mut walls = Vec::new();
        let mut cpus = Vec::new();
        for _ in 0..runs {
            let c0 = cpu_time();
            let t0 = Instant::now();
            run(&texts)?;
            walls.push(t0.elapsed().as_secs_f64());
            cpus.push(cpu_time() - c0);
        }
        let runs_s: Vec<f64> = walls
            .iter()
            .map(|t| (t * 1000.0).round() / 1000.0)
            .collect();
        walls.sort_by(f64::total_cmp);
        cpus.sort_by(f64::total_cmp);
        let (wall, cpu) = (walls[walls.len() / 2], cpus[cpus.len() / 2].max(0.01));
        println!(
            "{}",
            serde_json::json!({
                "impl": which, "batch": b, "n": n, "tokens": tokens,
                "sentences_per_s": (n as f64 / wall * 100.0).round() / 100.0,
                "sentences_per_cpu_s": (n as f64 / cpu * 100.0).round() / 100.0,
                "gflop": (fl / 1e9 * 100.0).round() / 100.0,
                "gflop_per_s": (fl / wall / 1e8).round() / 10.0,
                "runs_s": runs_s,
            })
        );
    }
    Ok(())
}
