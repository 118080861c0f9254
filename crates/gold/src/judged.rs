//! A judged set (`gold/judged/`): extractor predictions and a person's labels of each against the gold
//! (which gold claims it states as the same fact, bundles, states part of, or overlaps), read and checked.
//!
//! Layout: `predictions/<system>.jsonl` (`id`, `doc`, `text`), `labels/<system>.jsonl` (the first judge, one
//! line per prediction in the same order) and optionally `second/<system>.jsonl` (a second judge on some
//! documents), with `SHA256SUMS` covering every file. See `gold/judged/README.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::GoldSet;

/// Everything that can go wrong reading a judged set.
#[derive(Debug, thiserror::Error)]
pub enum JudgedError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line breaks the format.
    #[error("{file}:{line}: {field}: {message}")]
    Line {
        /// The file, relative to the set's directory.
        file: String,
        /// 1-based line number (0 for the file as a whole).
        line: usize,
        /// The field at fault (`-` for the line as a whole).
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Result type of the judged-set reader.
pub type JudgedResult<T> = std::result::Result<T, JudgedError>;

/// How much of a prediction's content the gold of its document states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stated {
    /// All of it.
    All,
    /// Some of it.
    Some,
    /// None of it.
    None,
}

/// One prediction of a judged system.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedPrediction {
    /// `<system>:<doc>:<n>`.
    pub id: String,
    /// Document id.
    pub doc: String,
    /// The predicted claim.
    pub text: String,
}

/// A person's label of one prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgment {
    /// The prediction's id.
    pub id: String,
    /// Gold claims it states as the same fact.
    pub same: Vec<String>,
    /// Gold claims it states all of, and more.
    pub bundles: Vec<String>,
    /// Gold claims it states only part of.
    pub part_of: Vec<String>,
    /// Gold claims it shares an assertion with, each having one the other lacks.
    pub overlaps: Vec<String>,
    /// How much of its content the gold states.
    pub stated: Stated,
    /// Who judged it.
    pub judge: String,
}

/// One judged system: its predictions, the first judge's labels, and the second judge's where there are any.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedSystem {
    /// The system's name (the file stem).
    pub name: String,
    /// Its predictions, in file order.
    pub predictions: Vec<JudgedPrediction>,
    /// The first judge's label of every prediction, in the same order.
    pub labels: Vec<Judgment>,
    /// The second judge's labels of the predictions of some documents, by prediction id.
    pub second: BTreeMap<String, Judgment>,
}

/// A judged set: every judged system, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedSet {
    /// The systems, by name.
    pub systems: BTreeMap<String, JudgedSystem>,
}

impl JudgedSet {
    /// Read the set in `dir`, checking its sums and every label against `gold`.
    pub fn load(dir: &Path, gold: &GoldSet) -> JudgedResult<JudgedSet> {
        check_sums(dir)?;
        let mut systems = BTreeMap::new();
        for name in stems(&dir.join("predictions"))? {
            let file = format!("predictions/{name}.jsonl");
            let predictions = read_predictions(dir, &file, &name, gold)?;
            let labels_file = format!("labels/{name}.jsonl");
            let labels = read_labels(dir, &labels_file, &predictions, gold, true)?;
            let second_file = format!("second/{name}.jsonl");
            let second = if dir.join(&second_file).exists() {
                read_labels(dir, &second_file, &predictions, gold, false)?
                    .into_iter()
                    .map(|j| (j.id.clone(), j))
                    .collect()
            } else {
                BTreeMap::new()
            };
            systems.insert(
                name.clone(),
                JudgedSystem {
                    name,
                    predictions,
                    labels,
                    second,
                },
            );
        }
        if systems.is_empty() {
            return Err(line_err(
                "predictions",
                0,
                "-",
                "no judged system (no *.jsonl)",
            ));
        }
        Ok(JudgedSet { systems })
    }
}

fn line_err(file: &str, line: usize, field: &str, message: impl Into<String>) -> JudgedError {
    JudgedError::Line {
        file: file.to_string(),
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

fn read(dir: &Path, file: &str) -> JudgedResult<String> {
    let path = dir.join(file);
    std::fs::read_to_string(&path).map_err(|source| JudgedError::Io { path, source })
}

fn stems(dir: &Path) -> JudgedResult<Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|source| JudgedError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|source| JudgedError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".jsonl") {
            out.push(stem.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// `SHA256SUMS` (`<hex>  <path>` lines) must list every file of the set with its sum.
fn check_sums(dir: &Path) -> JudgedResult<()> {
    let sums = read(dir, "SHA256SUMS")?;
    let mut listed = BTreeSet::new();
    for (k, l) in sums.lines().enumerate() {
        let (hex, path) = l
            .split_once("  ")
            .ok_or_else(|| line_err("SHA256SUMS", k + 1, "-", "expected `<sha256>  <path>`"))?;
        let bytes = std::fs::read(dir.join(path)).map_err(|source| JudgedError::Io {
            path: dir.join(path),
            source,
        })?;
        let got = claimbench_io::sha256_hex(&bytes);
        if got != hex {
            return Err(line_err(
                "SHA256SUMS",
                k + 1,
                path,
                format!("sha256 is {got}, the file lists {hex}: the judged set was changed"),
            ));
        }
        listed.insert(path.to_string());
    }
    for sub in ["predictions", "labels", "second"] {
        if !dir.join(sub).exists() {
            continue;
        }
        for stem in stems(&dir.join(sub))? {
            let path = format!("{sub}/{stem}.jsonl");
            if !listed.contains(&path) {
                return Err(line_err("SHA256SUMS", 0, &path, "file not listed"));
            }
        }
    }
    Ok(())
}

fn objects(dir: &Path, file: &str) -> JudgedResult<Vec<(usize, Map<String, Value>)>> {
    let text = read(dir, file)?;
    let mut out = Vec::new();
    for (k, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(m)) => out.push((k + 1, m)),
            Ok(_) => return Err(line_err(file, k + 1, "-", "not a JSON object")),
            Err(e) => return Err(line_err(file, k + 1, "-", format!("invalid JSON: {e}"))),
        }
    }
    Ok(out)
}

fn string(file: &str, line: usize, m: &Map<String, Value>, key: &str) -> JudgedResult<String> {
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(line_err(file, line, key, "empty")),
        Some(_) => Err(line_err(file, line, key, "must be a string")),
        None => Err(line_err(file, line, key, "missing")),
    }
}

fn read_predictions(
    dir: &Path,
    file: &str,
    system: &str,
    gold: &GoldSet,
) -> JudgedResult<Vec<JudgedPrediction>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (line, m) in objects(dir, file)? {
        for key in m.keys() {
            if !["id", "doc", "text"].contains(&key.as_str()) {
                return Err(line_err(file, line, key, "unknown field"));
            }
        }
        let p = JudgedPrediction {
            id: string(file, line, &m, "id")?,
            doc: string(file, line, &m, "doc")?,
            text: string(file, line, &m, "text")?,
        };
        if gold.document(&p.doc).is_none() {
            return Err(line_err(
                file,
                line,
                "doc",
                format!("unknown document {:?}", p.doc),
            ));
        }
        if !p.id.starts_with(&format!("{system}:{}:", p.doc)) {
            return Err(line_err(
                file,
                line,
                "id",
                format!("expected `{system}:{}:<n>`", p.doc),
            ));
        }
        if !seen.insert(p.id.clone()) {
            return Err(line_err(file, line, "id", format!("{} twice", p.id)));
        }
        out.push(p);
    }
    Ok(out)
}

fn read_labels(
    dir: &Path,
    file: &str,
    predictions: &[JudgedPrediction],
    gold: &GoldSet,
    every_prediction: bool,
) -> JudgedResult<Vec<Judgment>> {
    let by_id: BTreeMap<&str, &JudgedPrediction> =
        predictions.iter().map(|p| (p.id.as_str(), p)).collect();
    let known = [
        "id", "doc", "text", "same", "bundles", "part_of", "overlaps", "stated", "judge",
    ];
    let mut out: Vec<Judgment> = Vec::new();
    let mut seen = BTreeSet::new();
    for (line, m) in objects(dir, file)? {
        for key in m.keys() {
            if !known.contains(&key.as_str()) {
                return Err(line_err(file, line, key, "unknown field"));
            }
        }
        let id = string(file, line, &m, "id")?;
        let Some(p) = by_id.get(id.as_str()) else {
            return Err(line_err(file, line, "id", format!("no prediction {id}")));
        };
        if !seen.insert(id.clone()) {
            return Err(line_err(file, line, "id", format!("{id} labelled twice")));
        }
        for (key, want) in [("doc", &p.doc), ("text", &p.text)] {
            if &string(file, line, &m, key)? != want {
                return Err(line_err(
                    file,
                    line,
                    key,
                    format!("differs from the prediction {id}"),
                ));
            }
        }
        let mut all = BTreeSet::new();
        let mut list = |key: &str| -> JudgedResult<Vec<String>> {
            let Some(Value::Array(items)) = m.get(key) else {
                return Err(line_err(
                    file,
                    line,
                    key,
                    "missing, or not a list of gold ids",
                ));
            };
            let mut ids = Vec::new();
            for v in items {
                let Value::String(g) = v else {
                    return Err(line_err(file, line, key, "gold ids are strings"));
                };
                match gold.claim(g) {
                    Some(c) if c.doc == p.doc => {}
                    Some(_) => {
                        return Err(line_err(
                            file,
                            line,
                            key,
                            format!("{g} is not a claim of document {}", p.doc),
                        ))
                    }
                    None => return Err(line_err(file, line, key, format!("no gold claim {g}"))),
                }
                if !all.insert(g.clone()) {
                    return Err(line_err(
                        file,
                        line,
                        key,
                        format!("{g} listed twice for {id}"),
                    ));
                }
                ids.push(g.clone());
            }
            Ok(ids)
        };
        let same = list("same")?;
        let bundles = list("bundles")?;
        let part_of = list("part_of")?;
        let overlaps = list("overlaps")?;
        let stated = match string(file, line, &m, "stated")?.as_str() {
            "all" => Stated::All,
            "some" => Stated::Some,
            "none" => Stated::None,
            other => {
                return Err(line_err(
                    file,
                    line,
                    "stated",
                    format!("{other:?}: expected all, some or none"),
                ))
            }
        };
        out.push(Judgment {
            id,
            same,
            bundles,
            part_of,
            overlaps,
            stated,
            judge: string(file, line, &m, "judge")?,
        });
    }
    if every_prediction {
        if let Some(p) = predictions.iter().find(|p| !seen.contains(&p.id)) {
            return Err(line_err(
                file,
                0,
                "id",
                format!("prediction {} is not labelled", p.id),
            ));
        }
        let order: Vec<&str> = out.iter().map(|j| j.id.as_str()).collect();
        let want: Vec<&str> = predictions.iter().map(|p| p.id.as_str()).collect();
        if order != want {
            return Err(line_err(
                file,
                0,
                "id",
                "labels are not in the predictions' order",
            ));
        }
    }
    Ok(out)
}
