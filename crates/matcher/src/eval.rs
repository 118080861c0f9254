//! Held-out evaluation of the pair matcher, split by article, and the plain-cosine baseline.
//!
//! Folds: every single-article pair of `gold/pairs.jsonl` is scored by a head trained without its
//! article (leave one article out); every cross-article pair `x+y` by a head trained without both
//! `x` and `y`. Training data for a fold are the hand, cluster and rule pairs whose articles all
//! lie outside the held-out set, so no held-out claim (nor any pair made from it) is ever trained on.

use std::collections::{BTreeMap, BTreeSet};

use claimbench_gold::GoldSet;
use claimbench_score::{choose_threshold, cohen_kappa, cosine, roc_auc};
use serde::{Deserialize, Serialize};

use crate::data::{training_pairs, LabelledPair};
use crate::error::{Error, Result};
use crate::features::{feature_vector, scalar_features, FeatureSet};
use crate::head::{train, HeadConfig, PairHead, TrainConfig};
use crate::pair::decide_from_parts;

/// Everything that fixes a trained pair head besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Setup {
    /// Seed of the rule-made pairs.
    pub data_seed: u64,
    /// Features the head reads.
    pub feature_set: FeatureSet,
    /// Embedding dimension.
    pub dim: usize,
    /// Head and optimiser settings.
    pub train: TrainConfig,
    /// Decision threshold on the probability.
    pub threshold: f32,
}

/// Embeddings by text.
pub type EmbeddingMap = BTreeMap<String, Vec<f32>>;

/// Feature rows and labels for training (both orders of each pair when the features are ordered).
pub fn featurize(
    pairs: &[LabelledPair],
    emb: &EmbeddingMap,
    set: FeatureSet,
) -> Result<(Vec<Vec<f32>>, Vec<bool>)> {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for p in pairs {
        let (u, v) = (get(emb, &p.a)?, get(emb, &p.b)?);
        let cos = cosine(u, v);
        let (s, _) = scalar_features(&p.a, &p.b, cos);
        x.push(feature_vector(set, &s, u, v));
        y.push(p.same);
        if set.is_ordered() {
            let (s2, _) = scalar_features(&p.b, &p.a, cos);
            x.push(feature_vector(set, &s2, v, u));
            y.push(p.same);
        }
    }
    Ok((x, y))
}

fn get<'a>(emb: &'a EmbeddingMap, t: &str) -> Result<&'a [f32]> {
    emb.get(t)
        .map(|v| v.as_slice())
        .ok_or_else(|| Error::Encoder(format!("no embedding for {t:?}")))
}

/// Train a head on `pairs`.
pub fn train_head(
    pairs: &[LabelledPair],
    emb: &EmbeddingMap,
    set: FeatureSet,
    dim: usize,
    cfg: &TrainConfig,
) -> Result<PairHead> {
    let (x, y) = featurize(pairs, emb, set)?;
    train(
        &x,
        &y,
        HeadConfig {
            feature_set: set,
            dim,
            hidden: cfg.hidden,
        },
        cfg,
    )
}

/// One held-out prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// Pair id.
    pub id: String,
    /// Kind of pair.
    pub kind: String,
    /// The label.
    pub same: bool,
    /// The matcher's score (after guards).
    pub score: f32,
    /// The classifier's probability before guards.
    pub prob: f32,
    /// Whether a guard fired.
    pub vetoed: bool,
    /// Plain cosine of the two embeddings.
    pub cosine: f32,
    /// The articles held out when scoring it.
    pub fold: Vec<String>,
}

/// The held-out folds for a set of hand pairs: one per article and one per pair of articles that
/// occurs in a cross-article pair.
pub fn folds(hand: &[LabelledPair]) -> Vec<BTreeSet<String>> {
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for p in hand {
        out.insert(p.docs.clone());
    }
    out.into_iter().map(|d| d.into_iter().collect()).collect()
}

/// Score every hand pair with a head that never saw its articles.
pub fn cross_validate(
    hand: &[LabelledPair],
    gold: &GoldSet,
    emb: &EmbeddingMap,
    setup: &Setup,
) -> Result<Vec<HeldOut>> {
    let Setup {
        data_seed,
        feature_set: set,
        dim,
        train: ref cfg,
        threshold,
    } = *setup;
    let mut out = Vec::new();
    for held in folds(hand) {
        let test: Vec<&LabelledPair> = hand
            .iter()
            .filter(|p| p.docs.iter().cloned().collect::<BTreeSet<_>>() == held)
            .collect();
        let train_set = training_pairs(hand, gold, data_seed, &held);
        let head = train_head(&train_set, emb, set, dim, cfg)?;
        for p in test {
            let (u, v) = (get(emb, &p.a)?, get(emb, &p.b)?);
            let (d, prob, vetoed) = decide_from_parts(&head, threshold, &p.a, &p.b, u, v)?;
            out.push(HeldOut {
                id: p.id.clone(),
                kind: p.kind.clone(),
                same: p.same,
                score: d.score,
                prob,
                vetoed,
                cosine: cosine(u, v),
                fold: held.iter().cloned().collect(),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Accuracy, kappa and AUC of one group of pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `all` or a kind.
    pub group: String,
    /// Pairs in the group.
    pub pairs: usize,
    /// Share of pairs decided correctly.
    pub accuracy: f64,
    /// Cohen's kappa of decisions against labels. For one kind (a single label), computed on the
    /// kind's pairs together with every pair of the other label.
    pub kappa: f64,
    /// ROC AUC of scores against labels, on the same pairs as `kappa`.
    pub auc: f64,
}

/// Accuracy, kappa and AUC overall and per kind for `(kind, same, score)` triples at `threshold`.
pub fn table(items: &[(String, bool, f32)], threshold: f32) -> Result<Vec<Row>> {
    let row = |group: &str, core: &[&(String, bool, f32)], pool: &[&(String, bool, f32)]| {
        let correct = core
            .iter()
            .filter(|(_, s, x)| (*x >= threshold) == *s)
            .count();
        let labels: Vec<bool> = pool.iter().map(|(_, s, _)| *s).collect();
        let calls: Vec<bool> = pool.iter().map(|(_, _, x)| *x >= threshold).collect();
        let scored: Vec<(f32, bool)> = pool.iter().map(|(_, s, x)| (*x, *s)).collect();
        Ok::<Row, Error>(Row {
            group: group.to_string(),
            pairs: core.len(),
            accuracy: correct as f64 / core.len().max(1) as f64,
            kappa: cohen_kappa(&calls, &labels)?,
            auc: roc_auc(&scored)?.unwrap_or(f64::NAN),
        })
    };
    let all: Vec<&(String, bool, f32)> = items.iter().collect();
    let mut rows = vec![row("all", &all, &all)?];
    let kinds: BTreeSet<&str> = items.iter().map(|(k, _, _)| k.as_str()).collect();
    // positive kinds first, then negative kinds, each alphabetical
    let mut ordered: Vec<(bool, &str)> = kinds
        .iter()
        .map(|k| {
            let same = items.iter().any(|(kk, s, _)| kk == k && *s);
            (!same, *k)
        })
        .collect();
    ordered.sort();
    for (_, k) in ordered {
        let core: Vec<&(String, bool, f32)> = items.iter().filter(|(kk, _, _)| kk == k).collect();
        let label = core.first().map(|c| c.1).unwrap_or(false);
        let mixed = core.iter().any(|c| c.1 != label);
        let pool: Vec<&(String, bool, f32)> = if mixed {
            core.clone()
        } else {
            items
                .iter()
                .filter(|(kk, s, _)| kk == k || *s != label)
                .collect()
        };
        rows.push(row(k, &core, &pool)?);
    }
    Ok(rows)
}

/// The accuracy-maximising plain-cosine threshold on labelled `(cosine, same)` pairs.
pub fn cosine_threshold(pairs: &[(f32, bool)]) -> Result<claimbench_score::ThresholdChoice> {
    Ok(choose_threshold(pairs)?)
}

/// One line of rows: overall accuracy, kappa and AUC, and the kind with the lowest accuracy.
pub fn summary(rows: &[Row]) -> String {
    let worst = rows
        .iter()
        .skip(1)
        .map(|r| (r.accuracy, r.group.as_str()))
        .fold((f64::INFINITY, ""), |a, b| if b.0 < a.0 { b } else { a });
    let all = rows.first();
    format!(
        "acc {:.3} kappa {:.3} auc {:.3} | worst kind {} {:.3}",
        all.map_or(0.0, |r| r.accuracy),
        all.map_or(0.0, |r| r.kappa),
        all.map_or(0.0, |r| r.auc),
        worst.1,
        worst.0
    )
}

/// Render rows as a Markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from("| pairs | n | accuracy | kappa | AUC |\n|---|---:|---:|---:|---:|\n");
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.3} | {:.3} | {:.3} |\n",
            r.group,
            r.pairs,
            r.accuracy,
            r.kappa + 0.0, // no "-0.000"
            r.auc
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{hand_pairs, Origin};

    #[test]
    fn folds_cover_every_hand_pair_once_and_never_train_on_it() {
        let hand = hand_pairs().expect("pairs");
        let gold = GoldSet::builtin().expect("gold");
        let fs = folds(&hand);
        let mut covered = 0;
        for held in &fs {
            let test: Vec<&LabelledPair> = hand
                .iter()
                .filter(|p| p.docs.iter().cloned().collect::<BTreeSet<_>>() == *held)
                .collect();
            covered += test.len();
            let train_set = training_pairs(&hand, &gold, 5, held);
            let train_ids: BTreeSet<&str> = train_set.iter().map(|p| p.id.as_str()).collect();
            for p in &test {
                assert!(!train_ids.contains(p.id.as_str()), "{} in training", p.id);
            }
            // no training pair comes from a held-out article
            assert!(train_set.iter().all(|p| p.outside(held)));
            assert!(train_set.iter().any(|p| p.origin == Origin::Rule));
        }
        assert_eq!(covered, hand.len());
    }

    #[test]
    fn table_per_kind() {
        let items = vec![
            ("paraphrase".to_string(), true, 0.9f32),
            ("paraphrase".to_string(), true, 0.4),
            ("number".to_string(), false, 0.1),
            ("number".to_string(), false, 0.6),
        ];
        let rows = table(&items, 0.5).expect("table");
        assert_eq!(rows[0].group, "all");
        assert!((rows[0].accuracy - 0.5).abs() < 1e-12);
        assert!((rows[0].auc - 0.75).abs() < 1e-12);
        assert_eq!(rows[1].group, "paraphrase");
        assert_eq!(rows[2].group, "number");
        assert!((rows[2].accuracy - 0.5).abs() < 1e-12);
        assert!(markdown(&rows).contains("| number | 2 | 0.500 |"));
    }
}
