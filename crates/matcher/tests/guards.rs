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
        }],
        pred: vec![PredItem {
            text: "The mayor said 89 people died in the fire.".into(),
            score: None,
        }],
        sim: SimMatrix::new(1, 1, vec![0.97]).expect("1 x 1"),
        grounding: None,
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
