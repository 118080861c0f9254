//! `claimbench calibrate --pairs FILE`: the matcher's accuracy, kappa and AUC on labelled pairs, per kind, its
//! reliability table and best threshold; `--out` writes the calibration (the logic is
//! `claimbench_harness::calibrate`; this is its output).

use std::sync::Arc;

use anyhow::Result;
use claimbench_harness::calibrate::{self, CalibrateOptions, Figures};
use claimbench_harness::similarity::Decider;

use crate::args::CalibrateArgs;
use crate::config::{check_range, check_threshold, load_embedder, matcher_kind};
use crate::output::{emit, f3, interval, print_json, table};
use crate::Outcome;

/// Run `calibrate`.
pub fn run(args: CalibrateArgs) -> Result<Outcome> {
    // Bad input fails before any model is loaded: the options, then the pairs.
    let kind = matcher_kind(&args.matcher)?;
    check_threshold(kind, args.threshold)?;
    check_range("--bootstrap", args.bootstrap as f64, 0.0, 1e6, "")?;
    let pairs = calibrate::read_labelled(&args.pairs)?;
    let params = crate::config::matcher_params(args.matcher_params.as_deref(), kind)?;
    let embedder = if kind.needs_model() {
        Some(Arc::new(load_embedder(&args.model)?))
    } else {
        None
    };
    let decider = Decider::new(kind, args.threshold, embedder, params.as_ref())?;
    let scores = calibrate::scores(&pairs, &decider)?;
    let figures = calibrate::figures(
        &pairs,
        &scores,
        kind,
        decider.threshold(),
        CalibrateOptions {
            bootstrap: args.bootstrap,
            seed: args.seed,
        },
    )?;
    let saved = match &args.out {
        Some(path) => Some((path, calibrate::save(path, &pairs, &figures)?)),
        None => None,
    };
    if args.output.json {
        print_json(&figures)?;
    } else {
        emit(&render(&figures))?;
    }
    if let Some((path, sha)) = saved {
        eprintln!(
            "calibration written to {} (threshold {}, sha256 {}); use it with --calibration",
            path.display(),
            figures.best.threshold,
            &sha[..8]
        );
    }
    Ok(Outcome::Ok)
}

/// The figures as terminal text: the per-kind table, the reliability table, the best threshold.
pub fn render(f: &Figures) -> String {
    let groups: Vec<Vec<String>> = f
        .groups
        .iter()
        .map(|r| {
            vec![
                r.group.clone(),
                r.pairs.to_string(),
                f3(r.accuracy),
                f3(r.kappa + 0.0),
                if r.auc.is_nan() {
                    "-".into()
                } else {
                    f3(r.auc)
                },
            ]
        })
        .collect();
    let bins: Vec<Vec<String>> = f
        .reliability
        .iter()
        .map(|b| {
            vec![
                format!(
                    "[{:.2}, {:.2}{}",
                    b.low,
                    b.high,
                    if b.high == f.reliability.last().map_or(0.0, |l| l.high) {
                        "]"
                    } else {
                        ")"
                    }
                ),
                b.pairs.to_string(),
                b.mean_score.map_or_else(|| "-".into(), f3),
                b.share_same.map_or_else(|| "-".into(), f3),
            ]
        })
        .collect();
    let best = &f.best;
    let range = best.interval.map_or_else(
        || "no interval (--bootstrap 0)".to_string(),
        |i| {
            format!(
                "95% interval {} ({} resamples, seed {})",
                interval(i.low, i.high),
                best.bootstrap,
                best.seed
            )
        },
    );
    format!(
        "{} pairs ({} same), matcher {} at threshold {}\n{}\nreliability (score bins)\n{}\nbest threshold {} (accuracy {}, kappa {}; ties go to the one nearest {}), {}",
        f.pairs,
        f.positives,
        f.matcher,
        f.threshold,
        table(&["pairs", "n", "accuracy", "kappa", "AUC"], &groups),
        table(&["score", "pairs", "mean score", "share same"], &bins),
        best.threshold,
        f3(best.accuracy),
        f3(best.kappa + 0.0),
        f.threshold,
        range
    )
}
