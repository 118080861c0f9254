//! Embedding throughput: all-MiniLM-L6-v2 on the seed sentences through `Embedder` with its
//! default forward (the fast one), f32 on the CPU, sentences per second at batch sizes 1, 8, 32
//! and 128 (length-sorted batches, no cache).
//!
//! The distinct seed sentences (in order) are embedded in each iteration; the batch size is
//! the embedder's. Distinct, because the embedder embeds repeated texts only once.

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};

use claimbench_benches::{models_dir, seed_sentences};
use claimbench_model::{registry, DeviceSpec, Embedder, EmbedderOptions, Precision};

/// Sentences per second at batch sizes 1, 8, 32 and 128.
pub fn benches(c: &mut Criterion) {
    let dir = match registry::ensure(registry::DEFAULT_MODEL, &models_dir(), &mut |m| {
        eprintln!("{m}")
    }) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("embed benches skipped: {e}");
            return;
        }
    };
    let sentences = match seed_sentences() {
        Ok(mut s) if !s.is_empty() => {
            let mut seen = std::collections::BTreeSet::new();
            s.retain(|t| seen.insert(t.clone()));
            s
        }
        other => {
            eprintln!("embed benches skipped: no seed sentences ({other:?})");
            return;
        }
    };
    let texts: Vec<&str> = sentences.iter().map(|s| s.as_str()).collect();
    if let Ok(e) = Embedder::load(&dir, &EmbedderOptions::default()) {
        let tokens: usize = texts
            .iter()
            .filter_map(|t| e.token_count(t).ok())
            .map(|(n, _)| n)
            .sum();
        eprintln!(
            "embed: {} sentences, mean {:.1} tokens",
            texts.len(),
            tokens as f64 / texts.len().max(1) as f64
        );
    }
    let forward = Embedder::load(&dir, &EmbedderOptions::default())
        .map(|e| e.forward().to_string())
        .unwrap_or_default();
    let mut group = c.benchmark_group(format!("embed/minilm-f32-cpu-{forward}"));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements(texts.len() as u64));
    for batch_size in [1usize, 8, 32, 128] {
        let opts = EmbedderOptions {
            device: DeviceSpec::Cpu,
            precision: Precision::F32,
            batch_size,
            cache_dir: None,
        };
        let embedder = match Embedder::load(&dir, &opts) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("embed benches skipped: {e}");
                return;
            }
        };
        group.bench_with_input(BenchmarkId::new("batch", batch_size), &texts, |b, texts| {
            b.iter(|| {
                let out = embedder.embed(texts).expect("embedding failed");
                std::hint::black_box(out.vectors.len())
            })
        });
    }
    group.finish();
}
