//! The fast CPU forward (`claimbench_model::fast`, issue 7) against candle-transformers'
//! `BertModel`: all-MiniLM-L6-v2, f32 (and the fast path's f16 and int16 matmuls), on the distinct seed
//! sentences, token ids prepared outside the timing, length-sorted, batch sizes 1 and 32;
//! mean pooling and normalisation inside.
//!
//! Run: `cargo bench -p claimbench-benches -- fast/`

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use tokenizers::{Tokenizer, TruncationParams};

use claimbench_benches::{models_dir, seed_sentences};
use claimbench_model::fast::{FastBert, Matmul};
use claimbench_model::registry;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Setup {
    config: Config,
    dir: std::path::PathBuf,
    ids: Vec<Vec<u32>>,
}

fn setup() -> Res<Setup> {
    let dir = registry::ensure(registry::DEFAULT_MODEL, &models_dir(), &mut |m| {
        eprintln!("{m}")
    })?;
    let mut sentences = seed_sentences()?;
    let mut seen = std::collections::BTreeSet::new();
    sentences.retain(|t| seen.insert(t.clone()));
    let mut tok = Tokenizer::from_file(dir.join("tokenizer.json"))?;
    tok.with_truncation(Some(TruncationParams {
        max_length: 256,
        ..Default::default()
    }))?;
    tok.with_padding(None);
    let mut ids: Vec<Vec<u32>> = tok
        .encode_batch(sentences, true)?
        .iter()
        .map(|e| e.get_ids().to_vec())
        .collect();
    ids.sort_by_key(Vec::len);
    let config = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json"))?)?;
    Ok(Setup { config, dir, ids })
}

fn var_builder(dir: &std::path::Path) -> Res<VarBuilder<'static>> {
    let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu)?;
    Ok(VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu))
}

fn candle_embed(m: &BertModel, batch: &[Vec<u32>]) -> Res<Vec<Vec<f32>>> {
    let s = batch.iter().map(Vec::len).max().unwrap_or(0);
    let b = batch.len();
    let mut ids = vec![0u32; b * s];
    let mut mask = vec![0u32; b * s];
    for (i, x) in batch.iter().enumerate() {
        ids[i * s..i * s + x.len()].copy_from_slice(x);
        mask[i * s..i * s + x.len()].iter_mut().for_each(|v| *v = 1);
    }
    let ids = Tensor::from_vec(ids, (b, s), &Device::Cpu)?;
    let mask = Tensor::from_vec(mask, (b, s), &Device::Cpu)?;
    let hs = m.forward(&ids, &ids.zeros_like()?, Some(&mask))?;
    let mf = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let mean = hs.broadcast_mul(&mf)?.sum(1)?.broadcast_div(&mf.sum(1)?)?;
    let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
    Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
}

fn load_all(s: &Setup) -> Res<(BertModel, FastBert, FastBert, FastBert)> {
    Ok((
        BertModel::load(var_builder(&s.dir)?, &s.config)?,
        FastBert::load(var_builder(&s.dir)?, &s.config, DType::F32)?,
        FastBert::load(var_builder(&s.dir)?, &s.config, DType::F16)?,
        FastBert::load(var_builder(&s.dir)?, &s.config, Matmul::Int16)?,
    ))
}

/// Fast forward (f32, f16 and int16 matmuls) vs candle-transformers, batch sizes 1 and 32.
pub fn benches(c: &mut Criterion) {
    let s = match setup() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fast benches skipped: {e}");
            return;
        }
    };
    let (candle, fast, fast16, fast_i16) = match load_all(&s) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("fast benches skipped: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group("fast/minilm-cpu");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements(s.ids.len() as u64));
    for batch in [1usize, 32] {
        group.bench_with_input(BenchmarkId::new("candle-f32", batch), &batch, |b, &n| {
            b.iter(|| {
                for chunk in s.ids.chunks(n) {
                    if let Err(e) = candle_embed(&candle, chunk) {
                        panic!("candle forward failed: {e}");
                    }
                }
            })
        });
        for (name, model) in [
            ("fast-f32", &fast),
            ("fast-f16", &fast16),
            ("fast-int16", &fast_i16),
        ] {
            group.bench_with_input(BenchmarkId::new(name, batch), &batch, |b, &n| {
                b.iter(|| {
                    for chunk in s.ids.chunks(n) {
                        let seqs: Vec<&[u32]> = chunk.iter().map(Vec::as_slice).collect();
                        if let Err(e) = model.embed_mean(&seqs, true) {
                            panic!("fast forward failed: {e}");
                        }
                    }
                })
            });
        }
    }
    group.finish();
}
