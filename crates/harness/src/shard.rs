//! Batch scoring across many machines: shards of the gold set, the partial runs they write, and their merge.
//!
//! A document belongs to shard `u64::from_be_bytes(sha256(id)[0..8]) % N` (the first 8 bytes of the sha256 of its
//! id's UTF-8 bytes, read big-endian, modulo N): a function of the id alone, never of list positions, so a gold set
//! that gains a document moves no other document between shards.
//!
//! `score --shard I/N --out DIR` (or `eval --shard I/N`) scores only shard I's documents and writes the *part*
//! `DIR/shard-IIIII-of-NNNNN.json` atomically (temp file and rename): the manifest, the scoring settings, a
//! signature ending in `|shard:I/N`, and per system the per-document results ([`DocResult`], the sufficient
//! statistics of every figure: counts, rates, soft-score sums, categories, check-worthy, groundedness sums, errors),
//! the threshold-sweep counts, the digests of truncated texts, and the shard's lines of the predictions file with
//! their positions. A valid part with the same signature and inputs is left alone on a rerun (retries resume).
//!
//! `merge PARTS... --out RUN` checks that the parts form exactly one complete run ([`MergeRefused`] otherwise:
//! exit code [`MERGE_REFUSED_EXIT`]) and aggregates their documents once, in document order, with the same seeded
//! bootstrap as a single-machine run, so its `run.json` is byte-identical to `score --out`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use claimbench_extract::PredictedClaim;
use claimbench_gold::GoldSet;
use claimbench_score::{Counts, DocResult, Manifest, ScoreConfig, Scorer, SweepPoint};
use serde::{Deserialize, Serialize};

use crate::run::{RunFile, SystemRecord};

/// Format tag of a part file.
pub const PART_FORMAT: &str = "claimbench-part/1";
/// The documented rule that assigns documents to shards.
pub const ASSIGNMENT_RULE: &str = "u64_be(sha256(doc id)[0..8]) mod N";
/// Exit code of `merge` when the parts do not form one complete, consistent run.
pub const MERGE_REFUSED_EXIT: u8 = 3;

/// Scheduler variables `--shard-from-env` reads: (index variable, count variable when the scheduler sets one).
pub const ENV_SOURCES: [(&str, Option<&str>); 4] = [
    ("SLURM_ARRAY_TASK_ID", Some("SLURM_ARRAY_TASK_COUNT")),
    ("JOB_COMPLETION_INDEX", None),
    (
        "AWS_BATCH_JOB_ARRAY_INDEX",
        Some("AWS_BATCH_JOB_ARRAY_SIZE"),
    ),
    ("BATCH_TASK_INDEX", Some("BATCH_TASK_COUNT")),
];

/// Shard `index` of `count` (validated: `count >= 1`, `index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not I/N (e.g. 0/8)"))?;
        let num = |x: &str, what: &str| {
            x.trim()
                .parse::<u32>()
                .map_err(|_| format!("{s:?}: {what} {x:?} is not a whole number"))
        };
        Shard::new(num(i, "I")?, num(n, "N")?)
    }
}

impl Shard {
    /// Shard `index` of `count`, or why not.
    pub fn new(index: u32, count: u32) -> std::result::Result<Shard, String> {
        if count == 0 {
            return Err("N must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is not below N = {count} (shards are 0..N-1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether document `doc` falls in this shard.
    pub fn contains(&self, doc: &str) -> bool {
        shard_of(doc, self.count) == self.index
    }

    /// The gold set restricted to this shard's documents and their claims (same source).
    pub fn subset(&self, gold: &GoldSet) -> GoldSet {
        crate::gold::subset(gold, &|doc| self.contains(doc))
    }

    /// The part file's name: `shard-IIIII-of-NNNNN.json`.
    pub fn file_name(&self) -> String {
        format!("shard-{:05}-of-{:05}.json", self.index, self.count)
    }
}

/// The shard of document `doc` among `count` (see the module docs); `count` must be at least 1.
pub fn shard_of(doc: &str, count: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(doc.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32
}

/// I and N from a scheduler's variables (`get` reads one; empty counts as unset), N from `num_shards` when the
/// scheduler gives only the index. Slurm's index is `SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN`; its array must
/// be a contiguous range with step 1. An error when no scheduler's variables are set, a value is not a number,
/// N is unknown or disagrees with `num_shards`, or two schedulers disagree.
pub fn from_env(
    get: &dyn Fn(&str) -> Option<String>,
    num_shards: Option<u32>,
) -> std::result::Result<Shard, String> {
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let num = |k: &str| -> std::result::Result<Option<u32>, String> {
        get(k)
            .map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("{k}={v:?} is not a whole number"))
            })
            .transpose()
    };
    let mut found: Vec<(Shard, String)> = Vec::new();
    for (index_var, count_var) in ENV_SOURCES {
        let Some(mut index) = num(index_var)? else {
            continue;
        };
        let mut from = format!("{index_var}={index}");
        let count = match count_var.map(num).transpose()?.flatten() {
            Some(c) => {
                from.push_str(&format!(", {}={c}", count_var.unwrap_or_default()));
                if let Some(n) = num_shards.filter(|&n| n != c) {
                    return Err(format!("{from} but --num-shards {n}"));
                }
                c
            }
            None => num_shards.ok_or_else(|| {
                format!(
                    "{index_var} is set but N is not{}: give --num-shards N",
                    count_var.map_or(String::new(), |c| format!(" ({c} is unset)"))
                )
            })?,
        };
        if index_var == "SLURM_ARRAY_TASK_ID" {
            if let Some(step) = num("SLURM_ARRAY_TASK_STEP")?.filter(|&s| s != 1) {
                return Err(format!(
                    "SLURM_ARRAY_TASK_STEP={step}: the array must be a range with step 1 (sbatch --array=0-{})",
                    count.saturating_sub(1)
                ));
            }
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            if let Some(max) = num("SLURM_ARRAY_TASK_MAX")? {
                if max < min || u64::from(max - min) + 1 != u64::from(count) {
                    return Err(format!(
                        "SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_MAX={max} and SLURM_ARRAY_TASK_COUNT={count} \
                         do not describe a contiguous range (sbatch --array=0-{})",
                        count.saturating_sub(1)
                    ));
                }
            }
            if index < min {
                return Err(format!(
                    "SLURM_ARRAY_TASK_ID={index} is below SLURM_ARRAY_TASK_MIN={min}"
                ));
            }
            if min != 0 {
                from.push_str(&format!(", SLURM_ARRAY_TASK_MIN={min}"));
            }
            index -= min;
        }
        let shard = Shard::new(index, count).map_err(|e| format!("{from}: {e}"))?;
        found.push((shard, from));
    }
    match found.as_slice() {
        [] => Err(format!(
            "none of {} is set (Slurm array, Kubernetes Indexed Job, AWS Batch array, Google Cloud Batch)",
            ENV_SOURCES.map(|(i, _)| i).join(", ")
        )),
        [(first, _), rest @ ..] => match rest.iter().find(|(s, _)| s != first) {
            Some((other, why)) => Err(format!(
                "the schedulers' variables disagree: {} gives shard {first}, {why} gives {other}",
                found[0].1
            )),
            None => Ok(*first),
        },
    }
}

/// The lines of a predictions file that belong to one shard, each with its position in the whole stream.
#[derive(Debug, Clone, Default)]
pub struct ShardLines {
    shard: Option<Shard>,
    seen: u64,
    keys: Vec<u64>,
    lines: Vec<String>,
}

impl ShardLines {
    /// Keep the lines of `shard`'s documents.
    pub fn new(shard: Shard) -> ShardLines {
        ShardLines {
            shard: Some(shard),
            ..ShardLines::default()
        }
    }

    /// One claim of the stream, in file order (serialised as a line of the predictions-file format).
    pub fn push(&mut self, claim: &PredictedClaim) -> Result<()> {
        let key = self.seen;
        self.seen += 1;
        self.push_keyed(key, claim)
    }

    /// One claim with an explicit sort key (its position among all systems' output).
    pub fn push_keyed(&mut self, key: u64, claim: &PredictedClaim) -> Result<()> {
        if self.shard.is_none_or(|s| s.contains(&claim.doc)) {
            self.keys.push(key);
            self.lines.push(serde_json::to_string(claim)?);
        }
        Ok(())
    }

    /// How many claims went past.
    pub fn total(&self) -> u64 {
        self.seen
    }

    /// sha256 of the kept lines, each ended by a newline: what this shard scores.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for l in &self.lines {
            h.update(l.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }
}

/// One system in a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartSystem {
    /// How the predictions were made (as in `run.json`).
    pub source: String,
    /// Predictions file, relative to the merged run directory.
    pub predictions: String,
    /// sha256 of the whole predictions file (None when a shard cannot know it: `eval`, computed at merge).
    pub predictions_sha256: Option<String>,
    /// Claims in the whole predictions file (None when unknown to a shard).
    pub predictions_total: Option<u64>,
    /// Lines skipped by `--lenient` in the whole file.
    pub skipped: Vec<String>,
    /// sha256 of this shard's predictions as it scored them ([`ShardLines::sha256`]; for an extractor, of what it
    /// extracted): a rerun keeps the part only when it would score the same claims.
    #[serde(default)]
    pub scored_sha256: Option<String>,
    /// sha256 of the extractor itself where claimbench can see it (a `t5:` model's files, a `command:`'s line and
    /// the files it names; [`crate::systems::Source::fingerprint`]): `merge` refuses parts whose extractors differ.
    #[serde(default)]
    pub extractor_sha256: Option<String>,
    /// Digests (first 16 bytes of sha256, hex) of this shard's distinct predicted texts truncated while embedding.
    pub truncated_texts: Vec<String>,
    /// This shard's threshold-sweep counts (its rates are recomputed from the summed counts at merge).
    pub sweep: Vec<SweepPoint>,
    /// This shard's per-document results, by document id.
    pub documents: Vec<DocResult>,
    /// Sort keys of `prediction_lines`: their positions in the whole predictions file.
    pub prediction_keys: Vec<u64>,
    /// This shard's lines of the predictions file, in file order (without the newline).
    pub prediction_lines: Vec<String>,
}

/// A partial run: what one shard writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// [`PART_FORMAT`].
    pub format: String,
    /// Which shard.
    pub shard: Shard,
    /// [`ASSIGNMENT_RULE`].
    pub assignment: String,
    /// The run's signature with `|shard:I/N` appended.
    pub signature: String,
    /// The run's manifest (the whole gold set's).
    pub manifest: Manifest,
    /// The scoring settings (threshold, assignment, bootstrap, grounding threshold).
    pub config: ScoreConfig,
    /// The gold set label of `run.json`.
    pub gold: String,
    /// This shard's document ids, sorted.
    pub documents: Vec<String>,
    /// Systems by name.
    pub systems: BTreeMap<String, PartSystem>,
}

/// What identifies one system of a part apart from its results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemKey {
    /// As [`PartSystem::source`].
    pub source: String,
    /// As [`PartSystem::predictions_sha256`].
    pub predictions_sha256: Option<String>,
    /// As [`PartSystem::predictions_total`].
    pub predictions_total: Option<u64>,
    /// As [`PartSystem::skipped`].
    pub skipped: Vec<String>,
    /// As [`PartSystem::scored_sha256`].
    pub scored_sha256: Option<String>,
    /// As [`PartSystem::extractor_sha256`].
    pub extractor_sha256: Option<String>,
}

/// What identifies a part apart from its results: a rerun with the same identity keeps the existing part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartKey {
    /// The shard.
    pub shard: Shard,
    /// The run's manifest.
    pub manifest: Manifest,
    /// The scoring settings.
    pub config: ScoreConfig,
    /// The gold set label.
    pub gold: String,
    /// The shard's document ids, sorted.
    pub documents: Vec<String>,
    /// Systems by name.
    pub systems: BTreeMap<String, SystemKey>,
}

impl Part {
    /// This part's identity.
    pub fn key(&self) -> PartKey {
        PartKey {
            shard: self.shard,
            manifest: self.manifest.clone(),
            config: self.config,
            gold: self.gold.clone(),
            documents: self.documents.clone(),
            systems: self
                .systems
                .iter()
                .map(|(n, s)| {
                    (
                        n.clone(),
                        SystemKey {
                            source: s.source.clone(),
                            predictions_sha256: s.predictions_sha256.clone(),
                            predictions_total: s.predictions_total,
                            skipped: s.skipped.clone(),
                            scored_sha256: s.scored_sha256.clone(),
                            extractor_sha256: s.extractor_sha256.clone(),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// A system's shard-only extras while its part is being built.
#[derive(Debug, Default)]
pub struct SystemExtras {
    /// The shard's lines of the predictions file.
    pub lines: ShardLines,
    /// Digests of truncated texts.
    pub truncated_texts: BTreeSet<[u8; 16]>,
    /// Whether `predictions_sha256` in the record covers the whole file.
    pub whole_file_sha: bool,
    /// As [`PartSystem::extractor_sha256`].
    pub extractor_sha256: Option<String>,
}

/// Build and write the part of `shard` into `dir` (returns its path): what `score` and `eval` do last when sharded.
/// The part records the gold set as typed (`gold_label`): the merge checks every part has the same, and copies it.
pub fn save_part(
    dir: &std::path::Path,
    shard: Shard,
    file: RunFile,
    gold_label: String,
    config: &ScoreConfig,
    documents: Vec<String>,
    extras: BTreeMap<String, SystemExtras>,
) -> Result<PathBuf> {
    let file = RunFile {
        gold: gold_label,
        ..file
    };
    let part = build_part(shard, file, config, documents, extras)?;
    write_part(dir, &part)
}

/// Build the part of `shard` from the run restricted to its documents (`file`'s results cover only them).
pub fn build_part(
    shard: Shard,
    file: RunFile,
    config: &ScoreConfig,
    documents: Vec<String>,
    mut extras: BTreeMap<String, SystemExtras>,
) -> Result<Part> {
    let mut systems = BTreeMap::new();
    for (name, rec) in file.systems {
        let ex = extras
            .remove(&name)
            .with_context(|| format!("no shard lines for system {name}"))?;
        systems.insert(
            name,
            PartSystem {
                source: rec.source,
                predictions: rec.predictions,
                predictions_sha256: ex.whole_file_sha.then_some(rec.predictions_sha256),
                predictions_total: ex.whole_file_sha.then_some(ex.lines.total()),
                skipped: rec.skipped,
                scored_sha256: Some(ex.lines.sha256()),
                extractor_sha256: ex.extractor_sha256,
                truncated_texts: ex.truncated_texts.iter().map(hex::encode).collect(),
                sweep: rec.sweep,
                documents: rec.results.documents,
                prediction_keys: ex.lines.keys,
                prediction_lines: ex.lines.lines,
            },
        );
    }
    Ok(Part {
        format: PART_FORMAT.to_string(),
        shard,
        assignment: ASSIGNMENT_RULE.to_string(),
        signature: format!("{}|shard:{shard}", file.manifest.signature()),
        manifest: file.manifest,
        config: *config,
        gold: file.gold,
        documents,
        systems,
    })
}

/// The part file of `shard` under `dir`.
pub fn part_path(dir: &Path, shard: Shard) -> PathBuf {
    dir.join(shard.file_name())
}

/// The path of a valid part already in `dir` with identity `expected` (manifest, settings, documents, predictions
/// hashes), which a rerun keeps as it is; None when there is none (or it is damaged or from other inputs).
pub fn already_done(dir: &Path, expected: &PartKey, notify: &dyn Fn(&str)) -> Option<PathBuf> {
    let path = part_path(dir, expected.shard);
    if !path.is_file() {
        return None;
    }
    match read_part(&path) {
        Ok(existing) if existing.key() == *expected => Some(path),
        Ok(existing) => {
            let key = existing.key();
            let what = if key.systems != expected.systems {
                let changed: Vec<&str> = expected
                    .systems
                    .iter()
                    .filter(|(n, k)| key.systems.get(*n) != Some(k))
                    .map(|(n, _)| n.as_str())
                    .collect();
                format!("other predictions of {}", changed.join(", "))
            } else {
                "other inputs or settings".to_string()
            };
            notify(&format!(
                "note: {} is stale (scored from {what}): scoring shard {} again and replacing it",
                path.display(),
                expected.shard
            ));
            None
        }
        Err(e) => {
            notify(&format!(
                "note: {}: scoring shard {} again",
                e.one_line(),
                expected.shard
            ));
            None
        }
    }
}

/// Write a part atomically (compact JSON and a newline); returns its path.
pub fn write_part(dir: &Path, part: &Part) -> Result<PathBuf> {
    use std::io::Write;
    let path = part_path(dir, part.shard);
    let mut f = crate::files::AtomicFile::create(&path)?;
    serde_json::to_writer(&mut f, part)
        .map_err(std::io::Error::from)
        .and_then(|()| f.write_all(b"\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    f.commit()?;
    Ok(path)
}

/// Why `merge` refused: the parts are not exactly one complete, consistent run (exit [`MERGE_REFUSED_EXIT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRefused(pub String);

impl fmt::Display for MergeRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "merge refused: {}", self.0)
    }
}

impl std::error::Error for MergeRefused {}

fn refuse<T>(msg: String) -> Result<T> {
    Err(MergeRefused(msg).into())
}

/// Read and parse one part file (an error names the file, and says when it was cut short).
pub fn read_part(path: &Path) -> Result<Part> {
    let bytes = match claimbench_io::read_input(path, claimbench_io::MAX_INPUT_BYTES) {
        Ok(b) => b,
        Err(e) => return refuse(format!("{}: cannot read: {}", path.display(), e.source)),
    };
    let part: Part = match serde_json::from_slice(&bytes) {
        Ok(p) => p,
        Err(e) if e.is_eof() => {
            return refuse(format!(
                "{}:{}: truncated after {} bytes (its shard was killed while writing or the copy is incomplete: rerun that shard)",
                path.display(),
                e.line(),
                bytes.len()
            ))
        }
        Err(e) => {
            return refuse(format!(
                "{}:{}: not a claimbench part ({e})",
                path.display(),
                e.line()
            ))
        }
    };
    if part.format != PART_FORMAT {
        return refuse(format!(
            "{}: field format: {:?} is not {PART_FORMAT:?}",
            path.display(),
            part.format
        ));
    }
    if Shard::new(part.shard.index, part.shard.count).is_err() {
        return refuse(format!(
            "{}: field shard: {} is not a shard",
            path.display(),
            part.shard
        ));
    }
    Ok(part)
}

/// The part files named: files as they are, directories for the `shard-*-of-*.json` files they hold (sorted).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("listing {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.starts_with("shard-") && n.ends_with(".json") && n.contains("-of-")
                    })
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return refuse(format!(
                    "{}: a directory with no shard-*-of-*.json part",
                    p.display()
                ));
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// The first top-level field in which two manifests differ, with both values.
fn manifest_difference(a: &Manifest, b: &Manifest) -> Option<(String, String, String)> {
    // Through the JSON text, so an f32 shows as written in run.json (0.9, not 0.8999999761581421).
    let value = |m: &Manifest| {
        serde_json::to_string(m)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    };
    let (va, vb) = (value(a)?, value(b)?);
    let (oa, ob) = (va.as_object()?, vb.as_object()?);
    for (k, x) in oa {
        let y = ob.get(k).unwrap_or(&serde_json::Value::Null);
        if x != y {
            let show = |v: &serde_json::Value| {
                let s = v.to_string();
                if s.chars().count() > 120 {
                    format!("{}…", s.chars().take(120).collect::<String>())
                } else {
                    s
                }
            };
            return Some((format!("manifest.{k}"), show(x), show(y)));
        }
    }
    None
}

/// The merged run and what it cost.
pub struct Merged {
    /// `run.json`'s contents.
    pub file: RunFile,
    /// Per system: the whole predictions file, in file order.
    pub predictions: BTreeMap<String, Vec<u8>>,
    /// The shard count.
    pub count: u32,
    /// The gold set as every part recorded it (`builtin`, or the `--gold` path as typed).
    pub gold: String,
}

/// The user's gold directory behind a part's gold label (`None` for the built-in gold set).
pub fn user_gold(label: &str) -> Option<&std::path::Path> {
    (label != "builtin").then(|| std::path::Path::new(label))
}

/// Check that `parts` (read from `paths`) form exactly one complete run and aggregate it.
pub fn merge(paths: &[PathBuf], parts: Vec<Part>) -> Result<Merged> {
    let Some(first) = parts.first() else {
        return refuse("no parts given".into());
    };
    let p0 = &paths[0];
    let n = first.shard.count;
    // Every part must agree with the first on N, then on everything that identifies the run.
    for (path, part) in paths.iter().zip(&parts).skip(1) {
        if part.shard.count != n {
            return refuse(format!(
                "N changed between parts: {} is shard {} (field shard.count = {}) but {} is shard {} (N = {n}); \
                 rerun every shard with one N",
                path.display(),
                part.shard,
                part.shard.count,
                p0.display(),
                first.shard
            ));
        }
        if let Some((field, a, b)) = manifest_difference(&first.manifest, &part.manifest) {
            return refuse(format!(
                "{} and {} are from different runs: field {field} is {a} in the first and {b} in the second",
                p0.display(),
                path.display()
            ));
        }
        if part.gold != first.gold {
            return refuse(format!(
                "{} and {} are from different runs: field gold is {:?} in the first and {:?} in the second \
                 (run.json records --gold as typed: give every shard the same path)",
                p0.display(),
                path.display(),
                first.gold,
                part.gold
            ));
        }
        let checks: [(&str, bool); 3] = [
            ("assignment", part.assignment == first.assignment),
            ("config", part.config == first.config),
            ("systems", part.systems.keys().eq(first.systems.keys())),
        ];
        if let Some((field, _)) = checks.iter().find(|(_, ok)| !ok) {
            return refuse(format!(
                "{} and {} are from different runs: field {field} differs",
                p0.display(),
                path.display()
            ));
        }
        for (name, s) in &part.systems {
            let f = &first.systems[name];
            let fields: [(&str, bool); 6] = [
                ("source", s.source == f.source),
                ("predictions", s.predictions == f.predictions),
                (
                    "predictions_sha256",
                    s.predictions_sha256 == f.predictions_sha256,
                ),
                (
                    "predictions_total",
                    s.predictions_total == f.predictions_total,
                ),
                ("skipped", s.skipped == f.skipped),
                ("extractor_sha256", s.extractor_sha256 == f.extractor_sha256),
            ];
            if let Some((field, _)) = fields.iter().find(|(_, ok)| !ok) {
                let why = if *field == "extractor_sha256" {
                    "the extractor changed between shards: rerun every shard with one version"
                } else {
                    "different predictions files?"
                };
                return refuse(format!(
                    "{} and {} are from different runs: field systems.{name}.{field} differs ({why})",
                    p0.display(),
                    path.display()
                ));
            }
        }
    }
    if first.assignment != ASSIGNMENT_RULE {
        return refuse(format!(
            "{}: field assignment: {:?} is not this claimbench's {ASSIGNMENT_RULE:?}",
            p0.display(),
            first.assignment
        ));
    }
    // Every shard 0..N-1 exactly once.
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for (path, part) in paths.iter().zip(&parts) {
        if let Some(prev) = by_index.insert(part.shard.index, path) {
            return refuse(format!(
                "shard {} is given twice: {} and {}",
                part.shard,
                prev.display(),
                path.display()
            ));
        }
    }
    let missing: Vec<String> = (0..n)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return refuse(format!(
            "missing shard{} {} of {n} (given: {}); run them, then merge again",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            by_index
                .keys()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // The documents: exactly the gold set's, each in its own shard.
    let gold_docs: Vec<&String> = first.manifest.seed_hashes.keys().collect();
    for (path, part) in paths.iter().zip(&parts) {
        let want: Vec<&String> = gold_docs
            .iter()
            .copied()
            .filter(|d| part.shard.contains(d))
            .collect();
        let have: Vec<&String> = part.documents.iter().collect();
        if have != want {
            let extra: Vec<&&String> = have.iter().filter(|d| !want.contains(d)).collect();
            let lacking: Vec<&&String> = want.iter().filter(|d| !have.contains(d)).collect();
            return refuse(format!(
                "{}: field documents: shard {} should hold the gold set's documents {want:?}, it holds {have:?} \
                 (extra {extra:?}, lacking {lacking:?})",
                path.display(),
                part.shard
            ));
        }
        for (name, s) in &part.systems {
            let ids: Vec<&String> = s.documents.iter().map(|d| &d.doc).collect();
            if ids != want {
                return refuse(format!(
                    "{}: field systems.{name}.documents: results for {ids:?}, expected {want:?}",
                    path.display()
                ));
            }
            if s.prediction_keys.len() != s.prediction_lines.len() {
                return refuse(format!(
                    "{}: field systems.{name}.prediction_keys: {} keys for {} lines",
                    path.display(),
                    s.prediction_keys.len(),
                    s.prediction_lines.len()
                ));
            }
        }
    }
    let config = first.config;
    let mut systems = BTreeMap::new();
    let mut predictions = BTreeMap::new();
    for (name, f) in &first.systems {
        let mut scorer = Scorer::new(config)?;
        let mut sweep: Vec<(f32, Counts)> = f
            .sweep
            .iter()
            .map(|p| (p.threshold, Counts::default()))
            .collect();
        let mut truncated: BTreeSet<&String> = BTreeSet::new();
        let mut keyed: Vec<(u64, &str)> = Vec::new();
        // Documents go to the scorer in document order whatever the order of the parts.
        let mut docs: Vec<&DocResult> = Vec::new();
        for (path, part) in paths.iter().zip(&parts) {
            let s = &part.systems[name];
            if s.sweep.len() != sweep.len()
                || s.sweep
                    .iter()
                    .zip(&sweep)
                    .any(|(p, (t, _))| p.threshold != *t)
            {
                return refuse(format!(
                    "{}: field systems.{name}.sweep: thresholds differ from {}'s",
                    path.display(),
                    p0.display()
                ));
            }
            for (acc, p) in sweep.iter_mut().zip(&s.sweep) {
                acc.1.add(p.counts);
            }
            truncated.extend(&s.truncated_texts);
            keyed.extend(
                s.prediction_keys
                    .iter()
                    .copied()
                    .zip(s.prediction_lines.iter().map(String::as_str)),
            );
            docs.extend(&s.documents);
        }
        docs.sort_by(|a, b| a.doc.cmp(&b.doc));
        for d in docs {
            scorer.add_result(d.clone())?;
        }
        keyed.sort_by_key(|(k, _)| *k);
        if let Some(w) = keyed.windows(2).find(|w| w[0].0 == w[1].0) {
            return refuse(format!(
                "system {name}: prediction line {} is in two parts",
                w[0].0 + 1
            ));
        }
        let mut bytes = Vec::new();
        for (_, line) in &keyed {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        let sha = claimbench_io::sha256_hex(&bytes);
        if let Some(total) = f.predictions_total {
            if keyed.len() as u64 != total {
                return refuse(format!(
                    "system {name}: the parts hold {} of the predictions file's {total} claims",
                    keyed.len()
                ));
            }
        }
        if let Some(want) = &f.predictions_sha256 {
            if *want != sha {
                return refuse(format!(
                    "system {name}: the parts' predictions reassemble to sha256 {sha}, not the file's {want}"
                ));
            }
        }
        let results = scorer.finish();
        systems.insert(
            name.clone(),
            SystemRecord {
                source: f.source.clone(),
                predictions: f.predictions.clone(),
                predictions_sha256: sha,
                truncated: truncated.len(),
                skipped: f.skipped.clone(),
                coverage: crate::run::Coverage::of(&results),
                results,
                sweep: sweep
                    .into_iter()
                    .map(|(threshold, counts)| SweepPoint {
                        threshold,
                        counts,
                        rates: counts.rates(),
                    })
                    .collect(),
                slices: Vec::new(),
            },
        );
        predictions.insert(f.predictions.clone(), bytes);
    }
    Ok(Merged {
        file: RunFile {
            format: crate::run::FORMAT,
            manifest: first.manifest.clone(),
            gold: crate::run::gold_field(user_gold(&first.gold)),
            systems,
            sha256: None,
        },
        gold: first.gold.clone(),
        predictions,
        count: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn shard_of_is_the_documented_hash() {
        // sha256("000") = 2ac9a6746aca543af8dff39894cfe8173afba21eb01c6fae33d52947222855ef
        let first = 0x2ac9a6746aca543a_u64;
        for n in [1u32, 2, 3, 8, 64, 1000] {
            assert_eq!(u64::from(shard_of("000", n)), first % u64::from(n));
        }
        assert_eq!(shard_of("000", 8), 2);
    }

    #[test]
    fn parse_shard() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        assert!("8/8".parse::<Shard>().unwrap_err().contains("not below"));
        assert!("0/0".parse::<Shard>().unwrap_err().contains("at least 1"));
        assert!("x/2".parse::<Shard>().unwrap_err().contains("whole number"));
        assert!("3".parse::<Shard>().unwrap_err().contains("I/N"));
    }

    #[test]
    fn env_sources() {
        let s = |i, n| Shard { index: i, count: n };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(from_env(&slurm, None), Ok(s(2, 4)));
        assert_eq!(from_env(&slurm, Some(4)), Ok(s(2, 4)));
        assert!(from_env(&slurm, Some(5))
            .unwrap_err()
            .contains("--num-shards 5"));
        let shifted = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
            ("SLURM_ARRAY_TASK_STEP", "1"),
        ]);
        assert_eq!(from_env(&shifted, None), Ok(s(3, 4)));
        let stepped = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]);
        assert!(from_env(&stepped, None).unwrap_err().contains("step 1"));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(from_env(&k8s, Some(8)), Ok(s(5, 8)));
        assert!(from_env(&k8s, None).unwrap_err().contains("--num-shards"));
        assert!(from_env(&k8s, Some(5)).unwrap_err().contains("not below"));
        let aws = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
        ]);
        assert_eq!(from_env(&aws, None), Ok(s(1, 3)));
        let gcp = env(&[("BATCH_TASK_INDEX", "0"), ("BATCH_TASK_COUNT", "2")]);
        assert_eq!(from_env(&gcp, None), Ok(s(0, 2)));
        let none = env(&[("BATCH_TASK_INDEX", "")]);
        assert!(from_env(&none, None)
            .unwrap_err()
            .contains("none of SLURM_ARRAY_TASK_ID"));
        let bad = env(&[("BATCH_TASK_INDEX", "one"), ("BATCH_TASK_COUNT", "2")]);
        assert!(from_env(&bad, None)
            .unwrap_err()
            .contains("BATCH_TASK_INDEX=\"one\""));
        let clash = env(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("BATCH_TASK_INDEX", "2"),
            ("BATCH_TASK_COUNT", "4"),
        ]);
        assert!(from_env(&clash, None).unwrap_err().contains("disagree"));
        let agree = env(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("BATCH_TASK_INDEX", "1"),
            ("BATCH_TASK_COUNT", "4"),
        ]);
        assert_eq!(from_env(&agree, None), Ok(s(1, 4)));
    }
}
