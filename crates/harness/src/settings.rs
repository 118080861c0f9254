//! The settings of one evaluation, typed and validated: the matcher and its threshold, the statistics, the
//! embedding model, and how systems are read or run.
//!
//! Every number is checked once, here ([`Settings::validate`]); an error names the command-line option that set it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use claimbench_extract::file::{Leniency, ReadOptions, UnknownFields};
use claimbench_model::{registry, DeviceSpec, Embedder, EmbedderOptions, Precision};
use claimbench_score::{Assignment, BootstrapConfig, MatcherKind, Resample, ScoreConfig, SliceBy};

use crate::bail;
use crate::error::{Context, Result};
use crate::progress::spinner;

/// Most bootstrap resamples accepted (beyond this the intervals change in the fourth decimal at most).
pub const MAX_BOOTSTRAP: usize = 1_000_000;

/// Default texts (predicted and gold claims) per chunk of documents:
/// large enough for full batches on a GPU, small enough that memory stays bounded.
pub const CHUNK_TEXTS: usize = 1 << 14;

/// Default time limit of a `command` extractor, per article.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Everything an evaluation is run with, but the gold set and the systems.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The matcher.
    pub matcher: MatcherKind,
    /// The match threshold (None: the matcher's own default).
    pub threshold: Option<f32>,
    /// One-to-one assignment.
    pub assignment: Assignment,
    /// Bootstrap resamples for the 95% intervals (0: none).
    pub bootstrap: usize,
    /// What the bootstrap resamples.
    pub resample: Resample,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Cosine below which a predicted claim counts as not grounded in its article.
    pub grounding_threshold: f32,
    /// Whether to compute the intervals at all (`score --no-intervals` turns them off).
    pub intervals: bool,
    /// Whether to compute the threshold sweep of each system (saved runs have one).
    pub sweep: bool,
    /// Texts embedded together before their documents are scored.
    pub chunk_texts: usize,
    /// Whether a gold document without predictions is an error rather than a warning.
    pub require_all_docs: bool,
    /// Load the embedding model even when neither the matcher nor a system needs it, for groundedness.
    pub always_load_model: bool,
    /// The embedding model.
    pub model: ModelOptions,
    /// How predictions files are read.
    pub read: ReadOptions,
    /// Decision threshold of the `minilm-worthy` extractor.
    pub worthy_threshold: f32,
    /// Time limit of a `command` extractor, per article.
    pub command_timeout: Duration,
    /// sha256 of the calibration file that set `threshold` (recorded in the manifest and its signature).
    pub calibration: Option<String>,
    /// Parameters for align or cover instead of the committed ones (`--matcher-params`).
    pub matcher_params: Option<crate::pipeline::MatcherParams>,
    /// Slices each system's record lists (`--by`), with their intervals; empty: none (and no `slices` in
    /// `run.json`).
    pub by: Vec<SliceBy>,
    /// The documents the run is restricted to (`--doc`), gold and predictions both; empty: every document.
    pub documents: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            matcher: MatcherKind::Blend,
            threshold: None,
            assignment: Assignment::Optimal,
            bootstrap: 1000,
            resample: Resample::Documents,
            seed: 42,
            grounding_threshold: 0.5,
            intervals: true,
            sweep: true,
            chunk_texts: CHUNK_TEXTS,
            require_all_docs: false,
            always_load_model: false,
            model: ModelOptions::default(),
            read: ReadOptions {
                leniency: Leniency::Strict,
                unknown_fields: UnknownFields::Keep,
                ..ReadOptions::default()
            },
            worthy_threshold: 0.5,
            command_timeout: COMMAND_TIMEOUT,
            calibration: None,
            matcher_params: None,
            by: Vec::new(),
            documents: Vec::new(),
        }
    }
}

impl Settings {
    /// Check every number: finite, in range, and a threshold in its matcher's range.
    pub fn validate(&self) -> Result<()> {
        check_threshold(self.matcher, self.threshold)?;
        if self.bootstrap > MAX_BOOTSTRAP {
            bail!(
                "--bootstrap: {} is more than {MAX_BOOTSTRAP} resamples",
                self.bootstrap
            );
        }
        check_range(
            "--grounding-threshold",
            f64::from(self.grounding_threshold),
            -1.0,
            1.0,
            " (a cosine)",
        )?;
        if self.chunk_texts == 0 {
            bail!("--chunk-texts: must be at least 1");
        }
        check_range(
            "--worthy-threshold",
            f64::from(self.worthy_threshold),
            0.0,
            1.0,
            " (a probability)",
        )?;
        if self.command_timeout.is_zero() {
            bail!("--command-timeout: must be more than 0 seconds");
        }
        if self.model.batch_size == Some(0) {
            bail!("--batch-size must be at least 1");
        }
        Ok(())
    }

    /// The scoring settings with the threshold in force.
    pub fn score_config(&self, threshold: f32) -> ScoreConfig {
        ScoreConfig {
            threshold,
            assignment: self.assignment,
            bootstrap: BootstrapConfig {
                samples: if self.intervals { self.bootstrap } else { 0 },
                seed: self.seed,
                unit: self.resample,
            },
            grounding_threshold: self.grounding_threshold,
        }
    }
}

/// `value` as an error-message number (`NaN`, `inf`, `2`, `0.5`).
pub fn show(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else {
        format!("{value}")
    }
}

/// An error naming `option` unless `value` is finite and in `[low, high]`.
pub fn check_range(option: &str, value: f64, low: f64, high: f64, what: &str) -> Result<()> {
    if !value.is_finite() {
        bail!("{option}: {} is not a finite number", show(value));
    }
    if value < low || value > high {
        bail!("{option}: {} is outside [{low}, {high}]{what}", show(value));
    }
    Ok(())
}

/// The range a matcher's similarities (and so its threshold) lie in: [-1, 1] for cosine, [0, 1] otherwise.
pub fn threshold_range(kind: MatcherKind) -> (f64, f64) {
    match kind {
        MatcherKind::Cosine => (-1.0, 1.0),
        MatcherKind::Exact
        | MatcherKind::TokenF1
        | MatcherKind::RougeL
        | MatcherKind::Pair
        | MatcherKind::Align
        | MatcherKind::Cover
        | MatcherKind::Cross
        | MatcherKind::Blend => (0.0, 1.0),
    }
}

/// A `--threshold` for `kind`, checked against the matcher's range.
pub fn check_threshold(kind: MatcherKind, threshold: Option<f32>) -> Result<Option<f32>> {
    if let Some(t) = threshold {
        let (low, high) = threshold_range(kind);
        check_range(
            "--threshold",
            f64::from(t),
            low,
            high,
            &format!(", the range of the {kind} matcher"),
        )?;
    }
    Ok(threshold)
}

/// Precision of the embedding model's forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dtype {
    /// f16 on a GPU; on the CPU, the registry model's `cpu_auto` where the integer kernels are
    /// native (int16 for all-MiniLM-L6-v2 on AMX or AVX-512 VNNI), else f32.
    #[default]
    Auto,
    /// This one.
    Fixed(Precision),
}

impl std::str::FromStr for Dtype {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Dtype> {
        match s.trim() {
            "auto" => Ok(Dtype::Auto),
            other => Ok(Dtype::Fixed(other.parse().context("--dtype")?)),
        }
    }
}

/// Where embeddings are cached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CacheChoice {
    /// `$CLAIMBENCH_CACHE_DIR`, or `~/.cache/claimbench/embeddings`.
    #[default]
    Default,
    /// This directory.
    Dir(PathBuf),
    /// No cache.
    Off,
}

/// Which embedding model, and how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOptions {
    /// Registry name (`claimbench models list`).
    pub model: String,
    /// Where registry models are stored (None: `$CLAIMBENCH_MODELS_DIR`, ./models, or ~/.cache/claimbench/models).
    pub models_dir: Option<PathBuf>,
    /// A Hugging Face-layout directory to load instead of the registry model.
    pub model_dir: Option<PathBuf>,
    /// Device.
    pub device: DeviceSpec,
    /// Precision.
    pub dtype: Dtype,
    /// Texts per forward pass (None: 32 on the CPU, 256 on a GPU).
    pub batch_size: Option<usize>,
    /// Embedding cache.
    pub cache: CacheChoice,
}

impl Default for ModelOptions {
    fn default() -> ModelOptions {
        ModelOptions {
            model: "all-minilm-l6-v2".to_string(),
            models_dir: None,
            model_dir: None,
            device: DeviceSpec::Cpu,
            dtype: Dtype::Auto,
            batch_size: None,
            cache: CacheChoice::Default,
        }
    }
}

/// Where registry models live: `dir`, or the default models directory.
pub fn models_dir(dir: Option<&Path>) -> PathBuf {
    dir.map_or_else(registry::default_models_dir, Path::to_path_buf)
}

/// The embedding cache directory of `choice`: the directory, `$CLAIMBENCH_CACHE_DIR`, or
/// `~/.cache/claimbench/embeddings`; None when off.
pub fn cache_dir(choice: &CacheChoice) -> Option<PathBuf> {
    match choice {
        CacheChoice::Off => return None,
        CacheChoice::Dir(d) => return Some(d.clone()),
        CacheChoice::Default => {}
    }
    if let Some(d) = std::env::var_os("CLAIMBENCH_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("claimbench").join("embeddings"))
}

/// What `--dtype auto` runs on the CPU: the registry's `cpu_auto` for a registry model (int16 for
/// all-MiniLM-L6-v2, whose accuracy in int16 the tests verify) where this CPU runs the integer
/// kernels natively; f32 otherwise (a model directory of unknown weights included).
fn cpu_auto(model: &ModelOptions) -> Precision {
    if model.model_dir.is_some() || !claimbench_model::int16_is_native() {
        return Precision::F32;
    }
    registry::builtin()
        .ok()
        .and_then(|r| r.get(&model.model).ok().and_then(|m| m.cpu_auto))
        .unwrap_or(Precision::F32)
}

/// The embedder options of `model`: the device resolved for `auto` precision and batch size.
pub fn embedder_options(model: &ModelOptions) -> Result<EmbedderOptions> {
    let device = model.device;
    let gpu = match device {
        DeviceSpec::Cpu => false,
        DeviceSpec::Auto => claimbench_model::device::resolve_device(device)
            .map(|d| claimbench_model::device::device_label(&d) != "cpu")
            .unwrap_or(false),
        DeviceSpec::Cuda(_) | DeviceSpec::Metal(_) => true,
    };
    let precision = match model.dtype {
        Dtype::Auto if gpu => Precision::F16,
        Dtype::Auto => cpu_auto(model),
        Dtype::Fixed(p) => p,
    };
    let batch_size = model.batch_size.unwrap_or(if gpu { 256 } else { 32 });
    if batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    Ok(EmbedderOptions {
        device,
        precision,
        batch_size,
        cache_dir: cache_dir(&model.cache).and_then(writable_cache),
    })
}

/// Whether a file can be created in `dir` (created if missing); the probe file is removed at once.
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    tempfile::Builder::new()
        .prefix(".claimbench-probe-")
        .tempfile_in(dir)
        .map(drop)
}

/// Warn (once per process) that the embedding cache is off.
fn warn_no_cache(dir: &Path, e: &std::io::Error) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        eprintln!(
            "warning: the embedding cache {} cannot be written ({e}); going on without it (pass --no-cache or --cache-dir DIR to choose)",
            dir.display()
        );
    });
}

/// `dir` when the embedding cache can be written there; otherwise a warning and no cache.
fn writable_cache(dir: PathBuf) -> Option<PathBuf> {
    match probe_writable(&dir) {
        Ok(()) => Some(dir),
        Err(e) => {
            warn_no_cache(&dir, &e);
            None
        }
    }
}

/// Load with `opts`; when the model's own cache directory turns out not to be writable, warn and load again
/// without the cache.
fn load_with(dir: &Path, opts: &EmbedderOptions) -> Result<Embedder> {
    let embedder =
        Embedder::load(dir, opts).with_context(|| format!("loading {}", dir.display()))?;
    if let Some(cache) = embedder.cache_dir() {
        if let Err(e) = probe_writable(cache) {
            warn_no_cache(cache, &e);
            let opts = EmbedderOptions {
                cache_dir: None,
                ..opts.clone()
            };
            return Embedder::load(dir, &opts)
                .with_context(|| format!("loading {}", dir.display()));
        }
    }
    Ok(embedder)
}

/// Fetch the model on first use (with a spinner) and load it.
pub fn load_embedder(model: &ModelOptions) -> Result<Embedder> {
    let opts = embedder_options(model)?;
    if let Some(dir) = &model.model_dir {
        let pb = spinner(&format!("loading {}", dir.display()));
        let embedder = load_with(dir, &opts)?;
        pb.finish_and_clear();
        return Ok(embedder);
    }
    let dir = models_dir(model.models_dir.as_deref());
    let pb = spinner(&format!("checking {}", model.model));
    let model_dir = registry::ensure(&model.model, &dir, &mut |msg| {
        pb.set_message(msg.to_string())
    })
    .with_context(|| format!("getting model {}", model.model))?;
    pb.set_message(format!("loading {}", model.model));
    let embedder = load_with(&model_dir, &opts)?;
    pb.finish_and_clear();
    Ok(embedder)
}
