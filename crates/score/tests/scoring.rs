//! Crafted scoring cases: conventions, error analysis, statistics and stable JSON.

use std::collections::BTreeMap;

use claimbench_score::*;

fn gold(id: &str, text: &str, category: &str, check_worthy: bool) -> GoldItem {
    GoldItem {
        id: id.into(),
        text: text.into(),
        category: category.into(),
        check_worthy,
        evidence: Vec::new(),
    }
}

fn pred(text: &str) -> PredItem {
    PredItem {
        text: text.into(),
        score: None,
        evidence: Vec::new(),
    }
}

fn doc(id: &str, gold: Vec<GoldItem>, pred: Vec<PredItem>, sim: &[f32]) -> DocInput {
    let sim = SimMatrix::new(pred.len(), gold.len(), sim.to_vec()).unwrap();
    DocInput {
        doc: id.into(),
        gold,
        pred,
        sim,
        grounding: None,
        directions: None,
    }
}

fn cfg(threshold: f32) -> ScoreConfig {
    ScoreConfig::with_threshold(threshold)
}

/// serde_json writes NaN as null: every null must be an optional field that is absent, never a number.
fn assert_no_null_numbers(v: &serde_json::Value) {
    fn walk(v: &serde_json::Value, key: &str) {
        match v {
            serde_json::Value::Null => {
                assert!(
                    matches!(key, "groundedness" | "grounding" | "intervals" | "score"),
                    "null at {key}"
                )
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, key)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, k)),
            _ => {}
        }
    }
    walk(v, "");
}

#[test]
fn empty_prediction_scores_zero_without_nan() {
    let d = doc(
        "d",
        vec![
            gold("g1", "a", "event", true),
            gold("g2", "b", "event", false),
        ],
        vec![],
        &[],
    );
    let r = evaluate(&[d], &cfg(0.5), &no_suspects).unwrap();
    assert_eq!(
        r.micro.counts,
        Counts {
            tp: 0,
            fp: 0,
            fn_: 2
        }
    );
    assert_eq!(
        r.micro.rates,
        Rates {
            precision: 0.0,
            recall: 0.0,
            f1: 0.0
        }
    );
    assert_eq!(
        r.macro_,
        Rates {
            precision: 0.0,
            recall: 0.0,
            f1: 0.0
        }
    );
    assert_eq!(r.soft.precision, 0.0);
    assert_eq!(r.soft.recall, 0.0);
    let ci = r.micro.intervals.unwrap();
    assert_eq!((ci.f1.low, ci.f1.high), (0.0, 0.0));
    assert_no_null_numbers(&serde_json::to_value(&r).unwrap());
    // No documents at all.
    let r = evaluate(&[], &cfg(0.5), &no_suspects).unwrap();
    assert_no_null_numbers(&serde_json::to_value(&r).unwrap());
    assert_eq!(r.micro.rates.f1, 0.0);
    assert_eq!(r.documents_scored, 0);
}

#[test]
fn counts_rates_and_subsets() {
    let g = vec![
        gold("g1", "one", "event", true),
        gold("g2", "two", "quantity", true),
        gold("g3", "three", "quantity", false),
    ];
    let p = vec![pred("one"), pred("zwei"), pred("x")];
    #[rustfmt::skip]
    let sim = [
        0.9, 0.1, 0.0,
        0.0, 0.8, 0.0,
        0.0, 0.0, 0.2,
    ];
    let r = evaluate(&[doc("d", g, p, &sim)], &cfg(0.5), &no_suspects).unwrap();
    assert_eq!(
        r.micro.counts,
        Counts {
            tp: 2,
            fp: 1,
            fn_: 1
        }
    );
    assert!((r.micro.rates.precision - 2.0 / 3.0).abs() < 1e-12);
    assert!((r.micro.rates.recall - 2.0 / 3.0).abs() < 1e-12);
    assert!((r.micro.rates.f1 - 2.0 / 3.0).abs() < 1e-12);
    let d = &r.documents[0];
    assert_eq!(d.misses, vec!["g3".to_string()]);
    assert_eq!(d.false_alarms, vec![2]);
    assert_eq!(
        r.categories["event"],
        SubsetScore {
            gold: 1,
            matched: 1,
            recall: 1.0
        }
    );
    assert_eq!(
        r.categories["quantity"],
        SubsetScore {
            gold: 2,
            matched: 1,
            recall: 0.5
        }
    );
    assert_eq!(
        r.check_worthy,
        SubsetScore {
            gold: 2,
            matched: 2,
            recall: 1.0
        }
    );
    // Soft: row maxima 0.9, 0.8, 0.2; column maxima 0.9, 0.8, 0.2.
    assert!((r.soft.precision - (0.9 + 0.8 + 0.2) / 3.0).abs() < 1e-6);
    assert!((r.soft.recall - (0.9 + 0.8 + 0.2) / 3.0).abs() < 1e-6);
}

#[test]
fn micro_pools_and_macro_averages() {
    let a = doc(
        "a",
        vec![gold("g1", "x", "event", true)],
        vec![pred("x")],
        &[1.0],
    );
    let b = doc(
        "b",
        vec![
            gold("g1", "x", "event", true),
            gold("g2", "y", "event", true),
            gold("g3", "z", "event", true),
        ],
        vec![pred("q")],
        &[0.0, 0.0, 0.0],
    );
    let r = evaluate(&[b, a], &cfg(0.5), &no_suspects).unwrap();
    assert_eq!(
        r.documents
            .iter()
            .map(|d| d.doc.as_str())
            .collect::<Vec<_>>(),
        vec!["a", "b"]
    );
    assert_eq!(
        r.micro.counts,
        Counts {
            tp: 1,
            fp: 1,
            fn_: 3
        }
    );
    assert!((r.micro.rates.recall - 0.25).abs() < 1e-12);
    assert!((r.macro_.recall - 0.5).abs() < 1e-12); // (1 + 0) / 2
    assert!((r.macro_.precision - 0.5).abs() < 1e-12);
}

#[test]
fn splits_and_merges_are_reported() {
    // g1 is covered by p0 and p1 (split); p2 covers g2 and g3 (merge).
    let g = vec![
        gold("g1", "a", "event", true),
        gold("g2", "b", "event", true),
        gold("g3", "c", "event", true),
    ];
    let p = vec![pred("a part one"), pred("a part two"), pred("b and c")];
    #[rustfmt::skip]
    let sim = [
        0.9, 0.0, 0.0,
        0.8, 0.0, 0.0,
        0.0, 0.85, 0.75,
    ];
    let r = evaluate(&[doc("d", g, p, &sim)], &cfg(0.7), &no_suspects).unwrap();
    let d = &r.documents[0];
    assert_eq!(
        d.counts,
        Counts {
            tp: 2,
            fp: 1,
            fn_: 1
        }
    );
    assert_eq!(
        d.splits,
        vec![Split {
            gold: "g1".into(),
            matched_pred: 0,
            extra_preds: vec![1]
        }]
    );
    assert_eq!(
        d.merges,
        vec![Merge {
            pred: 2,
            matched_gold: "g2".into(),
            extra_gold: vec!["g3".into()]
        }]
    );
    assert_eq!(r.errors.splits, 1);
    assert_eq!(r.errors.split_preds, 1);
    assert_eq!(r.errors.merges, 1);
    assert_eq!(r.errors.merged_gold, 1);
    assert_eq!(r.errors.misses, 1);
    assert_eq!(r.errors.false_alarms, 1);
}

#[test]
fn duplicates_are_false_alarms_once_one_is_matched() {
    // Two gold claims that both look like the duplicated prediction: only one copy may match.
    let g = vec![
        gold("g1", "Rain fell.", "event", true),
        gold("g2", "Rain fell on Monday", "event", true),
    ];
    let p = vec![pred("Rain fell."), pred("rain  FELL"), pred("Snow")];
    #[rustfmt::skip]
    let sim = [
        1.0, 0.8,
        1.0, 0.8,
        0.0, 0.0,
    ];
    let r = evaluate(&[doc("d", g, p, &sim)], &cfg(0.7), &no_suspects).unwrap();
    let d = &r.documents[0];
    assert_eq!(
        d.duplicates,
        vec![Duplicate {
            text: "rain fell".into(),
            preds: vec![0, 1]
        }]
    );
    assert_eq!(
        d.counts,
        Counts {
            tp: 1,
            fp: 2,
            fn_: 1
        }
    );
    assert_eq!(d.false_alarms, vec![1, 2]);
    assert_eq!(r.errors.duplicates, 1);
    // The duplicate is not also reported as a split of g1.
    assert!(d.splits.is_empty());
    // The kept copy reaches g2 too: a merge.
    assert_eq!(d.merges.len(), 1);
}

#[test]
fn each_miss_and_false_alarm_names_its_nearest_and_why() {
    // g1 split by p0 and p1 (p1: taken), p2 covers g2 and g3 (g3: taken), p3 repeats p0 (duplicate), p4 is near
    // g4 but below the threshold, and a guard sees why (found in the other direction only).
    let g = vec![
        gold("g1", "a", "event", true),
        gold("g2", "b", "event", true),
        gold("g3", "c", "event", true),
        gold("g4", "87 people died", "quantity", true),
    ];
    let p = vec![
        pred("a part one"),
        pred("a part two"),
        pred("b and c"),
        pred("A part one"),
        pred("89 people died"),
    ];
    #[rustfmt::skip]
    let sim = [
        0.9, 0.0, 0.0, 0.1,
        0.8, 0.0, 0.0, 0.1,
        0.0, 0.85, 0.75, 0.2,
        0.9, 0.0, 0.0, 0.1,
        0.1, 0.0, 0.0, 0.6,
    ];
    let guard = |a: &str, b: &str| -> Vec<GuardHit> {
        if a.contains("87") && b.contains("89") {
            vec![GuardHit {
                kind: GuardKind::Number,
                detail: "87 vs 89".into(),
            }]
        } else {
            Vec::new()
        }
    };
    let r = evaluate(&[doc("d", g, p, &sim)], &cfg(0.7), &guard).unwrap();
    let d = &r.documents[0];
    assert_eq!(d.misses, ["g3", "g4"]);
    assert_eq!(d.false_alarms, [1, 3, 4]);
    let near = |n: &[Nearest]| {
        n.iter()
            .map(|x| {
                let guards: Vec<String> = x.guards.iter().map(|h| h.detail.clone()).collect();
                format!(
                    "{} {} {} {} {}",
                    x.pred,
                    x.gold,
                    x.similarity,
                    x.why.as_str(),
                    guards.join(";")
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        near(&d.nearest_predictions),
        ["2 g3 0.75 taken ", "4 g4 0.6 below 87 vs 89"]
    );
    assert_eq!(
        near(&d.nearest_gold),
        [
            "1 g1 0.8 taken ",
            "3 g1 0.9 duplicate ",
            "4 g4 0.6 below 87 vs 89"
        ]
    );
    let json = serde_json::to_value(d).unwrap();
    assert_eq!(json["nearest_gold"][1]["why"], "duplicate");
    assert!(json["nearest_gold"][0].get("guards").is_none(), "{json}");
    assert!(
        d.nearest_gold.iter().all(|n| n.relation.is_none()),
        "a symmetric matcher gives no relation"
    );
    assert!(!serde_json::to_string(d).unwrap().contains("relation"));
}

#[test]
fn a_nearest_pair_says_whether_it_is_a_bundle_or_a_part_from_the_directions() {
    // p0 states all of g1 and more (a bundle), g2 states all of p1 (a part), p2 and g3 state only some of each
    // other; the "same" score is the smaller direction, below the threshold for all three.
    let g = vec![
        gold("g1", "the mayor resigned", "event", true),
        gold(
            "g2",
            "the mayor resigned on Monday after the vote",
            "event",
            true,
        ),
        gold("g3", "taxes rose", "event", true),
    ];
    let p = vec![
        pred("the mayor resigned and taxes rose"),
        pred("the mayor resigned"),
        pred("taxes changed"),
    ];
    #[rustfmt::skip]
    let pred_states_gold: [f32; 9] = [
        0.9, 0.2, 0.0,
        0.0, 0.1, 0.0,
        0.0, 0.0, 0.3,
    ];
    #[rustfmt::skip]
    let gold_states_pred: [f32; 9] = [
        0.1, 0.0, 0.0,
        0.0, 0.8, 0.0,
        0.0, 0.0, 0.4,
    ];
    let sim: Vec<f32> = pred_states_gold
        .iter()
        .zip(&gold_states_pred)
        .map(|(a, b)| a.min(*b))
        .collect();
    let mut input = doc("d", g, p, &sim);
    input.directions = Some(DirectionScores {
        pred_states_gold: SimMatrix::new(3, 3, pred_states_gold.to_vec()).unwrap(),
        gold_states_pred: SimMatrix::new(3, 3, gold_states_pred.to_vec()).unwrap(),
        threshold: 0.5,
    });
    let r = evaluate(&[input], &cfg(0.5), &no_suspects).unwrap();
    let d = &r.documents[0];
    assert_eq!(d.misses, ["g1", "g2", "g3"]);
    let near = |n: &[Nearest]| {
        n.iter()
            .map(|x| {
                format!(
                    "{} {} {} {}",
                    x.pred,
                    x.gold,
                    x.why.as_str(),
                    x.relation.map_or("-", Relation::as_str)
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        near(&d.nearest_predictions),
        ["0 g1 below bundles", "1 g2 below part", "2 g3 below -"]
    );
    assert_eq!(
        near(&d.nearest_gold),
        ["0 g1 below bundles", "1 g2 below part", "2 g3 below -"]
    );
    let p = d.packaging.expect("directions give packaging");
    assert_eq!((p.covered, p.focused, p.bundling, p.partial), (1, 1, 1, 1));
    let json = serde_json::to_value(d).unwrap();
    assert_eq!(json["nearest_predictions"][0]["relation"], "bundles");
    assert_eq!(json["nearest_predictions"][1]["relation"], "part");
    assert!(json["nearest_predictions"][2].get("relation").is_none());
    // Read back, the relation is kept.
    let back: DocResult = serde_json::from_value(json).unwrap();
    assert_eq!(&back, d);
}

#[test]
fn nearest_is_absent_when_the_other_side_is_empty() {
    let g = vec![gold("g1", "a", "event", true)];
    let r = evaluate(&[doc("d", g, vec![], &[])], &cfg(0.5), &no_suspects).unwrap();
    assert!(r.documents[0].nearest_predictions.is_empty());
    let p = vec![pred("x")];
    let r = evaluate(&[doc("e", vec![], p, &[])], &cfg(0.5), &no_suspects).unwrap();
    assert!(r.documents[0].nearest_gold.is_empty());
    assert!(!serde_json::to_string(&r.documents[0])
        .unwrap()
        .contains("nearest"));
}

#[test]
fn suspect_flags_come_from_the_guard() {
    let g = vec![
        gold("g1", "87 people died", "quantity", true),
        gold("g2", "the bridge opened", "event", true),
    ];
    let p = vec![pred("89 people died"), pred("the bridge opened")];
    let sim = [0.95, 0.0, 0.0, 1.0];
    let guard = |a: &str, b: &str| -> Vec<GuardHit> {
        if a.contains("89") && b.contains("87") {
            vec![GuardHit {
                kind: GuardKind::Number,
                detail: "89 vs 87".into(),
            }]
        } else {
            Vec::new()
        }
    };
    let mut s = Scorer::new(cfg(0.7)).unwrap();
    s.add(&doc("d", g, p, &sim), &guard).unwrap();
    let r = s.finish();
    let d = &r.documents[0];
    assert_eq!(d.counts.tp, 2, "suspect pairs still count as matches");
    assert_eq!(
        d.matches[0].suspect,
        vec![GuardHit {
            kind: GuardKind::Number,
            detail: "89 vs 87".into()
        }]
    );
    assert!(d.matches[1].suspect.is_empty());
    assert_eq!(r.errors.suspect, 1);
}

#[test]
fn groundedness_mean_and_share_below() {
    let mut d1 = doc(
        "a",
        vec![gold("g", "x", "event", true)],
        vec![pred("x"), pred("y")],
        &[1.0, 0.0],
    );
    d1.grounding = Some(vec![0.9, 0.3]);
    let mut d2 = doc(
        "b",
        vec![gold("g", "x", "event", true)],
        vec![pred("x")],
        &[1.0],
    );
    d2.grounding = Some(vec![0.6]);
    let mut c = cfg(0.5);
    c.grounding_threshold = 0.5;
    let r = evaluate(&[d1.clone(), d2], &c, &no_suspects).unwrap();
    let g = r.groundedness.unwrap();
    assert_eq!((g.scored, g.below), (3, 1));
    assert!((g.mean - 0.6).abs() < 1e-6);
    assert!((g.share_below - 1.0 / 3.0).abs() < 1e-12);
    d1.grounding = Some(vec![0.9]);
    assert!(matches!(
        evaluate(&[d1], &c, &no_suspects),
        Err(Error::GroundingLength { .. })
    ));
    let plain = evaluate(&[doc("a", vec![], vec![pred("x")], &[])], &c, &no_suspects).unwrap();
    assert!(plain.groundedness.is_none());
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let g = vec![gold("g1", "x", "event", true)];
    let mut d = doc("d", g.clone(), vec![pred("x")], &[1.0]);
    d.sim = SimMatrix {
        rows: 1,
        cols: 2,
        data: vec![1.0],
    };
    assert!(matches!(
        evaluate(&[d], &cfg(0.5), &no_suspects),
        Err(Error::MatrixMismatch { .. })
    ));
    let d = doc("d", g.clone(), vec![pred("x")], &[f32::NAN]);
    assert!(matches!(
        evaluate(&[d], &cfg(0.5), &no_suspects),
        Err(Error::NonFinite { row: 0, col: 0, .. })
    ));
    let d = doc("d", g.clone(), vec![pred("x")], &[1.0]);
    assert!(matches!(
        evaluate(&[d.clone(), d.clone()], &cfg(0.5), &no_suspects),
        Err(Error::DuplicateDocument { .. })
    ));
    assert!(matches!(
        evaluate(&[d], &cfg(f32::INFINITY), &no_suspects),
        Err(Error::Config { .. })
    ));
    let d = doc("d", vec![g[0].clone(), g[0].clone()], vec![], &[]);
    assert!(matches!(
        evaluate(&[d], &cfg(0.5), &no_suspects),
        Err(Error::DuplicateGoldId { .. })
    ));
    assert!(SimMatrix::new(2, 2, vec![0.0; 3]).is_err());
}

/// Documents with a given share of matched gold claims, for the statistics tests.
fn corpus(n_docs: usize, hit_every: usize, seed_text: &str) -> Vec<DocInput> {
    (0..n_docs)
        .map(|k| {
            let n = 4 + k % 3;
            let g: Vec<GoldItem> = (0..n)
                .map(|j| {
                    gold(
                        &format!("g{j}"),
                        &format!("{seed_text} {k} {j}"),
                        "event",
                        j % 2 == 0,
                    )
                })
                .collect();
            let p: Vec<PredItem> = (0..n).map(|j| pred(&format!("p {k} {j}"))).collect();
            let sim = SimMatrix::from_fn(n, n, |i, j| {
                if i == j && (k * 7 + j) % hit_every != 0 {
                    0.9
                } else {
                    0.1
                }
            });
            DocInput {
                doc: format!("doc{k:03}"),
                gold: g,
                pred: p,
                sim,
                grounding: None,
                directions: None,
            }
        })
        .collect()
}

#[test]
fn bootstrap_is_deterministic_and_brackets_the_estimate() {
    let docs = corpus(40, 3, "x");
    for unit in [Resample::Documents, Resample::Claims] {
        let mut c = cfg(0.5);
        c.bootstrap = BootstrapConfig {
            samples: 500,
            seed: 7,
            unit,
        };
        let a = evaluate(&docs, &c, &no_suspects).unwrap();
        let b = evaluate(&docs, &c, &no_suspects).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let ci = a.micro.intervals.unwrap();
        for (iv, x) in [
            (ci.precision, a.micro.rates.precision),
            (ci.recall, a.micro.rates.recall),
            (ci.f1, a.micro.rates.f1),
        ] {
            assert!(
                iv.low <= x && x <= iv.high,
                "{unit}: {x} not in [{}, {}]",
                iv.low,
                iv.high
            );
            assert!(
                iv.high - iv.low > 0.01 && iv.high - iv.low < 0.5,
                "{unit}: width {}",
                iv.high - iv.low
            );
        }
        c.bootstrap.seed = 8;
        let other = evaluate(&docs, &c, &no_suspects).unwrap();
        assert_ne!(
            other.micro.intervals, a.micro.intervals,
            "a different seed gives different draws"
        );
    }
}

#[test]
fn paired_tests_identical_and_different_systems() {
    let docs = corpus(60, 3, "x");
    let a = evaluate(&docs, &cfg(0.5), &no_suspects).unwrap();
    // A much worse system on the same gold: no gold claim matched in most documents.
    let worse: Vec<DocInput> = docs
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let mut d = d.clone();
            if k % 5 != 0 {
                d.sim = SimMatrix::zeros(d.sim.rows, d.sim.cols);
            }
            d
        })
        .collect();
    let b = evaluate(&worse, &cfg(0.5), &no_suspects).unwrap();
    // A slightly different system: a single document loses its matches.
    let mut near = docs.clone();
    near[0].sim = SimMatrix::zeros(near[0].sim.rows, near[0].sim.cols);
    let n = evaluate(&near, &cfg(0.5), &no_suspects).unwrap();
    for unit in [Resample::Documents, Resample::Claims] {
        let cc = CompareConfig {
            samples: 1000,
            permutations: 2000,
            seed: 3,
            unit,
        };
        let same = compare(&a, &a, &cc).unwrap();
        assert_eq!(same.delta, 0.0);
        assert_eq!(same.p_randomization, 1.0, "{unit}");
        assert_eq!(same.p_bootstrap, 1.0, "{unit}");
        assert_eq!((same.interval.low, same.interval.high), (0.0, 0.0));
        let diff = compare(&a, &b, &cc).unwrap();
        assert!(diff.delta > 0.4, "delta {}", diff.delta);
        assert!(
            diff.p_randomization < 0.01,
            "{unit}: p {}",
            diff.p_randomization
        );
        assert!(diff.p_bootstrap < 0.01, "{unit}: p {}", diff.p_bootstrap);
        assert!(diff.interval.low > 0.0 && diff.interval.high >= diff.delta);
        assert_eq!(
            diff,
            compare(&a, &b, &cc).unwrap(),
            "same seed, same figures"
        );
        let rev = compare(&b, &a, &cc).unwrap();
        assert!((rev.delta + diff.delta).abs() < 1e-12);
        let small = compare(&a, &n, &cc).unwrap();
        assert!(
            small.p_randomization > 0.05,
            "{unit}: p {}",
            small.p_randomization
        );
        assert!(small.p_bootstrap > 0.05, "{unit}: p {}", small.p_bootstrap);
    }
    let docs_unit = compare(
        &a,
        &b,
        &CompareConfig {
            unit: Resample::Documents,
            ..CompareConfig::default()
        },
    )
    .unwrap();
    assert_eq!(docs_unit.units, 60);
    let claims_unit = compare(&a, &b, &CompareConfig::default()).unwrap();
    assert_eq!(claims_unit.units, a.micro.gold + 60);
    assert_eq!(claims_unit.documents, 60);
}

#[test]
fn with_five_documents_only_the_claim_unit_can_detect_a_drop() {
    // Five documents (like the built-in gold): a system that loses most matches everywhere.
    let docs = corpus(5, 1000, "x");
    let a = evaluate(&docs, &cfg(0.5), &no_suspects).unwrap();
    let worse: Vec<DocInput> = docs
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.sim = SimMatrix::from_fn(d.sim.rows, d.sim.cols, |i, j| {
                if i == j && i == 0 {
                    0.9
                } else {
                    0.0
                }
            });
            d
        })
        .collect();
    let b = evaluate(&worse, &cfg(0.5), &no_suspects).unwrap();
    let by_doc = compare(
        &a,
        &b,
        &CompareConfig {
            unit: Resample::Documents,
            ..CompareConfig::default()
        },
    )
    .unwrap();
    // 2^5 relabellings, two of which (all or none swapped) are as extreme: p is about 1/16.
    assert!(
        by_doc.p_randomization > 0.05,
        "p {}",
        by_doc.p_randomization
    );
    let by_claim = compare(&a, &b, &CompareConfig::default()).unwrap();
    assert!(
        by_claim.p_randomization < 0.001,
        "p {}",
        by_claim.p_randomization
    );
    assert!(by_claim.interval.low > 0.0);
}

#[test]
fn comparison_needs_the_same_gold() {
    let a = evaluate(&corpus(5, 3, "x"), &cfg(0.5), &no_suspects).unwrap();
    let b = evaluate(&corpus(6, 3, "x"), &cfg(0.5), &no_suspects).unwrap();
    assert!(matches!(
        compare(&a, &b, &CompareConfig::default()),
        Err(Error::NotComparable(_))
    ));
    let mut docs = corpus(5, 3, "x");
    docs[2].gold[0].id = "other".into();
    let c = evaluate(&docs, &cfg(0.5), &no_suspects).unwrap();
    let e = compare(&a, &c, &CompareConfig::default()).unwrap_err();
    assert!(e.to_string().contains("doc002"), "{e}");
}

#[test]
fn sweep_matches_scoring_at_each_threshold() {
    let docs = corpus(10, 4, "x");
    let ts = threshold::grid(0.0, 1.0, 10);
    let points = sweep(&docs, &ts, Assignment::Optimal).unwrap();
    for p in &points {
        let r = evaluate(&docs, &cfg(p.threshold), &no_suspects).unwrap();
        assert_eq!(p.counts, r.micro.counts, "threshold {}", p.threshold);
    }
    // Recall never rises with the threshold here.
    assert!(points
        .windows(2)
        .all(|w| w[1].rates.recall <= w[0].rates.recall));
    assert_eq!(points.last().unwrap().counts.tp, 0);
}

fn manifest() -> Manifest {
    Manifest {
        tool_version: "0.1.0".into(),
        gold_hash: "ab12cd34ef567890".into(),
        seed_hashes: BTreeMap::from([("000".into(), "aa".into()), ("001".into(), "bb".into())]),
        model: Some(ModelRef {
            name: "all-minilm-l6-v2".into(),
            weights_sha256: "53aa51172d142c89".into(),
        }),
        device: "cpu".into(),
        dtype: "f32".into(),
        matcher: MatcherRef {
            name: "cosine".into(),
            weights_sha256: None,
        },
        threshold: 0.72,
        assignment: Assignment::Optimal,
        bootstrap_samples: 1000,
        bootstrap_unit: Resample::Documents,
        seed: 42,
        calibration: None,
        documents: None,
    }
}

#[test]
fn signature_and_stable_json() {
    assert_eq!(
        manifest().signature(),
        "claimbench:0.1.0|gold:ab12cd34|matcher:cosine@0.72|assign:optimal|model:all-minilm-l6-v2#53aa5117|dev:cpu|f32|boot:1000docs|seed:42"
    );
    let docs = corpus(8, 3, "x");
    let rec = RunRecord {
        manifest: manifest(),
        results: evaluate(&docs, &cfg(0.5), &no_suspects).unwrap(),
    };
    let json = rec.to_json();
    let back = RunRecord::from_json(&json).unwrap();
    assert_eq!(back.to_json(), json, "round trip is byte-identical");
    // Documents given in another order give the same bytes.
    let mut rev = docs.clone();
    rev.reverse();
    let rec2 = RunRecord {
        manifest: manifest(),
        results: evaluate(&rev, &cfg(0.5), &no_suspects).unwrap(),
    };
    assert_eq!(rec2.to_json(), json);
    // Field order is the struct order.
    let m = json.find("\"manifest\"").unwrap();
    let r = json.find("\"results\"").unwrap();
    assert!(m < r);
    assert!(json.contains("\"fn\": "));
    assert!(json.contains("\"macro\": "));
}

/// Predictions for 2 of 5 documents: resamples that draw neither have no precision, and are left out of its
/// interval rather than counted as 0 (which put the lower bound at 0); recall still counts every document.
#[test]
fn bootstrap_precision_ignores_resamples_without_predictions() {
    let covered = Counts {
        tp: 9,
        fp: 1,
        fn_: 41,
    };
    let uncovered = Counts {
        tp: 0,
        fp: 0,
        fn_: 50,
    };
    let per_doc = [covered, covered, uncovered, uncovered, uncovered];
    let ci = claimbench_score::bootstrap(
        &per_doc,
        &BootstrapConfig {
            samples: 1000,
            seed: 42,
            unit: Resample::Documents,
        },
    )
    .unwrap();
    // Every resample with a prediction pools copies of the same document: precision 0.9 exactly.
    assert_eq!((ci.precision.low, ci.precision.high), (0.9, 0.9));
    // Recall reaches 0 in resamples that draw no covered document.
    assert_eq!(ci.recall.low, 0.0);
    assert!(ci.recall.high > 0.09, "{:?}", ci.recall);
    // No document has a prediction: precision is undefined everywhere, and its interval is [0, 0].
    let none = claimbench_score::bootstrap(
        &[uncovered; 3],
        &BootstrapConfig {
            samples: 100,
            seed: 1,
            unit: Resample::Documents,
        },
    )
    .unwrap();
    assert_eq!((none.precision.low, none.precision.high), (0.0, 0.0));
}

#[test]
fn stored_results_aggregate_like_the_inputs_they_came_from() {
    // A sharded run's merge: per-document results scored elsewhere, stored as JSON, fed back in any order.
    let docs = corpus(30, 3, "x");
    let mut c = cfg(0.5);
    c.bootstrap = BootstrapConfig {
        samples: 300,
        seed: 11,
        unit: Resample::Documents,
    };
    let whole = evaluate(&docs, &c, &no_suspects).unwrap();
    let mut stored: Vec<String> = docs
        .iter()
        .map(|d| serde_json::to_string(&score_document(d, &c, &no_suspects).unwrap()).unwrap())
        .collect();
    stored.reverse();
    let mut s = Scorer::new(c).unwrap();
    for text in &stored {
        s.add_result(serde_json::from_str(text).unwrap()).unwrap();
    }
    let again: DocResult = serde_json::from_str(&stored[0]).unwrap();
    assert!(matches!(
        s.add_result(again),
        Err(Error::DuplicateDocument { ref doc }) if doc == "doc029"
    ));
    let merged = s.finish();
    assert_eq!(merged.documents_scored, 30);
    assert!(merged.micro.intervals.is_some());
    assert_eq!(
        serde_json::to_string(&merged).unwrap(),
        serde_json::to_string(&whole).unwrap()
    );
}

#[test]
fn the_guards_read_at_most_the_limit_of_a_huge_claim() {
    // A 5 MB claim must not reach the guards whole (they would take minutes): the scorer hands them a prefix of
    // at most GUARD_TEXT_LIMIT bytes, cut at a character boundary, for matched and unmatched pairs alike.
    let huge = "é Tillerson met Putin. ".repeat(200_000);
    let g = vec![
        gold("g1", "Tillerson met Putin.", "event", true),
        gold("g2", "Lavrov met Tillerson.", "event", true),
    ];
    let p = vec![pred(&huge), pred("Tillerson met Putin.")];
    let d = doc("d", g, p, &[0.9, 0.1, 0.95, 0.2]);
    static LONGEST: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let check = |a: &str, b: &str| -> Vec<GuardHit> {
        LONGEST.fetch_max(a.len().max(b.len()), std::sync::atomic::Ordering::Relaxed);
        Vec::new()
    };
    let r = evaluate(&[d], &cfg(0.5), &check).unwrap();
    assert_eq!(r.micro.counts.tp, 1);
    let read = LONGEST.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        read > 0 && read <= GUARD_TEXT_LIMIT,
        "the guards read {read} bytes"
    );
}
