//! Errors of the extract crate.

use std::fmt;
use std::path::PathBuf;

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// One bad line of a predictions file (or of a command's output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// The field at fault, when one is (`doc`, `text`, `score`, `evidence[0].end`, ...).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {}: {}", self.line, field, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

fn list_problems(path: &std::path::Path, problems: &[LineProblem], total: usize) -> String {
    let mut out = format!(
        "{}: {} bad line(s) (use --lenient to skip them)",
        path.display(),
        total
    );
    out.push_str(&lines_of(path, problems));
    if total > problems.len() {
        out.push_str(&format!("\n  and {} more", total - problems.len()));
    }
    out
}

fn lines_of(path: &std::path::Path, problems: &[LineProblem]) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str(&format!("\n  {}:{}: ", path.display(), p.line));
        if let Some(field) = &p.field {
            out.push_str(field);
            out.push_str(": ");
        }
        out.push_str(&p.message);
    }
    out
}

/// Everything that can go wrong extracting claims.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A predictions file has bad lines (strict mode); every bad line is listed.
    #[error("{}", list_problems(path, problems, *total))]
    BadPredictions {
        /// The predictions file.
        path: PathBuf,
        /// The first bad lines (up to `--max-errors`), in file order.
        problems: Vec<LineProblem>,
        /// How many lines were bad.
        total: usize,
    },
    /// A lenient read where more than the allowed share of lines was bad.
    #[error("{}: {bad} of {lines} lines are bad, more than --max-bad-share {share} allows (is it a predictions file?){}{}", path.display(), lines_of(path, problems), if *bad > problems.len() { format!("\n  and {} more", bad - problems.len()) } else { String::new() })]
    TooManyBad {
        /// The predictions file.
        path: PathBuf,
        /// Bad lines.
        bad: usize,
        /// Non-blank lines.
        lines: usize,
        /// The share allowed.
        share: f64,
        /// The first bad lines.
        problems: Vec<LineProblem>,
    },
    /// A predictions file changed between its validating pass and the scoring pass.
    #[error("{}:{line}: the file changed while it was being scored; score it again", path.display())]
    Changed {
        /// The predictions file.
        path: PathBuf,
        /// The first line found different.
        line: usize,
    },
    /// An extractor name that is not in the registry.
    #[error("unknown extractor `{name}`{}; known: {known}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownExtractor {
        /// The name given.
        name: String,
        /// The closest known name, if any is close.
        suggestion: Option<String>,
        /// All known names, comma-separated.
        known: String,
    },
    /// A model directory or file is unusable (config, tokenizer, weights).
    #[error("{}: {message}", path.display())]
    Model {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The model runtime failed.
    #[error(transparent)]
    Runtime(Box<claimbench_model::Error>),
    /// A tensor operation failed.
    #[error("{context}: {source}")]
    Candle {
        /// What was being done.
        context: String,
        /// candle's error.
        #[source]
        source: candle_core::Error,
    },
    /// Training or prediction of the learned extractor is impossible with these inputs.
    #[error("{extractor}: {message}")]
    Training {
        /// The extractor.
        extractor: String,
        /// What is wrong.
        message: String,
    },
    /// An article the extractor has no output for (e.g. not in the data it was built for).
    #[error("{extractor}: document `{doc}`: {message}")]
    Document {
        /// The extractor.
        extractor: String,
        /// The document id.
        doc: String,
        /// What is wrong.
        message: String,
    },
    /// An external command failed on an article.
    #[error("{0}")]
    Article(crate::command::ArticleFailure),
    /// Invalid options.
    #[error("invalid option `{option}`: {message}")]
    Options {
        /// The option.
        option: String,
        /// What is wrong.
        message: String,
    },
}

impl From<claimbench_io::Error> for Error {
    fn from(e: claimbench_io::Error) -> Self {
        Error::Io {
            path: e.path,
            source: e.source,
        }
    }
}

impl From<claimbench_model::Error> for Error {
    fn from(e: claimbench_model::Error) -> Self {
        Error::Runtime(Box::new(e))
    }
}

impl Error {
    pub(crate) fn candle(context: impl Into<String>) -> impl FnOnce(candle_core::Error) -> Error {
        let context = context.into();
        move |source| Error::Candle { context, source }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
