//! Checking a matcher on one's own labelled pairs (the pairs format of `gold/PAIRS.md`): accuracy, Cohen's kappa
//! and ROC AUC at the threshold in use, overall and per `kind`, a reliability table, and the best threshold with
//! a bootstrap interval; and the calibration file that carries that threshold, with its provenance, into
//! `score`, `eval` and `gate` (`--calibration`). The one copy behind `claimbench calibrate`.
//!
//! The figures come from the helpers the matcher's own report uses (`claimbench_matcher::eval::table`,
//! `claimbench_score::threshold`): "same" means score >= threshold, as in scoring.

use std::path::{Path, PathBuf};

use claimbench_score::{Interval, MatcherKind, ReliabilityBin};
use serde::{Deserialize, Serialize};

use crate::bail;
use crate::error::{Context, Result};
use crate::pairs::{read_pairs, PairLine};
use crate::settings::{check_threshold, threshold_range};
use crate::similarity::Decider;

/// Format version of a calibration file.
pub const FORMAT: u32 = 1;
/// Bins of the reliability table.
pub const BINS: usize = 10;

/// A labelled pairs file, read and checked.
#[derive(Debug, Clone)]
pub struct LabelledPairs {
    /// The file.
    pub path: PathBuf,
    /// sha256 of its bytes.
    pub sha256: String,
    /// Its pairs, each with `same`.
    pub pairs: Vec<PairLine>,
}

/// Read a pairs file for calibration: every pair needs `same`; an error lists every bad line (`file:line:
/// field: what`), and a file without pairs is an error.
pub fn read_labelled(path: &Path) -> Result<LabelledPairs> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let read = read_pairs(&bytes[..], path)?;
    let mut problems = read.problems;
    for p in &read.pairs {
        if p.same.is_none() {
            problems.push(format!(
                "{}:{}: same: missing (calibration needs every pair's label)",
                path.display(),
                p.line
            ));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| line_of(p, path));
        bail!(
            "{}: {} bad line{} (each pair is {{\"a\": ..., \"b\": ..., \"same\": true|false}}, optionally with id and kind)\n  {}",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.join("\n  ")
        );
    }
    if read.pairs.is_empty() {
        bail!("{}: no pairs", path.display());
    }
    Ok(LabelledPairs {
        path: path.to_path_buf(),
        sha256: claimbench_io::sha256_hex(&bytes),
        pairs: read.pairs,
    })
}

/// The line number of a `file:line: ...` problem, for sorting.
fn line_of(problem: &str, path: &Path) -> usize {
    problem
        .strip_prefix(&format!("{}:", path.display()))
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// How `calibrate` runs.
#[derive(Debug, Clone, Copy)]
pub struct CalibrateOptions {
    /// Bootstrap resamples of the best threshold's interval (0: none).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
}

/// The best threshold on the pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The accuracy-maximising threshold (ties: the one closest to the threshold in use, which is kept when it is
    /// among the best).
    pub threshold: f32,
    /// Accuracy there.
    pub accuracy: f64,
    /// Cohen's kappa there.
    pub kappa: f64,
    /// 95% percentile interval of the best threshold over bootstrap resamples of the pairs.
    pub interval: Option<Interval>,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
}

/// What `calibrate` finds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// The matcher.
    pub matcher: String,
    /// The threshold in use (the matcher's own, or `--threshold`).
    pub threshold: f32,
    /// Pairs.
    pub pairs: usize,
    /// Pairs labelled "same".
    pub positives: usize,
    /// Accuracy, kappa and AUC at `threshold`: `all`, then one row per `kind` when the pairs have kinds (a kind
    /// with one label has its kappa and AUC on its pairs together with every pair of the other label).
    pub groups: Vec<claimbench_matcher::eval::Row>,
    /// Reliability table: [`BINS`] equal bins of the matcher's range.
    pub reliability: Vec<ReliabilityBin>,
    /// The best threshold.
    pub best: Best,
}

/// Each pair's score under `decider`, in file order.
pub fn scores(pairs: &LabelledPairs, decider: &Decider) -> Result<Vec<f32>> {
    pairs
        .pairs
        .iter()
        .map(|p| {
            Ok(decider
                .decide(&p.a, &p.b)
                .with_context(|| format!("{}:{}", pairs.path.display(), p.line))?
                .score)
        })
        .collect()
}

/// The figures of matcher `kind` at `threshold` on pairs with these `scores` (one per pair, in order).
pub fn figures(
    pairs: &LabelledPairs,
    scores: &[f32],
    kind: MatcherKind,
    threshold: f32,
    options: CalibrateOptions,
) -> Result<Figures> {
    if scores.len() != pairs.pairs.len() {
        bail!("{} scores for {} pairs", scores.len(), pairs.pairs.len());
    }
    let labelled: Vec<(f32, bool)> = pairs
        .pairs
        .iter()
        .zip(scores)
        .map(|(p, &s)| (s, p.same.unwrap_or(false)))
        .collect();
    let has_kinds = pairs.pairs.iter().any(|p| p.kind.is_some());
    let items: Vec<(String, bool, f32)> = pairs
        .pairs
        .iter()
        .zip(&labelled)
        .map(|(p, &(s, same))| (p.kind.clone().unwrap_or_else(|| "-".into()), same, s))
        .collect();
    let mut groups = claimbench_matcher::eval::table(&items, threshold)?;
    if !has_kinds {
        groups.truncate(1);
    }
    let (low, high) = threshold_range(kind);
    let best = claimbench_score::choose_threshold_near(&labelled, threshold, high as f32)?;
    Ok(Figures {
        matcher: kind.name().to_string(),
        threshold,
        pairs: labelled.len(),
        positives: labelled.iter().filter(|p| p.1).count(),
        groups,
        reliability: claimbench_score::reliability(&labelled, low, high, BINS)?,
        best: Best {
            threshold: best.threshold,
            accuracy: best.accuracy,
            kappa: best.kappa,
            interval: claimbench_score::threshold_interval(
                &labelled,
                threshold,
                high as f32,
                options.bootstrap,
                options.seed,
            )?,
            bootstrap: options.bootstrap,
            seed: options.seed,
        },
    })
}

/// A calibration file: the threshold `score`, `eval` and `gate` take from `--calibration`, where it came from,
/// and the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationFile<'a> {
    /// Format version.
    pub format: u32,
    /// The matcher it calibrates.
    pub matcher: &'a str,
    /// The threshold it sets: the best one on the pairs.
    pub threshold: f32,
    /// The pairs file's name (no directory).
    pub pairs_file: String,
    /// sha256 of the pairs file.
    pub pairs_sha256: &'a str,
    /// What `calibrate` found.
    pub figures: &'a Figures,
}

/// Write the calibration of `figures` (on `pairs`) to `path`; gives the file's sha256, which runs record.
pub fn save(path: &Path, pairs: &LabelledPairs, figures: &Figures) -> Result<String> {
    let file = CalibrationFile {
        format: FORMAT,
        matcher: &figures.matcher,
        threshold: figures.best.threshold,
        pairs_file: pairs
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        pairs_sha256: &pairs.sha256,
        figures,
    };
    let mut bytes = serde_json::to_vec_pretty(&file)?;
    bytes.push(b'\n');
    crate::files::atomic_write(path, &bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(claimbench_io::sha256_hex(&bytes))
}

/// The fields of a calibration file that a run uses (the figures are for people).
#[derive(Debug, Deserialize)]
struct CalibrationHead {
    format: u32,
    matcher: String,
    threshold: f32,
    pairs_sha256: String,
}

/// A calibration file, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The matcher it calibrates.
    pub matcher: MatcherKind,
    /// The threshold it sets.
    pub threshold: f32,
    /// sha256 of the pairs file it was made on.
    pub pairs_sha256: String,
    /// sha256 of the calibration file itself (what a run records).
    pub sha256: String,
}

/// Read a calibration file written by [`save`], checking its format, matcher and threshold.
pub fn load(path: &Path) -> Result<Calibration> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let head: CalibrationHead = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{}: not a calibration file (write one with `claimbench calibrate --out`)",
            path.display()
        )
    })?;
    if head.format != FORMAT {
        bail!(
            "{}: format: {} is not a calibration format this version reads ({FORMAT})",
            path.display(),
            head.format
        );
    }
    let matcher: MatcherKind = head
        .matcher
        .parse()
        .with_context(|| format!("{}: matcher", path.display()))?;
    check_threshold(matcher, Some(head.threshold))
        .with_context(|| format!("{}: threshold", path.display()))?;
    Ok(Calibration {
        matcher,
        threshold: head.threshold,
        pairs_sha256: head.pairs_sha256,
        sha256: claimbench_io::sha256_hex(&bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(line: usize, same: bool, kind: &str) -> PairLine {
        PairLine {
            line,
            id: None,
            a: "a".into(),
            b: "b".into(),
            same: Some(same),
            kind: Some(kind.into()),
        }
    }

    #[test]
    fn figures_save_and_load() {
        let pairs = LabelledPairs {
            path: PathBuf::from("mine.jsonl"),
            sha256: "ab".repeat(32),
            pairs: vec![
                pair(1, true, "paraphrase"),
                pair(2, true, "paraphrase"),
                pair(3, false, "number"),
                pair(4, false, "number"),
            ],
        };
        let options = CalibrateOptions {
            bootstrap: 50,
            seed: 1,
        };
        let f = figures(
            &pairs,
            &[0.9, 0.45, 0.3, 0.6],
            MatcherKind::TokenF1,
            0.5,
            options,
        )
        .unwrap();
        assert_eq!((f.pairs, f.positives), (4, 2));
        assert_eq!(f.groups[0].group, "all");
        assert!((f.groups[0].accuracy - 0.5).abs() < 1e-12);
        assert!((f.groups[0].auc - 0.75).abs() < 1e-12);
        assert_eq!(f.groups.len(), 3, "all and two kinds");
        assert_eq!(f.reliability.len(), BINS);
        assert_eq!(f.reliability[9].pairs, 1);
        // 0.9 / 0.45 / 0.6 / 0.3: thresholds in (0.3, 0.45] take 3 of 4, and 0.45 is the nearest to 0.5.
        assert_eq!((f.best.threshold, f.best.accuracy), (0.45, 0.75));
        assert!(f.best.interval.is_some());
        assert!(figures(&pairs, &[0.1], MatcherKind::TokenF1, 0.5, options).is_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cal.json");
        let sha = save(&path, &pairs, &f).unwrap();
        let cal = load(&path).unwrap();
        assert_eq!(cal.matcher, MatcherKind::TokenF1);
        assert_eq!(cal.threshold, 0.45);
        assert_eq!(cal.pairs_sha256, "ab".repeat(32));
        assert_eq!(cal.sha256, sha);
        std::fs::write(&path, "{\"format\": 1}").unwrap();
        assert!(load(&path).is_err());
    }
}
