//! Reading seeds, checksums and gold files, from the embedded set or a directory.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use claimbench_io::{json_type, parse_object, sha256_hex, NotJsonObject};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::check::{check_claims, Located, Present};
use crate::error::{Error, Problem, ProblemKind, Result};
use crate::text::CharIndex;
use crate::{Category, Claim, Document, GoldSet, GoldSource, Span};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Name of the reserved matcher-training file in `gold/`, which is not a claim file.
const PAIRS_FILE: &str = "pairs.jsonl";

/// The embedded seeds: (file name, content).
const BUILTIN_SEEDS: [(&str, &str); 5] = [
    (
        "000_477582a3761c47e6.txt",
        include_str!("../../../seeds/000_477582a3761c47e6.txt"),
    ),
    (
        "001_51106e80349272ef.txt",
        include_str!("../../../seeds/001_51106e80349272ef.txt"),
    ),
    (
        "002_ca0eda4c4917258e.txt",
        include_str!("../../../seeds/002_ca0eda4c4917258e.txt"),
    ),
    (
        "003_97400a9c71c91c4f.txt",
        include_str!("../../../seeds/003_97400a9c71c91c4f.txt"),
    ),
    (
        "004_1b1ed3b75114b170.txt",
        include_str!("../../../seeds/004_1b1ed3b75114b170.txt"),
    ),
];

/// The embedded gold files: (file name, content).
const BUILTIN_GOLD: [(&str, &str); 5] = [
    ("000.jsonl", include_str!("../../../gold/000.jsonl")),
    ("001.jsonl", include_str!("../../../gold/001.jsonl")),
    ("002.jsonl", include_str!("../../../gold/002.jsonl")),
    ("003.jsonl", include_str!("../../../gold/003.jsonl")),
    ("004.jsonl", include_str!("../../../gold/004.jsonl")),
];

/// The embedded `seeds/SHA256SUMS`.
const BUILTIN_SUMS: &str = include_str!("../../../seeds/SHA256SUMS");

/// Where a claim was read: file and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The file, named as in [`Problem::file`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Origin {
    /// `file:line`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Everything read from a gold set: the claims that parsed, every problem (errors and warnings), and where
/// each claim came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Documents that decoded and claims that parsed (claims with problems included).
    pub set: GoldSet,
    /// Every problem, sorted by file and line.
    pub problems: Vec<Problem>,
    /// `origins[i]` is where `set.claims[i]` was read.
    pub origins: Vec<Origin>,
}

impl LoadReport {
    /// The error-severity problems.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> + '_ {
        self.problems.iter().filter(|p| p.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> + '_ {
        self.problems.iter().filter(|p| !p.is_error())
    }

    /// True when any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// The set when there is no error; otherwise `Error::Invalid` with every problem.
    pub fn into_result(self) -> Result<GoldSet> {
        if self.has_errors() {
            Err(Error::Invalid(self.problems))
        } else {
            Ok(self.set)
        }
    }
}

/// One input file: its bare name and bytes.
struct Input {
    name: String,
    bytes: Vec<u8>,
}

pub(crate) fn read_builtin() -> LoadReport {
    static BUILTIN: OnceLock<LoadReport> = OnceLock::new();
    BUILTIN.get_or_init(read_builtin_uncached).clone()
}

fn read_builtin_uncached() -> LoadReport {
    let seeds = BUILTIN_SEEDS
        .iter()
        .map(|(n, t)| Input {
            name: (*n).to_owned(),
            bytes: t.as_bytes().to_vec(),
        })
        .collect();
    let gold = BUILTIN_GOLD
        .iter()
        .map(|(n, t)| Input {
            name: (*n).to_owned(),
            bytes: t.as_bytes().to_vec(),
        })
        .collect();
    let sums = Some(Input {
        name: "SHA256SUMS".to_owned(),
        bytes: BUILTIN_SUMS.as_bytes().to_vec(),
    });
    assemble(GoldSource::Builtin, seeds, sums, gold, Vec::new())
}

pub(crate) fn read_dir(dir: &Path) -> Result<LoadReport> {
    let source = GoldSource::Dir(dir.to_path_buf());
    let mut problems = Vec::new();
    let seed_names = list(dir, "seeds", &source, &mut problems)?;
    let gold_names = list(dir, "gold", &source, &mut problems)?;
    let mut seeds = Vec::new();
    let mut sums = None;
    for name in seed_names {
        if name == "SHA256SUMS" {
            sums = read_input(dir, "seeds", name, &source, &mut problems);
        } else if name.ends_with(".txt") {
            seeds.extend(read_input(dir, "seeds", name, &source, &mut problems));
        }
    }
    let mut gold = Vec::new();
    for name in gold_names {
        if name.ends_with(".jsonl") && name != PAIRS_FILE {
            gold.extend(read_input(dir, "gold", name, &source, &mut problems));
        }
    }
    Ok(assemble(source, seeds, sums, gold, problems))
}

/// Sorted names of the plain files in `<dir>/<sub>`, hidden files left out.
fn list(
    dir: &Path,
    sub: &str,
    source: &GoldSource,
    problems: &mut Vec<Problem>,
) -> Result<Vec<String>> {
    let path = dir.join(sub);
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let file_type = entry.file_type().map_err(io)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            problems.push(Problem::error(
                ProblemKind::BadFileName,
                source.file_label(sub, &name.to_string_lossy()),
                "file name is not valid UTF-8",
            ));
            continue;
        };
        if name.starts_with('.') || file_type.is_dir() {
            continue;
        }
        names.push(name.to_owned());
    }
    names.sort();
    Ok(names)
}

/// Most bytes read from one seed or gold file: 256 MiB.
pub const MAX_GOLD_FILE_BYTES: u64 = 256 << 20;

fn read_input(
    dir: &Path,
    sub: &str,
    name: String,
    source: &GoldSource,
    problems: &mut Vec<Problem>,
) -> Option<Input> {
    match claimbench_io::read_input(&dir.join(sub).join(&name), MAX_GOLD_FILE_BYTES) {
        Ok(bytes) => Some(Input { name, bytes }),
        Err(e) => {
            problems.push(Problem::error(
                ProblemKind::Io,
                source.file_label(sub, &name),
                format!("cannot read: {}", e.source),
            ));
            None
        }
    }
}

/// The document id of a seed file name: the part before the first `_`, or the stem.
fn seed_id(name: &str) -> &str {
    let stem = name.strip_suffix(".txt").unwrap_or(name);
    stem.split('_').next().unwrap_or(stem)
}

/// 1-based line of byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Decode a whole file: a leading BOM is skipped; invalid UTF-8 gives the file byte offset of the first bad byte.
fn decode(bytes: &[u8]) -> std::result::Result<&str, usize> {
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    std::str::from_utf8(&bytes[skip..]).map_err(|e| skip + e.valid_up_to())
}

/// The non-blank lines of a file: (1-based line, text), CR before LF removed, a leading BOM skipped;
/// lines with invalid UTF-8 are reported, never dropped silently.
fn lines<'a>(bytes: &'a [u8], file: &str, problems: &mut Vec<Problem>) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    for (at, text) in claimbench_io::lines(bytes) {
        match text {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => out.push((at.line, text)),
            Err(bad) => problems.push(
                Problem::error(ProblemKind::Encoding, file, bad.to_string()).at_line(at.line),
            ),
        }
    }
    out
}

fn assemble(
    source: GoldSource,
    seeds: Vec<Input>,
    sums: Option<Input>,
    gold: Vec<Input>,
    mut problems: Vec<Problem>,
) -> LoadReport {
    // Seeds.
    let mut documents: Vec<Document> = Vec::new();
    let mut seed_files: BTreeMap<String, String> = BTreeMap::new(); // id -> file name
    let mut unreadable: BTreeSet<String> = BTreeSet::new();
    let mut hashes: BTreeMap<String, String> = BTreeMap::new(); // file name -> sha256
    for seed in &seeds {
        let label = source.file_label("seeds", &seed.name);
        let id = seed_id(&seed.name);
        hashes.insert(seed.name.clone(), sha256_hex(&seed.bytes));
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            problems.push(Problem::error(
                ProblemKind::BadFileName,
                label,
                "the file name gives no usable document id (expected <id>_<anything>.txt)",
            ));
            continue;
        }
        if let Some(first) = seed_files.get(id) {
            problems.push(Problem::error(
                ProblemKind::BadFileName,
                label,
                format!("document id {id:?} is also used by {first}"),
            ));
            continue;
        }
        seed_files.insert(id.to_owned(), seed.name.clone());
        match decode(&seed.bytes) {
            Ok(text) => {
                if text.is_empty() {
                    problems.push(Problem::warning(
                        ProblemKind::EmptyArticle,
                        label,
                        "the article is empty",
                    ));
                }
                documents.push(Document {
                    id: id.to_owned(),
                    file_name: seed.name.clone(),
                    text: text.to_owned(),
                    sha256: sha256_hex(&seed.bytes),
                });
            }
            Err(offset) => {
                unreadable.insert(id.to_owned());
                problems.push(
                    Problem::error(
                        ProblemKind::Encoding,
                        label,
                        format!("invalid UTF-8 at byte offset {offset}"),
                    )
                    .at_line(line_of(&seed.bytes, offset)),
                );
            }
        }
    }
    documents.sort_by(|a, b| a.id.cmp(&b.id));

    if let Some(sums) = &sums {
        check_sums(&source, sums, &hashes, &mut problems);
    }

    // Gold files.
    let mut parsed: Vec<(Claim, Present, Origin, String)> = Vec::new();
    let mut gold_ids: BTreeSet<String> = BTreeSet::new();
    let mut gold_sorted: Vec<&Input> = gold.iter().collect();
    gold_sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for file in gold_sorted {
        let label = source.file_label("gold", &file.name);
        let id = file.name.strip_suffix(".jsonl").unwrap_or(&file.name);
        gold_ids.insert(id.to_owned());
        if !seed_files.contains_key(id) {
            problems.push(Problem::error(
                ProblemKind::UnknownDoc,
                label.clone(),
                format!("no seed article for document {id:?} (expected seeds/{id}_<anything>.txt)"),
            ));
        }
        let before = problems.len();
        let lines = lines(&file.bytes, &label, &mut problems);
        let had_lines = !lines.is_empty();
        for (line_no, text) in lines {
            let mut ctx = LineCtx {
                file: &label,
                line: line_no,
                problems: &mut problems,
            };
            if let Some((claim, present)) = parse_line(text, &mut ctx) {
                parsed.push((
                    claim,
                    present,
                    Origin {
                        file: label.clone(),
                        line: line_no,
                    },
                    id.to_owned(),
                ));
            }
        }
        if !had_lines && problems.len() == before {
            problems.push(Problem::warning(
                ProblemKind::EmptyGold,
                label,
                "the gold file has no claims",
            ));
        }
    }
    for (id, name) in &seed_files {
        if !gold_ids.contains(id) {
            problems.push(Problem::warning(
                ProblemKind::MissingGold,
                source.file_label("seeds", name),
                format!("no gold file for document {id:?} (expected gold/{id}.jsonl)"),
            ));
        }
    }

    // Claim checks.
    let mut docs: BTreeMap<String, Option<CharIndex<'_>>> = documents
        .iter()
        .map(|d| (d.id.clone(), Some(CharIndex::new(&d.text))))
        .collect();
    for id in &unreadable {
        docs.insert(id.clone(), None);
    }
    let located: Vec<Located<'_>> = parsed
        .iter()
        .map(|(claim, present, origin, file_doc)| Located {
            claim,
            present: *present,
            file: origin.file.clone(),
            line: origin.line,
            file_doc,
        })
        .collect();
    check_claims(&docs, &located, false, &mut problems);

    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let (claims, origins): (Vec<Claim>, Vec<Origin>) = parsed
        .into_iter()
        .filter(|(_, present, _, _)| present.complete)
        .map(|(c, _, o, _)| (c, o))
        .unzip();
    LoadReport {
        set: GoldSet {
            documents,
            claims,
            source,
        },
        problems,
        origins,
    }
}

fn check_sums(
    source: &GoldSource,
    sums: &Input,
    hashes: &BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let label = source.file_label("seeds", &sums.name);
    let mut listed: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (line_no, text) in lines(&sums.bytes, &label, problems) {
        let text = text.trim_end();
        let parsed = text.split_once(' ').and_then(|(hash, rest)| {
            let name = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('*'))?;
            let ok = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
            (ok && !name.is_empty()).then(|| (hash.to_ascii_lowercase(), name.to_owned()))
        });
        let Some((hash, name)) = parsed else {
            problems.push(
                Problem::error(
                    ProblemKind::Checksums,
                    label.clone(),
                    "expected `<64 hex digits>  <file name>`",
                )
                .at_line(line_no),
            );
            continue;
        };
        if let Some((_, first)) = listed.get(&name) {
            problems.push(
                Problem::error(
                    ProblemKind::Checksums,
                    label.clone(),
                    format!("{name} is listed twice (first on line {first})"),
                )
                .at_line(line_no),
            );
            continue;
        }
        match hashes.get(&name) {
            None => problems.push(
                Problem::error(
                    ProblemKind::Checksums,
                    label.clone(),
                    format!("lists {name}, which is not in seeds/"),
                )
                .at_line(line_no),
            ),
            Some(actual) if *actual != hash => problems.push(
                Problem::error(
                    ProblemKind::HashMismatch,
                    source.file_label("seeds", &name),
                    format!(
                        "sha256 is {actual} but {label}:{line_no} says {hash}: the article changed"
                    ),
                )
                .in_field("sha256"),
            ),
            Some(_) => {}
        }
        listed.insert(name, (hash, line_no));
    }
    for name in hashes.keys() {
        if !listed.contains_key(name) {
            problems.push(Problem::warning(
                ProblemKind::Checksums,
                source.file_label("seeds", name),
                format!("not listed in {label}"),
            ));
        }
    }
}

/// Where problems of one line go.
struct LineCtx<'a> {
    file: &'a str,
    line: usize,
    problems: &'a mut Vec<Problem>,
}

impl LineCtx<'_> {
    fn push(&mut self, kind: ProblemKind, field: Option<&str>, message: impl Into<String>) {
        let mut p = Problem::error(kind, self.file, message).at_line(self.line);
        p.field = field.map(str::to_owned);
        self.problems.push(p);
    }
}

const FIELDS: [&str; 8] = [
    "id",
    "doc",
    "text",
    "evidence",
    "quote",
    "check_worthy",
    "category",
    "cluster",
];

/// Parse one non-blank line into a claim (with the fields that parsed), reporting every problem of the line;
/// `None` when the line is not a JSON object.
fn parse_line(text: &str, ctx: &mut LineCtx<'_>) -> Option<(Claim, Present)> {
    let object = match parse_object(text) {
        Ok(object) => object,
        Err(NotJsonObject::Json(e)) => {
            let full = e.to_string();
            let msg = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(m, _)| m);
            ctx.push(
                ProblemKind::Json,
                None,
                format!("invalid JSON at column {}: {msg}", e.column()),
            );
            return None;
        }
        Err(not_object @ NotJsonObject::Other(_)) => {
            ctx.push(ProblemKind::Json, None, not_object.to_string());
            return None;
        }
    };
    for path in &object.duplicates {
        ctx.push(
            ProblemKind::DuplicateField,
            Some(path),
            "the key appears more than once (only the last value would be kept)",
        );
    }
    let obj = object.into_map();
    for key in obj.keys() {
        if !FIELDS.contains(&key.as_str()) {
            ctx.push(
                ProblemKind::UnknownField,
                Some(key),
                format!("unknown field (expected: {})", FIELDS.join(", ")),
            );
        }
    }
    let id = string_field(&obj, "id", ctx);
    let doc = string_field(&obj, "doc", ctx);
    let text = string_field(&obj, "text", ctx);
    let quote = string_field(&obj, "quote", ctx);
    let evidence = evidence_field(&obj, ctx);
    let check_worthy = match obj.get("check_worthy") {
        None => {
            ctx.push(
                ProblemKind::MissingField,
                Some("check_worthy"),
                "missing field",
            );
            None
        }
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            ctx.push(
                ProblemKind::WrongType,
                Some("check_worthy"),
                format!("expected true or false, found {}", json_type(v)),
            );
            None
        }
    };
    let category = string_field(&obj, "category", ctx).and_then(|s| {
        s.parse::<Category>()
            .map_err(|e| ctx.push(ProblemKind::UnknownCategory, Some("category"), e))
            .ok()
    });
    let cluster = match obj.get("cluster") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(v) => {
            ctx.push(
                ProblemKind::WrongType,
                Some("cluster"),
                format!("expected a string or null, found {}", json_type(v)),
            );
            None
        }
    };
    let present = Present {
        id: id.is_some(),
        doc: doc.is_some(),
        text: text.is_some(),
        evidence: evidence.is_some(),
        quote: quote.is_some(),
        cluster: cluster.is_some(),
        complete: id.is_some()
            && doc.is_some()
            && text.is_some()
            && evidence.is_some()
            && quote.is_some()
            && check_worthy.is_some()
            && category.is_some()
            && cluster.is_some(),
    };
    // Fields that failed get placeholders so the other fields can still be checked; such a claim is
    // checked but not kept.
    let claim = Claim {
        id: id.unwrap_or_default(),
        doc: doc.unwrap_or_default(),
        text: text.unwrap_or_default(),
        evidence: evidence.unwrap_or_default(),
        quote: quote.unwrap_or_default(),
        check_worthy: check_worthy.unwrap_or_default(),
        category: category.unwrap_or(Category::Event),
        cluster: cluster.flatten(),
    };
    Some((claim, present))
}

fn string_field(obj: &Map<String, Value>, name: &str, ctx: &mut LineCtx<'_>) -> Option<String> {
    match obj.get(name) {
        None => {
            ctx.push(ProblemKind::MissingField, Some(name), "missing field");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            ctx.push(
                ProblemKind::WrongType,
                Some(name),
                format!("expected a string, found {}", json_type(v)),
            );
            None
        }
    }
}

fn evidence_field(obj: &Map<String, Value>, ctx: &mut LineCtx<'_>) -> Option<Vec<Span>> {
    let items = match obj.get("evidence") {
        None => {
            ctx.push(ProblemKind::MissingField, Some("evidence"), "missing field");
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(v) => {
            ctx.push(
                ProblemKind::WrongType,
                Some("evidence"),
                format!("expected an array of spans, found {}", json_type(v)),
            );
            return None;
        }
    };
    if items.is_empty() {
        ctx.push(
            ProblemKind::EmptyEvidence,
            Some("evidence"),
            "at least one span is required",
        );
        return None;
    }
    let mut spans = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("evidence[{i}]");
        let Value::Object(span) = item else {
            ctx.push(
                ProblemKind::WrongType,
                Some(&path),
                format!(
                    "expected a span {{\"start\": .., \"end\": ..}}, found {}",
                    json_type(item)
                ),
            );
            ok = false;
            continue;
        };
        for key in span.keys() {
            if key != "start" && key != "end" {
                ctx.push(
                    ProblemKind::UnknownField,
                    Some(&format!("{path}.{key}")),
                    "unknown field (expected: start, end)",
                );
            }
        }
        let mut offset = |name: &str| -> Option<usize> {
            let field = format!("{path}.{name}");
            match span.get(name) {
                None => {
                    ctx.push(ProblemKind::MissingField, Some(&field), "missing field");
                    None
                }
                Some(v) => {
                    let n = v.as_u64().and_then(|n| usize::try_from(n).ok());
                    if n.is_none() {
                        ctx.push(
                            ProblemKind::WrongType,
                            Some(&field),
                            format!("expected a non-negative integer, found {v}"),
                        );
                    }
                    n
                }
            }
        };
        let start = offset("start");
        let end = offset("end");
        match (start, end) {
            (Some(start), Some(end)) => spans.push(Span { start, end }),
            _ => ok = false,
        }
    }
    ok.then_some(spans)
}
