//! Choosing a directional matcher's threshold on people's labels (the trainers' shared step): at each
//! threshold, each judged system's F1 against the person's and the agreement of their links, and the
//! accuracy on labelled pairs; the threshold with the smallest mean gap wins.

use std::collections::{BTreeMap, BTreeSet};

use claimbench_score::agreement::AgreementSums;
use claimbench_score::{assign, Assignment, SimMatrix};
use serde_json::json;

use crate::cover::Directions;
use crate::data::{JudgedDoc, LabelledPair};
use crate::error::Result;

/// `x` rounded to 4 decimals (the figures the trainers write).
pub fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A judged system's agreement figures when `dirs` (one row-major matrix per document) decide at `t`.
pub fn agreement(docs: &[&JudgedDoc], dirs: &[&Vec<Directions>], t: f32) -> Result<AgreementSums> {
    let mut sums = AgreementSums::default();
    for (c, d) in docs.iter().zip(dirs) {
        let (n, m) = (c.preds.len(), c.gold.len());
        let matrix = SimMatrix::new(n, m, d.iter().map(Directions::same).collect())?;
        let mut assigned = vec![None; n];
        for p in assign(&matrix, t, Assignment::Optimal, None)? {
            assigned[p.row] = Some(p.col);
        }
        sums.add(&c.links, &assigned)?;
    }
    Ok(sums)
}

/// What a sweep found.
pub struct Sweep {
    /// The chosen threshold.
    pub threshold: f32,
    /// One JSON row per (threshold, system), for the trainer's log.
    pub rows: Vec<serde_json::Value>,
    /// The same as a Markdown table.
    pub table: String,
    /// Right and all pairs per kind at the chosen threshold.
    pub by_kind: BTreeMap<String, [usize; 2]>,
}

/// Sweep the thresholds 0.05, 0.10, …, 0.90 over the judged documents (`dirs`: each document's
/// directions) and the labelled pairs (`pair_dirs`: each pair's); the pairs' accuracy is logged as
/// `accuracy_key`. The threshold: the smallest mean |gap| over the judged systems, then the higher
/// pairs' accuracy, then the higher threshold.
pub fn sweep(
    docs: &[JudgedDoc],
    dirs: &[Vec<Directions>],
    pairs: &[LabelledPair],
    pair_dirs: &[Directions],
    accuracy_key: &str,
) -> Result<Sweep> {
    let decide = |d: &Directions, t: f32| !d.vetoed && d.same() >= t;
    let systems: BTreeSet<&str> = docs.iter().map(|c| c.system.as_str()).collect();
    let mut rows = Vec::new();
    let mut table = format!(
        "| threshold | system | matcher F1 (person) | abs gap | links agree | {} |\n|---:|---|---:|---:|---:|---:|\n",
        accuracy_key.replace('_', " ")
    );
    let mut best: Option<(f64, f64, f32)> = None;
    for t in (1..=18).map(|k| k as f32 * 0.05) {
        let acc = pairs
            .iter()
            .zip(pair_dirs)
            .filter(|(p, d)| decide(d, t) == p.same)
            .count() as f64
            / pairs.len().max(1) as f64;
        let mut gap = 0.0;
        for s in &systems {
            let (cs, ds): (Vec<&JudgedDoc>, Vec<&Vec<Directions>>) = docs
                .iter()
                .zip(dirs)
                .filter(|(c, _)| c.system == *s)
                .unzip();
            let a = agreement(&cs, &ds, t)?;
            gap += a.f1_gap() / systems.len() as f64;
            table.push_str(&format!(
                "| {t:.2} | {s} | {:.3} ({:.3}) | {:.3} | {:.3} | {acc:.3} |\n",
                a.matcher().f1,
                a.person().f1,
                a.f1_gap(),
                a.link_agreement()
            ));
            rows.push(json!({"threshold": round(f64::from(t)), "system": s,
                "matcher_f1": round(a.matcher().f1), "person_f1": round(a.person().f1),
                "f1_gap": round(a.f1_gap()), "link_agreement": round(a.link_agreement()),
                accuracy_key: round(acc)}));
        }
        let key = (round(gap), -round(acc), -t);
        if best.is_none_or(|b| key.0 < b.0 || (key.0 == b.0 && (key.1, key.2) < (b.1, b.2))) {
            best = Some(key);
        }
    }
    let threshold = best.map_or(0.5, |b| -b.2);
    let mut by_kind: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    for (p, d) in pairs.iter().zip(pair_dirs) {
        let e = by_kind.entry(p.kind.clone()).or_default();
        e[0] += usize::from(decide(d, threshold) == p.same);
        e[1] += 1;
    }
    Ok(Sweep {
        threshold,
        rows,
        table,
        by_kind,
    })
}
