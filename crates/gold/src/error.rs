//! Errors and validation problems.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong loading a gold set.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The gold set has at least one error-severity problem; the list holds every problem found (warnings too).
    #[error("{}", summarise(.0))]
    Invalid(Vec<Problem>),
}

fn summarise(problems: &[Problem]) -> String {
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let mut out = format!(
        "the gold set is invalid: {errors} error(s), {} warning(s)",
        problems.len() - errors
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

/// How bad a [`Problem`] is: errors make loading fail, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The gold set cannot be used.
    Error,
    /// Suspicious but usable.
    Warning,
}

/// Which validation rule a [`Problem`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A file could not be read.
    Io,
    /// Invalid UTF-8 (the message gives the byte offset).
    Encoding,
    /// A line is not valid JSON, or not a JSON object.
    Json,
    /// A required field is missing.
    MissingField,
    /// A field the format does not know.
    UnknownField,
    /// The same key twice in one JSON object.
    DuplicateField,
    /// A field has the wrong JSON type.
    WrongType,
    /// `evidence` is empty.
    EmptyEvidence,
    /// A span with `start >= end`.
    EmptySpan,
    /// A span past the end of the article.
    SpanOutOfRange,
    /// `quote` differs from the text of the first evidence span.
    QuoteMismatch,
    /// Two claims share an id.
    DuplicateId,
    /// An id that is not `<doc>-NNN` for its document.
    IdMismatch,
    /// An empty (or all-whitespace) field that must have content.
    EmptyText,
    /// A control character in a claim's text (or cluster).
    ControlCharacter,
    /// A gold file or claim for a document without a seed, or a `doc` field that differs from the file name.
    UnknownDoc,
    /// A category outside event, statement, quantity, position, background.
    UnknownCategory,
    /// Two claims of one document with the same text (case and spacing ignored).
    DuplicateText,
    /// A seed whose sha256 differs from `seeds/SHA256SUMS`.
    HashMismatch,
    /// A malformed `SHA256SUMS` line, an entry for a missing seed, or a seed it does not list.
    Checksums,
    /// Two seed files with the same document id, or a file name that gives no id.
    BadFileName,
    /// A seed without a gold file (warning).
    MissingGold,
    /// A gold file without claims (warning).
    EmptyGold,
    /// An empty article (warning).
    EmptyArticle,
    /// A cluster id used in one document only (warning).
    LonelyCluster,
}

/// One thing wrong with a gold set, located by file, line (1-based) and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The file, as `gold/002.jsonl` for the built-in set or the full path for a directory.
    pub file: String,
    /// 1-based line, when the problem is on one line.
    pub line: Option<usize>,
    /// The field, as `evidence[0].end`, when the problem is in one field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
    /// The rule broken.
    pub kind: ProblemKind,
}

impl Problem {
    /// A new error-severity problem.
    pub fn error(kind: ProblemKind, file: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            file: file.into(),
            line: None,
            field: None,
            message: message.into(),
            severity: Severity::Error,
            kind,
        }
    }

    /// A new warning.
    pub fn warning(kind: ProblemKind, file: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(kind, file, message)
        }
    }

    /// Set the line.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Set the field.
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// True for error severity.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// `file:line: field: message`, with `warning: ` before the message of a warning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        if self.severity == Severity::Warning {
            write!(f, ": warning")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_contract() {
        let p = Problem::error(
            ProblemKind::SpanOutOfRange,
            "gold/002.jsonl",
            "span 812..9000 is out of range (article has 5743 characters)",
        )
        .at_line(17)
        .in_field("evidence[0].end");
        assert_eq!(
            p.to_string(),
            "gold/002.jsonl:17: evidence[0].end: span 812..9000 is out of range (article has 5743 characters)"
        );
        let w = Problem::warning(ProblemKind::MissingGold, "seeds/003_x.txt", "no gold file");
        assert_eq!(w.to_string(), "seeds/003_x.txt: warning: no gold file");
    }
}
