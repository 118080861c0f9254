//! Threshold tools: P/R/F1 against the threshold, and choosing a threshold from labelled "same claim?" pairs.

use serde::{Deserialize, Serialize};

use crate::assign::Assignment;
use crate::counts::{Counts, Rates};
use crate::error::{Error, Result};
use crate::metrics::{DocInput, Prepared};

/// Figures at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The threshold.
    pub threshold: f32,
    /// Pooled counts.
    pub counts: Counts,
    /// Pooled precision, recall, F1.
    pub rates: Rates,
}

/// Micro P, R and F1 of `docs` at each threshold (same assignment and duplicate rules as scoring).
pub fn sweep(
    docs: &[DocInput],
    thresholds: &[f32],
    assignment: Assignment,
) -> Result<Vec<SweepPoint>> {
    if let Some(t) = thresholds.iter().find(|t| !t.is_finite()) {
        return Err(Error::Config {
            field: "thresholds".into(),
            message: format!("{t} is not finite"),
        });
    }
    let mut totals = vec![Counts::default(); thresholds.len()];
    for d in docs {
        let prepared = Prepared::new(d)?;
        for (k, &t) in thresholds.iter().enumerate() {
            let tp = prepared.pairs(t, assignment)?.len();
            totals[k].add(Counts {
                tp,
                fp: d.pred.len() - tp,
                fn_: d.gold.len() - tp,
            });
        }
    }
    Ok(thresholds
        .iter()
        .zip(totals)
        .map(|(&threshold, counts)| SweepPoint {
            threshold,
            counts,
            rates: counts.rates(),
        })
        .collect())
}

/// Evenly spaced thresholds from `low` to `high` inclusive (`steps + 1` values; rounded to 1e-6).
pub fn grid(low: f32, high: f32, steps: usize) -> Vec<f32> {
    if steps == 0 {
        return vec![low];
    }
    (0..=steps)
        .map(|k| {
            let x = low as f64 + (high as f64 - low as f64) * k as f64 / steps as f64;
            ((x * 1e6).round() / 1e6) as f32
        })
        .collect()
}

/// The threshold that best agrees with labelled pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdChoice {
    /// Pairs with score >= threshold are called "same".
    pub threshold: f32,
    /// Share of pairs where that call agrees with the label.
    pub accuracy: f64,
    /// Cohen's kappa between the calls and the labels.
    pub kappa: f64,
    /// Number of pairs.
    pub pairs: usize,
    /// Pairs labelled "same".
    pub positives: usize,
}

/// Cohen's kappa of a 2x2 table: `both` (both yes), `a_only`, `b_only`, `neither`. 0 when undefined (chance
/// agreement is 1, i.e. both raters give one constant label, or there are no items).
pub fn kappa_from_table(both: usize, a_only: usize, b_only: usize, neither: usize) -> f64 {
    let n = (both + a_only + b_only + neither) as f64;
    if n == 0.0 {
        return 0.0;
    }
    let po = (both + neither) as f64 / n;
    let a_yes = (both + a_only) as f64 / n;
    let b_yes = (both + b_only) as f64 / n;
    let pe = a_yes * b_yes + (1.0 - a_yes) * (1.0 - b_yes);
    if (1.0 - pe).abs() < 1e-15 {
        0.0
    } else {
        (po - pe) / (1.0 - pe)
    }
}

/// Cohen's kappa between two binary ratings of the same items (see [`kappa_from_table`] for the undefined case).
pub fn cohen_kappa(a: &[bool], b: &[bool]) -> Result<f64> {
    if a.len() != b.len() {
        return Err(Error::Config {
            field: "ratings".into(),
            message: format!("{} ratings against {}", a.len(), b.len()),
        });
    }
    let mut t = [0usize; 4];
    for (x, y) in a.iter().zip(b) {
        t[match (x, y) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        }] += 1;
    }
    Ok(kappa_from_table(t[0], t[1], t[2], t[3]))
}

fn check_scores(pairs: &[(f32, bool)]) -> Result<()> {
    if let Some((k, (s, _))) = pairs.iter().enumerate().find(|(_, (s, _))| !s.is_finite()) {
        return Err(Error::Config {
            field: format!("pairs[{k}].score"),
            message: format!("{s} is not finite"),
        });
    }
    Ok(())
}

/// The threshold maximising accuracy of "score >= threshold means same" on labelled pairs; ties go to the higher
/// kappa, then to the lower threshold. Candidates are every distinct score, plus one just above the highest
/// (calling every pair "different"). An error for no pairs or a non-finite score.
pub fn choose_threshold(pairs: &[(f32, bool)]) -> Result<ThresholdChoice> {
    check_scores(pairs)?;
    if pairs.is_empty() {
        return Err(Error::Config {
            field: "pairs".into(),
            message: "no labelled pairs".into(),
        });
    }
    let mut sorted: Vec<(f32, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = sorted.len();
    let positives = sorted.iter().filter(|p| p.1).count();
    let negatives = n - positives;
    // Start above the maximum: nothing called "same".
    let above = sorted[0].0.next_up();
    let (mut tp, mut fp) = (0usize, 0usize);
    let evaluate = |threshold: f32, tp: usize, fp: usize| {
        let correct = tp + (negatives - fp);
        let kappa = kappa_from_table(tp, fp, positives - tp, negatives - fp);
        (correct, kappa, threshold)
    };
    let mut best = evaluate(above, 0, 0);
    let better = |c: (usize, f64, f32), b: (usize, f64, f32)| {
        c.0 > b.0 || (c.0 == b.0 && (c.1 > b.1 || (c.1 == b.1 && c.2 < b.2)))
    };
    let mut k = 0;
    while k < n {
        let t = sorted[k].0;
        while k < n && sorted[k].0 == t {
            if sorted[k].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            k += 1;
        }
        let c = evaluate(t, tp, fp);
        if better(c, best) {
            best = c;
        }
    }
    Ok(ThresholdChoice {
        threshold: best.2,
        accuracy: best.0 as f64 / n as f64,
        kappa: best.1,
        pairs: n,
        positives,
    })
}

/// Area under the ROC curve of scores against labels (Mann-Whitney U with average ranks for ties); None when
/// there are no positive or no negative pairs.
pub fn roc_auc(pairs: &[(f32, bool)]) -> Result<Option<f64>> {
    check_scores(pairs)?;
    let positives = pairs.iter().filter(|p| p.1).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return Ok(None);
    }
    let mut sorted: Vec<(f32, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0f64;
    let mut k = 0;
    while k < sorted.len() {
        let mut e = k;
        while e < sorted.len() && sorted[e].0 == sorted[k].0 {
            e += 1;
        }
        // Ranks k+1..=e share their average.
        let avg = (k + 1 + e) as f64 / 2.0;
        rank_sum += avg * sorted[k..e].iter().filter(|p| p.1).count() as f64;
        k = e;
    }
    let u = rank_sum - (positives * (positives + 1)) as f64 / 2.0;
    Ok(Some(u / (positives as f64 * negatives as f64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_known_values() {
        // Classic example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4.
        assert!((kappa_from_table(20, 5, 10, 15) - 0.4).abs() < 1e-12);
        assert_eq!(kappa_from_table(3, 0, 0, 0), 0.0);
        assert!(
            (cohen_kappa(&[true, false, true], &[true, false, true]).unwrap() - 1.0).abs() < 1e-12
        );
        assert!(cohen_kappa(&[true], &[]).is_err());
    }

    #[test]
    fn choose_threshold_separable_and_ties() {
        let pairs = [
            (0.9, true),
            (0.8, true),
            (0.75, true),
            (0.6, false),
            (0.3, false),
        ];
        let c = choose_threshold(&pairs).unwrap();
        assert_eq!(c.threshold, 0.75);
        assert_eq!(c.accuracy, 1.0);
        assert!((c.kappa - 1.0).abs() < 1e-12);
        // One noisy pair: thresholds 0.8 (acc 4/5) and 0.5 (acc 4/5) tie on accuracy; kappa decides.
        let noisy = [
            (0.9, true),
            (0.8, true),
            (0.7, false),
            (0.6, true),
            (0.3, false),
        ];
        let c = choose_threshold(&noisy).unwrap();
        assert_eq!(c.accuracy, 0.8);
        let k08 = kappa_from_table(2, 0, 1, 2);
        let k06 = kappa_from_table(3, 1, 0, 1);
        assert_eq!(c.threshold, if k06 > k08 { 0.6 } else { 0.8 });
        // All negatives: the threshold lies above every score.
        let c = choose_threshold(&[(0.4, false), (0.2, false)]).unwrap();
        assert!(c.threshold > 0.4 && c.accuracy == 1.0);
        assert!(choose_threshold(&[]).is_err());
        assert!(choose_threshold(&[(f32::NAN, true)]).is_err());
    }

    #[test]
    fn auc_with_ties() {
        assert_eq!(roc_auc(&[(0.9, true), (0.1, false)]).unwrap(), Some(1.0));
        assert_eq!(roc_auc(&[(0.5, true), (0.5, false)]).unwrap(), Some(0.5));
        // positives 0.8, 0.5; negatives 0.5, 0.2: pairs (0.8>0.5)(0.8>0.2)(0.5=0.5 half)(0.5>0.2) -> 3.5/4
        assert_eq!(
            roc_auc(&[(0.8, true), (0.5, true), (0.5, false), (0.2, false)]).unwrap(),
            Some(0.875)
        );
        assert_eq!(roc_auc(&[(0.8, true)]).unwrap(), None);
    }

    #[test]
    fn grid_is_inclusive() {
        assert_eq!(grid(0.5, 1.0, 5), vec![0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    }
}
