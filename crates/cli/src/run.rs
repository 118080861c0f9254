//! Run directories: what `eval` and `score --out` save, and what `compare`, `gate` and `report` read.
//!
//! ```text
//! <run>/run.json                 manifest + per-system results and threshold sweeps; byte-identical for the same inputs
//! <run>/timings.json             wall-clock seconds per system and stage (kept apart so run.json stays stable)
//! <run>/predictions/<system>.jsonl   each system's predictions, in the predictions-file format
//! ```
//!
//! Every file is written to a temp file and renamed; `run.json` is written last, so a run killed midway has no
//! `run.json` and is never read as valid.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use claimbench_extract::PredictedClaim;
use claimbench_score::{EvalResult, Manifest, SweepPoint};
use serde::{Deserialize, Serialize};

use crate::output::{write_atomic, write_json, AtomicFile};

/// The file that marks a complete run.
pub const RUN_FILE: &str = "run.json";
/// Format version of `run.json`.
pub const FORMAT: u32 = 1;

/// One system's part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemRecord {
    /// How the predictions were made (extractor name and settings, or the predictions file).
    pub source: String,
    /// Predictions file, relative to the run directory.
    pub predictions: String,
    /// sha256 of the predictions file.
    pub predictions_sha256: String,
    /// Inputs longer than the model's max_seq_length, truncated while embedding.
    pub truncated: usize,
    /// Lines skipped by `--lenient`, or articles an external command failed on.
    pub skipped: Vec<String>,
    /// The scores.
    pub results: EvalResult,
    /// Micro P/R/F1 against the threshold.
    pub sweep: Vec<SweepPoint>,
}

/// The whole `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    /// Format version.
    pub format: u32,
    /// What produced the run.
    pub manifest: Manifest,
    /// The gold set: `builtin` or the directory given with `--gold`.
    pub gold: String,
    /// Systems by name.
    pub systems: BTreeMap<String, SystemRecord>,
}

/// Wall-clock timings of a run (never part of `run.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Seconds to fetch (if needed) and load the model.
    pub model_load_s: f64,
    /// Per system: stage → seconds.
    pub systems: BTreeMap<String, BTreeMap<String, f64>>,
    /// Per system: seconds from the command's start to its first document's scores.
    #[serde(default)]
    pub first_result_s: BTreeMap<String, f64>,
    /// Whole command, seconds.
    pub total_s: f64,
}

/// A run loaded from disk.
#[derive(Debug, Clone)]
pub struct LoadedRun {
    /// Its directory.
    pub dir: PathBuf,
    /// `run.json`.
    pub file: RunFile,
    /// `timings.json`, when present.
    pub timings: Option<Timings>,
}

impl LoadedRun {
    /// A short label: the directory name.
    pub fn label(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }

    /// The predictions of one system.
    pub fn predictions(&self, system: &str) -> Result<Vec<PredictedClaim>> {
        let rec = self
            .file
            .systems
            .get(system)
            .with_context(|| format!("{}: no system {system:?}", self.dir.display()))?;
        let path = self.dir.join(&rec.predictions);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .with_context(|| format!("{}:{}: not a prediction", path.display(), i + 1))
            })
            .collect()
    }
}

/// A file-system-safe name for a system.
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A system's predictions as they stream past: their sha256 in the predictions-file format, and, for a run
/// that is saved, the file `predictions/<system>.jsonl` being written beside it.
pub struct PredictionsSink {
    hasher: sha2::Sha256,
    out: Option<AtomicFile>,
    line: Vec<u8>,
}

impl PredictionsSink {
    /// Hash only (`dir` None), or also write `<dir>/predictions/<system>.jsonl` (kept only once the run is saved).
    pub fn new(dir: Option<&Path>, system: &str) -> Result<PredictionsSink> {
        let out = match dir {
            Some(d) => Some(AtomicFile::create(&d.join(predictions_path(system)))?),
            None => None,
        };
        Ok(PredictionsSink {
            hasher: sha2::Sha256::default(),
            out,
            line: Vec::new(),
        })
    }

    /// Add one claim (one line of the predictions file).
    pub fn push(&mut self, claim: &PredictedClaim) -> Result<()> {
        use sha2::Digest;
        self.line.clear();
        serde_json::to_writer(&mut self.line, claim)?;
        self.line.push(b'\n');
        self.hasher.update(&self.line);
        if let Some(out) = &mut self.out {
            out.write_all(&self.line)
                .with_context(|| format!("writing {}", out.path().display()))?;
        }
        Ok(())
    }

    /// The sha256 of what was pushed, and the file still to be committed with the run.
    pub fn finish(self) -> (String, Option<AtomicFile>) {
        use sha2::Digest;
        (hex::encode(self.hasher.finalize()), self.out)
    }
}

/// Where a system's predictions live in a run directory.
pub fn predictions_path(system: &str) -> String {
    format!("predictions/{}.jsonl", slug(system))
}

/// Save a run: any older `run.json` goes first, then the predictions, then timings, then the new `run.json`,
/// so that a run killed at any point has no `run.json` that does not match its files.
pub fn save(
    dir: &Path,
    file: &RunFile,
    predictions: &BTreeMap<String, Vec<PredictedClaim>>,
    written: Vec<AtomicFile>,
    timings: &Timings,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    match std::fs::remove_file(dir.join(RUN_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("replacing {}", dir.join(RUN_FILE).display()))
        }
        _ => {}
    }
    for (name, preds) in predictions {
        let rec = file
            .systems
            .get(name)
            .with_context(|| format!("no record for system {name}"))?;
        let bytes = claimbench_extract::predictions_jsonl(preds);
        write_atomic(&dir.join(&rec.predictions), bytes.as_bytes())?;
    }
    for f in written {
        f.commit()?;
    }
    write_json(&dir.join("timings.json"), timings)?;
    write_json(&dir.join(RUN_FILE), file)?;
    Ok(())
}

/// Load a run directory (or a `run.json` path).
pub fn load(path: &Path) -> Result<LoadedRun> {
    if !path.exists() {
        bail!(
            "{} is not a complete run: it does not exist (a run directory holds {RUN_FILE}, written by `claimbench eval` or `claimbench score --out`)",
            path.display()
        );
    }
    let (dir, file_path) = if path.is_dir() {
        (path.to_path_buf(), path.join(RUN_FILE))
    } else {
        (
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
            path.to_path_buf(),
        )
    };
    if !file_path.is_file() {
        bail!(
            "{} is not a complete run: {} is missing (runs are written by `claimbench eval` or `claimbench score --out`)",
            dir.display(),
            RUN_FILE
        );
    }
    let text = std::fs::read_to_string(&file_path)
        .with_context(|| format!("reading {}", file_path.display()))?;
    let file: RunFile = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}: {} (not a claimbench run file)",
            file_path.display(),
            e.line(),
            e
        )
    })?;
    if file.format != FORMAT {
        bail!(
            "{}: run format {} is not supported (this claimbench reads {FORMAT})",
            file_path.display(),
            file.format
        );
    }
    let timings = std::fs::read_to_string(dir.join("timings.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    Ok(LoadedRun { dir, file, timings })
}

/// The sha256 of some bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// A new run directory name: UTC time to the second.
pub fn default_name() -> String {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    now.trim_end_matches('Z')
        .replace([':', 'T'], "-")
        .replace("--", "-")
}
