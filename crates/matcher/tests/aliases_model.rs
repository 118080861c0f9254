//! Tests of the alias table (`crates/lexicon/data/aliases.tsv`) in the align and cover matchers with the real
//! MiniLM model (fetched into `<workspace>/models` on first use): under `"aliases": true` a title and its
//! holder agree as names, a swapped name still does not, and cover's `name_veto` vetoes a direction whose
//! stated claim has a name the other lacks, and only then.

mod common;

use std::sync::OnceLock;

use claimbench_matcher::align::features_needed;
use claimbench_matcher::{AlignMatcher, AlignParams, CoverMatcher, EmbeddingEncoder};

/// Index of `names_agree` in `ALIGN_FEATURES`.
const NAMES_AGREE: usize = 3;

const CANDIDATE_COVER_N: &str = include_str!("../weights/candidates/cover-n.json");

fn align() -> &'static AlignMatcher<EmbeddingEncoder> {
    static M: OnceLock<AlignMatcher<EmbeddingEncoder>> = OnceLock::new();
    M.get_or_init(|| AlignMatcher::new(common::default_encoder()).expect("committed calibration"))
}

/// `names_agree` of a pair, without and with the alias table.
fn names_agree(a: &str, b: &str) -> (f32, f32) {
    let m = align();
    let prepared = m.prepare_all(&[a, b]).expect("prepared");
    let (pa, pb) = (&prepared[a], &prepared[b]);
    let f = |aliases: bool| features_needed(pa, pb, 0.7, &[true; 6], aliases)[NAMES_AGREE];
    (f(false), f(true))
}

#[test]
fn a_title_and_its_holder_agree_as_names_only_through_the_alias_table() {
    assert_eq!(
        names_agree(
            "The Secretary of State met Sergei Lavrov.",
            "Rex Tillerson met Sergei Lavrov."
        ),
        (0.0, 1.0)
    );
    // a swapped name is still a swap: Putin is no alias of Lavrov
    assert_eq!(
        names_agree(
            "Rex Tillerson met Vladimir Putin in Moscow.",
            "Rex Tillerson met Sergei Lavrov in Moscow."
        ),
        (0.0, 0.0)
    );
}

#[test]
fn cover_name_veto_scales_only_a_direction_with_a_missing_name() {
    let candidate =
        AlignParams::parse(CANDIDATE_COVER_N, "cover-n.json").expect("the candidate parses");
    assert!(candidate.aliases && candidate.name_veto);
    let no_veto = AlignParams {
        name_veto: false,
        ..candidate.clone()
    };
    let with = CoverMatcher::with_params(common::default_encoder(), candidate, "n".into());
    let without = CoverMatcher::with_params(common::default_encoder(), no_veto, "a".into());
    let pairs = [
        (
            "Rex Tillerson met Vladimir Putin in Moscow.",
            "Rex Tillerson met Sergei Lavrov in Moscow.",
        ),
        (
            "The Secretary of State met Sergei Lavrov.",
            "Rex Tillerson met Sergei Lavrov.",
        ),
    ];
    let d = with.directions_pairs(&pairs).expect("directions");
    let e = without.directions_pairs(&pairs).expect("directions");
    // the swap: each side names someone the other lacks, so both directions are vetoed
    for (v, p) in [
        (d[0].a_states_b, e[0].a_states_b),
        (d[0].b_states_a, e[0].b_states_a),
    ] {
        assert!(v <= p * 0.2 + 1e-4, "{v} is not {p} x 0.2");
    }
    // the alias: no name is missing, so the veto changes nothing
    assert_eq!(
        (d[1].a_states_b, d[1].b_states_a),
        (e[1].a_states_b, e[1].b_states_a)
    );
}
