//! The Rust side of issue 7's whole-process comparison (`benches/compare_python.sh`): one scoring
//! job, start-up and model load included, the same job as `benches/python/score_job.py`.
//!
//! ```text
//! score_job --model-dir models/all-minilm-l6-v2 --pred FILE --gold FILE [--n 500] [--threshold 0.5]
//!           [--dtype f32|int16]
//! ```
//!
//! `--pred`/`--gold`: one text a line, each cycled to `--n` (the embedder embeds a repeated text
//! once, which the Python job does not: `compare_python.sh` gives `--n` distinct lines). Both
//! sides are embedded by `claimbench_model::Embedder` as claimbench runs it (its defaults: the
//! fast forward, f32, length-sorted batches of 32, the model's mean pooling and L2
//! normalisation, no cache), `claimbench_score::cosine_matrix_cpu` gives the n x n cosine matrix,
//! `claimbench_score::linear_sum_assignment` (maximum weight, as scipy's) the one-to-one matching,
//! and pairs with cosine >= threshold count as true positives. Prints one JSON line, the same
//! fields as the Python job:
//! `{"pred", "gold", "threshold", "tp", "precision", "recall", "f1"}`; phase timings go to stderr.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use claimbench_model::{Embedder, EmbedderOptions};

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

fn embed(model: &Embedder, texts: &[String]) -> Res<Vec<Vec<f32>>> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(model.embed(&refs)?.vectors)
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

    let precision = arg(&args, "--dtype")
        .unwrap_or_else(|| "f32".into())
        .parse()?;
    let model = Embedder::load(
        &dir,
        &EmbedderOptions {
            precision,
            ..EmbedderOptions::default()
        },
    )?;
    let t_load = t0.elapsed();

    let p = embed(&model, &pred)?;
    let g = embed(&model, &gold)?;
    let t_embed = t0.elapsed();

    let pr: Vec<&[f32]> = p.iter().map(Vec::as_slice).collect();
    let gr: Vec<&[f32]> = g.iter().map(Vec::as_slice).collect();
    let sim: Vec<f64> = claimbench_score::cosine_matrix_cpu(&pr, &gr)
        .into_iter()
        .map(f64::from)
        .collect();
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
        "{} forward, load {:.3}s, embed {:.3}s, match {:.3}s, total in-process {:.3}s",
        model.forward(),
        t_load.as_secs_f64(),
        (t_embed - t_load).as_secs_f64(),
        (t_match - t_embed).as_secs_f64(),
        t_match.as_secs_f64()
    );
    Ok(())
}
