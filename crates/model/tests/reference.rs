//! all-MiniLM-L6-v2 against sentence-transformers: every component within 1e-4, through the
//! default forward (the fast one on the CPU in f32 with mean pooling) and the candle one.
//!
//! The reference vectors come from `data/make_st_reference.py` (the real Python library on
//! the same model files). The model is fetched on first use with `registry::ensure` into
//! `<workspace>/models` (git-ignored).

use std::path::PathBuf;

use claimbench_model::{
    registry, DeviceSpec, Embedder, EmbedderOptions, Forward, ModelOverrides, Pooling, Precision,
};

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<String>,
    token_counts: Vec<usize>,
    truncated: Vec<bool>,
    embeddings: Vec<Vec<f32>>,
    max_seq_length: usize,
    unnormalized_mean: Vec<Vec<f32>>,
    cls: Vec<Vec<f32>>,
    max: Vec<Vec<f32>>,
}

const TOL: f32 = 1e-4;

fn reference() -> Reference {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/st_reference.json");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn model_dir() -> PathBuf {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    registry::ensure(registry::DEFAULT_MODEL, &models, &mut |m| eprintln!("{m}")).unwrap()
}

fn opts(batch_size: usize) -> EmbedderOptions {
    EmbedderOptions {
        device: DeviceSpec::Cpu,
        precision: Precision::F32,
        batch_size,
        cache_dir: None,
    }
}

fn assert_close(name: &str, got: &[Vec<f32>], want: &[Vec<f32>], texts: &[String]) {
    assert_within(name, got, want, texts, TOL);
}

fn assert_within(name: &str, got: &[Vec<f32>], want: &[Vec<f32>], texts: &[String], tol: f32) {
    assert_eq!(got.len(), want.len(), "{name}");
    let mut worst = (0.0f32, 0usize);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "{name} {i}");
        let d = g
            .iter()
            .zip(w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        if d > worst.0 {
            worst = (d, i);
        }
    }
    assert!(
        worst.0 <= tol,
        "{name}: input {} ({:?}) differs by {} > {tol}",
        worst.1,
        texts[worst.1].chars().take(60).collect::<String>(),
        worst.0
    );
    eprintln!(
        "{name}: {} vectors, max abs diff {:.2e}",
        got.len(),
        worst.0
    );
}

#[test]
fn embeddings_match_sentence_transformers() {
    let r = reference();
    assert!(r.sentences.len() >= 50);
    let dir = model_dir();
    let texts: Vec<&str> = r.sentences.iter().map(|s| s.as_str()).collect();
    for bs in [1, 32] {
        let e = Embedder::load(&dir, &opts(bs)).unwrap();
        assert_eq!(e.forward(), Forward::Fast, "the default on the CPU in f32");
        let t = std::time::Instant::now();
        assert_eq!(e.max_seq_length(), r.max_seq_length);
        assert_eq!(e.dim(), 384);
        assert_eq!(e.pooling(), Pooling::Mean);
        assert!(e.normalize());
        assert_eq!(
            e.weights_sha256(),
            registry::builtin()
                .unwrap()
                .get(registry::DEFAULT_MODEL)
                .unwrap()
                .weights_sha256()
                .unwrap()
        );
        let out = e.embed(&texts).unwrap();
        eprintln!("f32, batch {bs}: {:.2}s", t.elapsed().as_secs_f64());
        assert_eq!(out.truncated, r.truncated.iter().filter(|t| **t).count());
        assert!(out.truncated >= 1);
        assert_close(
            &format!("normalised mean, batch {bs}"),
            &out.vectors,
            &r.embeddings,
            &r.sentences,
        );
    }
    let e = Embedder::load(&dir, &opts(32)).unwrap();
    for (i, t) in texts.iter().enumerate() {
        let (n, trunc) = e.token_count(t).unwrap();
        assert_eq!(trunc, r.truncated[i], "input {i}");
        assert_eq!(n, r.token_counts[i].min(r.max_seq_length), "input {i}");
    }
}

#[test]
fn default_cpu_forward_agrees_with_the_candle_forward() {
    let r = reference();
    let dir = model_dir();
    let texts: Vec<&str> = r.sentences.iter().map(String::as_str).collect();
    let fast = Embedder::load(&dir, &opts(32)).unwrap();
    let candle =
        Embedder::load_with_forward(&dir, &opts(32), &ModelOverrides::default(), Forward::Candle)
            .unwrap();
    assert_eq!(fast.forward(), Forward::Fast);
    assert_eq!(candle.forward(), Forward::Candle);
    assert_ne!(
        fast.cache_key(),
        candle.cache_key(),
        "a cache never mixes the two forwards"
    );
    let a = fast.embed(&texts).unwrap();
    let b = candle.embed(&texts).unwrap();
    assert_eq!(a.truncated, b.truncated);
    assert_within(
        "fast vs candle, normalised mean",
        &a.vectors,
        &b.vectors,
        &r.sentences,
        1e-5,
    );
}

#[test]
fn pooling_variants_match_sentence_transformers() {
    let r = reference();
    let dir = model_dir();
    let texts: Vec<&str> = r.sentences.iter().take(5).map(|s| s.as_str()).collect();
    let first: Vec<String> = r.sentences.iter().take(5).cloned().collect();
    for (pooling, want) in [
        (Pooling::Mean, &r.unnormalized_mean),
        (Pooling::Cls, &r.cls),
        (Pooling::Max, &r.max),
    ] {
        let ov = ModelOverrides {
            pooling: Some(pooling),
            normalize: Some(false),
            max_seq_length: None,
        };
        for forward in [Forward::Auto, Forward::Fast, Forward::Candle] {
            let e = Embedder::load_with_forward(&dir, &opts(8), &ov, forward).unwrap();
            let out = e.embed(&texts).unwrap();
            assert_close(
                &format!("{pooling}, unnormalised, {forward} ({})", e.forward()),
                &out.vectors,
                want,
                &first,
            );
        }
    }
}

#[test]
fn reduced_precision_stays_close_to_f32() {
    let r = reference();
    let dir = model_dir();
    let texts: Vec<&str> = r.sentences.iter().map(|s| s.as_str()).collect();
    // f16 keeps every cosine at or above 0.999 (measured: 0.99999). bf16 runs everything,
    // residual stream and layer norms included, in bf16 (8-bit mantissa) and lands just under
    // (measured: 0.9985); a mixed-precision forward pass (issue 7) is what would lift it.
    // The fast forward runs only its matrix products in reduced precision (residual stream,
    // layer norms and softmax in f32), so bf16 stays above 0.999 there too.
    for (precision, forward, floor) in [
        (Precision::F16, Forward::Auto, 0.999f32),
        (Precision::Bf16, Forward::Auto, 0.998),
        (Precision::F16, Forward::Fast, 0.999),
        (Precision::Bf16, Forward::Fast, 0.999),
        // integer products (10-bit weights, 12-bit activations): measured 0.99993
        (Precision::Int16, Forward::Fast, 0.999),
        (Precision::Int16, Forward::Auto, 0.999),
    ] {
        let o = EmbedderOptions {
            precision,
            ..opts(32)
        };
        let e = Embedder::load_with_forward(&dir, &o, &ModelOverrides::default(), forward).unwrap();
        assert_eq!(e.precision(), precision);
        let want = if forward == Forward::Auto && precision == Precision::Int16 {
            Forward::Fast
        } else if forward == Forward::Auto {
            Forward::Candle
        } else {
            forward
        };
        assert_eq!(e.forward(), want, "{precision} {forward}");
        let t = std::time::Instant::now();
        let out = e.embed(&texts).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let worst = out
            .vectors
            .iter()
            .zip(&r.embeddings)
            .map(|(a, b)| {
                let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
                let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
                dot / (na * nb)
            })
            .fold(1.0f32, f32::min);
        let name = e.forward();
        eprintln!(
            "{precision} {name}: lowest cosine to sentence-transformers f32 {worst:.6} ({secs:.2}s)"
        );
        assert!(worst >= floor, "{precision} {name}: {worst} < {floor}");
    }
}

fn bits(v: &[Vec<f32>]) -> Vec<Vec<u32>> {
    v.iter()
        .map(|x| x.iter().map(|f| f.to_bits()).collect())
        .collect()
}

#[test]
fn a_texts_vector_is_bit_identical_whatever_its_batchmates() {
    // Determinism: the same text gets the same bits alone, in a batch, in another order, at another batch size
    // (so results do not depend on which texts the cache already had), for both forwards. The fast forward
    // packs texts of different lengths into one batch; the candle forward groups texts of one length.
    let r = reference();
    let dir = model_dir();
    let texts: Vec<&str> = r.sentences.iter().map(String::as_str).collect();
    for (forward, precision) in [
        (Forward::Fast, Precision::F32),
        (Forward::Candle, Precision::F32),
        (Forward::Fast, Precision::Int16),
    ] {
        let load = |bs: usize| {
            let o = EmbedderOptions {
                precision,
                ..opts(bs)
            };
            Embedder::load_with_forward(&dir, &o, &ModelOverrides::default(), forward).unwrap()
        };
        let together = load(32).embed(&texts).unwrap().vectors;
        let small = load(3);
        let rev: Vec<&str> = texts.iter().rev().copied().collect();
        let mut back = small.embed(&rev).unwrap().vectors;
        back.reverse();
        assert_eq!(
            bits(&together),
            bits(&back),
            "{forward} {precision}: batch 32 in order vs batch 3 reversed"
        );
        for i in [0usize, 7, 21, 40] {
            let alone = small.embed(&texts[i..=i]).unwrap().vectors;
            assert_eq!(
                bits(&alone)[0],
                bits(&together)[i],
                "{forward} {precision}: input {i} alone vs in a batch"
            );
        }
    }
}

#[test]
fn a_texts_vector_does_not_depend_on_the_thread_count() {
    // The default (fast) forward spreads its matrix products, attention and row-wise kernels over rayon's
    // pool: one thread or two, and one big batch or one text at a time, give the same bits.
    let r = reference();
    let dir = model_dir();
    let texts: Vec<&str> = r.sentences.iter().map(String::as_str).collect();
    for precision in [Precision::F32, Precision::Int16] {
        let o = |bs: usize| EmbedderOptions {
            precision,
            ..opts(bs)
        };
        same_bits_on_any_thread_count(&dir, &texts, &o(64), &o(1));
    }
}

fn same_bits_on_any_thread_count(
    dir: &std::path::Path,
    texts: &[&str],
    big: &EmbedderOptions,
    one_text: &EmbedderOptions,
) {
    let e = Embedder::load(dir, big).unwrap();
    assert_eq!(e.forward(), Forward::Fast);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| e.embed(texts).unwrap().vectors)
    };
    let one = run(1);
    assert_eq!(bits(&one), bits(&run(2)), "1 thread vs 2 threads");
    assert_eq!(bits(&one), bits(&run(3)), "1 thread vs 3 threads");
    let single = Embedder::load(dir, one_text).unwrap();
    let each = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| single.embed(texts).unwrap().vectors);
    assert_eq!(
        bits(&one),
        bits(&each),
        "{}: batch 64 on 1 thread vs batch 1 on 2",
        big.precision
    );
}

#[test]
fn token_vectors_come_with_the_same_sentence_vector_on_both_forwards() {
    // `embed_tokens` (the align matcher's input) gives each text's sentence vector bit for bit as `embed` does,
    // one unit row per word piece (special tokens left out), whatever the batch, on both forward passes.
    let r = reference();
    let texts: Vec<&str> = r.sentences.iter().map(String::as_str).collect();
    for forward in [Forward::Fast, Forward::Candle] {
        let e = Embedder::load_with_forward(
            &model_dir(),
            &opts(7),
            &ModelOverrides::default(),
            forward,
        )
        .unwrap();
        let sentences = e.embed(&texts).unwrap().vectors;
        let tokens = e.embed_tokens(&texts, &mut |_, _| {}).unwrap();
        assert_eq!(tokens.len(), texts.len());
        for (k, (tv, v)) in tokens.iter().zip(&sentences).enumerate() {
            assert_eq!(&tv.sentence, v, "{forward:?}: text {k}");
            // [CLS] and [SEP] are not rows
            let read = r.token_counts[k].min(r.max_seq_length);
            assert_eq!(tv.tokens.len() + 2, read, "{forward:?}: text {k}");
            assert_eq!(tv.vectors.len(), tv.tokens.len() * e.dim());
            assert_eq!(tv.truncated, r.truncated[k], "{forward:?}: text {k}");
            for i in 0..tv.tokens.len() {
                let n: f32 = tv.row(i).iter().map(|x| x * x).sum::<f32>().sqrt();
                assert!(
                    (n - 1.0).abs() < 1e-4,
                    "{forward:?}: text {k} token {i}: norm {n}"
                );
            }
            if !tv.truncated {
                assert_eq!(tv.read_len, texts[k].len());
            }
        }
        // alone or in a batch: the same rows
        let alone = e.embed_tokens(&texts[3..4], &mut |_, _| {}).unwrap();
        assert_eq!(alone[0], tokens[3], "{forward:?}");
    }
}
