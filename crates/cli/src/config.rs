//! The second stage of argument handling: what the user typed becomes validated library settings.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use claimbench_extract::file::{Leniency, ReadOptions, UnknownFields};
use claimbench_harness::gate::GateConfig;
use claimbench_harness::pipeline::MatcherParams;
use claimbench_harness::settings::{CacheChoice, Dtype, ModelOptions, Settings};
use claimbench_harness::shard::{self, Shard};
use claimbench_model::{DeviceSpec, Embedder};
use claimbench_score::{Assignment, CompareConfig, MatcherKind, Resample, SliceBy};

use crate::args::{
    AssignmentArg, CompareArgs, GateArgs, ModelArgs, ReadBoundsArgs, ResampleArg, ScoringArgs,
    ShardArgs,
};

pub use claimbench_harness::settings::{check_range, check_threshold, show};

/// Parse a matcher name, with "did you mean" from the score crate.
pub fn matcher_kind(name: &str) -> Result<MatcherKind> {
    name.parse::<MatcherKind>()
        .map_err(|e| anyhow::anyhow!("--matcher: {e}"))
}

/// The model options from the command line.
pub fn model_options(args: &ModelArgs) -> Result<ModelOptions> {
    let device: DeviceSpec = args.device.parse().with_context(|| "--device")?;
    let dtype: Dtype = args.dtype.parse()?;
    Ok(ModelOptions {
        model: args.model.clone(),
        models_dir: args.models_dir.clone(),
        model_dir: args.model_dir.clone(),
        device,
        dtype,
        batch_size: args.batch_size,
        cache: if args.no_cache {
            CacheChoice::Off
        } else {
            args.cache_dir
                .clone()
                .map_or(CacheChoice::Default, CacheChoice::Dir)
        },
    })
}

/// The settings of one evaluation from the scoring and model options, validated (every number finite and in
/// range, the threshold in its matcher's range).
pub fn settings(scoring: &ScoringArgs, model: &ModelArgs) -> Result<Settings> {
    let matcher = matcher_kind(&scoring.matcher)?;
    let calibration = match &scoring.calibration {
        Some(path) => Some(calibration(path, matcher)?),
        None => None,
    };
    let settings = Settings {
        matcher,
        matcher_params: matcher_params(scoring.matcher_params.as_deref(), matcher)?,
        threshold: calibration
            .as_ref()
            .map_or(scoring.threshold, |c| Some(c.threshold)),
        calibration: calibration.map(|c| c.sha256),
        assignment: match scoring.assignment {
            AssignmentArg::Optimal => Assignment::Optimal,
            AssignmentArg::Greedy => Assignment::Greedy,
        },
        bootstrap: scoring.bootstrap,
        resample: match scoring.resample {
            ResampleArg::Documents => Resample::Documents,
            ResampleArg::Claims => Resample::Claims,
        },
        seed: scoring.seed,
        grounding_threshold: scoring.grounding_threshold,
        chunk_texts: scoring.chunk_texts,
        require_all_docs: scoring.require_all_docs,
        by: by(&scoring.by),
        documents: scoring.doc.clone(),
        model: model_options(model)?,
        ..Settings::default()
    };
    settings.validate()?;
    Ok(settings)
}

/// The slices of `--by`, in the order given.
pub fn by(args: &crate::args::ByArgs) -> Vec<SliceBy> {
    args.by
        .iter()
        .map(|b| match b {
            crate::args::SliceArg::Category => SliceBy::Category,
            crate::args::SliceArg::Doc => SliceBy::Doc,
            crate::args::SliceArg::CheckWorthy => SliceBy::CheckWorthy,
        })
        .collect()
}

/// The parameters file of `--matcher-params`, read and checked for matcher `kind`.
pub fn matcher_params(path: Option<&Path>, kind: MatcherKind) -> Result<Option<MatcherParams>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--matcher-params {}: cannot read it", path.display()))?;
    let params = MatcherParams {
        source: path.display().to_string(),
        text,
    };
    params.parse(kind)?;
    Ok(Some(params))
}

/// The calibration file of `--calibration`, which must calibrate `matcher`.
fn calibration(
    path: &std::path::Path,
    matcher: claimbench_score::MatcherKind,
) -> Result<claimbench_harness::calibrate::Calibration> {
    let cal = claimbench_harness::calibrate::load(path)?;
    if cal.matcher != matcher {
        anyhow::bail!(
            "--calibration {}: it calibrates the {} matcher, not --matcher {matcher}",
            path.display(),
            cal.matcher
        );
    }
    Ok(cal)
}

/// How predictions files are read: `--lenient` skips bad lines, `--strict` rejects unknown fields.
pub fn read_options(lenient: bool, strict: bool, bounds: &ReadBoundsArgs) -> Result<ReadOptions> {
    if bounds.max_errors == 0 {
        bail!("--max-errors: give at least 1");
    }
    check_range(
        "--max-bad-share",
        bounds.max_bad_share,
        0.0,
        1.0,
        " (a share of lines)",
    )?;
    Ok(ReadOptions {
        leniency: if lenient {
            Leniency::Lenient
        } else {
            Leniency::Strict
        },
        unknown_fields: if strict {
            UnknownFields::Reject
        } else {
            UnknownFields::Keep
        },
        max_errors: bounds.max_errors,
        max_bad_share: bounds.max_bad_share,
    })
}

/// The shard asked for on the command line (`--shard`, or `--shard-from-env` read from the process environment).
pub fn shard(args: &ShardArgs) -> Result<Option<Shard>> {
    if let Some(s) = &args.shard {
        let shard: Shard = s.parse().map_err(|e| anyhow::anyhow!("--shard: {e}"))?;
        return Ok(Some(shard));
    }
    if args.shard_from_env {
        let shard = shard::from_env(&|k| std::env::var(k).ok(), args.num_shards)
            .map_err(|e| anyhow::anyhow!("--shard-from-env: {e}"))?;
        return Ok(Some(shard));
    }
    Ok(None)
}

/// Where models live for these arguments.
pub fn models_dir(arg: Option<&PathBuf>) -> PathBuf {
    claimbench_harness::settings::models_dir(arg.map(PathBuf::as_path))
}

/// Fetch the model on first use (with a spinner) and load it.
pub fn load_embedder(args: &ModelArgs) -> Result<Embedder> {
    Ok(claimbench_harness::settings::load_embedder(
        &model_options(args)?,
    )?)
}

/// Most approximate-randomization samples accepted.
pub const MAX_PERMUTATIONS: usize = 1_000_000;

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
    if permutations > MAX_PERMUTATIONS {
        bail!(
            "--permutations: {permutations} is more than {MAX_PERMUTATIONS}, the most accepted (p is then known to within 0.0005)"
        );
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
pub fn gate(args: &GateArgs) -> Result<GateConfig> {
    if args.min_f1.is_none()
        && args.min_coverage.is_none()
        && args.min_focus.is_none()
        && args.baseline.is_none()
    {
        bail!(
            "nothing to check: give --min-f1, --min-coverage, --min-focus, --baseline, or several"
        );
    }
    for (flag, floor, what) in [
        ("--min-f1", args.min_f1, " (an F1)"),
        (
            "--min-coverage",
            args.min_coverage,
            " (a share of gold claims)",
        ),
        ("--min-focus", args.min_focus, " (a share of predictions)"),
    ] {
        if let Some(f) = floor {
            check_range(flag, f, 0.0, 1.0, what)?;
        }
    }
    check_range("--max-drop", args.max_drop, 0.0, 1.0, " (an F1 difference)")?;
    if !args.alpha.is_finite() || args.alpha <= 0.0 || args.alpha >= 1.0 {
        bail!(
            "--alpha: {} is not a significance level in (0, 1)",
            show(args.alpha)
        );
    }
    Ok(GateConfig {
        min_f1: args.min_f1,
        min_coverage: args.min_coverage,
        min_focus: args.min_focus,
        max_drop: args.max_drop,
        alpha: args.alpha,
        compare: compare_config(args.permutations, args.seed, args.alpha)?,
        allow_new: args.allow_new,
        allow_missing: args.allow_missing,
    })
}
