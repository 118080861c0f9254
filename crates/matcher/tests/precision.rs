//! The integer forward (`--dtype int16`) against f32 with the real model: no `align` decision on
//! the project's pair sets (tuning, tuning neighbours and written pairs, frozen) or on every pair of gold claims
//! of one article changes, and scores move by little.

use std::path::PathBuf;

use claimbench_gold::GoldSet;
use claimbench_matcher::data::{
    frozen_pairs, hand_pairs, tuning_neighbours, tuning_numbers, tuning_written,
};
use claimbench_matcher::{AlignMatcher, EmbeddingEncoder, DEFAULT_MODEL};
use claimbench_model::{EmbedderOptions, Precision};

fn matcher(precision: Precision) -> AlignMatcher<EmbeddingEncoder> {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let opts = EmbedderOptions {
        precision,
        ..EmbedderOptions::default()
    };
    let enc = EmbeddingEncoder::load_registered(DEFAULT_MODEL, &models, &opts, &mut |_| {})
        .expect("the default model loads (fetched on first use)");
    AlignMatcher::new(enc).expect("committed calibration loads")
}

#[test]
fn int16_changes_no_align_decision_on_the_pair_sets_or_the_gold() {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for set in [
        hand_pairs().unwrap(),
        tuning_neighbours().unwrap(),
        tuning_written().unwrap(),
        tuning_numbers().unwrap(),
        frozen_pairs().unwrap(),
    ] {
        pairs.extend(set.into_iter().map(|p| (p.a, p.b)));
    }
    let gold = GoldSet::builtin().unwrap();
    for doc in gold.documents.iter().map(|d| &d.id) {
        let texts: Vec<&str> = gold
            .claims
            .iter()
            .filter(|c| &c.doc == doc)
            .map(|c| c.text.as_str())
            .collect();
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                pairs.push((a.to_string(), b.to_string()));
            }
        }
    }
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let exact = matcher(Precision::F32).decide_pairs(&refs).unwrap();
    let int16 = matcher(Precision::Int16).decide_pairs(&refs).unwrap();
    let mut changed = Vec::new();
    let mut worst = 0f32;
    for ((e, q), (a, b)) in exact.iter().zip(&int16).zip(&refs) {
        worst = worst.max((e.score - q.score).abs());
        if e.same != q.same {
            changed.push(format!("{a:?} / {b:?}: f32 {} int16 {}", e.score, q.score));
        }
    }
    eprintln!(
        "{} pairs, {} decisions changed, largest score change {worst}",
        refs.len(),
        changed.len()
    );
    assert!(changed.is_empty(), "{changed:#?}");
    assert!(worst < 0.01, "largest score change {worst}");
}
