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
    let evaluate = |threshold: f32, tp: usize, fp: usize| {
        let correct = tp + (negatives - fp);
        let kappa = kappa_from_table(tp, fp, positives - tp, negatives - fp);
        (correct, kappa, threshold)
    };
    let mut best = evaluate(above, 0, 0);
    let better = |c: (usize, f64, f32), b: (usize, f64, f32)| {
        c.0 > b.0 || (c.0 == b.0 && (c.1 > b.1 || (c.1 == b.1 && c.2 < b.2)))
    };
    for (t, tp, fp) in counts_at_each_score(&sorted) {
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

/// For pairs sorted by score, highest first: at each distinct score t, the pairs labelled same and different with
/// a score of at least t, as (t, tp, fp).
fn counts_at_each_score(sorted: &[(f32, bool)]) -> Vec<(f32, usize, usize)> {
    let (mut tp, mut fp, mut k) = (0usize, 0usize, 0usize);
    let mut out = Vec::new();
    while k < sorted.len() {
        let t = sorted[k].0;
        while k < sorted.len() && sorted[k].0 == t {
            if sorted[k].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            k += 1;
        }
        out.push((t, tp, fp));
    }
    out
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

/// The threshold maximising accuracy of "score >= threshold means same" on labelled pairs, ties going to the one
/// closest to `near` (the threshold in use), then to the lower. Candidates are every distinct score, one just
/// above the highest (every pair "different") unless that is above `ceiling` (the top of the matcher's range),
/// and `near` itself, so a threshold already among the best is kept as it is. An error for no pairs or a
/// non-finite score or `near`.
pub fn choose_threshold_near(
    pairs: &[(f32, bool)],
    near: f32,
    ceiling: f32,
) -> Result<ThresholdChoice> {
    check_scores(pairs)?;
    if !near.is_finite() {
        return Err(Error::Config {
            field: "threshold".into(),
            message: format!("{near} is not finite"),
        });
    }
    if pairs.is_empty() {
        return Err(Error::Config {
            field: "pairs".into(),
            message: "no labelled pairs".into(),
        });
    }
    let mut sorted: Vec<(f32, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = sorted.len();
    let positives = sorted.iter().filter(|p| p.1).count();
    let negatives = n - positives;
    // (threshold, tp, fp) of each candidate: above the maximum, each distinct score, and `near`.
    let above = sorted[0].0.next_up();
    let mut candidates = if above <= ceiling {
        vec![(above, 0usize, 0usize)]
    } else {
        Vec::new()
    };
    candidates.extend(counts_at_each_score(&sorted));
    let at_near = sorted.iter().filter(|p| p.0 >= near);
    candidates.push((
        near,
        at_near.clone().filter(|p| p.1).count(),
        at_near.filter(|p| !p.1).count(),
    ));
    let correct = |&(_, tp, fp): &(f32, usize, usize)| tp + (negatives - fp);
    let distance = |t: f32| (f64::from(t) - f64::from(near)).abs();
    let best = candidates
        .iter()
        .copied()
        .reduce(|b, c| {
            let (cc, bc) = (correct(&c), correct(&b));
            let closer =
                distance(c.0) < distance(b.0) || (distance(c.0) == distance(b.0) && c.0 < b.0);
            if cc > bc || (cc == bc && closer) {
                c
            } else {
                b
            }
        })
        .unwrap_or((near, 0, 0));
    Ok(ThresholdChoice {
        threshold: best.0,
        accuracy: correct(&best) as f64 / n as f64,
        kappa: kappa_from_table(best.1, best.2, positives - best.1, negatives - best.2),
        pairs: n,
        positives,
    })
}

/// The 95% percentile interval of [`choose_threshold_near`]'s threshold over `samples` bootstrap resamples of the
/// pairs (drawn from `StdRng::seed_from_u64(seed)`, so the same pairs and seed give the same interval); None for
/// no samples.
pub fn threshold_interval(
    pairs: &[(f32, bool)],
    near: f32,
    ceiling: f32,
    samples: usize,
    seed: u64,
) -> Result<Option<crate::Interval>> {
    use rand::distributions::{Distribution, Uniform};
    use rand::SeedableRng;
    choose_threshold_near(pairs, near, ceiling)?;
    if samples == 0 {
        return Ok(None);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let pick = Uniform::new(0, pairs.len());
    let mut draw = Vec::with_capacity(pairs.len());
    let mut thresholds = Vec::with_capacity(samples);
    for _ in 0..samples {
        draw.clear();
        draw.extend((0..pairs.len()).map(|_| pairs[pick.sample(&mut rng)]));
        thresholds.push(f64::from(
            choose_threshold_near(&draw, near, ceiling)?.threshold,
        ));
    }
    Ok(Some(crate::bootstrap::percentile_interval(thresholds)))
}

/// One bin of a reliability table: pairs whose score falls in `[low, high)` (the last bin includes `high`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge.
    pub low: f64,
    /// Upper edge.
    pub high: f64,
    /// Pairs in the bin.
    pub pairs: usize,
    /// Their mean score (None for an empty bin).
    pub mean_score: Option<f64>,
    /// The share of them labelled "same" (None for an empty bin).
    pub share_same: Option<f64>,
}

/// A reliability table: `bins` equal bins of `[low, high]`, each with its pairs' mean score and share labelled
/// "same" (for a calibrated score the two agree). Scores outside the range go to the first or last bin.
pub fn reliability(
    pairs: &[(f32, bool)],
    low: f64,
    high: f64,
    bins: usize,
) -> Result<Vec<ReliabilityBin>> {
    check_scores(pairs)?;
    if bins == 0 || high.partial_cmp(&low) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::Config {
            field: "bins".into(),
            message: format!("{bins} bins of [{low}, {high}]"),
        });
    }
    let width = (high - low) / bins as f64;
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for &(s, same) in pairs {
        // A score on an edge belongs to the bin above it even after f32 rounding (0.9f32 is 0.89999997).
        let k = (((f64::from(s) - low) / width + 1e-6).floor().max(0.0) as usize).min(bins - 1);
        sums[k].0 += 1;
        sums[k].1 += f64::from(s);
        sums[k].2 += usize::from(same);
    }
    Ok(sums
        .into_iter()
        .enumerate()
        .map(|(k, (n, sum, same))| ReliabilityBin {
            low: low + width * k as f64,
            high: if k + 1 == bins {
                high
            } else {
                low + width * (k + 1) as f64
            },
            pairs: n,
            mean_score: (n > 0).then(|| sum / n as f64),
            share_same: (n > 0).then(|| same as f64 / n as f64),
        })
        .collect())
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

    #[test]
    fn choose_threshold_near_keeps_a_best_threshold_and_breaks_ties_by_distance() {
        let pairs = [(0.9, true), (0.8, true), (0.6, false), (0.3, false)];
        // Every threshold in (0.6, 0.8] is perfect: 0.7 stays; 0.2 and 0.95 move to the nearest perfect candidate
        // (a score), 0.8.
        let c = choose_threshold_near(&pairs, 0.7, 1.0).unwrap();
        assert_eq!((c.threshold, c.accuracy), (0.7, 1.0));
        assert_eq!(
            choose_threshold_near(&pairs, 0.2, 1.0).unwrap().threshold,
            0.8
        );
        assert_eq!(
            choose_threshold_near(&pairs, 0.95, 1.0).unwrap().threshold,
            0.8
        );
        // Accuracy ties between 0.9 (3/4: one positive missed) and 0.6 (3/4: one negative taken): nearest wins.
        let noisy = [(0.9, true), (0.6, false), (0.6, true), (0.3, false)];
        let c = choose_threshold_near(&noisy, 0.62, 1.0).unwrap();
        assert_eq!((c.threshold, c.accuracy), (0.62, 0.75));
        // Far below both (0.2 calls 0.3 "same" as well: 2/4), the nearer of the two wins.
        assert_eq!(
            choose_threshold_near(&noisy, 0.2, 1.0).unwrap().threshold,
            0.6
        );
        // Every pair "different" is best, but no threshold of [0, 1] says so when a negative scores 1.0.
        let top = [(1.0, false), (0.9, true), (0.8, false)];
        assert!(choose_threshold_near(&top, 0.99, 2.0).unwrap().threshold > 1.0);
        let c = choose_threshold_near(&top, 0.5, 1.0).unwrap();
        assert!(c.threshold <= 1.0 && c.accuracy < 1.0, "{c:?}");
        assert!(choose_threshold_near(&[], 0.5, 1.0).is_err());
        assert!(choose_threshold_near(&pairs, f32::NAN, 1.0).is_err());
    }

    #[test]
    fn threshold_interval_is_seeded_and_holds_the_separable_range() {
        let pairs: Vec<(f32, bool)> = (0..40).map(|k| (k as f32 / 40.0, k >= 20)).collect();
        let a = threshold_interval(&pairs, 0.5, 1.0, 200, 7)
            .unwrap()
            .unwrap();
        assert_eq!(
            Some(a),
            threshold_interval(&pairs, 0.5, 1.0, 200, 7).unwrap()
        );
        assert!(
            a.low <= 0.5 && a.high >= 0.5 && a.low > 0.4 && a.high < 0.6,
            "{a:?}"
        );
        assert_eq!(threshold_interval(&pairs, 0.5, 1.0, 0, 7).unwrap(), None);
    }

    #[test]
    fn reliability_bins_count_and_average() {
        let bins = reliability(
            &[(0.05, false), (0.15, true), (0.95, true), (1.0, false)],
            0.0,
            1.0,
            10,
        )
        .unwrap();
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[0].pairs, 1);
        assert_eq!(bins[1].share_same, Some(1.0));
        assert_eq!(bins[5].mean_score, None);
        assert_eq!(bins[9].pairs, 2, "1.0 falls in the last bin");
        assert_eq!(bins[9].share_same, Some(0.5));
        assert!((bins[9].mean_score.unwrap() - 0.975).abs() < 1e-6);
        assert!(reliability(&[], 0.0, 1.0, 0).is_err());
    }
}
