//! The second stage of argument handling: what the user typed becomes validated library settings.

use std::path::PathBuf;

use anyhow::{Context, Result};
use claimbench_model::{registry, DeviceSpec, Embedder, EmbedderOptions, Precision};

use crate::args::ModelArgs;
use crate::output::spinner;

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
        cache_dir: cache_dir(args),
    })
}

/// Fetch the model on first use (with a spinner) and load it.
pub fn load_embedder(args: &ModelArgs) -> Result<Embedder> {
    let opts = embedder_options(args)?;
    if let Some(dir) = &args.model_dir {
        let pb = spinner(&format!("loading {}", dir.display()));
        let embedder =
            Embedder::load(dir, &opts).with_context(|| format!("loading {}", dir.display()))?;
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
    let embedder = Embedder::load(&model_dir, &opts)
        .with_context(|| format!("loading {}", model_dir.display()))?;
    pb.finish_and_clear();
    Ok(embedder)
}
