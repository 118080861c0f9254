//! Tests of the `align` matcher with the real MiniLM model (fetched into `<workspace>/models` on first use):
//! identity, symmetry and bounds over every gold claim, the guards' veto, truncation, and the frozen set's
//! figures as EVAL.md states them.

mod common;

use std::sync::OnceLock;

use claimbench_gold::GoldSet;
use claimbench_matcher::data::frozen_pairs;
use claimbench_matcher::{AlignMatcher, EmbeddingEncoder};
use claimbench_score::Matcher;

fn matcher() -> &'static AlignMatcher<EmbeddingEncoder> {
    static M: OnceLock<AlignMatcher<EmbeddingEncoder>> = OnceLock::new();
    M.get_or_init(|| {
        let enc = common::default_encoder();
        AlignMatcher::new(enc).expect("committed calibration loads")
    })
}

fn gold_texts() -> Vec<String> {
    GoldSet::builtin()
        .expect("gold")
        .claims
        .iter()
        .map(|c| c.text.clone())
        .collect()
}

/// The same claim written differently: case, spacing, curly quotes, end punctuation.
fn variant(t: &str) -> String {
    let t = t.replace('"', "\u{201c}").replace('\'', "\u{2019}");
    let t = t.trim_end_matches('.').to_uppercase();
    format!("  {}  !", t.replace(' ', "   "))
}

#[test]
fn every_gold_claim_is_the_same_as_itself_and_its_variants_with_the_top_score() {
    let texts = gold_texts();
    let m = matcher();
    let mut pairs: Vec<(&str, &str)> = texts.iter().map(|t| (t.as_str(), t.as_str())).collect();
    let variants: Vec<String> = texts.iter().map(|t| variant(t)).collect();
    pairs.extend(
        texts
            .iter()
            .zip(&variants)
            .map(|(t, v)| (t.as_str(), v.as_str())),
    );
    for (d, (a, b)) in m.decide_pairs(&pairs).expect("decide").iter().zip(&pairs) {
        assert!(d.same && d.score == 1.0, "{a:?} vs {b:?}: {d:?}");
    }
    // and nothing scores above it: every score of a whole document's matrix is in [0, 1]
    let gt: Vec<&str> = texts.iter().take(43).map(String::as_str).collect();
    let sim = m.matrix(&gt, &gt).expect("matrix");
    for i in 0..gt.len() {
        assert_eq!(sim.get(i, i), 1.0);
        for j in 0..gt.len() {
            assert!((0.0..=1.0).contains(&sim.get(i, j)), "{}", sim.get(i, j));
        }
    }
}

#[test]
fn scores_are_symmetric_bit_for_bit_on_gold_claims() {
    let texts = gold_texts();
    let m = matcher();
    // every claim against its next five
    let mut pairs = Vec::new();
    for i in 0..texts.len() {
        for j in (i + 1)..(i + 6).min(texts.len()) {
            pairs.push((texts[i].as_str(), texts[j].as_str()));
        }
    }
    let back: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (*b, *a)).collect();
    let fwd = m.decide_pairs(&pairs).expect("decide");
    let bwd = m.decide_pairs(&back).expect("decide");
    for ((d1, d2), (a, b)) in fwd.iter().zip(&bwd).zip(&pairs) {
        assert_eq!(d1.score.to_bits(), d2.score.to_bits(), "{a:?} / {b:?}");
        assert_eq!(d1.same, d2.same);
        assert_eq!(d1.reasons, d2.reasons);
    }
}

#[test]
fn the_committed_calibration_threshold_is_the_one_the_score_crate_names() {
    // two places hold align's threshold: the fitted file (what scoring uses) and the registry constant
    assert_eq!(
        matcher().params().threshold,
        claimbench_score::ALIGN_DEFAULT_THRESHOLD
    );
    assert_eq!(
        matcher().default_threshold(),
        claimbench_score::MatcherKind::Align.default_threshold()
    );
}

#[test]
fn the_matrix_gives_each_pair_the_score_its_decision_has() {
    // the matrix skips the reasons; its scores must be the decisions' to the bit (gold claims of two articles,
    // and the tuning pairs, which exercise every guard)
    let gold = GoldSet::builtin().expect("gold");
    let m = matcher();
    let of = |doc: &str| -> Vec<&str> { gold.claims_for(doc).map(|c| c.text.as_str()).collect() };
    let (a, b) = (of("000"), of("001"));
    let matrix = m.matrix(&a, &b).expect("matrix");
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let d = m.decide(x, y).expect("decide");
            assert_eq!(
                matrix.get(i, j).to_bits(),
                d.score.to_bits(),
                "{x:?} / {y:?}"
            );
        }
    }
    let pairs = claimbench_matcher::data::hand_pairs().expect("tuning pairs");
    let mut vetoed = 0;
    for p in &pairs {
        let d = m.decide(&p.a, &p.b).expect("decide");
        let s = m
            .matrix(&[p.a.as_str()], &[p.b.as_str()])
            .expect("matrix")
            .get(0, 0);
        assert_eq!(s.to_bits(), d.score.to_bits(), "{:?} / {:?}", p.a, p.b);
        vetoed += usize::from(d.reasons.len() > 1);
    }
    assert!(vetoed >= 20, "only {vetoed} tuning pairs vetoed by a guard");
}

#[test]
fn paraphrase_matches_and_near_misses_do_not() {
    let m = matcher();
    let same = m
        .decide(
            "Russia vetoed a UN Security Council resolution condemning the chemical attack.",
            "A UN Security Council resolution condemning the chemical attack was vetoed by Russia.",
        )
        .expect("decide");
    assert!(same.same, "{same:?}");
    for (a, b, why) in [
        (
            "87 people died in the attack.",
            "89 people died in the attack.",
            "number",
        ),
        (
            "Russia accused the US of lying.",
            "The US accused Russia of lying.",
            "roles",
        ),
        (
            "Tillerson ate a sandwich.",
            "Rex Tillerson met Vladimir Putin in the Kremlin.",
            "aligned",
        ),
    ] {
        let d = m.decide(a, b).expect("decide");
        assert!(!d.same, "{a:?} vs {b:?}: {d:?}");
        assert!(d.reasons.iter().any(|r| r.starts_with(why)), "{d:?}");
    }
}

#[test]
fn a_huge_claim_is_read_up_to_the_model_limit() {
    // The guards and features see the text the model read (256 tokens), not the whole claim.
    let long = "Tillerson met Putin in Moscow. ".repeat(20_000);
    let d = matcher()
        .decide(&long, "Tillerson met Putin in Moscow.")
        .expect("decide");
    assert!(d.score >= 0.0 && d.score <= 1.0, "{d:?}");
}

#[test]
fn frozen_set_figures_are_the_ones_eval_md_reports() {
    // EVAL.md is written by examples/fit_align.rs; this recomputes the headline row through the public matcher.
    let pairs = frozen_pairs().expect("frozen pairs");
    let m = matcher();
    let input: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
    let ds = m.decide_pairs(&input).expect("decide");
    let right = ds
        .iter()
        .zip(&pairs)
        .filter(|(d, p)| d.same == p.same)
        .count();
    let acc = right as f64 / pairs.len() as f64;
    let eval = include_str!("../EVAL.md");
    let row = format!("| all | {} | {acc:.3} |", pairs.len());
    assert!(eval.contains(&row), "EVAL.md has no row {row:?}");
}

/// The scorer computes only the features the calibration weighs (`all_matched`, `lexical_coverage_min` and
/// `token_f1` have weight 0 in `weights/align.json`), and its probability and score keep their bits: on every
/// hand-labelled and frozen pair, the probability of the needed features equals that of all six, and the matrix's
/// score equals the decision's.
#[test]
fn zero_weight_features_are_skipped_without_moving_a_bit() {
    use claimbench_matcher::align::{decide_aligned, features, features_needed, score_aligned};
    use claimbench_matcher::data::hand_pairs;
    let m = matcher();
    let params = m.params();
    assert_eq!(params.needed(), [true, false, true, true, false, false]);
    let pairs: Vec<_> = hand_pairs()
        .expect("gold/pairs.jsonl")
        .into_iter()
        .chain(frozen_pairs().expect("gold/eval"))
        .collect();
    let texts: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p.a.as_str(), p.b.as_str()])
        .collect();
    let prepared = m.prepare_all(&texts).expect("prepare");
    assert!(pairs.len() > 700, "{}", pairs.len());
    for p in &pairs {
        let (pa, pb) = (&prepared[&p.a], &prepared[&p.b]);
        let all = features(pa, pb, params.match_cosine);
        let some = features_needed(pa, pb, params.match_cosine, &params.needed(), false);
        assert_eq!(
            params.probability(&all).to_bits(),
            params.probability(&some).to_bits(),
            "{}: {all:?} vs {some:?}",
            p.id
        );
        let (d, _, _) = decide_aligned(params, &p.a, &p.b, pa, pb);
        let s = score_aligned(params, &p.a, &p.b, pa, pb);
        assert_eq!(s.to_bits(), d.score.to_bits(), "{}", p.id);
    }
}
