//! Run directories: what `eval` and `score --out` save, and what `compare`, `gate` and `report` read.
//!
//! ```text
//! <run>/run.json                 manifest + per-system results and threshold sweeps; byte-identical for the same inputs
//! <run>/timings.json             wall-clock seconds per system and stage (kept apart so run.json stays stable)
//! <run>/predictions/<system>.jsonl   each system's predictions, in the predictions-file format
//! <run>/gold-copy/{seeds,gold}/  a copy of the gold set, for a run scored on a user's `--gold DIR`
//! ```
//!
//! A run is written whole beside its directory and put in its place in one step ([`crate::rundir`]), so a run
//! killed midway leaves the old run or the new one; `.claimbench-run` lists the files the run wrote, and nothing
//! else in a run's directory is ever removed. `run.json` carries the
//! sha256 of its own content; [`load`] refuses a run whose figures do not follow from its counts or whose
//! content does not match that checksum.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::bail;
use crate::error::{Context, Error, Result};
use claimbench_extract::PredictedClaim;
use claimbench_score::{EvalResult, Manifest, Slice, SweepPoint};
use serde::{Deserialize, Serialize};

use crate::files::{atomic_write, write_json, AtomicFile};
use crate::rundir::RunWriter;
use claimbench_io::test_hook;

/// The file that marks a complete run.
pub const RUN_FILE: &str = "run.json";
/// The directory of a run that holds its copy of a user's gold set.
pub const GOLD_COPY: &str = "gold-copy";
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
    /// Documents of the gold set with and without predictions.
    #[serde(default)]
    pub coverage: Coverage,
    /// The scores.
    pub results: EvalResult,
    /// Micro P/R/F1 against the threshold.
    pub sweep: Vec<SweepPoint>,
    /// The rows of `--by` (per category, document or check-worthiness) with their intervals; absent without it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slices: Vec<Slice>,
}

/// Which documents of the gold set a system has predictions for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Documents in the gold set.
    pub documents: usize,
    /// Documents with at least one prediction.
    pub with_predictions: usize,
    /// Documents without a prediction, by id: each of their gold claims counts as a miss.
    pub without_predictions: Vec<String>,
}

impl Coverage {
    /// The coverage of a result (a document with no predicted claim is not covered).
    pub fn of(results: &EvalResult) -> Coverage {
        let without: Vec<String> = results
            .documents
            .iter()
            .filter(|d| d.pred == 0)
            .map(|d| d.doc.clone())
            .collect();
        Coverage {
            documents: results.documents.len(),
            with_predictions: results.documents.len() - without.len(),
            without_predictions: without,
        }
    }

    /// Whether every document has a prediction.
    pub fn is_complete(&self) -> bool {
        self.without_predictions.is_empty()
    }

    /// `3 of 5 gold documents (001, 003, 004)`, the ids cut after ten.
    pub fn describe_missing(&self) -> String {
        let mut ids: Vec<&str> = self
            .without_predictions
            .iter()
            .take(10)
            .map(String::as_str)
            .collect();
        if self.without_predictions.len() > 10 {
            ids.push("...");
        }
        format!(
            "{} of {} gold document{} ({})",
            self.without_predictions.len(),
            self.documents,
            if self.documents == 1 { "" } else { "s" },
            ids.join(", ")
        )
    }
}

/// The whole `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    /// Format version.
    pub format: u32,
    /// What produced the run.
    pub manifest: Manifest,
    /// The gold set: `builtin`, or a directory; a relative one is relative to the run directory (a run on a
    /// user's `--gold DIR` holds a copy of it in [`GOLD_COPY`]).
    pub gold: String,
    /// Systems by name.
    pub systems: BTreeMap<String, SystemRecord>,
    /// sha256 of the run's content: the compact JSON of the fields above, in this order (see [`content_sha256`]).
    /// Absent in runs of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The part of [`RunFile`] that its checksum covers, borrowed: every field but `sha256`, in the same order.
#[derive(Serialize)]
struct Content<'a> {
    format: u32,
    manifest: &'a Manifest,
    gold: &'a str,
    systems: &'a BTreeMap<String, SystemRecord>,
}

/// A `Write` that hashes what goes through it.
struct HashWriter(sha2::Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The checksum of a run's content: sha256 of the compact JSON of every field but `sha256` (struct order,
/// sorted maps, shortest round-trip floats), so it is the same for the same inputs and survives a re-read.
pub fn content_sha256(file: &RunFile) -> Result<String> {
    use sha2::Digest;
    let mut w = HashWriter(sha2::Sha256::default());
    serde_json::to_writer(
        &mut w,
        &Content {
            format: file.format,
            manifest: &file.manifest,
            gold: &file.gold,
            systems: &file.systems,
        },
    )
    .context("hashing the run")?;
    Ok(hex::encode(w.0.finalize()))
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

/// Where a saved run finds its gold set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoldRef {
    /// The built-in gold set.
    Builtin,
    /// A gold directory.
    Dir(PathBuf),
}

impl LoadedRun {
    /// A short label: the directory name.
    pub fn label(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }

    /// The run's gold set: built in, its own copy, or (older runs) the directory it was scored on; a relative
    /// path is taken relative to the run directory first.
    pub fn gold(&self) -> GoldRef {
        if self.file.gold == "builtin" {
            return GoldRef::Builtin;
        }
        let p = Path::new(&self.file.gold);
        if p.is_relative() && self.dir.join(p).is_dir() {
            GoldRef::Dir(self.dir.join(p))
        } else {
            GoldRef::Dir(p.to_path_buf())
        }
    }

    /// The run's gold set, read again and checked against the hash the run recorded, restricted to the documents
    /// the run was (`--doc`).
    pub fn gold_set(&self) -> Result<claimbench_gold::GoldSet> {
        let gold_ref = self.gold();
        let (gold, label) = match &gold_ref {
            GoldRef::Builtin => (crate::gold::load(None)?, "builtin".to_string()),
            GoldRef::Dir(d) => (
                crate::gold::load(Some(d)).with_context(|| {
                    format!(
                        "{}: the run's gold set {} cannot be read",
                        self.dir.display(),
                        d.display()
                    )
                })?,
                d.display().to_string(),
            ),
        };
        if gold.hash() != self.file.manifest.gold_hash {
            bail!(
                "the gold set {label} has changed since the run was made (hash {} now, {} in the run)",
                gold.hash(),
                self.file.manifest.gold_hash
            );
        }
        Ok(match &self.file.manifest.documents {
            Some(ids) => crate::gold::only_documents(&gold, ids)?.map_or(gold, |(set, _)| set),
            None => gold,
        })
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

/// Save a run through its writer (see [`crate::rundir`]): the predictions, the gold copy (for a user's gold set,
/// `gold_dir`), timings, then `run.json` with its checksum, all in the writer's directory; then the writer puts
/// the run in place whole.
pub fn save(
    mut writer: RunWriter,
    file: &RunFile,
    predictions: &BTreeMap<String, Vec<PredictedClaim>>,
    written: Vec<AtomicFile>,
    timings: &Timings,
    gold_dir: Option<&Path>,
) -> Result<()> {
    let keep: Vec<String> = file
        .systems
        .values()
        .map(|r| r.predictions.clone())
        .collect();
    writer.prepare(&keep)?;
    let dir = writer.dir().to_path_buf();
    for (name, preds) in predictions {
        let rec = file
            .systems
            .get(name)
            .with_context(|| format!("no record for system {name}"))?;
        let bytes = claimbench_extract::predictions_jsonl(preds);
        atomic_write(&dir.join(&rec.predictions), bytes.as_bytes())?;
    }
    for f in written {
        f.commit()?;
    }
    test_hook("predictions-written").map_err(|e| claimbench_io::Error {
        path: dir.clone(),
        source: e,
    })?;
    if let Some(src) = gold_dir {
        copy_gold(src, &dir.join(GOLD_COPY), &file.manifest.gold_hash)?;
    }
    write_json(&dir.join("timings.json"), timings)?;
    let mut file = file.clone();
    file.sha256 = Some(content_sha256(&file)?);
    test_hook("run-json").map_err(|e| claimbench_io::Error {
        path: dir.join(RUN_FILE),
        source: e,
    })?;
    write_json(&dir.join(RUN_FILE), &file)?;
    writer.commit()
}

/// What `run.json` records as the gold set: `builtin`, or the run's own copy of a user's gold directory.
pub fn gold_field(user_gold: Option<&Path>) -> String {
    match user_gold {
        None => "builtin".to_string(),
        Some(_) => GOLD_COPY.to_string(),
    }
}

/// Copy the files of a gold directory that the gold reader reads (`seeds/*.txt`, `seeds/SHA256SUMS`,
/// `gold/*.jsonl` but `pairs.jsonl`) to `to`, and check that the copy is the same gold set.
fn copy_gold(from: &Path, to: &Path, hash: &str) -> Result<()> {
    for sub in ["seeds", "gold"] {
        let src = from.join(sub);
        let entries =
            std::fs::read_dir(&src).with_context(|| format!("reading {}", src.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("reading {}", src.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let wanted = match sub {
                "seeds" => name == "SHA256SUMS" || name.ends_with(".txt"),
                _ => name.ends_with(".jsonl") && name != "pairs.jsonl",
            };
            if name.starts_with('.') || !wanted || !e.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let bytes = std::fs::read(e.path())
                .with_context(|| format!("reading {}", e.path().display()))?;
            atomic_write(&to.join(sub).join(&name), &bytes)?;
        }
    }
    let copied = claimbench_gold::GoldSet::read_dir(to)
        .with_context(|| format!("reading the gold copy {}", to.display()))?;
    if copied.has_errors() || copied.set.hash() != hash {
        bail!(
            "the gold set {} changed while it was being scored (its copy in {} differs); score again",
            from.display(),
            to.display()
        );
    }
    Ok(())
}

/// Load a run directory (or a `run.json` path): its figures must follow from its counts, its content match its
/// checksum, and each predictions copy match its `predictions_sha256`.
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
        Error::msg(format!(
            "{}:{}: {} (not a claimbench run file)",
            file_path.display(),
            e.line(),
            e
        ))
    })?;
    if file.format != FORMAT {
        bail!(
            "{}: run format {} is not supported (this claimbench reads {FORMAT})",
            file_path.display(),
            file.format
        );
    }
    let mut file = file;
    crate::integrity::verify(&file_path, &file)?;
    match &file.sha256 {
        Some(stored) => {
            let now = content_sha256(&file)?;
            if *stored != now {
                bail!(
                    "{}: its content does not match its checksum (sha256 {} recorded, {} now): the run was edited after claimbench wrote it; score it again",
                    file_path.display(),
                    short(stored),
                    short(&now)
                );
            }
        }
        None => {
            eprintln!(
                "warning: {} has no checksum (written by an older claimbench): its figures were checked against its counts only",
                file_path.display()
            );
            for rec in file.systems.values_mut() {
                rec.coverage = Coverage::of(&rec.results);
            }
        }
    }
    for (name, rec) in &file.systems {
        let p = dir.join(&rec.predictions);
        let now = claimbench_io::sha256_file(&p)?;
        if now != rec.predictions_sha256 {
            bail!(
                "{}: the run's copy of the predictions of {name:?} does not match its predictions_sha256 ({} recorded, {} now): it was edited or damaged after claimbench wrote it; score it again",
                p.display(),
                short(&rec.predictions_sha256),
                short(&now)
            );
        }
    }
    let timings = std::fs::read_to_string(dir.join("timings.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    Ok(LoadedRun { dir, file, timings })
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// A new run directory name: UTC time to the second.
pub fn default_name() -> String {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    now.trim_end_matches('Z')
        .replace([':', 'T'], "-")
        .replace("--", "-")
}

/// A new, empty run directory under `runs_dir`, named by the UTC time to the second ([`default_name`]), with
/// `-2`, `-3`, ... when that name is taken: made with `create_dir`, so two runs in the same second get two.
pub fn new_run_dir(runs_dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(runs_dir)
        .with_context(|| format!("creating {}", runs_dir.display()))?;
    let base = default_name();
    for i in 1..10_000 {
        let name = if i == 1 {
            base.clone()
        } else {
            format!("{base}-{i}")
        };
        let dir = runs_dir.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    bail!("{}: no free run name for {base}", runs_dir.display())
}
