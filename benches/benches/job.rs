//! The end-to-end scoring job with all-MiniLM-L6-v2 (f32 on the CPU, batch 32, no cache): `job/harness` runs
//! what `claimbench score` runs, through `claimbench_harness::evaluate`; `job/matcher` times the matchers alone on
//! 500 predicted against 500 gold claims. The model is loaded once, outside the timing; skipped with a message
//! when its weights are not in `models/` (`claimbench models fetch all-minilm-l6-v2`).
//!
//! Predicted: the seed sentences; gold: the gold claim texts; each made 500 distinct texts
//! (`distinct_n`), since the embedder embeds a repeated text once. Throughput in texts embedded.
//!
//! Run: `cargo bench -p claimbench-benches -- job/`

use criterion::{Criterion, SamplingMode, Throughput};

use claimbench_benches::{distinct_n, gold_claims, models_dir, seed_sentences};
use claimbench_extract::ClaimExtractor;
use claimbench_harness::{evaluate, Plan, RunOutput, Settings, Source, SystemSpec};
use claimbench_model::{registry, Embedder, EmbedderOptions};
use claimbench_score::{
    assign, Assignment, Matcher, MatcherKind, ALIGN_DEFAULT_THRESHOLD, COSINE_DEFAULT_THRESHOLD,
};

const N: usize = 500;

/// Embed, match and assign 500 x 500.
pub fn benches(c: &mut Criterion) {
    let dir = models_dir().join(registry::DEFAULT_MODEL);
    if !dir.join("model.safetensors").is_file() {
        eprintln!(
            "job bench skipped: no {} (fetch it with `claimbench models fetch {}`)",
            dir.join("model.safetensors").display(),
            registry::DEFAULT_MODEL
        );
        return;
    }
    let (pred, gold) = match (seed_sentences(), gold_claims()) {
        (Ok(mut p), Ok(g)) if !p.is_empty() && !g.is_empty() => {
            let mut seen = std::collections::BTreeSet::new();
            p.retain(|t| seen.insert(t.clone()));
            (distinct_n(&p, N), distinct_n(&g, N))
        }
        other => {
            eprintln!("job bench skipped: no seed sentences or gold claims ({other:?})");
            return;
        }
    };
    let embedder = match Embedder::load(&dir, &EmbedderOptions::default()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("job bench skipped: {e}");
            return;
        }
    };
    let pred: Vec<&str> = pred.iter().map(String::as_str).collect();
    let gold: Vec<&str> = gold.iter().map(String::as_str).collect();
    // What `claimbench score --pred PREDS --bootstrap 0 --no-cache` runs, through the harness: the sentences
    // extractor's predictions on the seed articles (152 claims) read and validated, embedded, matched against the
    // 258 gold claims with the guards, assigned and scored; the model is loaded once, outside the timing.
    let docs = claimbench_gold::GoldSet::builtin().expect("the built-in gold set");
    let preds = claimbench_extract::sentences::SentencesExtractor::new()
        .extract_all(&docs.documents)
        .expect("sentences");
    let jsonl = claimbench_extract::predictions_jsonl(&preds).into_bytes();
    let shared = std::sync::Arc::new(embedder);
    let mut group = c.benchmark_group("job/harness");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements(preds.len() as u64));
    for matcher in [MatcherKind::Cosine, MatcherKind::Align] {
        let settings = Settings {
            matcher,
            bootstrap: 0,
            sweep: false,
            ..Settings::default()
        };
        group.bench_function(format!("score-seed-sentences/{matcher}"), |b| {
            b.iter(|| {
                let plan = Plan::new(
                    &docs,
                    vec![SystemSpec::new(Source::Bytes {
                        label: "sentences".into(),
                        data: jsonl.clone(),
                    })],
                    settings.clone(),
                );
                let plan = Plan {
                    embedder: Some(shared.clone()),
                    ..plan
                };
                match evaluate(&plan).expect("evaluate") {
                    RunOutput::Run(e) => std::hint::black_box(e.file.systems.len()),
                    RunOutput::PartKept { .. } => unreachable!("no shard"),
                }
            })
        });
    }
    group.finish();

    // The same job through the matchers as `claimbench score` builds them: cosine against align (the default),
    // each embedding its texts (align: token vectors) inside the timing.
    let cosine =
        claimbench_score::IdentityFloor::new(Box::new(claimbench_score::CosineMatcher::new(
            claimbench_matcher::EmbeddingEncoder::new(shared.clone()),
        )));
    let align = match claimbench_matcher::AlignMatcher::new(
        claimbench_matcher::EmbeddingEncoder::new(shared.clone()),
    ) {
        Ok(m) => claimbench_score::IdentityFloor::new(Box::new(m)),
        Err(e) => {
            eprintln!("align job bench skipped: {e}");
            return;
        }
    };
    // cover, cross (cover, then the cross model on each row's and column's best candidates) and blend
    // (cover, align and the cross model combined on each row's and column's best candidate)
    let cover = claimbench_matcher::CoverMatcher::new(claimbench_matcher::EmbeddingEncoder::new(
        shared.clone(),
    ));
    let cross = claimbench_matcher::CoverMatcher::new(claimbench_matcher::EmbeddingEncoder::new(
        shared.clone(),
    ))
    .and_then(claimbench_matcher::CrossMatcher::builtin);
    let blend = claimbench_matcher::CoverMatcher::new(claimbench_matcher::EmbeddingEncoder::new(
        shared.clone(),
    ))
    .and_then(claimbench_matcher::CrossMatcher::builtin_blend);
    let (cover, cross, blend) = match (cover, cross, blend) {
        (Ok(a), Ok(b), Ok(c)) => (
            claimbench_score::IdentityFloor::new(Box::new(a)),
            claimbench_score::IdentityFloor::new(Box::new(b)),
            claimbench_score::IdentityFloor::new(Box::new(c)),
        ),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            eprintln!("cover, cross and blend job benches skipped: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group("job/matcher");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements((pred.len() + gold.len()) as u64));
    for (name, m, t) in [
        ("cosine", &cosine as &dyn Matcher, COSINE_DEFAULT_THRESHOLD),
        ("align", &align as &dyn Matcher, ALIGN_DEFAULT_THRESHOLD),
        ("cover", &cover as &dyn Matcher, cover.default_threshold()),
        ("cross", &cross as &dyn Matcher, cross.default_threshold()),
        ("blend", &blend as &dyn Matcher, blend.default_threshold()),
    ] {
        group.bench_function(format!("{name}/500x500"), |b| {
            b.iter(|| {
                let sim = m.matrix(&pred, &gold).expect("matrix");
                let pairs = assign(&sim, t, Assignment::Optimal, None).expect("assign");
                std::hint::black_box(pairs.len())
            })
        });
    }
    group.finish();

    // Work per claim is bounded by what the model reads: one 5 MB claim against 50 gold claims, beside a normal
    // one (issue 16: it must cost under a second more).
    let huge = "Tillerson met Putin in Moscow and they talked about Syria. ".repeat(90_000);
    let normal = "Rex Tillerson met Vladimir Putin in the Kremlin.";
    let mut group = c.benchmark_group("job/long-claim");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for (name, text) in [("normal", normal), ("5MB", huge.as_str())] {
        group.bench_function(format!("align/{name}x50"), |b| {
            b.iter(|| {
                std::hint::black_box(
                    align
                        .matrix(&[text], &gold[..50])
                        .expect("matrix")
                        .get(0, 0),
                )
            })
        });
    }
    group.finish();
}
