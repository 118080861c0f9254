//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong while scoring.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// A similarity matrix whose data length does not match its shape.
    #[error("similarity matrix {rows}x{cols} needs {expected} values, got {got}")]
    MatrixShape {
        /// Rows (predicted claims).
        rows: usize,
        /// Columns (gold claims).
        cols: usize,
        /// rows * cols.
        expected: usize,
        /// Values supplied.
        got: usize,
    },
    /// A document's matrix does not match its numbers of predicted and gold claims.
    #[error("document {doc}: similarity matrix is {rows}x{cols} but the document has {pred} predicted and {gold} gold claims")]
    MatrixMismatch {
        /// Document id.
        doc: String,
        /// Matrix rows.
        rows: usize,
        /// Matrix columns.
        cols: usize,
        /// Predicted claims in the document.
        pred: usize,
        /// Gold claims in the document.
        gold: usize,
    },
    /// A similarity that is NaN or infinite.
    #[error(
        "document {doc}: similarity at prediction {row}, gold claim {col} is not finite ({value})"
    )]
    NonFinite {
        /// Document id.
        doc: String,
        /// Row (prediction index).
        row: usize,
        /// Column (gold index).
        col: usize,
        /// The value.
        value: f32,
    },
    /// A grounding vector whose length is not the number of predicted claims.
    #[error("document {doc}: {got} grounding values for {pred} predicted claims")]
    GroundingLength {
        /// Document id.
        doc: String,
        /// Values supplied.
        got: usize,
        /// Predicted claims.
        pred: usize,
    },
    /// The same document id twice in one evaluation.
    #[error("document {doc} appears more than once")]
    DuplicateDocument {
        /// Document id.
        doc: String,
    },
    /// The same gold claim id twice in one document.
    #[error("document {doc}: gold claim id {id} appears more than once")]
    DuplicateGoldId {
        /// Document id.
        doc: String,
        /// Claim id.
        id: String,
    },
    /// A configuration value out of range.
    #[error("invalid configuration: {field}: {message}")]
    Config {
        /// The offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A matcher name that is not known.
    #[error("unknown matcher '{name}'{}; known matchers: {}",
        suggestion.as_ref().map(|s| format!(", did you mean '{s}'?")).unwrap_or_default(),
        crate::MatcherKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "))]
    UnknownMatcher {
        /// The name given.
        name: String,
        /// The closest known name, when one is close.
        suggestion: Option<String>,
    },
    /// A name of an assignment or resampling unit that is not known.
    #[error("unknown {what} '{name}'; expected one of: {expected}")]
    UnknownName {
        /// What kind of name ("assignment", "resampling unit").
        what: String,
        /// The name given.
        name: String,
        /// The accepted names.
        expected: String,
    },
    /// The text encoder failed or returned vectors of the wrong count or size.
    #[error("text encoder: {0}")]
    Encoder(String),
    /// The assignment solver failed.
    #[error("document {doc}: assignment solver failed: {message}")]
    Assignment {
        /// Document id ("" when unknown).
        doc: String,
        /// The solver's message.
        message: String,
    },
    /// Two results that cannot be compared (different documents or gold claims).
    #[error("results are not on the same gold: {0}")]
    NotComparable(String),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
