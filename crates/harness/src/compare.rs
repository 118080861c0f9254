//! Runs side by side: which systems are compared, whether their runs can be, and the paired significance of each
//! pair. The one copy behind `claimbench compare`, `claimbench gate` and the Python package's `compare`.

use claimbench_score::{CompareConfig, Comparison, SliceBy, SliceComparison};
use serde::Serialize;

use crate::bail;
use crate::error::Result;
use crate::run::LoadedRun;

/// One system of one run.
pub struct Entry<'a> {
    /// `run/system`, or `system` when one run is compared.
    pub label: String,
    /// The run.
    pub run: &'a LoadedRun,
    /// The system's name in it.
    pub system: String,
}

impl Entry<'_> {
    /// Seconds the system took (extraction and scoring), when the run kept its timings.
    pub fn seconds(&self) -> Option<f64> {
        self.run
            .timings
            .as_ref()
            .and_then(|t| t.systems.get(&self.system))
            .map(|t| t.values().sum())
    }
}

/// The paired comparison of two systems.
#[derive(Debug, Serialize)]
pub struct PairRow {
    /// System A.
    pub a: String,
    /// System B.
    pub b: String,
    /// The comparison, or why there is none.
    pub comparison: Result<Comparison, String>,
    /// Coverage and focus differences (A − B), when the two are comparable and both have packaging.
    pub packaging: Option<PackagingDelta>,
}

/// Coverage and focus differences of two systems (A − B), from a directional matcher.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PackagingDelta {
    /// Coverage of A − coverage of B.
    pub coverage: f64,
    /// Focus of A − focus of B.
    pub focus: f64,
}

/// A − B of coverage and focus, when both systems have packaging and their runs are comparable.
pub fn packaging_delta(a: &Entry, b: &Entry) -> Option<PackagingDelta> {
    if incompatible(a.run, b.run).is_some() {
        return None;
    }
    let pa = a.run.file.systems[&a.system].results.packaging?;
    let pb = b.run.file.systems[&b.system].results.packaging?;
    Some(PackagingDelta {
        coverage: pa.coverage - pb.coverage,
        focus: pa.focus - pb.focus,
    })
}

/// Every system of every run, in order: labelled `system` when one run is given, `run/system` otherwise; an error
/// when there are fewer than two.
pub fn entries(runs: &[LoadedRun]) -> Result<Vec<Entry<'_>>> {
    let mut entries = Vec::new();
    for r in runs {
        for name in r.file.systems.keys() {
            let label = if runs.len() == 1 {
                name.clone()
            } else {
                format!("{}/{}", r.label(), name)
            };
            entries.push(Entry {
                label,
                run: r,
                system: name.clone(),
            });
        }
    }
    if entries.len() < 2 {
        bail!(
            "nothing to compare: the runs hold {} system(s); give at least two",
            entries.len()
        );
    }
    Ok(entries)
}

/// Each pair of entries (A before B in entry order), compared.
pub fn pairs(entries: &[Entry<'_>], config: &CompareConfig) -> Vec<PairRow> {
    let mut pairs = Vec::new();
    for i in 0..entries.len() {
        for j in i + 1..entries.len() {
            pairs.push(PairRow {
                a: entries[i].label.clone(),
                b: entries[j].label.clone(),
                comparison: compare_pair(&entries[i], &entries[j], config),
                packaging: packaging_delta(&entries[i], &entries[j]),
            });
        }
    }
    pairs
}

/// Why two runs can't be compared on the same footing, if they can't.
pub fn incompatible(a: &LoadedRun, b: &LoadedRun) -> Option<String> {
    let (ma, mb) = (&a.file.manifest, &b.file.manifest);
    if ma.gold_hash != mb.gold_hash {
        return Some(format!(
            "different gold sets ({} vs {})",
            &ma.gold_hash[..8.min(ma.gold_hash.len())],
            &mb.gold_hash[..8.min(mb.gold_hash.len())]
        ));
    }
    if ma.matcher != mb.matcher || ma.threshold != mb.threshold || ma.assignment != mb.assignment {
        return Some(format!(
            "different matchers ({}@{} vs {}@{})",
            ma.matcher.name, ma.threshold, mb.matcher.name, mb.threshold
        ));
    }
    if ma.calibration != mb.calibration {
        let short = |c: &Option<String>| {
            c.as_deref()
                .map_or_else(|| "none".to_string(), |h| h[..8.min(h.len())].to_string())
        };
        return Some(format!(
            "different calibrations ({} vs {})",
            short(&ma.calibration),
            short(&mb.calibration)
        ));
    }
    None
}

/// Compare two systems (an error string when their runs are not comparable).
pub fn compare_pair(a: &Entry, b: &Entry, config: &CompareConfig) -> Result<Comparison, String> {
    if let Some(why) = incompatible(a.run, b.run) {
        return Err(why);
    }
    let ra = &a.run.file.systems[&a.system].results;
    let rb = &b.run.file.systems[&b.system].results;
    claimbench_score::compare(ra, rb, config).map_err(|e| e.to_string())
}

/// The paired comparison of two systems on each slice of `--by`.
#[derive(Debug, Serialize)]
pub struct SlicePairRow {
    /// System A.
    pub a: String,
    /// System B.
    pub b: String,
    /// The comparison on each slice, or why there is none.
    pub slices: Result<Vec<SliceComparison>, String>,
}

/// Each pair of entries (as [`pairs`] lists them), compared on each slice of `by`.
pub fn slice_pairs(
    entries: &[Entry<'_>],
    by: &[SliceBy],
    config: &CompareConfig,
) -> Vec<SlicePairRow> {
    let mut out = Vec::new();
    for i in 0..entries.len() {
        for j in i + 1..entries.len() {
            out.push(SlicePairRow {
                a: entries[i].label.clone(),
                b: entries[j].label.clone(),
                slices: compare_pair_slices(&entries[i], &entries[j], by, config),
            });
        }
    }
    out
}

/// Compare two systems on each slice of `by` (an error string when their runs are not comparable).
pub fn compare_pair_slices(
    a: &Entry,
    b: &Entry,
    by: &[SliceBy],
    config: &CompareConfig,
) -> Result<Vec<SliceComparison>, String> {
    if let Some(why) = incompatible(a.run, b.run) {
        return Err(why);
    }
    let gold = a.run.gold_set().map_err(|e| e.one_line())?;
    let labels = crate::gold::labels(&gold);
    let ra = &a.run.file.systems[&a.system].results;
    let rb = &b.run.file.systems[&b.system].results;
    claimbench_score::compare_slices(ra, rb, by, &labels, config).map_err(|e| e.to_string())
}

/// A one-word verdict at level `alpha`.
pub fn verdict(c: &Comparison, alpha: f64) -> &'static str {
    if c.p_randomization >= alpha {
        "no significant difference"
    } else if c.delta > 0.0 {
        "A better"
    } else {
        "B better"
    }
}

/// A p-value with enough digits to read against any usual level: four decimals, `< 0.0001` below that.
pub fn pvalue(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}
