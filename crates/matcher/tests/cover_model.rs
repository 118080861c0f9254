//! Tests of the `cover` matcher with the real MiniLM model (fetched into `<workspace>/models` on first use):
//! its directions on pairs where one claim states all of the other, symmetry of its "same" score over a whole
//! document, the guards' veto, and the committed calibration's provenance.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use claimbench_gold::GoldSet;
use claimbench_matcher::cover::builtin_params;
use claimbench_matcher::{CoverMatcher, EmbeddingEncoder};
use claimbench_score::Matcher;

fn matcher() -> &'static CoverMatcher<EmbeddingEncoder> {
    static M: OnceLock<CoverMatcher<EmbeddingEncoder>> = OnceLock::new();
    M.get_or_init(|| {
        let enc = common::default_encoder();
        CoverMatcher::new(enc).expect("committed calibration loads")
    })
}

#[test]
fn a_sentence_that_bundles_a_claim_states_all_of_it_but_not_the_reverse() {
    let m = matcher();
    let t = builtin_params().expect("params");
    let dir_t = t
        .direction_threshold
        .expect("cover.json has a direction threshold");
    let (whole, part) = (
        "Rex Tillerson met Vladimir Putin in the Kremlin for nearly two hours after his talks with Sergei Lavrov.",
        "Rex Tillerson met Vladimir Putin in the Kremlin.",
    );
    let d = m.directions_pairs(&[(whole, part)]).expect("directions")[0];
    assert!(
        d.a_states_b >= dir_t,
        "the sentence states all of the claim: {d:?}"
    );
    assert!(
        d.b_states_a < d.a_states_b,
        "the claim states less of the sentence: {d:?}"
    );
    assert!(
        d.same() < t.threshold,
        "a bundle is not the same claim: {d:?}"
    );
    // read the other way round, the directions swap and the same score stays
    let r = m.directions_pairs(&[(part, whole)]).expect("directions")[0];
    assert_eq!((r.a_states_b, r.b_states_a), (d.b_states_a, d.a_states_b));
    assert_eq!(r.same(), d.same());
    // a paraphrase states all of the claim both ways
    let p = m
        .directions_pairs(&[(
            part,
            "Vladimir Putin met with Rex Tillerson at the Kremlin.",
        )])
        .expect("directions")[0];
    assert!(
        p.same() >= t.threshold,
        "a paraphrase is the same claim: {p:?}"
    );
}

#[test]
fn the_guards_veto_both_directions_and_identical_texts_score_one() {
    let m = matcher();
    let d = m
        .directions_pairs(&[(
            "The attack killed 87 people.",
            "The attack killed 89 people.",
        )])
        .expect("directions")[0];
    assert!(d.vetoed, "{d:?}");
    assert!(d.a_states_b <= 0.2 && d.b_states_a <= 0.2, "{d:?}");
    let same = m
        .directions_pairs(&[("Putin met Tillerson.", "Putin met Tillerson.")])
        .expect("directions")[0];
    assert_eq!((same.a_states_b, same.b_states_a), (1.0, 1.0));
    let decision = m
        .decide(
            "The attack killed 87 people.",
            "The attack killed 89 people.",
        )
        .expect("decide");
    assert!(!decision.same, "{decision:?}");
    assert!(
        decision.reasons.iter().any(|r| r.starts_with("number: ")),
        "{decision:?}"
    );
}

#[test]
fn a_documents_scores_are_symmetric_and_match_its_directions() {
    let gold = GoldSet::builtin().expect("gold");
    let texts: Vec<&str> = gold.claims_for("001").map(|c| c.text.as_str()).collect();
    let m = matcher();
    let s = m.scores(&texts, &texts).expect("scores");
    let dirs = s.directions.expect("cover gives both directions");
    for i in 0..texts.len() {
        assert_eq!(s.sim.get(i, i), 1.0);
        for j in 0..texts.len() {
            assert_eq!(s.sim.get(i, j), s.sim.get(j, i), "{i} {j}");
            assert_eq!(
                dirs.pred_states_gold.get(i, j),
                dirs.gold_states_pred.get(j, i),
                "{i} {j}"
            );
            let min = dirs
                .pred_states_gold
                .get(i, j)
                .min(dirs.gold_states_pred.get(i, j));
            assert_eq!(s.sim.get(i, j), min, "{i} {j}");
        }
    }
}

#[test]
fn the_committed_calibration_names_its_data_and_thresholds() {
    let p = builtin_params().expect("params");
    assert_eq!(p.threshold, 0.2);
    assert_eq!(p.direction_threshold, Some(0.1));
    assert!(p.weights.iter().all(|w| *w > 0.0), "{:?}", p.weights);
    let gold = GoldSet::builtin().expect("gold");
    assert_eq!(p.fitted["gold_hash"], gold.hash());
    let sums = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../gold/tuning/judged/SHA256SUMS"),
    )
    .expect("SHA256SUMS");
    assert_eq!(
        p.fitted["tuning_judged_sha256sums"],
        claimbench_io::sha256_hex(&sums),
        "weights/cover.json was fitted on another gold/tuning/judged/: run fit_cover"
    );
}
