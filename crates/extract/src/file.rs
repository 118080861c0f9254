//! The `file` extractor: claims read from a predictions file (JSONL, one claim a line).
//!
//! Format, one JSON object a line:
//! `{"doc": "000", "text": "...", "score": 0.9, "evidence": [{"start": 10, "end": 52}]}`
//!
//! - `doc` (string, required): a document id of the gold set.
//! - `text` (string, required): the claim; must not be empty or only whitespace.
//! - `score` (number or null, optional): a finite confidence.
//! - `evidence` (array or null, optional): spans `{"start", "end"}` in code points, end exclusive,
//!   `start < end <= ` the article's length in code points.
//! - Any other field (`id`, `model`, `meta`, ...) is kept with the claim ([`PredictedClaim::extra`]) and
//!   ignored by scoring; the read counts each such field in [`ReadSummary::ignored_fields`] so that a typo such
//!   as `"scroe"` is reported, not dropped silently. With [`UnknownFields::Reject`] (`--strict`) any other field
//!   is an error. A field given twice (at any depth, such as a span's `start`) is always an error.
//!
//! Reading rules: the file is read line by line (any size). A UTF-8 BOM at the start is stripped,
//! CRLF line ends are fine, blank lines are skipped and counted. Invalid UTF-8 is an error naming the
//! byte offset. In [`Leniency::Strict`] mode every bad line is reported (file, line number, field) in one
//! [`Error::BadPredictions`]; in [`Leniency::Lenient`] mode bad lines are skipped and listed in
//! [`ReadSummary::skipped`]. Nothing is dropped silently.

use crate::{ClaimExtractor, Document, Error, LineProblem, PredictedClaim, Result, Span};
use claimbench_io::{json_type, parse_object, BadUtf8, LineReader, NotJsonObject};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

pub use claimbench_io::LineAt;

/// What to do with bad lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Leniency {
    /// Any bad line fails the read; the error lists every bad line.
    #[default]
    Strict,
    /// Bad lines are skipped and reported in [`ReadSummary::skipped`].
    Lenient,
}

/// What to do with fields that a predictions line does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownFields {
    /// Kept with the claim ([`PredictedClaim::extra`]), ignored by scoring, counted in the summary.
    #[default]
    Keep,
    /// An error naming the field (the old, strict behaviour).
    Reject,
}

/// How a predictions file is read: what to do with bad lines and with fields it does not define.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadOptions {
    /// Bad lines: fail, or skip and report.
    pub leniency: Leniency,
    /// Fields other than doc, text, score and evidence.
    pub unknown_fields: UnknownFields,
    /// Bad lines listed in a strict read's error (the rest are counted) [default: all].
    pub max_errors: usize,
    /// A lenient read fails when more than this share of its non-blank lines is bad [default: 1, never].
    pub max_bad_share: f64,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            leniency: Leniency::default(),
            unknown_fields: UnknownFields::default(),
            max_errors: usize::MAX,
            max_bad_share: 1.0,
        }
    }
}

impl From<Leniency> for ReadOptions {
    fn from(leniency: Leniency) -> ReadOptions {
        ReadOptions {
            leniency,
            ..ReadOptions::default()
        }
    }
}

/// What a read saw, besides the claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Lines in the file (including blank and bad ones).
    pub lines: usize,
    /// Claims read.
    pub claims: usize,
    /// Blank lines skipped (not errors).
    pub blank_lines: usize,
    /// Bad lines skipped in lenient mode, in file order (empty in strict mode).
    pub skipped: Vec<LineProblem>,
    /// Fields kept but ignored by scoring ([`UnknownFields::Keep`]): name → lines that have it.
    pub ignored_fields: BTreeMap<String, usize>,
}

/// The claims of a predictions file and what the read saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    /// Claims, in file order.
    pub claims: Vec<PredictedClaim>,
    /// Counts and skipped lines.
    pub summary: ReadSummary,
}

/// Lengths (in code points) of the known documents, for validating `doc` and spans.
#[derive(Debug, Clone, Default)]
pub struct DocIndex {
    lengths: BTreeMap<String, usize>,
}

impl DocIndex {
    /// Index the given documents.
    pub fn new(docs: &[Document]) -> Self {
        DocIndex {
            lengths: docs
                .iter()
                .map(|d| (d.id.clone(), d.text.chars().count()))
                .collect(),
        }
    }

    /// The article length in code points, if the document is known.
    pub fn len_of(&self, doc: &str) -> Option<usize> {
        self.lengths.get(doc).copied()
    }

    fn known_list(&self) -> String {
        let mut names: Vec<&str> = self.lengths.keys().map(String::as_str).take(10).collect();
        if self.lengths.len() > 10 {
            names.push("...");
        }
        names.join(", ")
    }
}

fn problem(line: usize, field: Option<&str>, message: impl Into<String>) -> LineProblem {
    LineProblem {
        line,
        field: field.map(str::to_string),
        message: message.into(),
    }
}

impl From<BadUtf8> for LineProblem {
    fn from(bad: BadUtf8) -> LineProblem {
        problem(bad.line, None, bad.to_string())
    }
}

/// How the `doc` field is treated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DocField<'a> {
    /// Required, must be a known document.
    Required,
    /// Optional; when present it must equal this id (command output).
    Expect(&'a str),
}

/// Parse one (non-blank, BOM- and line-end-stripped) line into a claim.
pub(crate) fn parse_line(
    line: &str,
    line_no: usize,
    docs: &DocIndex,
    doc_field: DocField<'_>,
    unknown: UnknownFields,
) -> std::result::Result<PredictedClaim, LineProblem> {
    let object = match parse_object(line) {
        Ok(object) => object,
        Err(NotJsonObject::Json(e)) => {
            return Err(problem(line_no, None, format!("invalid JSON: {e}")))
        }
        Err(NotJsonObject::Other(_)) => return Err(problem(line_no, None, "not a JSON object")),
    };
    let entries = object.entries;
    let mut fields: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut extra: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in &entries {
        match k.as_str() {
            "doc" | "text" | "score" | "evidence" => {
                if fields.insert(k.as_str(), v).is_some() {
                    return Err(problem(line_no, Some(k), "field given twice"));
                }
            }
            other if unknown == UnknownFields::Reject => {
                return Err(problem(
                    line_no,
                    Some(other),
                    "unknown field (expected doc, text, score, evidence; without --strict it is kept and ignored)",
                ))
            }
            other => {
                if extra.insert(other.to_string(), v.clone()).is_some() {
                    return Err(problem(line_no, Some(other), "field given twice"));
                }
            }
        }
    }
    // No top-level key is repeated (that returned above): any repeat is inside a value, such as a span.
    if let Some(path) = object.duplicates.first() {
        return Err(problem(line_no, Some(path), "field given twice"));
    }
    let doc = match (fields.get("doc"), doc_field) {
        (Some(Value::String(s)), DocField::Required) => {
            if docs.len_of(s).is_none() {
                return Err(problem(
                    line_no,
                    Some("doc"),
                    format!("unknown document `{s}` (known: {})", docs.known_list()),
                ));
            }
            s.clone()
        }
        (Some(Value::String(s)), DocField::Expect(want)) => {
            if s != want {
                return Err(problem(
                    line_no,
                    Some("doc"),
                    format!("`{s}` does not match the article `{want}`"),
                ));
            }
            s.clone()
        }
        (Some(Value::Null) | None, DocField::Expect(want)) => want.to_string(),
        (Some(v), _) => {
            return Err(problem(
                line_no,
                Some("doc"),
                format!("expected a string, found {}", json_type(v)),
            ))
        }
        (None, DocField::Required) => return Err(problem(line_no, Some("doc"), "missing")),
    };
    let text = match fields.get("text") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(problem(line_no, Some("text"), "empty text"))
        }
        Some(Value::String(s)) => s.clone(),
        Some(v) => {
            return Err(problem(
                line_no,
                Some("text"),
                format!("expected a string, found {}", json_type(v)),
            ))
        }
        None => return Err(problem(line_no, Some("text"), "missing")),
    };
    let score = match fields.get("score") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() && (x as f32).is_finite() => Some(x as f32),
            _ => {
                return Err(problem(
                    line_no,
                    Some("score"),
                    format!("{n} is not a finite 32-bit number"),
                ))
            }
        },
        Some(v) => {
            return Err(problem(
                line_no,
                Some("score"),
                format!("expected a number, found {}", json_type(v)),
            ))
        }
    };
    let doc_len = docs.len_of(&doc);
    let evidence = match fields.get("evidence") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut spans = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                spans.push(parse_span(item, i, line_no, doc_len, unknown)?);
            }
            spans
        }
        Some(v) => {
            return Err(problem(
                line_no,
                Some("evidence"),
                format!("expected an array of spans, found {}", json_type(v)),
            ))
        }
    };
    Ok(PredictedClaim {
        doc,
        text,
        score,
        evidence,
        extra,
    })
}

fn parse_span(
    item: &Value,
    i: usize,
    line_no: usize,
    doc_len: Option<usize>,
    unknown: UnknownFields,
) -> std::result::Result<Span, LineProblem> {
    let here = format!("evidence[{i}]");
    let Value::Object(obj) = item else {
        return Err(problem(
            line_no,
            Some(&here),
            format!(
                "expected an object {{\"start\", \"end\"}}, found {}",
                json_type(item)
            ),
        ));
    };
    // Other fields of a span (a label, a score) are ignored unless unknown fields are rejected.
    let other = obj.keys().find(|k| *k != "start" && *k != "end");
    if let Some(k) = other.filter(|_| unknown == UnknownFields::Reject) {
        return Err(problem(
            line_no,
            Some(&format!("{here}.{k}")),
            "unknown field (expected start, end)",
        ));
    }
    let get = |name: &str| -> std::result::Result<usize, LineProblem> {
        let field = format!("{here}.{name}");
        match obj.get(name) {
            None => Err(problem(line_no, Some(&field), "missing")),
            Some(Value::Number(n)) => {
                n.as_u64()
                    .and_then(|x| usize::try_from(x).ok())
                    .ok_or_else(|| {
                        problem(
                            line_no,
                            Some(&field),
                            format!("{n} is not a non-negative integer"),
                        )
                    })
            }
            Some(v) => Err(problem(
                line_no,
                Some(&field),
                format!("expected an integer, found {}", json_type(v)),
            )),
        }
    };
    let start = get("start")?;
    let end = get("end")?;
    if start >= end {
        return Err(problem(
            line_no,
            Some(&here),
            format!("empty or reversed span {start}..{end} (start must be < end)"),
        ));
    }
    if let Some(len) = doc_len {
        if end > len {
            return Err(problem(
                line_no,
                Some(&format!("{here}.end")),
                format!("{end} is past the end of the article ({len} code points)"),
            ));
        }
    }
    Ok(Span { start, end })
}

/// Stream a predictions file: each good claim goes to `sink` in file order.
///
/// `path` names the source in errors. Strict mode still reads the whole input, so that the error lists
/// every bad line; the sink has then seen the good claims, and the caller must discard them.
pub fn stream_predictions<R: BufRead>(
    reader: R,
    path: &Path,
    docs: &DocIndex,
    options: impl Into<ReadOptions>,
    sink: &mut dyn FnMut(PredictedClaim) -> Result<()>,
) -> Result<ReadSummary> {
    stream_located(reader, path, docs, options, &mut |c, _| sink(c))
}

/// [`stream_predictions`], with each claim's place in the file.
pub fn stream_located<R: BufRead>(
    reader: R,
    path: &Path,
    docs: &DocIndex,
    options: impl Into<ReadOptions>,
    sink: &mut dyn FnMut(PredictedClaim, LineAt) -> Result<()>,
) -> Result<ReadSummary> {
    let ReadOptions {
        leniency,
        unknown_fields,
        max_errors,
        max_bad_share,
    } = options.into();
    let mut summary = ReadSummary::default();
    let mut problems = Vec::new();
    let mut bad = 0usize;
    let mut lines = LineReader::new(reader);
    while let Some((at, text)) = lines.next_line().map_err(Error::io(path))? {
        summary.lines += 1;
        let parsed = text.map_err(LineProblem::from).and_then(|line| {
            if line.trim().is_empty() {
                Ok(None)
            } else {
                parse_line(line, at.line, docs, DocField::Required, unknown_fields).map(Some)
            }
        });
        match parsed {
            Ok(None) => summary.blank_lines += 1,
            Ok(Some(claim)) => {
                summary.claims += 1;
                for k in claim.extra.keys() {
                    *summary.ignored_fields.entry(k.clone()).or_default() += 1;
                }
                sink(claim, at)?;
            }
            Err(p) => {
                bad += 1;
                // Strict: only the listed ones are kept; lenient: each skipped line is recorded.
                if leniency == Leniency::Lenient || problems.len() < max_errors {
                    problems.push(p);
                }
            }
        }
    }
    match leniency {
        Leniency::Strict if bad > 0 => Err(Error::BadPredictions {
            path: path.to_path_buf(),
            problems,
            total: bad,
        }),
        Leniency::Strict => Ok(summary),
        Leniency::Lenient => {
            let read = summary.lines - summary.blank_lines;
            if bad > 0 && bad as f64 > max_bad_share * read as f64 {
                problems.truncate(max_errors);
                return Err(Error::TooManyBad {
                    path: path.to_path_buf(),
                    bad,
                    lines: read,
                    share: max_bad_share,
                    problems,
                });
            }
            summary.skipped = problems;
            Ok(summary)
        }
    }
}

/// A run of consecutive good lines of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    offset: u64,
    len: u64,
    first_line: usize,
    claims: usize,
}

/// A validated predictions file, indexed by document, whose claims are read back one document at a time.
///
/// Memory holds only the byte ranges of each document's runs of consecutive lines (one range per document
/// when the file is grouped by document), never the claims, so files of any size score in bounded memory.
#[derive(Debug)]
pub struct PredictionIndex {
    path: PathBuf,
    docs: DocIndex,
    runs: BTreeMap<String, Vec<Run>>,
    summary: ReadSummary,
    file: std::fs::File,
    unknown_fields: UnknownFields,
}

impl PredictionIndex {
    /// Validate `path` against `docs` in one streaming pass; each good claim also goes to `sink`, in file order.
    ///
    /// In strict mode any bad line fails the whole file (every bad line is listed), as [`read_predictions`].
    pub fn build(
        path: &Path,
        docs: &[Document],
        options: impl Into<ReadOptions>,
        sink: &mut dyn FnMut(&PredictedClaim) -> Result<()>,
    ) -> Result<PredictionIndex> {
        let (file, regular) = claimbench_io::open_input(path, claimbench_io::MAX_INPUT_BYTES)
            .map_err(|e| Error::io(path)(e.source))?;
        if regular {
            Self::build_file(file, path, docs, options.into(), sink)
        } else {
            // A pipe or process substitution cannot be read twice: spool it to an unnamed temp file first.
            Self::build_reader(file, path, docs, options, sink)
        }
    }

    /// [`PredictionIndex::build`] on a stream read once (standard input, a pipe): it is spooled to an unnamed
    /// temp file first; `label` names it in errors.
    pub fn build_reader(
        mut reader: impl std::io::Read,
        label: &Path,
        docs: &[Document],
        options: impl Into<ReadOptions>,
        sink: &mut dyn FnMut(&PredictedClaim) -> Result<()>,
    ) -> Result<PredictionIndex> {
        use std::io::Seek;
        let mut spool = tempfile::tempfile().map_err(Error::io(label))?;
        claimbench_io::copy_lines_capped(&mut reader, &mut spool, claimbench_io::MAX_INPUT_BYTES)
            .and_then(|_| spool.rewind())
            .map_err(Error::io(label))?;
        Self::build_file(spool, label, docs, options.into(), sink)
    }

    fn build_file(
        file: std::fs::File,
        path: &Path,
        docs: &[Document],
        options: ReadOptions,
        sink: &mut dyn FnMut(&PredictedClaim) -> Result<()>,
    ) -> Result<PredictionIndex> {
        let index = DocIndex::new(docs);
        let mut runs: BTreeMap<String, Vec<Run>> = BTreeMap::new();
        let mut last: Option<(String, LineAt)> = None;
        let summary = stream_located(
            std::io::BufReader::with_capacity(1 << 16, &file),
            path,
            &index,
            options,
            &mut |claim, at| {
                sink(&claim)?;
                let extends = matches!(&last, Some((d, prev))
                    if *d == claim.doc && prev.line + 1 == at.line && prev.offset + prev.len == at.offset);
                let doc_runs = runs.entry(claim.doc.clone()).or_default();
                match doc_runs.last_mut() {
                    Some(run) if extends => {
                        run.len += at.len;
                        run.claims += 1;
                    }
                    _ => doc_runs.push(Run {
                        offset: at.offset,
                        len: at.len,
                        first_line: at.line,
                        claims: 1,
                    }),
                }
                last = Some((claim.doc, at));
                Ok(())
            },
        )?;
        Ok(PredictionIndex {
            path: path.to_path_buf(),
            docs: index,
            runs,
            summary,
            file,
            unknown_fields: options.unknown_fields,
        })
    }

    /// The predictions file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the validating pass saw (claims, blank lines, skipped lines).
    pub fn summary(&self) -> &ReadSummary {
        &self.summary
    }

    /// How many claims the file has for `doc`.
    pub fn claims_for(&self, doc: &str) -> usize {
        self.runs
            .get(doc)
            .map_or(0, |r| r.iter().map(|r| r.claims).sum())
    }

    /// The documents the file has claims for, in id order.
    pub fn documents(&self) -> impl Iterator<Item = &str> {
        self.runs.keys().map(String::as_str)
    }

    /// Read back the claims of `doc`, in file order; a file changed since [`PredictionIndex::build`] is an error.
    pub fn read_doc(&mut self, doc: &str) -> Result<Vec<PredictedClaim>> {
        use std::io::{Read, Seek, SeekFrom};
        let Some(runs) = self.runs.get(doc) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(runs.iter().map(|r| r.claims).sum());
        let mut buf = Vec::new();
        for run in runs {
            let changed = |line: usize| Error::Changed {
                path: self.path.clone(),
                line,
            };
            buf.clear();
            buf.resize(run.len as usize, 0);
            self.file
                .seek(SeekFrom::Start(run.offset))
                .and_then(|_| self.file.read_exact(&mut buf))
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::UnexpectedEof => changed(run.first_line),
                    _ => Error::io(&self.path)(e),
                })?;
            let mut lines = 0;
            for (at, text) in claimbench_io::lines_at(&buf, run.first_line, run.offset) {
                let claim = text
                    .map_err(LineProblem::from)
                    .and_then(|line| {
                        parse_line(
                            line,
                            at.line,
                            &self.docs,
                            DocField::Required,
                            self.unknown_fields,
                        )
                    })
                    .map_err(|_| changed(at.line))?;
                if claim.doc != doc {
                    return Err(changed(at.line));
                }
                out.push(claim);
                lines += 1;
            }
            if lines != run.claims {
                return Err(changed(run.first_line));
            }
        }
        Ok(out)
    }
}

/// Read a predictions file from any reader (`path` names it in errors).
pub fn read_predictions_from<R: BufRead>(
    reader: R,
    path: &Path,
    docs: &[Document],
    options: impl Into<ReadOptions>,
) -> Result<ReadReport> {
    let index = DocIndex::new(docs);
    let mut claims = Vec::new();
    let summary = stream_predictions(reader, path, &index, options, &mut |c| {
        claims.push(c);
        Ok(())
    })?;
    Ok(ReadReport { claims, summary })
}

/// Read a predictions file, validating `doc` ids and spans against `docs`.
pub fn read_predictions(
    path: &Path,
    docs: &[Document],
    options: impl Into<ReadOptions>,
) -> Result<ReadReport> {
    let (f, _) = claimbench_io::open_input(path, claimbench_io::MAX_INPUT_BYTES)
        .map_err(|e| Error::io(path)(e.source))?;
    read_predictions_from(std::io::BufReader::new(f), path, docs, options)
}

/// The `file` extractor: serves the claims of a predictions file, article by article.
#[derive(Debug, Clone)]
pub struct FileExtractor {
    name: String,
    path: PathBuf,
    summary: ReadSummary,
    by_doc: BTreeMap<String, Vec<PredictedClaim>>,
}

impl FileExtractor {
    /// Read `path` (validated against `docs`); the extractor's name is `file:<file name>`.
    pub fn open(path: &Path, docs: &[Document], leniency: Leniency) -> Result<Self> {
        let report = read_predictions(path, docs, leniency)?;
        let mut by_doc: BTreeMap<String, Vec<PredictedClaim>> = BTreeMap::new();
        for c in report.claims {
            by_doc.entry(c.doc.clone()).or_default().push(c);
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(FileExtractor {
            name: format!("file:{file_name}"),
            path: path.to_path_buf(),
            summary: report.summary,
            by_doc,
        })
    }

    /// The predictions file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the read saw (claims, blank lines, skipped lines).
    pub fn summary(&self) -> &ReadSummary {
        &self.summary
    }
}

impl ClaimExtractor for FileExtractor {
    fn name(&self) -> &str {
        &self.name
    }

    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>> {
        Ok(self.by_doc.get(&doc.id).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<Document> {
        vec![
            Document {
                id: "000".into(),
                file_name: "000.txt".into(),
                text: "héllo world, this is the article.".into(),
                sha256: String::new(),
            },
            Document {
                id: "001".into(),
                file_name: "001.txt".into(),
                text: "short".into(),
                sha256: String::new(),
            },
        ]
    }

    fn read(bytes: &[u8], options: impl Into<ReadOptions>) -> Result<ReadReport> {
        read_predictions_from(bytes, Path::new("preds.jsonl"), &docs(), options)
    }

    fn rejecting(leniency: Leniency) -> ReadOptions {
        ReadOptions {
            leniency,
            unknown_fields: UnknownFields::Reject,
            ..ReadOptions::default()
        }
    }

    #[test]
    fn good_file_with_bom_crlf_and_blank_lines() {
        let input = "\u{feff}{\"doc\": \"000\", \"text\": \"héllo\", \"score\": 0.9, \"evidence\": [{\"start\": 0, \"end\": 5}]}\r\n\r\n   \n{\"doc\":\"001\",\"text\":\"x\",\"score\":null,\"evidence\":null}";
        let r = read(input.as_bytes(), Leniency::Strict).unwrap();
        assert_eq!(r.claims.len(), 2);
        assert_eq!(r.claims[0].doc, "000");
        assert_eq!(r.claims[0].text, "héllo");
        assert_eq!(r.claims[0].score, Some(0.9));
        assert_eq!(r.claims[0].evidence, vec![Span { start: 0, end: 5 }]);
        assert_eq!(r.claims[1].score, None);
        assert!(r.claims[1].evidence.is_empty());
        assert_eq!(
            r.summary,
            ReadSummary {
                lines: 4,
                claims: 2,
                blank_lines: 2,
                skipped: vec![],
                ignored_fields: BTreeMap::new(),
            }
        );
    }

    const BAD: &str = r#"{"doc": "000", "text": "fine"}
{"doc": "000", "text": "trunc
{"doc": "999", "text": "unknown doc"}
{"doc": "000", "text": "   "}
{"doc": "001", "text": "span", "evidence": [{"start": 0, "end": 6}]}
{"doc": "001", "text": "span", "evidence": [{"start": 3, "end": 3}]}
{"doc": 1, "text": "t"}
{"text": "no doc"}
{"doc": "000", "text": "t", "scroe": 0.5}
{"doc": "000", "text": "t", "score": "high"}
[1, 2]
{"doc": "000", "text": "a", "text": "b"}
{"doc": "000", "text": "t", "evidence": [{"start": -1, "end": 2}]}
{"doc": "001", "text": "last good one", "evidence": [{"start": 0, "end": 5}]}
"#;

    #[test]
    fn strict_mode_names_every_bad_line_and_field() {
        let err = read(BAD.as_bytes(), rejecting(Leniency::Strict)).unwrap_err();
        let Error::BadPredictions { path, problems, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(path, Path::new("preds.jsonl"));
        let got: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, None),
                (3, Some("doc")),
                (4, Some("text")),
                (5, Some("evidence[0].end")),
                (6, Some("evidence[0]")),
                (7, Some("doc")),
                (8, Some("doc")),
                (9, Some("scroe")),
                (10, Some("score")),
                (11, None),
                (12, Some("text")),
                (13, Some("evidence[0].start")),
            ]
        );
        let msg = err.to_string();
        assert!(msg.contains("preds.jsonl: 12 bad line(s)"), "{msg}");
        assert!(
            msg.contains("preds.jsonl:3: doc: unknown document `999` (known: 000, 001)"),
            "{msg}"
        );
        assert!(msg.contains("preds.jsonl:4: text: empty text"), "{msg}");
        assert!(
            msg.contains(
                "preds.jsonl:5: evidence[0].end: 6 is past the end of the article (5 code points)"
            ),
            "{msg}"
        );
        assert!(msg.contains("preds.jsonl:2: invalid JSON"), "{msg}");
        assert!(msg.contains("preds.jsonl:11: not a JSON object"), "{msg}");
        assert!(
            msg.contains("preds.jsonl:12: text: field given twice"),
            "{msg}"
        );
    }

    #[test]
    fn lenient_mode_skips_and_counts() {
        let r = read(BAD.as_bytes(), rejecting(Leniency::Lenient)).unwrap();
        assert_eq!(r.claims.len(), 2);
        assert_eq!(r.claims[0].text, "fine");
        assert_eq!(r.claims[1].text, "last good one");
        assert_eq!(r.summary.claims, 2);
        assert_eq!(r.summary.lines, 14);
        assert_eq!(r.summary.skipped.len(), 12);
        assert_eq!(
            r.summary.skipped.iter().map(|p| p.line).collect::<Vec<_>>(),
            vec![2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
        );
    }

    #[test]
    fn unknown_fields_are_kept_and_counted_unless_rejected() {
        let input = r#"{"id": "g1", "doc": "000", "text": "a", "model": {"name": "m"}, "evidence": [{"start": 0, "end": 2, "label": "x"}]}
{"doc": "001", "text": "b", "scroe": 0.5, "id": "g2"}
{"doc": "001", "text": "c", "id": 1, "id": 2}
"#;
        let r = read(input.as_bytes(), Leniency::Lenient).unwrap();
        assert_eq!(r.claims.len(), 2);
        assert_eq!(r.claims[0].extra["id"], serde_json::json!("g1"));
        assert_eq!(r.claims[0].extra["model"], serde_json::json!({"name": "m"}));
        assert_eq!(r.claims[0].evidence, vec![Span { start: 0, end: 2 }]);
        assert_eq!(r.claims[1].score, None, "a misspelt score is not a score");
        let ignored: Vec<(&str, usize)> = r
            .summary
            .ignored_fields
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(ignored, [("id", 2), ("model", 1), ("scroe", 1)]);
        // A field given twice is still an error, known or not.
        assert_eq!(r.summary.skipped.len(), 1);
        assert_eq!(r.summary.skipped[0].field.as_deref(), Some("id"));
        // Written back with the claim.
        let line = serde_json::to_string(&r.claims[1]).unwrap();
        assert_eq!(line, r#"{"doc":"001","text":"b","id":"g2","scroe":0.5}"#);
        // Rejected: every unknown field of every line is named.
        let err = read(input.as_bytes(), rejecting(Leniency::Strict)).unwrap_err();
        let Error::BadPredictions { problems, .. } = &err else {
            panic!("{err}")
        };
        let got: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_deref()))
            .collect();
        assert_eq!(got, [(1, Some("id")), (2, Some("scroe")), (3, Some("id"))]);
    }

    #[test]
    fn a_field_given_twice_inside_a_value_is_named_by_its_path() {
        let input = r#"{"doc": "000", "text": "t", "evidence": [{"start": 0, "end": 2, "start": 1}]}
{"doc": "000", "text": "u", "meta": {"a": 1, "a": 2}}
"#;
        let err = read(input.as_bytes(), Leniency::Strict).unwrap_err();
        let Error::BadPredictions { problems, .. } = &err else {
            panic!("{err}")
        };
        let got: Vec<(usize, Option<&str>, &str)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, Some("evidence[0].start"), "field given twice"),
                (2, Some("meta.a"), "field given twice")
            ]
        );
    }

    #[test]
    fn invalid_utf8_names_the_byte_offset() {
        let mut input = b"{\"doc\": \"000\", \"text\": \"ok\"}\n".to_vec();
        let first_len = input.len();
        input.extend_from_slice(b"{\"doc\": \"000\", \"text\": \"bad \xff byte\"}\n");
        let err = read(&input, Leniency::Strict).unwrap_err();
        let Error::BadPredictions { problems, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
        let offset = first_len + "{\"doc\": \"000\", \"text\": \"bad ".len();
        assert_eq!(
            problems[0].message,
            format!("invalid UTF-8 at byte offset {offset}")
        );
        let lenient = read(&input, Leniency::Lenient).unwrap();
        assert_eq!(lenient.claims.len(), 1);
        assert_eq!(lenient.summary.skipped.len(), 1);
    }

    #[test]
    fn empty_input_is_zero_claims() {
        let r = read(b"", Leniency::Strict).unwrap();
        assert_eq!(r.claims.len(), 0);
        assert_eq!(r.summary.lines, 0);
    }

    #[test]
    fn file_extractor_serves_claims_per_doc_and_missing_file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let claims = vec![
            PredictedClaim {
                doc: "001".into(),
                text: "b".into(),
                score: Some(0.5),
                evidence: vec![Span { start: 0, end: 5 }],
                extra: Default::default(),
            },
            PredictedClaim {
                doc: "000".into(),
                text: "a".into(),
                score: None,
                evidence: vec![],
                extra: Default::default(),
            },
        ];
        crate::write_predictions(&path, &claims).unwrap();
        let fx = FileExtractor::open(&path, &docs(), Leniency::Strict).unwrap();
        assert_eq!(fx.name(), "file:p.jsonl");
        let d = docs();
        assert_eq!(fx.extract(&d[0]).unwrap(), vec![claims[1].clone()]);
        assert_eq!(fx.extract(&d[1]).unwrap(), vec![claims[0].clone()]);
        assert_eq!(fx.extract_all(&d).unwrap().len(), 2);
        let err =
            FileExtractor::open(&dir.path().join("nope.jsonl"), &d, Leniency::Strict).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err.to_string().contains("nope.jsonl"));
    }

    fn index(bytes: &[u8], leniency: Leniency) -> (tempfile::TempDir, Result<PredictionIndex>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.jsonl");
        std::fs::write(&p, bytes).unwrap();
        let r = PredictionIndex::build(&p, &docs(), leniency, &mut |_| Ok(()));
        (dir, r)
    }

    #[test]
    fn index_reads_back_each_document_in_file_order() {
        let input = "\u{feff}{\"doc\":\"001\",\"text\":\"a\"}\r\n{\"doc\":\"000\",\"text\":\"b\"}\n\n{\"doc\":\"000\",\"text\":\"c\"}\n{\"doc\":\"001\",\"text\":\"d\"}";
        let whole = read(input.as_bytes(), Leniency::Strict).unwrap();
        let (_dir, idx) = index(input.as_bytes(), Leniency::Strict);
        let mut idx = idx.unwrap();
        assert_eq!(idx.summary(), &whole.summary);
        assert_eq!(idx.documents().collect::<Vec<_>>(), ["000", "001"]);
        assert_eq!((idx.claims_for("000"), idx.claims_for("001")), (2, 2));
        // "b" and "c" are split by a blank line, "a" and "d" by other documents: two runs each.
        assert_eq!(idx.runs["000"].len(), 2);
        assert_eq!(idx.runs["001"].len(), 2);
        for doc in ["001", "000"] {
            let want: Vec<PredictedClaim> = whole
                .claims
                .iter()
                .filter(|c| c.doc == doc)
                .cloned()
                .collect();
            assert_eq!(idx.read_doc(doc).unwrap(), want);
        }
        assert!(idx.read_doc("nope").unwrap().is_empty());
    }

    #[test]
    fn grouped_file_needs_one_run_per_document() {
        let mut input = String::new();
        for doc in ["000", "001"] {
            for i in 0..100 {
                input.push_str(&format!("{{\"doc\":\"{doc}\",\"text\":\"t{i}\"}}\n"));
            }
        }
        let (_dir, idx) = index(input.as_bytes(), Leniency::Strict);
        let mut idx = idx.unwrap();
        assert_eq!(idx.runs.values().map(Vec::len).collect::<Vec<_>>(), [1, 1]);
        let back = idx.read_doc("001").unwrap();
        assert_eq!(back.len(), 100);
        assert_eq!(back[99].text, "t99");
    }

    #[test]
    fn index_is_strict_or_lenient_like_the_reader() {
        let input = b"{\"doc\":\"000\",\"text\":\"a\"}\n{\"doc\":\"zzz\",\"text\":\"b\"}\n{\"doc\":\"000\",\"text\":\"c\"}\n";
        let (_d, strict) = index(input, Leniency::Strict);
        let err = strict.unwrap_err().to_string();
        assert!(err.contains("p.jsonl:2") && err.contains("doc"), "{err}");
        let (_d, lenient) = index(input, Leniency::Lenient);
        let mut idx = lenient.unwrap();
        assert_eq!(idx.summary().skipped.len(), 1);
        assert_eq!(idx.summary().skipped[0].line, 2);
        let texts: Vec<String> = idx
            .read_doc("000")
            .unwrap()
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(texts, ["a", "c"]);
    }

    #[test]
    fn a_file_changed_after_indexing_is_an_error_naming_the_line() {
        let (dir, idx) = index(
            b"{\"doc\":\"000\",\"text\":\"a\"}\n{\"doc\":\"000\",\"text\":\"b\"}\n",
            Leniency::Strict,
        );
        let mut idx = idx.unwrap();
        std::fs::write(
            dir.path().join("p.jsonl"),
            b"{\"doc\":\"000\",\"text\":\"a\"}\n{\"doc\":\"001\",\"text\":\"b\"}\n",
        )
        .unwrap();
        let err = idx.read_doc("000").unwrap_err();
        assert!(matches!(err, Error::Changed { line: 2, .. }), "{err}");
        assert!(
            err.to_string().contains("p.jsonl:2: the file changed"),
            "{err}"
        );
        std::fs::write(dir.path().join("p.jsonl"), b"{}").unwrap();
        let err = idx.read_doc("000").unwrap_err();
        assert!(matches!(err, Error::Changed { line: 1, .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_spooled_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("preds.fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                std::fs::write(
                    &fifo,
                    b"{\"doc\":\"001\",\"text\":\"a\"}\n{\"doc\":\"000\",\"text\":\"b\"}\n",
                )
                .unwrap()
            })
        };
        let mut idx =
            PredictionIndex::build(&fifo, &docs(), Leniency::Strict, &mut |_| Ok(())).unwrap();
        writer.join().unwrap();
        assert_eq!(idx.summary().claims, 2);
        assert_eq!(idx.read_doc("000").unwrap()[0].text, "b");
        assert_eq!(idx.read_doc("001").unwrap()[0].text, "a");
    }
}
