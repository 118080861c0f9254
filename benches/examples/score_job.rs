//! The Rust side of issue 7's whole-process comparison (`benches/compare_python.sh`): one scoring
//! job, start-up and model load included, the same job as `benches/python/score_job.py`.
//!
//! ```text
//! score_job --model-dir models/all-minilm-l6-v2 --pred FILE --gold FILE [--n 500] [--threshold 0.5]
//! ```
//!
//! `--pred`/`--gold`: one text a line, each cycled to `--n`. Both sides are embedded with the fast
//! forward (`claimbench_model::fast`, f32, length-sorted batches of 32, mean pooling, L2
//! normalisation), the n x n cosine matrix is computed, `claimbench_score::linear_sum_assignment`
//! (maximum weight, as scipy's) gives the one-to-one matching, and pairs with cosine >= threshold
//! count as true positives. Prints one JSON line, the same fields as the Python job:
//! `{"pred", "gold", "threshold", "tp", "precision", "recall", "f1"}`; phase timings go to stderr.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;
use claimbench_model::fast::FastBert;
use tokenizers::{Tokenizer, TruncationParams};

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn lines(path: &str, n: usize) -> Res<Vec<String>> {
    let base: Vec<String> = std::fs::read_to_string(path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect();
    if base.is_empty() {
        return Err(format!("no texts in {path}").into());
    }
    Ok(base.iter().cycle().take(n).cloned().collect())
}

fn embed(tok: &Tokenizer, model: &FastBert, texts: &[String]) -> Res<Vec<Vec<f32>>> {
    let enc = tok.encode_batch(texts.to_vec(), true)?;
    let ids: Vec<&[u32]> = enc.iter().map(|e| e.get_ids()).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| (ids[i].len(), i));
    let mut out = vec![Vec::new(); ids.len()];
    for chunk in order.chunks(32) {
        let b: Vec<&[u32]> = chunk.iter().map(|&i| ids[i]).collect();
        for (v, &i) in model.embed_mean(&b, true)?.into_iter().zip(chunk) {
            out[i] = v;
        }
    }
    Ok(out)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn main() -> Res<()> {
    let t0 = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(arg(&args, "--model-dir").ok_or("--model-dir DIR is required")?);
    let n: usize = arg(&args, "--n")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(500);
    let threshold: f64 = arg(&args, "--threshold")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0.5);
    let pred = lines(&arg(&args, "--pred").ok_or("--pred FILE is required")?, n)?;
    let gold = lines(&arg(&args, "--gold").ok_or("--gold FILE is required")?, n)?;

    let mut tok = Tokenizer::from_file(dir.join("tokenizer.json"))?;
    tok.with_truncation(Some(TruncationParams {
        max_length: 256,
        ..Default::default()
    }))?;
    tok.with_padding(None);
    let config: Config = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json"))?)?;
    let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu)?;
    let model = FastBert::load(
        VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        &config,
        DType::F32,
    )?;
    let t_load = t0.elapsed();

    let p = embed(&tok, &model, &pred)?;
    let g = embed(&tok, &model, &gold)?;
    let t_embed = t0.elapsed();

    let mut sim = Vec::with_capacity(p.len() * g.len());
    for a in &p {
        for b in &g {
            sim.push(f64::from(a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()));
        }
    }
    let (rows, cols) = claimbench_score::linear_sum_assignment(p.len(), g.len(), &sim)?;
    let tp = rows
        .iter()
        .zip(&cols)
        .filter(|(&r, &c)| sim[r * g.len() + c] >= threshold)
        .count();
    let t_match = t0.elapsed();

    let precision = if p.is_empty() {
        0.0
    } else {
        tp as f64 / p.len() as f64
    };
    let recall = if g.is_empty() {
        0.0
    } else {
        tp as f64 / g.len() as f64
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    println!(
        "{}",
        serde_json::json!({
            "pred": p.len(), "gold": g.len(), "threshold": threshold, "tp": tp,
            "precision": round6(precision), "recall": round6(recall), "f1": round6(f1),
        })
    );
    eprintln!(
        "load {:.3}s, embed {:.3}s, match {:.3}s, total in-process {:.3}s",
        t_load.as_secs_f64(),
        (t_embed - t_load).as_secs_f64(),
        (t_match - t_embed).as_secs_f64(),
        t_match.as_secs_f64()
    );
    Ok(())
}
