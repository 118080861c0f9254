//! Similarity matrices: token F1 and ROUGE-L over 100 predicted x 100 gold claims (seed sentences
//! against gold claim texts), and the cosine matrix of unit vectors (384 dimensions, as
//! all-MiniLM-L6-v2 gives) at 100 x 100 and 500 x 500. Throughput in matrix entries.
//!
//! Run: `cargo bench -p claimbench-benches -- matching/`

use criterion::{BenchmarkId, Criterion, Throughput};

use claimbench_benches::{gold_claims, random_unit_vectors, seed_sentences};
use claimbench_score::{cosine_matrix_cpu, Matcher, RougeLMatcher, TokenF1Matcher};

/// Token F1, ROUGE-L and cosine similarity matrices.
pub fn benches(c: &mut Criterion) {
    let (pred, gold) = match (seed_sentences(), gold_claims()) {
        (Ok(p), Ok(g)) if p.len() >= 100 && g.len() >= 100 => (p, g),
        other => {
            eprintln!(
                "matching benches skipped: need 100 seed sentences and gold claims ({other:?})"
            );
            return;
        }
    };
    let pred: Vec<&str> = pred.iter().take(100).map(String::as_str).collect();
    let gold: Vec<&str> = gold.iter().take(100).map(String::as_str).collect();
    let mut group = c.benchmark_group("matching/lexical");
    group.throughput(Throughput::Elements((pred.len() * gold.len()) as u64));
    let matchers: [(&str, &dyn Matcher); 2] =
        [("token-f1", &TokenF1Matcher), ("rouge-l", &RougeLMatcher)];
    for (name, m) in matchers {
        group.bench_function(BenchmarkId::new(name, "100x100"), |b| {
            b.iter(|| m.matrix(&pred, &gold).expect("matrix"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("matching/cosine-384");
    for n in [100usize, 500] {
        let p = random_unit_vectors(n, 384, 1);
        let g = random_unit_vectors(n, 384, 2);
        let p: Vec<&[f32]> = p.iter().map(Vec::as_slice).collect();
        let g: Vec<&[f32]> = g.iter().map(Vec::as_slice).collect();
        group.throughput(Throughput::Elements((n * n) as u64));
        group.bench_function(BenchmarkId::new("cpu", format!("{n}x{n}")), |b| {
            b.iter(|| cosine_matrix_cpu(&p, &g))
        });
    }
    group.finish();
}
