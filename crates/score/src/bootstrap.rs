//! Bootstrap intervals of P, R and F1.
//!
//! - Percentile bootstrap, 95% (2.5th and 97.5th percentiles of the resampled figures, linear interpolation between
//!   order statistics as numpy's default). Resampling **documents** draws documents with replacement and pools their
//!   counts; resampling **claims** draws gold claims with replacement for recall and predicted claims with
//!   replacement for precision (F1 from the two).
//! - A resample in which a rate is undefined (precision with no predicted claim drawn, recall with no gold
//!   claim drawn) is left out of that rate's interval instead of counting as 0: a system with predictions for
//!   only some documents would otherwise get a precision interval reaching down to 0 from the resamples that
//!   drew none of them. Those documents still count in recall and F1 (their gold claims are misses; F1 is
//!   defined whenever a gold claim is drawn). A rate undefined in every resample gets the interval [0, 0].
//!
//! All draws come from `StdRng::seed_from_u64(seed)`: the same inputs and seed give identical figures.

use std::fmt;
use std::str::FromStr;

use rand::distributions::{Distribution, Uniform};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::counts::{ratio, Counts};
use crate::error::{Error, Result};

/// What the bootstrap resamples.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Resample {
    /// Whole documents (keeps within-document correlation; the default).
    #[default]
    Documents,
    /// Individual gold and predicted claims.
    Claims,
}

impl fmt::Display for Resample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resample::Documents => "documents",
            Resample::Claims => "claims",
        })
    }
}

impl FromStr for Resample {
    type Err = Error;

    fn from_str(s: &str) -> Result<Resample> {
        match s.trim() {
            "documents" | "docs" => Ok(Resample::Documents),
            "claims" => Ok(Resample::Claims),
            other => Err(Error::UnknownName {
                what: "resampling unit".into(),
                name: other.into(),
                expected: "documents, claims".into(),
            }),
        }
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of resamples (0 disables the intervals).
    pub samples: usize,
    /// RNG seed.
    pub seed: u64,
    /// What is resampled.
    pub unit: Resample,
}

impl Default for BootstrapConfig {
    fn default() -> BootstrapConfig {
        BootstrapConfig {
            samples: 1000,
            seed: 42,
            unit: Resample::Documents,
        }
    }
}

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// 95% intervals for precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    /// Precision interval.
    pub precision: Interval,
    /// Recall interval.
    pub recall: Interval,
    /// F1 interval.
    pub f1: Interval,
}

/// The `q`-quantile (0..=1) of sorted values, linear interpolation; 0 for no values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The central 95% percentile interval of some values.
pub fn percentile_interval(mut values: Vec<f64>) -> Interval {
    values.sort_by(f64::total_cmp);
    Interval {
        low: quantile(&values, 0.025),
        high: quantile(&values, 0.975),
    }
}

fn f1_of(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

/// Number of draws out of `n` (with replacement) that land on the first `k` items.
fn draw_hits(rng: &mut StdRng, n: usize, k: usize) -> usize {
    if k == 0 || n == 0 {
        return 0;
    }
    if k == n {
        return n;
    }
    let pick = Uniform::new(0, n);
    (0..n).filter(|_| pick.sample(rng) < k).count()
}

/// Percentile bootstrap 95% intervals of micro P, R and F1 from per-document counts; None when `samples` is 0.
pub fn bootstrap(per_doc: &[Counts], config: &BootstrapConfig) -> Option<Intervals> {
    if config.samples == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let b = config.samples;
    let (mut ps, mut rs, mut fs) = (
        Vec::with_capacity(b),
        Vec::with_capacity(b),
        Vec::with_capacity(b),
    );
    match config.unit {
        Resample::Documents => {
            let n = per_doc.len();
            for _ in 0..b {
                let mut c = Counts::default();
                if n > 0 {
                    let pick = Uniform::new(0, n);
                    for _ in 0..n {
                        c.add(per_doc[pick.sample(&mut rng)]);
                    }
                }
                if c.tp + c.fp > 0 {
                    ps.push(c.precision());
                }
                if c.tp + c.fn_ > 0 {
                    rs.push(c.recall());
                }
                if c.tp + c.fp + c.fn_ > 0 {
                    fs.push(c.f1());
                }
            }
        }
        Resample::Claims => {
            let mut total = Counts::default();
            per_doc.iter().for_each(|c| total.add(*c));
            let n_pred = total.tp + total.fp;
            let n_gold = total.tp + total.fn_;
            for _ in 0..b {
                let p = ratio(draw_hits(&mut rng, n_pred, total.tp), n_pred);
                let r = ratio(draw_hits(&mut rng, n_gold, total.tp), n_gold);
                ps.push(p);
                rs.push(r);
                fs.push(f1_of(p, r));
            }
        }
    }
    Some(Intervals {
        precision: percentile_interval(ps),
        recall: percentile_interval(rs),
        f1: percentile_interval(fs),
    })
}
