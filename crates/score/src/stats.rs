//! Paired significance tests between two systems on the same gold (intervals: [`crate::bootstrap`]).
//!
//! - Paired comparison units: documents (each document's counts), or claims (each gold claim's TP/FN in both
//!   systems, plus each document's false alarms as one unit, since predictions cannot be paired one by one).
//! - Paired bootstrap: units drawn with replacement (within each kind of unit), the same draw for both systems;
//!   the interval is the percentile interval of the F1 difference, the p-value is two-sided against the
//!   resampled differences shifted to mean zero: (#{|d* - d| >= |d|} + 1) / (B + 1).
//! - Approximate randomization: for each of N rounds, each unit's counts are swapped between the systems with
//!   probability 1/2; p = (#{|F1a' - F1b'| >= |F1a - F1b|} + 1) / (N + 1).
//!
//! All draws come from `StdRng::seed_from_u64(seed)`: the same inputs and seed give identical figures.

use rand::distributions::{Distribution, Uniform};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::bootstrap::{percentile_interval, Interval, Resample};
use crate::counts::Counts;
use crate::error::{Error, Result};
use crate::metrics::{DocResult, EvalResult};

/// Settings of a paired comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareConfig {
    /// Paired bootstrap resamples.
    pub samples: usize,
    /// Approximate randomization rounds.
    pub permutations: usize,
    /// RNG seed.
    pub seed: u64,
    /// The unit that is resampled and swapped: whole documents, or gold claims (see [`compare`]).
    pub unit: Resample,
}

impl Default for CompareConfig {
    /// 1000 resamples, 10,000 rounds, seed 42, gold claims as the unit (a handful of documents, like the
    /// built-in five, cannot give p < 0.05 at the document level: 5 documents allow only 32 relabellings).
    fn default() -> CompareConfig {
        CompareConfig {
            samples: 1000,
            permutations: 10_000,
            seed: 42,
            unit: Resample::Claims,
        }
    }
}

/// The paired comparison of system A against system B on the same gold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Documents compared.
    pub documents: usize,
    /// Units resampled and swapped (documents, or gold claims plus one false-alarm unit per document).
    pub units: usize,
    /// Micro F1 of A.
    pub f1_a: f64,
    /// Micro F1 of B.
    pub f1_b: f64,
    /// F1 of A minus F1 of B.
    pub delta: f64,
    /// Paired bootstrap 95% interval of the difference.
    pub interval: Interval,
    /// Two-sided paired bootstrap p-value.
    pub p_bootstrap: f64,
    /// Two-sided approximate randomization p-value.
    pub p_randomization: f64,
    /// Settings used.
    pub config: CompareConfig,
}

/// Per-document pairs of two results, after checking they cover the same documents and gold claims.
pub(crate) fn paired_docs<'a>(
    a: &'a EvalResult,
    b: &'a EvalResult,
) -> Result<Vec<(&'a DocResult, &'a DocResult)>> {
    use std::collections::BTreeMap;
    let index: BTreeMap<&str, &DocResult> =
        b.documents.iter().map(|d| (d.doc.as_str(), d)).collect();
    if a.documents.len() != b.documents.len() {
        return Err(Error::NotComparable(format!(
            "{} documents against {}",
            a.documents.len(),
            b.documents.len()
        )));
    }
    let mut out = Vec::with_capacity(a.documents.len());
    for da in &a.documents {
        let db = index.get(da.doc.as_str()).ok_or_else(|| {
            Error::NotComparable(format!("document {} is only in the first result", da.doc))
        })?;
        let (ga, gb) = (da.gold_ids(), db.gold_ids());
        if ga != gb {
            let only: Vec<&str> = ga
                .iter()
                .filter(|x| !gb.contains(x))
                .chain(gb.iter().filter(|x| !ga.contains(x)))
                .copied()
                .collect();
            return Err(Error::NotComparable(format!(
                "document {}: gold claims differ ({} against {}; e.g. {})",
                da.doc,
                ga.len(),
                gb.len(),
                only.first().copied().unwrap_or("duplicate ids")
            )));
        }
        out.push((da, *db));
    }
    Ok(out)
}

/// Per-document counts of two results, after checking they cover the same documents and gold claims.
pub fn paired_counts(a: &EvalResult, b: &EvalResult) -> Result<Vec<(Counts, Counts)>> {
    Ok(paired_docs(a, b)?
        .into_iter()
        .map(|(x, y)| (x.counts, y.counts))
        .collect())
}

/// Paired units of two results by gold claim: one stratum with one unit per gold claim (TP or FN in each system),
/// one with one unit per document holding its false alarms.
pub fn paired_claim_units(a: &EvalResult, b: &EvalResult) -> Result<[Vec<(Counts, Counts)>; 2]> {
    let docs = paired_docs(a, b)?;
    Ok(claim_units(&docs, &|_, _| true, &|_| true))
}

/// Paired units by gold claim of documents already paired: one unit per gold claim for which
/// `gold_in(doc, claim id)` holds, and one unit per document for which `fps_in(doc)` holds, holding its false alarms.
pub(crate) fn claim_units(
    docs: &[(&DocResult, &DocResult)],
    gold_in: &dyn Fn(&str, &str) -> bool,
    fps_in: &dyn Fn(&str) -> bool,
) -> [Vec<(Counts, Counts)>; 2] {
    let hit = Counts {
        tp: 1,
        fp: 0,
        fn_: 0,
    };
    let miss = Counts {
        tp: 0,
        fp: 0,
        fn_: 1,
    };
    let mut gold = Vec::new();
    let mut fps = Vec::with_capacity(docs.len());
    for (da, db) in docs {
        let matched_b: std::collections::BTreeSet<&str> =
            db.matches.iter().map(|m| m.gold.as_str()).collect();
        let b_of = |g: &str| {
            if matched_b.contains(g) {
                hit
            } else {
                miss
            }
        };
        for m in da.matches.iter().filter(|m| gold_in(&da.doc, &m.gold)) {
            gold.push((hit, b_of(&m.gold)));
        }
        for g in da.misses.iter().filter(|g| gold_in(&da.doc, g)) {
            gold.push((miss, b_of(g)));
        }
        let fp = |c: Counts| Counts {
            tp: 0,
            fp: c.fp,
            fn_: 0,
        };
        if fps_in(&da.doc) {
            fps.push((fp(da.counts), fp(db.counts)));
        }
    }
    [gold, fps]
}

/// Paired bootstrap and approximate randomization of the micro-F1 difference A - B.
///
/// With `unit: Documents` each document's (A, B) counts form one unit. With `unit: Claims` each gold claim is a
/// unit (its TP/FN in A and in B) and each document's false alarms are another (predictions differ between the
/// systems, so false alarms cannot be paired one by one); the bootstrap draws within each of those two strata.
pub fn compare(a: &EvalResult, b: &EvalResult, config: &CompareConfig) -> Result<Comparison> {
    let documents = a.documents.len();
    let strata: Vec<Vec<(Counts, Counts)>> = match config.unit {
        Resample::Documents => vec![paired_counts(a, b)?],
        Resample::Claims => paired_claim_units(a, b)?.into(),
    };
    Ok(compare_strata(&strata, documents, config))
}

/// [`compare`] on per-document (A, B) counts (the document unit, whatever `config.unit` says).
pub fn compare_counts(pairs: &[(Counts, Counts)], config: &CompareConfig) -> Comparison {
    let mut c = compare_strata(&[pairs.to_vec()], pairs.len(), config);
    c.config.unit = Resample::Documents;
    c
}

pub(crate) fn compare_strata(
    strata: &[Vec<(Counts, Counts)>],
    documents: usize,
    config: &CompareConfig,
) -> Comparison {
    let (mut ta, mut tb) = (Counts::default(), Counts::default());
    for (x, y) in strata.iter().flatten() {
        ta.add(*x);
        tb.add(*y);
    }
    let (f1_a, f1_b) = (ta.f1(), tb.f1());
    let delta = f1_a - f1_b;
    let tol = 1e-12;

    // Paired bootstrap: draw with replacement within each stratum, the same draw for both systems.
    let mut rng = StdRng::seed_from_u64(config.seed);
    let picks: Vec<Option<Uniform<usize>>> = strata
        .iter()
        .map(|s| (!s.is_empty()).then(|| Uniform::new(0, s.len())))
        .collect();
    let mut deltas = Vec::with_capacity(config.samples);
    let mut extreme = 0usize;
    for _ in 0..config.samples {
        let (mut ca, mut cb) = (Counts::default(), Counts::default());
        for (stratum, pick) in strata.iter().zip(&picks) {
            if let Some(pick) = pick {
                for _ in 0..stratum.len() {
                    let (x, y) = stratum[pick.sample(&mut rng)];
                    ca.add(x);
                    cb.add(y);
                }
            }
        }
        let d = ca.f1() - cb.f1();
        if (d - delta).abs() >= delta.abs() - tol {
            extreme += 1;
        }
        deltas.push(d);
    }
    let p_bootstrap = (extreme + 1) as f64 / (config.samples + 1) as f64;
    let interval = if deltas.is_empty() {
        Interval {
            low: delta,
            high: delta,
        }
    } else {
        percentile_interval(deltas)
    };

    // Approximate randomization: swap each unit's counts with probability 1/2 (one random bit per unit). Units
    // whose counts are equal in both systems are unchanged by a swap and are skipped.
    let differing: Vec<(Counts, Counts)> = strata
        .iter()
        .flatten()
        .filter(|(x, y)| x != y)
        .copied()
        .collect();
    let mut rng = StdRng::seed_from_u64(config.seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut at_least = 0usize;
    for _ in 0..config.permutations {
        let (mut ca, mut cb) = (ta, tb);
        let mut bits = 0u64;
        for (k, (x, y)) in differing.iter().enumerate() {
            if k % 64 == 0 {
                bits = rng.next_u64();
            }
            if bits & 1 == 1 {
                // Swap: A gets y, B gets x.
                ca.tp = ca.tp - x.tp + y.tp;
                ca.fp = ca.fp - x.fp + y.fp;
                ca.fn_ = ca.fn_ - x.fn_ + y.fn_;
                cb.tp = cb.tp - y.tp + x.tp;
                cb.fp = cb.fp - y.fp + x.fp;
                cb.fn_ = cb.fn_ - y.fn_ + x.fn_;
            }
            bits >>= 1;
        }
        if (ca.f1() - cb.f1()).abs() >= delta.abs() - tol {
            at_least += 1;
        }
    }
    let p_randomization = (at_least + 1) as f64 / (config.permutations + 1) as f64;
    Comparison {
        documents,
        units: strata.iter().map(Vec::len).sum(),
        f1_a,
        f1_b,
        delta,
        interval,
        p_bootstrap: p_bootstrap.min(1.0),
        p_randomization: p_randomization.min(1.0),
        config: *config,
    }
}
