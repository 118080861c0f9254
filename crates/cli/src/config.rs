//! The second stage of argument handling: what the user typed becomes validated library settings.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use claimbench_model::{registry, DeviceSpec, Embedder, EmbedderOptions, Precision};
use claimbench_score::{CompareConfig, MatcherKind};

use crate::args::{CompareArgs, GateArgs, ModelArgs, ScoringArgs};
use crate::output::spinner;

/// Most bootstrap resamples accepted (beyond this the intervals change in the fourth decimal at most).
pub const MAX_BOOTSTRAP: usize = 1_000_000;

/// `value` as an error-message number (`NaN`, `inf`, `2`, `0.5`).
fn show(value: f64) -> String {
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
        _ => (0.0, 1.0),
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

/// The scoring options, validated: every number finite and in range.
#[derive(Debug, Clone, Copy)]
pub struct Scoring {
    /// The matcher.
    pub kind: MatcherKind,
    /// The threshold asked for (None: the matcher's default), within the matcher's range.
    pub threshold: Option<f32>,
    /// Whether a document without predictions is an error.
    pub require_all_docs: bool,
}

/// Validate the scoring options (the numbers the pipeline reads from `args` are checked here, once).
pub fn scoring(args: &ScoringArgs) -> Result<Scoring> {
    let kind = crate::pipeline::matcher_kind(&args.matcher)?;
    let threshold = check_threshold(kind, args.threshold)?;
    if args.bootstrap > MAX_BOOTSTRAP {
        bail!(
            "--bootstrap: {} is more than {MAX_BOOTSTRAP} resamples",
            args.bootstrap
        );
    }
    check_range(
        "--grounding-threshold",
        f64::from(args.grounding_threshold),
        -1.0,
        1.0,
        " (a cosine)",
    )?;
    if args.chunk_texts == 0 {
        bail!("--chunk-texts: must be at least 1");
    }
    Ok(Scoring {
        kind,
        threshold,
        require_all_docs: args.require_all_docs,
    })
}

/// The paired-test settings, validated: enough permutations that p can fall below `alpha`.
fn compare_config(permutations: usize, seed: u64, alpha: f64) -> Result<CompareConfig> {
    // The smallest p of approximate randomization is 1 / (N + 1); it must be able to fall below alpha.
    let reachable = |n: usize| 1.0 / (n as f64 + 1.0) < alpha;
    let mut needed = ((1.0 / alpha).floor() as usize).max(1);
    while !reachable(needed) {
        needed += 1;
    }
    while needed > 1 && reachable(needed - 1) {
        needed -= 1;
    }
    if permutations < needed {
        bail!(
            "--permutations: {permutations} is too few: the smallest p-value is 1/(N+1), so p < {alpha} needs at least {needed}"
        );
    }
    Ok(CompareConfig {
        permutations,
        seed,
        ..CompareConfig::default()
    })
}

/// Level at which `compare` gives its verdict.
pub const COMPARE_ALPHA: f64 = 0.05;

/// `compare`'s paired-test settings, validated.
pub fn compare(args: &CompareArgs) -> Result<CompareConfig> {
    compare_config(args.permutations, args.seed, COMPARE_ALPHA)
}

/// The gate's settings, validated.
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    /// F1 floor.
    pub min_f1: Option<f64>,
    /// Allowed F1 drop against the baseline.
    pub max_drop: f64,
    /// Significance level.
    pub alpha: f64,
    /// Paired-test settings.
    pub compare: CompareConfig,
    /// Systems the baseline lacks are skipped, not errors.
    pub allow_new: bool,
    /// Baseline systems the run lacks are skipped, not errors.
    pub allow_missing: bool,
}

/// Validate the gate's options.
pub fn gate(args: &GateArgs) -> Result<Gate> {
    if args.min_f1.is_none() && args.baseline.is_none() {
        bail!("nothing to check: give --min-f1, --baseline, or both");
    }
    if let Some(f) = args.min_f1 {
        check_range("--min-f1", f, 0.0, 1.0, " (an F1)")?;
    }
    check_range("--max-drop", args.max_drop, 0.0, 1.0, " (an F1 difference)")?;
    if !args.alpha.is_finite() || args.alpha <= 0.0 || args.alpha >= 1.0 {
        bail!(
            "--alpha: {} is not a significance level in (0, 1)",
            show(args.alpha)
        );
    }
    Ok(Gate {
        min_f1: args.min_f1,
        max_drop: args.max_drop,
        alpha: args.alpha,
        compare: compare_config(args.permutations, args.seed, args.alpha)?,
        allow_new: args.allow_new,
        allow_missing: args.allow_missing,
    })
}

/// Where models live for these arguments.
pub fn models_dir(arg: Option<&PathBuf>) -> PathBuf {
    arg.cloned().unwrap_or_else(registry::default_models_dir)
}

/// The embedding cache directory: `--cache-dir`, `$CLAIMBENCH_CACHE_DIR`, or `~/.cache/claimbench/embeddings`.
pub fn cache_dir(args: &ModelArgs) -> Option<PathBuf> {
    if args.no_cache {
        return None;
    }
    if let Some(d) = &args.cache_dir {
        return Some(d.clone());
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

/// Validated embedder options.
pub fn embedder_options(args: &ModelArgs) -> Result<EmbedderOptions> {
    let device: DeviceSpec = args.device.parse().with_context(|| "--device")?;
    let gpu = match device {
        DeviceSpec::Cpu => false,
        DeviceSpec::Auto => claimbench_model::device::resolve_device(device)
            .map(|d| claimbench_model::device::device_label(&d) != "cpu")
            .unwrap_or(false),
        _ => true,
    };
    let precision: Precision = match args.dtype.trim() {
        "auto" if gpu => Precision::F16,
        "auto" => Precision::F32,
        other => other.parse().with_context(|| "--dtype")?,
    };
    let batch_size = args.batch_size.unwrap_or(if gpu { 256 } else { 32 });
    anyhow::ensure!(batch_size > 0, "--batch-size must be at least 1");
    Ok(EmbedderOptions {
        device,
        precision,
        batch_size,
        cache_dir: cache_dir(args).and_then(writable_cache),
    })
}

/// Whether a file can be created in `dir` (created if missing); the probe file is removed at once.
fn probe_writable(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    tempfile::Builder::new()
        .prefix(".claimbench-probe-")
        .tempfile_in(dir)
        .map(drop)
}

/// Warn (once per process) that the embedding cache is off.
fn warn_no_cache(dir: &std::path::Path, e: &std::io::Error) {
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
fn load_with(dir: &std::path::Path, opts: &EmbedderOptions) -> Result<Embedder> {
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
pub fn load_embedder(args: &ModelArgs) -> Result<Embedder> {
    let opts = embedder_options(args)?;
    if let Some(dir) = &args.model_dir {
        let pb = spinner(&format!("loading {}", dir.display()));
        let embedder = load_with(dir, &opts)?;
        pb.finish_and_clear();
        return Ok(embedder);
    }
    let dir = models_dir(args.models_dir.as_ref());
    let pb = spinner(&format!("checking {}", args.model));
    let model_dir = registry::ensure(&args.model, &dir, &mut |msg| {
        pb.set_message(msg.to_string())
    })
    .with_context(|| format!("getting model {}", args.model))?;
    pb.set_message(format!("loading {}", args.model));
    let embedder = load_with(&model_dir, &opts)?;
    pb.finish_and_clear();
    Ok(embedder)
}
