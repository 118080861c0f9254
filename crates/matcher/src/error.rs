//! The crate's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in the matcher crate.
#[derive(Debug, Error)]
pub enum Error {
    /// The embedding model failed (loading, tokenising or the forward pass).
    #[error("embedding model: {0}")]
    Model(#[from] claimbench_model::Error),
    /// The gold set could not be loaded.
    #[error("gold set: {0}")]
    Gold(#[from] claimbench_gold::Error),
    /// A scoring helper failed.
    #[error("scoring: {0}")]
    Score(#[from] claimbench_score::Error),
    /// A tensor operation failed.
    #[error("{context}: {message}")]
    Candle {
        /// What was being done.
        context: String,
        /// candle's message.
        message: String,
    },
    /// A line of a pairs file could not be read.
    #[error("{file}:{line}: {message}")]
    Pairs {
        /// The file (or `builtin:gold/pairs.jsonl`).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Pair-head weights are missing, malformed or do not fit the features.
    #[error("pair-head weights ({source_label}): {message}")]
    Weights {
        /// Where the weights came from.
        source_label: String,
        /// What is wrong.
        message: String,
    },
    /// The encoder returned vectors that do not fit the texts.
    #[error("encoder: {0}")]
    Encoder(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Wraps candle errors with what was being done.
pub(crate) trait CandleContext<T> {
    /// Attach a context string to a candle error.
    fn ctx(self, context: &str) -> Result<T>;
}

impl<T> CandleContext<T> for std::result::Result<T, candle_core::Error> {
    fn ctx(self, context: &str) -> Result<T> {
        self.map_err(|e| Error::Candle {
            context: context.to_string(),
            message: e.to_string(),
        })
    }
}
