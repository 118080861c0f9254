//! Reference tests against data made by the real Python libraries (`tests/data/make_score_reference.py`):
//! rouge-score for ROUGE-L, the SQuAD v1.1 definition for token F1, scipy's `linear_sum_assignment`.

use std::collections::BTreeSet;

use claimbench_score::{
    linear_sum_assignment, rouge_l, token_f1, Matcher, RougeLMatcher, TokenF1Matcher,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Cases<T> {
    cases: Vec<T>,
}

#[derive(Deserialize)]
struct RougeCase {
    pred: String,
    gold: String,
    precision: f64,
    recall: f64,
    fmeasure: f64,
}

#[derive(Deserialize)]
struct F1Case {
    pred: String,
    gold: String,
    f1: f64,
}

#[derive(Deserialize)]
struct LsaCase {
    rows: usize,
    cols: usize,
    matrix: Vec<Vec<f64>>,
    maximize: bool,
    row_ind: Vec<usize>,
    col_ind: Vec<usize>,
    total: f64,
}

fn load<T: for<'de> Deserialize<'de>>(text: &str) -> Vec<T> {
    let c: Cases<T> = serde_json::from_str(text).expect("reference data parses");
    assert!(!c.cases.is_empty());
    c.cases
}

#[test]
fn rouge_l_matches_rouge_score() {
    let cases: Vec<RougeCase> = load(include_str!("data/rouge_reference.json"));
    assert!(cases.len() >= 100, "{} cases", cases.len());
    for (k, c) in cases.iter().enumerate() {
        let s = rouge_l(&c.pred, &c.gold);
        assert!(
            (s.precision - c.precision).abs() <= 1e-9,
            "case {k} precision {} vs {}",
            s.precision,
            c.precision
        );
        assert!(
            (s.recall - c.recall).abs() <= 1e-9,
            "case {k} recall {} vs {}",
            s.recall,
            c.recall
        );
        assert!(
            (s.fmeasure - c.fmeasure).abs() <= 1e-9,
            "case {k} fmeasure {} vs {}",
            s.fmeasure,
            c.fmeasure
        );
    }
    // The matcher's matrix gives the same F-measures (as f32).
    let pred: Vec<&str> = cases.iter().map(|c| c.pred.as_str()).collect();
    let gold: Vec<&str> = cases.iter().take(20).map(|c| c.gold.as_str()).collect();
    let m = RougeLMatcher.matrix(&pred, &gold).unwrap();
    for (k, c) in cases.iter().take(20).enumerate() {
        assert!((m.get(k, k) as f64 - c.fmeasure).abs() <= 1e-6, "case {k}");
    }
}

#[test]
fn token_f1_matches_the_squad_definition() {
    let cases: Vec<F1Case> = load(include_str!("data/token_f1_reference.json"));
    assert!(cases.len() >= 100, "{} cases", cases.len());
    for (k, c) in cases.iter().enumerate() {
        let f = token_f1(&c.pred, &c.gold);
        assert!(
            (f - c.f1).abs() <= 1e-9,
            "case {k}: {f} vs {} ({:?} / {:?})",
            c.f1,
            c.pred,
            c.gold
        );
    }
    let pred: Vec<&str> = cases.iter().map(|c| c.pred.as_str()).collect();
    let gold: Vec<&str> = cases.iter().take(20).map(|c| c.gold.as_str()).collect();
    let m = TokenF1Matcher.matrix(&pred, &gold).unwrap();
    for (k, c) in cases.iter().take(20).enumerate() {
        assert!((m.get(k, k) as f64 - c.f1).abs() <= 1e-6, "case {k}");
    }
}

#[test]
fn assignment_matches_scipy() {
    let cases: Vec<LsaCase> = load(include_str!("data/lsa_reference.json"));
    let (mut exact, mut tied) = (0, 0);
    for (k, c) in cases.iter().enumerate() {
        assert!(c.maximize, "case {k}: only maximisation is used");
        assert_eq!(c.matrix.len(), c.rows, "case {k}");
        let flat: Vec<f64> = c.matrix.iter().flatten().copied().collect();
        assert_eq!(flat.len(), c.rows * c.cols, "case {k}");
        let (r, col) = linear_sum_assignment(c.rows, c.cols, &flat).unwrap();
        assert_eq!(r.len(), c.rows.min(c.cols), "case {k}: size");
        assert_eq!(
            r.iter().collect::<BTreeSet<_>>().len(),
            r.len(),
            "case {k}: rows one-to-one"
        );
        assert_eq!(
            col.iter().collect::<BTreeSet<_>>().len(),
            col.len(),
            "case {k}: cols one-to-one"
        );
        let total: f64 = r.iter().zip(&col).map(|(i, j)| flat[i * c.cols + j]).sum();
        assert!(
            (total - c.total).abs() <= 1e-9,
            "case {k}: total {total} vs {}",
            c.total
        );
        let mut values: Vec<u64> = flat.iter().map(|x| x.to_bits()).collect();
        values.sort_unstable();
        values.dedup();
        if values.len() == flat.len() {
            assert_eq!((&r, &col), (&c.row_ind, &c.col_ind), "case {k}: assignment");
            exact += 1;
        } else {
            tied += 1;
        }
    }
    assert!(exact >= 10, "{exact} cases without ties");
    eprintln!("{exact} cases compared exactly, {tied} with ties compared on the total");
}
