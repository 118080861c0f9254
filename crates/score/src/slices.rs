//! Slices of a result: one row per gold category, per document, or per check-worthiness, with the bootstrap
//! intervals of the whole result, and the paired comparison of two results on each slice.
//!
//! Which claims belong to a slice:
//! - a gold claim belongs to its document's slice, its category's slice and the `yes` or `no` check-worthy slice;
//! - a prediction belongs to the slice of the gold claim it matched; an unmatched prediction (a false alarm) has no
//!   gold claim, so it counts in its document's slice only. A category or check-worthy row therefore has FP = 0:
//!   its precision is 1 whenever it has a match, and its F1 is 2 TP / (2 TP + FN).
//!
//! Intervals: [`crate::bootstrap::bootstrap`] over the slice's per-document counts, with the result's own settings
//! (seed, samples, unit); a document's row resamples its claims (one document resampled as documents is always
//! itself). The paired comparison is [`crate::stats`]'s test on the units of the slice (gold claims of the slice,
//! plus the document's false alarms for a document's row; or per-document counts of the slice with the document
//! unit, except a document's row, which is always compared claim by claim).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::bootstrap::{bootstrap, BootstrapConfig, Intervals, Resample};
use crate::counts::{Counts, Rates};
use crate::error::{Error, Result};
use crate::metrics::{DocResult, EvalResult, SubsetCounts};
use crate::stats::{claim_units, compare_strata, paired_docs, CompareConfig, Comparison};

/// What a result is sliced by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SliceBy {
    /// The gold claim's category.
    Category,
    /// The document.
    Doc,
    /// Whether the gold claim is check-worthy (`yes`, `no`).
    CheckWorthy,
}

impl SliceBy {
    /// Every kind of slice, in the order rows are listed.
    pub const ALL: [SliceBy; 3] = [SliceBy::Category, SliceBy::Doc, SliceBy::CheckWorthy];

    /// The name as typed and stored (`category`, `doc`, `check-worthy`).
    pub fn name(self) -> &'static str {
        match self {
            SliceBy::Category => "category",
            SliceBy::Doc => "doc",
            SliceBy::CheckWorthy => "check-worthy",
        }
    }
}

impl fmt::Display for SliceBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SliceBy {
    type Err = Error;

    fn from_str(s: &str) -> Result<SliceBy> {
        SliceBy::ALL
            .into_iter()
            .find(|b| b.name() == s.trim())
            .ok_or_else(|| Error::UnknownName {
                what: "slice".into(),
                name: s.trim().into(),
                expected: "category, doc, check-worthy".into(),
            })
    }
}

/// One slice's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    /// What the slice is of.
    pub by: SliceBy,
    /// The category, the document id, or `yes`/`no` for check-worthy.
    pub name: String,
    /// Gold claims in the slice.
    pub gold: usize,
    /// Predictions in the slice (matched ones, plus the document's false alarms for a document's row).
    pub pred: usize,
    /// TP, FP, FN of the slice.
    pub counts: Counts,
    /// Precision, recall, F1 of the slice.
    pub rates: Rates,
    /// Percentile bootstrap 95% intervals (None when the result has no bootstrap).
    pub intervals: Option<Intervals>,
}

/// The paired comparison of two results on one slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceComparison {
    /// What the slice is of.
    pub by: SliceBy,
    /// The slice's name.
    pub name: String,
    /// The paired test on the slice's units.
    pub comparison: Comparison,
}

/// The slice and check-worthiness of one gold claim (what a claim-by-claim paired test needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldLabel {
    /// Its category.
    pub category: String,
    /// Whether it is check-worthy.
    pub check_worthy: bool,
}

/// Gold labels by (document id, claim id).
pub type GoldLabels = BTreeMap<(String, String), GoldLabel>;

fn from_subset(s: SubsetCounts) -> Counts {
    Counts {
        tp: s.matched,
        fp: 0,
        fn_: s.gold - s.matched,
    }
}

fn yes_no(worthy: bool) -> &'static str {
    if worthy {
        "yes"
    } else {
        "no"
    }
}

/// One document's counts in the slice `by`/`name`.
fn doc_counts(d: &DocResult, by: SliceBy, name: &str) -> Counts {
    match by {
        SliceBy::Doc if d.doc == name => d.counts,
        SliceBy::Doc => Counts::default(),
        SliceBy::Category => d
            .categories
            .get(name)
            .copied()
            .map_or_else(Counts::default, from_subset),
        SliceBy::CheckWorthy => {
            let all = d
                .categories
                .values()
                .fold(SubsetCounts::default(), |mut acc, c| {
                    acc.gold += c.gold;
                    acc.matched += c.matched;
                    acc
                });
            let worthy = d.check_worthy;
            from_subset(if name == "yes" {
                worthy
            } else {
                SubsetCounts {
                    gold: all.gold - worthy.gold,
                    matched: all.matched - worthy.matched,
                }
            })
        }
    }
}

/// The names of the slices of `by` in a result, sorted.
fn names(result: &EvalResult, by: SliceBy) -> Vec<String> {
    let set: BTreeSet<String> = match by {
        SliceBy::Doc => result.documents.iter().map(|d| d.doc.clone()).collect(),
        SliceBy::Category => result
            .documents
            .iter()
            .flat_map(|d| d.categories.keys().cloned())
            .collect(),
        SliceBy::CheckWorthy => [true, false].map(|w| yes_no(w).to_string()).into(),
    };
    set.into_iter().collect()
}

/// `by` without repeats, in the order first given.
fn distinct(by: &[SliceBy]) -> Vec<SliceBy> {
    let mut seen = BTreeSet::new();
    by.iter().copied().filter(|b| seen.insert(*b)).collect()
}

/// The bootstrap settings of a slice: the result's own, with claims resampled for a document's row.
fn slice_bootstrap(result: &EvalResult, by: SliceBy) -> BootstrapConfig {
    match by {
        SliceBy::Doc => BootstrapConfig {
            unit: Resample::Claims,
            ..result.bootstrap
        },
        SliceBy::Category | SliceBy::CheckWorthy => result.bootstrap,
    }
}

/// The rows of a result sliced by each of `by` (in that order, repeats dropped; within each, names sorted).
pub fn slices(result: &EvalResult, by: &[SliceBy]) -> Vec<Slice> {
    let mut out = Vec::new();
    for by in distinct(by) {
        let config = slice_bootstrap(result, by);
        for name in names(result, by) {
            let per_doc: Vec<Counts> = match by {
                SliceBy::Doc => result
                    .documents
                    .iter()
                    .filter(|d| d.doc == name)
                    .map(|d| d.counts)
                    .collect(),
                SliceBy::Category | SliceBy::CheckWorthy => result
                    .documents
                    .iter()
                    .map(|d| doc_counts(d, by, &name))
                    .collect(),
            };
            let mut counts = Counts::default();
            per_doc.iter().for_each(|c| counts.add(*c));
            out.push(Slice {
                by,
                name,
                gold: counts.tp + counts.fn_,
                pred: counts.tp + counts.fp,
                counts,
                rates: counts.rates(),
                intervals: bootstrap(&per_doc, &config),
            });
        }
    }
    out
}

/// The paired comparison A - B on every slice of `by` (as [`slices`] lists them, over A's slices), with the
/// results' gold labels for the claim-by-claim unit; an error when the results do not cover the same gold claims
/// or a gold claim has no label.
pub fn compare_slices(
    a: &EvalResult,
    b: &EvalResult,
    by: &[SliceBy],
    labels: &GoldLabels,
    config: &CompareConfig,
) -> Result<Vec<SliceComparison>> {
    let docs = paired_docs(a, b)?;
    let label = |doc: &str, id: &str| -> Result<&GoldLabel> {
        labels
            .get(&(doc.to_string(), id.to_string()))
            .ok_or_else(|| {
                Error::NotComparable(format!("document {doc}: gold claim {id} has no category"))
            })
    };
    // Check every label once, so the filters below cannot fail.
    for (d, _) in &docs {
        for id in d.gold_ids() {
            label(&d.doc, id)?;
        }
    }
    let mut out = Vec::new();
    for by in distinct(by) {
        for name in names(a, by) {
            let comparison = match (by, config.unit) {
                (SliceBy::Category | SliceBy::CheckWorthy, Resample::Documents) => {
                    let pairs: Vec<(Counts, Counts)> = docs
                        .iter()
                        .map(|(x, y)| (doc_counts(x, by, &name), doc_counts(y, by, &name)))
                        .collect();
                    compare_strata(&[pairs], docs.len(), config)
                }
                _ => {
                    let in_slice = |doc: &str, id: &str| match by {
                        SliceBy::Doc => doc == name,
                        SliceBy::Category => label(doc, id).is_ok_and(|l| l.category == name),
                        SliceBy::CheckWorthy => {
                            label(doc, id).is_ok_and(|l| yes_no(l.check_worthy) == name)
                        }
                    };
                    let fps_in = |doc: &str| by == SliceBy::Doc && doc == name;
                    let strata = claim_units(&docs, &in_slice, &fps_in);
                    let documents = match by {
                        SliceBy::Doc => 1,
                        SliceBy::Category | SliceBy::CheckWorthy => docs.len(),
                    };
                    let mut c = compare_strata(&strata, documents, config);
                    c.config.unit = Resample::Claims;
                    c
                }
            };
            out.push(SliceComparison {
                by,
                name,
                comparison,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_the_same() {
        for b in SliceBy::ALL {
            assert_eq!(b.name().parse::<SliceBy>().unwrap(), b);
            assert_eq!(
                serde_json::to_string(&b).unwrap(),
                format!("\"{}\"", b.name())
            );
        }
        let e = "docs".parse::<SliceBy>().unwrap_err().to_string();
        assert!(e.contains("category, doc, check-worthy"), "{e}");
    }
}
