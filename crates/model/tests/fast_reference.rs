//! The fast CPU forward (`claimbench_model::fast`) against sentence-transformers.
//!
//! - f32: every component of every mean-pooled, normalised embedding within 1e-4 of the
//!   reference vectors of `data/st_reference.json` (made by `data/make_st_reference.py` with the
//!   real Python library), whether the sentences are packed all in one call, one by one, or in
//!   odd-sized groups (the packing must not leak between sequences);
//! - f16 and bf16 matrix products: every embedding's cosine to the f32 one at least 0.999.
//!
//! The model is fetched on first use with `registry::ensure` into `<workspace>/models`.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;
use claimbench_model::fast::{FastBert, Matmul};
use claimbench_model::registry;
use claimbench_score::cosine;
use tokenizers::{Tokenizer, TruncationParams};

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<String>,
    embeddings: Vec<Vec<f32>>,
    max_seq_length: usize,
    truncated: Vec<bool>,
}

const TOL: f32 = 1e-4;
const MIN_COSINE: f32 = 0.999;

fn reference() -> Reference {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/st_reference.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn model_dir() -> PathBuf {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    registry::ensure(registry::DEFAULT_MODEL, &models, &mut |m| eprintln!("{m}")).unwrap()
}

fn load(dir: &Path, dtype: impl Into<Matmul>) -> FastBert {
    let config: Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let tensors =
        candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu).unwrap();
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
    FastBert::load(vb, &config, dtype).unwrap()
}

fn token_ids(dir: &Path, texts: &[String], max_len: usize) -> Vec<Vec<u32>> {
    let mut tok = Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    tok.with_truncation(Some(TruncationParams {
        max_length: max_len,
        ..Default::default()
    }))
    .unwrap();
    tok.with_padding(None);
    texts
        .iter()
        .map(|t| tok.encode(t.as_str(), true).unwrap().get_ids().to_vec())
        .collect()
}

/// Embed in groups of `group` sequences per call, results in input order.
fn embed(model: &FastBert, ids: &[Vec<u32>], group: usize) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(group) {
        let seqs: Vec<&[u32]> = chunk.iter().map(Vec::as_slice).collect();
        out.extend(model.embed_mean(&seqs, true).unwrap());
    }
    out
}

fn max_abs_diff(got: &[Vec<f32>], want: &[Vec<f32>]) -> (f32, usize) {
    assert_eq!(got.len(), want.len());
    let mut worst = (0.0f32, 0usize);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "embedding {i}: width");
        for (a, b) in g.iter().zip(w) {
            let d = (a - b).abs();
            if d > worst.0 {
                worst = (d, i);
            }
        }
    }
    worst
}

#[test]
fn fast_f32_matches_sentence_transformers() {
    let r = reference();
    assert!(
        r.truncated.iter().any(|&t| t),
        "the reference must include a truncated input"
    );
    let dir = model_dir();
    let model = load(&dir, DType::F32);
    assert_eq!(model.hidden_size(), 384);
    let ids = token_ids(&dir, &r.sentences, r.max_seq_length);
    assert!(ids.iter().any(|s| s.len() == r.max_seq_length));
    for group in [ids.len(), 1, 7] {
        let got = embed(&model, &ids, group);
        let (d, i) = max_abs_diff(&got, &r.embeddings);
        assert!(
            d <= TOL,
            "group {group}: sentence {i} ({:?}) differs by {d:e} > {TOL:e}",
            r.sentences[i]
        );
    }
}

#[test]
fn fast_reduced_precision_keeps_cosine() {
    let r = reference();
    let dir = model_dir();
    let ids = token_ids(&dir, &r.sentences, r.max_seq_length);
    let exact = embed(&load(&dir, DType::F32), &ids, 16);
    for dtype in [
        Matmul::Float(DType::F16),
        Matmul::Float(DType::BF16),
        Matmul::Int16,
    ] {
        let model = load(&dir, dtype);
        assert_eq!(model.matmul_kind(), dtype);
        let got = embed(&model, &ids, 16);
        let worst = got
            .iter()
            .zip(&exact)
            .map(|(g, e)| cosine(g, e))
            .fold(1.0f32, f32::min);
        eprintln!("{dtype:?}: lowest cosine to the f32 fast forward {worst:.6}");
        for (i, (g, e)) in got.iter().zip(&exact).enumerate() {
            let c = cosine(g, e);
            assert!(
                c >= MIN_COSINE,
                "{dtype:?}: sentence {i} ({:?}) has cosine {c} < {MIN_COSINE} to f32",
                r.sentences[i]
            );
        }
        // reduced precision is not the f32 path in disguise
        let (d, _) = max_abs_diff(&got, &exact);
        assert!(d > 0.0, "{dtype:?}: identical to f32");
    }
}

#[test]
fn fast_rejects_bad_input() {
    let dir = model_dir();
    let model = load(&dir, DType::F32);
    let too_long = vec![101u32; 10_000];
    assert!(model.embed_mean(&[too_long.as_slice()], true).is_err());
    let bad_id = [101u32, 4_000_000, 102];
    assert!(model.embed_mean(&[&bad_id[..]], true).is_err());
    assert!(model.embed_mean(&[], true).unwrap().is_empty());
}
