//! The cosine default threshold of the score crate is the one this crate computed on the labelled pairs.

#[test]
fn score_crate_uses_the_kappa_maximising_cosine_threshold() {
    assert_eq!(
        claimbench_score::COSINE_DEFAULT_THRESHOLD,
        claimbench_matcher::PLAIN_COSINE_KAPPA_THRESHOLD,
        "update COSINE_DEFAULT_THRESHOLD in crates/score/src/matchers.rs after retraining"
    );
}
