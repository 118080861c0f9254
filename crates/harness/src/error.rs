//! The harness's error: a message for what was being done, over the library error that caused it.
//!
//! Each layer's message is its own `Display`; its cause is its `source()`, so a caller that prints the chain
//! (`a: b: c`) prints every layer once, as the command does.

use std::fmt::Display;

/// Anything that stops an evaluation: bad input (with its file, line and field), a model that cannot be loaded, a
/// run that cannot be written or read back.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A message of the harness's own.
    #[error("{0}")]
    Message(String),
    /// What was being done, over what went wrong.
    #[error("{message}")]
    Context {
        /// What was being done.
        message: String,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Shard parts that are not one complete, consistent run.
    #[error(transparent)]
    MergeRefused(#[from] crate::shard::MergeRefused),
    /// An `eval` stopped after too many failed articles (`--stop-after-failures`).
    #[error(transparent)]
    Stopped(#[from] crate::journal::Stopped),
    /// The gold set.
    #[error(transparent)]
    Gold(Box<claimbench_gold::Error>),
    /// A model.
    #[error(transparent)]
    Model(Box<claimbench_model::Error>),
    /// An extractor, or a predictions file.
    #[error(transparent)]
    Extract(Box<claimbench_extract::Error>),
    /// Scoring.
    #[error(transparent)]
    Score(Box<claimbench_score::Error>),
    /// A matcher.
    #[error(transparent)]
    Matcher(Box<claimbench_matcher::Error>),
    /// Reading or writing a file.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Reading or writing a named file.
    #[error(transparent)]
    File(#[from] claimbench_io::Error),
    /// JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Library errors are boxed so that a `Result` of the harness stays small.
macro_rules! boxed_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                Error::$variant(Box::new(e))
            }
        })*
    };
}

boxed_from!(
    Gold(claimbench_gold::Error),
    Model(claimbench_model::Error),
    Extract(claimbench_extract::Error),
    Score(claimbench_score::Error),
    Matcher(claimbench_matcher::Error),
);

/// The harness's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with this message.
    pub fn msg(message: impl Display) -> Error {
        Error::Message(message.to_string())
    }

    /// Whether an `eval` was stopped after too many failed articles somewhere in this error's chain (the command
    /// exits [`crate::journal::STOPPED_EXIT`] for it).
    pub fn is_stopped(&self) -> bool {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = cur {
            if matches!(e.downcast_ref::<Error>(), Some(Error::Stopped(_)))
                || e.is::<crate::journal::Stopped>()
            {
                return true;
            }
            cur = e.source();
        }
        false
    }

    /// Whether a merge was refused somewhere in this error's chain (the command exits 3 for it).
    pub fn is_merge_refused(&self) -> bool {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = cur {
            if let Some(Error::MergeRefused(_)) = e.downcast_ref::<Error>() {
                return true;
            }
            if e.is::<crate::shard::MergeRefused>() {
                return true;
            }
            cur = e.source();
        }
        false
    }

    /// The message and its causes on one line, `a: b: c`, each cause once (library errors often quote their
    /// source already): what the command prints after `error: `.
    pub fn one_line(&self) -> String {
        one_line(self)
    }
}

/// An error and its causes on one line, each cause once.
pub fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut cur = Some(e);
    while let Some(c) = cur {
        let text = c.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        cur = c.source();
    }
    out
}

/// Adds what was being done to an error (or to a missing value).
pub trait Context<T> {
    /// Wrap the error in `message`.
    fn context(self, message: impl Display) -> Result<T>;
    /// Wrap the error in the message `f` gives (built only on error).
    fn with_context<D: Display>(self, f: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E> Context<T> for std::result::Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn context(self, message: impl Display) -> Result<T> {
        self.map_err(|e| Error::Context {
            message: message.to_string(),
            source: Box::new(e),
        })
    }

    fn with_context<D: Display>(self, f: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::Context {
            message: f().to_string(),
            source: Box::new(e),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, message: impl Display) -> Result<T> {
        self.ok_or_else(|| Error::msg(message))
    }

    fn with_context<D: Display>(self, f: impl FnOnce() -> D) -> Result<T> {
        self.ok_or_else(|| Error::msg(f()))
    }
}

/// Return early with an [`Error::Message`] formatted like `format!`.
#[macro_export]
#[doc(hidden)]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::Error::Message(format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_chains_print_each_layer_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Err::<(), _>(io)
            .context("reading gold/x.jsonl")
            .context("loading the gold set")
            .unwrap_err();
        assert_eq!(
            e.one_line(),
            "loading the gold set: reading gold/x.jsonl: no such file"
        );
        assert!(!e.is_merge_refused());
        let refused: Error = crate::shard::MergeRefused("shard 2/3 is missing".into()).into();
        let wrapped = Err::<(), _>(refused).context("merging").unwrap_err();
        assert!(wrapped.is_merge_refused());
        assert_eq!(
            wrapped.one_line(),
            "merging: merge refused: shard 2/3 is missing"
        );
        assert_eq!(
            None::<u8>
                .context("no system \"x\"")
                .unwrap_err()
                .to_string(),
            "no system \"x\""
        );
    }
}
