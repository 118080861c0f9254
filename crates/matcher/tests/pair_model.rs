//! Tests of the pair matcher with the real MiniLM model (fetched into `<workspace>/models` on first use).

mod common;

use std::sync::OnceLock;

use claimbench_io::sha256_hex;
use claimbench_matcher::{
    Decision, EmbeddingEncoder, PairMatcher, BUILTIN_TRAIN_INFO, BUILTIN_WEIGHTS, PAIR_THRESHOLD,
};
use claimbench_score::{Matcher, TextEncoder};

fn matcher() -> &'static PairMatcher<EmbeddingEncoder> {
    static M: OnceLock<PairMatcher<EmbeddingEncoder>> = OnceLock::new();
    M.get_or_init(|| {
        let enc = common::default_encoder();
        PairMatcher::new(enc).expect("committed weights load")
    })
}

#[test]
fn number_near_miss_is_different_with_the_number_reason() {
    let d = matcher()
        .decide(
            "87 people died in the attack.",
            "89 people died in the attack.",
        )
        .expect("decide");
    assert!(!d.same, "{d:?}");
    assert!(d.score < PAIR_THRESHOLD, "{d:?}");
    assert_eq!(
        d.reasons.first().map(|r| r.as_str()),
        Some("number: 87 vs 89")
    );
    assert!(d
        .reasons
        .last()
        .is_some_and(|r| r.starts_with("classifier: p=")));
}

#[test]
fn crafted_near_misses_are_vetoed_by_their_guard() {
    let m = matcher();
    let cases = [
        (
            "Tillerson met Putin on Wednesday.",
            "Tillerson met Putin on Thursday.",
            "date: ",
        ),
        (
            "Russia accused the US of lying.",
            "The US accused Russia of lying.",
            "roles: ",
        ),
        (
            "Lavrov said the strikes were acceptable.",
            "Lavrov said the strikes were unacceptable.",
            "polarity: ",
        ),
        (
            "The White House has proof of Russian involvement.",
            "The White House has no proof of Russian involvement.",
            "negation: ",
        ),
    ];
    for (a, b, reason) in cases {
        let d = m.decide(a, b).expect("decide");
        assert!(!d.same, "{a} / {b}: {d:?}");
        assert!(
            d.reasons.iter().any(|r| r.starts_with(reason)),
            "{a} / {b}: {d:?}"
        );
    }
}

#[test]
fn paraphrase_is_same_and_unrelated_is_different() {
    let m = matcher();
    let d = m
        .decide(
            "Tillerson met Putin in the Kremlin for nearly two hours.",
            "Rex Tillerson spent almost two hours with Vladimir Putin at the Kremlin.",
        )
        .expect("decide");
    assert!(d.same, "{d:?}");
    assert!(d.score >= PAIR_THRESHOLD);
    assert_eq!(d.reasons.len(), 1, "no guard fires: {d:?}");
    let d = m
        .decide(
            "Tillerson met Putin in the Kremlin for nearly two hours.",
            "Russia vetoed a UN Security Council resolution on Syria.",
        )
        .expect("decide");
    assert!(!d.same, "{d:?}");
}

#[test]
fn output_is_byte_identical_across_runs() {
    let m = matcher();
    let pairs = [
        (
            "87 people died in the attack.",
            "89 people died in the attack.",
        ),
        ("Putin met Tillerson.", "Tillerson met Putin in Moscow."),
        (
            "Russia vetoed the resolution.",
            "The resolution failed because of a Russian veto.",
        ),
    ];
    let first: Vec<Decision> = m.decide_pairs(&pairs).expect("decide");
    let second: Vec<Decision> = pairs
        .iter()
        .map(|(a, b)| m.decide(a, b).expect("decide"))
        .collect();
    let ser = |d: &[Decision]| serde_json::to_vec(d).expect("json");
    assert_eq!(ser(&first), ser(&second));
    // the matrix agrees with the decisions
    let pred: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let gold: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let mx = m.matrix(&pred, &gold).expect("matrix");
    assert_eq!((mx.rows, mx.cols), (3, 3));
    for (i, d) in first.iter().enumerate() {
        assert_eq!(mx.get(i, i).to_bits(), d.score.to_bits());
    }
    assert_eq!(m.name(), "pair");
    assert_eq!(m.default_threshold(), PAIR_THRESHOLD);
}

#[test]
fn encoder_gives_unit_vectors_of_the_model_dimension() {
    let v = matcher()
        .encoder()
        .encode(&["Putin met Tillerson."])
        .expect("encode");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].len(), 384);
    let norm: f32 = v[0].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "{norm}");
}

#[test]
fn train_info_describes_the_committed_weights() {
    let info: serde_json::Value =
        serde_json::from_str(BUILTIN_TRAIN_INFO).expect("train_info.json");
    assert_eq!(
        info["weights_sha256"].as_str(),
        Some(sha256_hex(BUILTIN_WEIGHTS).as_str())
    );
    assert_eq!(info["threshold"].as_f64(), Some(PAIR_THRESHOLD as f64));
    assert_eq!(matcher().weights_sha256(), sha256_hex(BUILTIN_WEIGHTS));
}
