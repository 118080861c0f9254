//! Gold claims and seed articles for claimbench: loading, validation, statistics.
//!
//! # Layout
//!
//! A gold set is a directory with two sub-directories (the built-in set is this repository's `seeds/`
//! and `gold/`, embedded in the binary with `include_str!`):
//!
//! ```text
//! <dir>/seeds/<id>_<anything>.txt   one article per file, UTF-8; the id is the file name before the first `_`
//!                                   (the whole stem when there is none): `000_477582a3761c47e6.txt` is document `000`
//! <dir>/seeds/SHA256SUMS            optional; `sha256sum` format; when present every seed is checked against it
//! <dir>/gold/<id>.jsonl             the claims of document <id>, one JSON object a line
//! ```
//!
//! Other files are ignored: in `seeds/` anything not ending in `.txt`, in `gold/` anything not ending in
//! `.jsonl` (such as `GUIDELINES.md`), `gold/pairs.jsonl` (reserved for matcher training pairs), and names
//! starting with `.`. Any number of documents is allowed.
//!
//! # Adding a document
//!
//! 1. Save the article as `seeds/<id>_<source>.txt` (UTF-8; it is used byte for byte and never edited).
//! 2. If the directory has `seeds/SHA256SUMS`, add its line: `sha256sum seeds/<id>_<source>.txt`
//!    (two spaces, then the bare file name).
//! 3. Write `gold/<id>.jsonl`, one claim a line:
//!    `{"id": "<id>-001", "doc": "<id>", "text": "...", "evidence": [{"start": 812, "end": 870}],
//!    "quote": "...", "check_worthy": true, "category": "event", "cluster": null}`.
//! 4. Run the validator, [`GoldSet::read_dir`] (from a checkout: `cargo run -p claimbench-gold --example
//!    gold_check -- <dir>`): it lists every problem at once, each as `file:line: field: message`.
//!
//! # Claim format
//!
//! - `id`: `<doc>-NNN` (three or more digits), unique in the set.
//! - `doc`: the document id; must equal the gold file's name.
//! - `text`: the atomic, decontextualized claim; not empty, no control characters, unique in its document
//!   (ignoring case and spacing).
//! - `evidence`: one or more spans `{"start", "end"}` of the article in Unicode code points, end exclusive,
//!   `start < end <= article length`.
//! - `quote`: exactly the article text of the first span.
//! - `check_worthy`: `true` when a fact-checker would care.
//! - `category`: `event`, `statement`, `quantity`, `position` or `background`.
//! - `cluster`: a short id shared by claims in different articles that assert the same fact, or `null`
//!   (may be left out). A cluster used in one document only is warned about.
//!
//! # Reading rules
//!
//! Files must be UTF-8 (an invalid byte is an error giving its byte offset); a leading byte-order mark is
//! skipped (offsets in a seed count from after it); CRLF line ends are accepted; blank lines are skipped.
//! No line is ever dropped silently: every non-blank line of a gold file becomes a claim or a problem.
//!
//! # Example
//!
//! ```
//! use claimbench_gold::{char_slice, stats, GoldSet};
//!
//! let set = GoldSet::builtin()?;
//! let claim = set.claims_for("002").next().expect("document 002 has claims");
//! let article = &set.document("002").expect("document 002").text;
//! assert_eq!(char_slice(article, claim.evidence[0]), Some(claim.quote.as_str()));
//! assert_eq!(stats(&set).documents, 5);
//! # Ok::<(), claimbench_gold::Error>(())
//! ```

mod check;
mod error;
pub mod judged;
mod read;
mod stats;
mod text;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use error::{Error, Problem, ProblemKind, Result, Severity};
pub use read::{LoadReport, Origin};
pub use stats::{numbers_in, stats, ClusterStats, Conflict, DocumentStats, GoldStats};
pub use text::{byte_to_char, case_length_changers, char_len, char_slice, char_to_byte, CharIndex};

/// A span of an article in Unicode code points, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (end exclusive).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Number of code points covered (0 when reversed).
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Span {
    /// `start..end`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// What kind of fact a claim states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Something that happened.
    Event,
    /// Who said what.
    Statement,
    /// A number or amount.
    Quantity,
    /// A stance or demand.
    Position,
    /// Context and history.
    Background,
}

impl Category {
    /// All categories, in declaration order.
    pub const ALL: [Category; 5] = [
        Category::Event,
        Category::Statement,
        Category::Quantity,
        Category::Position,
        Category::Background,
    ];

    /// The lowercase name used in gold files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Event => "event",
            Category::Statement => "statement",
            Category::Quantity => "quantity",
            Category::Position => "position",
            Category::Background => "background",
        }
    }
}

impl fmt::Display for Category {
    /// The lowercase name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;

    /// Parse a lowercase name; the error lists the allowed names.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown category {s:?} (expected one of: event, statement, quantity, position, background)"
                )
            })
    }
}

/// One hand-labelled claim; serialises with its fields in this order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// `<doc>-NNN`.
    pub id: String,
    /// Document id.
    pub doc: String,
    /// The atomic, decontextualized claim.
    pub text: String,
    /// Supporting spans of the article, in code points.
    pub evidence: Vec<Span>,
    /// The article text of the first span.
    pub quote: String,
    /// Whether a fact-checker would care.
    pub check_worthy: bool,
    /// Kind of fact.
    pub category: Category,
    /// Id shared with claims of other articles asserting the same fact.
    #[serde(default)]
    pub cluster: Option<String>,
}

/// One seed article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Document id (the file-name prefix before the first `_`).
    pub id: String,
    /// Bare file name, such as `000_477582a3761c47e6.txt`.
    pub file_name: String,
    /// The article (a leading byte-order mark removed, nothing else changed).
    pub text: String,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
}

impl Document {
    /// Length of the article in code points.
    pub fn char_len(&self) -> usize {
        char_len(&self.text)
    }
}

/// Where a gold set came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GoldSource {
    /// The set embedded in the binary.
    Builtin,
    /// A user's directory.
    Dir(PathBuf),
}

impl GoldSource {
    /// The name used in problems for a file of sub-directory `sub` (`seeds` or `gold`).
    pub fn file_label(&self, sub: &str, name: &str) -> String {
        match self {
            GoldSource::Builtin => format!("{sub}/{name}"),
            GoldSource::Dir(dir) => dir.join(sub).join(name).display().to_string(),
        }
    }
}

/// Seed articles and their gold claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldSet {
    /// Articles, in id order.
    pub documents: Vec<Document>,
    /// Claims, by document in id order, then in file order.
    pub claims: Vec<Claim>,
    /// Where the set came from.
    pub source: GoldSource,
}

impl GoldSet {
    /// The built-in gold set; `Err(Error::Invalid)` lists every problem if it does not validate.
    pub fn builtin() -> Result<GoldSet> {
        GoldSet::read_builtin().into_result()
    }

    /// The built-in gold set with every problem found (errors and warnings), never failing.
    pub fn read_builtin() -> LoadReport {
        read::read_builtin()
    }

    /// Load and validate a directory; `Err(Error::Invalid)` lists every problem when any is an error.
    pub fn load_dir(dir: &Path) -> Result<GoldSet> {
        GoldSet::read_dir(dir)?.into_result()
    }

    /// Read a directory, keeping everything that parses and every problem found; `Err` only when
    /// `<dir>/seeds` or `<dir>/gold` cannot be listed.
    pub fn read_dir(dir: &Path) -> Result<LoadReport> {
        read::read_dir(dir)
    }

    /// The document with id `id`.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// The claims of document `doc`, in file order.
    pub fn claims_for(&self, doc: &str) -> impl Iterator<Item = &Claim> + '_ {
        let doc = doc.to_owned();
        self.claims.iter().filter(move |c| c.doc == doc)
    }

    /// The claim with id `id`.
    pub fn claim(&self, id: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| c.id == id)
    }

    /// Lowercase hex sha256 over a canonical form: documents in id order (id and sha256), then claims in
    /// id order as compact JSON, one a line. Independent of the source and of the order in memory.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"claimbench-gold v1\n");
        let mut docs: Vec<&Document> = self.documents.iter().collect();
        docs.sort_by(|a, b| (&a.id, &a.sha256).cmp(&(&b.id, &b.sha256)));
        for d in docs {
            h.update(format!("document {} {}\n", d.id, d.sha256).as_bytes());
        }
        let mut lines: Vec<(&str, String)> = self
            .claims
            .iter()
            .map(|c| {
                let json = serde_json::to_string(c)
                    .unwrap_or_else(|e| format!("unserialisable claim {}: {e}", c.id));
                (c.id.as_str(), json)
            })
            .collect();
        lines.sort();
        for (_, json) in lines {
            h.update(json.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }
}

/// Every problem of an in-memory gold set at once (spans, quotes, ids, texts, categories, documents,
/// clusters). Files are named `gold/<doc>.jsonl` (under the directory for [`GoldSource::Dir`]) and the
/// line is the claim's position among its document's claims, which is the file line when the file has no
/// blank lines. Loading with [`GoldSet::read_dir`] gives exact lines and also checks encodings and hashes.
pub fn validate(set: &GoldSet) -> Vec<Problem> {
    check::validate_set(set)
}
