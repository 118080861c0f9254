//! The guards as the scorer's suspect check: `claimbench_score` takes the check as a parameter and
//! the callers pass `claimbench_matcher::guards::check`.

use claimbench_matcher::guards;
use claimbench_score::{evaluate, DocInput, GoldItem, GuardKind, PredItem, ScoreConfig, SimMatrix};

#[test]
fn guards_flag_a_number_change_as_suspect() {
    // "87 people" against "89 people" must be suspect.
    let doc = DocInput {
        doc: "d".into(),
        gold: vec![GoldItem {
            id: "g1".into(),
            text: "The mayor said 87 people died in the fire.".into(),
            category: "quantity".into(),
            check_worthy: true,
            evidence: Vec::new(),
        }],
        pred: vec![PredItem {
            text: "The mayor said 89 people died in the fire.".into(),
            score: None,
            evidence: Vec::new(),
        }],
        sim: SimMatrix::new(1, 1, vec![0.97]).expect("1 x 1"),
        grounding: None,
        directions: None,
    };
    let r = evaluate(&[doc], &ScoreConfig::with_threshold(0.7), &guards::check).expect("scores");
    let m = &r.documents[0].matches[0];
    assert!(
        m.suspect.iter().any(|h| h.kind == GuardKind::Number),
        "{:?}",
        m.suspect
    );
    assert_eq!(r.errors.suspect, 1);
}

#[test]
fn guards_read_the_shared_number_words() {
    // "dozen" is a scale word of the lexicon (crates/lexicon/data/numbers.tsv), shared with the
    // gold statistics: "two dozen" is 24 for both.
    assert_eq!(
        guards::number("two dozen people died", "24 people died"),
        None
    );
    assert!(guards::number("two dozen people died", "25 people died").is_some());
    assert_eq!(
        guards::number_values("eighty-seven people and 1.5 million dollars"),
        vec![87.0, 1.5e6]
    );
    assert_eq!(
        claimbench_gold::numbers_in("two dozen people"),
        ["24".to_string()].into_iter().collect()
    );
}
