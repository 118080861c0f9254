//! `claimbench similarity A B` and `--pairs FILE`: the matcher's score, decision and reasons.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use claimbench_harness::pairs::read_pairs;
use claimbench_harness::similarity::{Decider, Decision};
use serde::Serialize;

use crate::args::SimilarityArgs;
use crate::config::load_embedder;
use crate::config::matcher_kind;
use crate::output::{emit, print_json};
use crate::Outcome;

/// One `--pairs` decision as written: the pair's id and line, then the decision.
#[derive(Serialize)]
struct PairDecision<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a serde_json::Value>,
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<bool>,
    #[serde(flatten)]
    decision: Decision,
}

/// The matcher of `similarity`'s options, its model fetched on first use and loaded when it needs one.
pub fn decider(args: &SimilarityArgs) -> Result<Decider> {
    let kind = matcher_kind(&args.matcher)?;
    crate::config::check_threshold(kind, args.threshold)?;
    let params = crate::config::matcher_params(args.matcher_params.as_deref(), kind)?;
    let embedder = if kind.needs_model() {
        Some(Arc::new(load_embedder(&args.model)?))
    } else {
        None
    };
    Ok(Decider::new(
        kind,
        args.threshold,
        embedder,
        params.as_ref(),
    )?)
}

/// Run `similarity`.
pub fn run(args: SimilarityArgs) -> Result<Outcome> {
    // Bad input fails before any model is loaded: the options first, then the pairs.
    crate::config::check_threshold(matcher_kind(&args.matcher)?, args.threshold)?;
    let pairs = match &args.pairs {
        None => None,
        Some(path) => {
            let (read, label) = if path.as_os_str() == "-" {
                let label = Path::new("stdin").to_path_buf();
                (read_pairs(std::io::stdin().lock(), &label)?, label)
            } else {
                let f = std::fs::File::open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                (read_pairs(std::io::BufReader::new(f), path)?, path.clone())
            };
            if !read.problems.is_empty() {
                bail!(
                "{}: {} bad line{} (each pair is {{\"a\": ..., \"b\": ...}}, optionally with id and same; other fields are ignored)\n  {}",
                label.display(),
                read.problems.len(),
                if read.problems.len() == 1 { "" } else { "s" },
                read.problems.join("\n  ")
            );
            }
            if !read.blank.is_empty() {
                let shown: Vec<String> = read.blank.iter().take(10).map(usize::to_string).collect();
                eprintln!(
                "note: {}: skipped {} blank line{} (line{} {}{}); no decision is written for them",
                label.display(),
                read.blank.len(),
                if read.blank.len() == 1 { "" } else { "s" },
                if read.blank.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if read.blank.len() > 10 { ", ..." } else { "" }
            );
            }
            Some((read, label))
        }
    };

    let decider = decider(&args)?;
    let decide = |a: &str, b: &str| decider.decide(a, b);
    if let Some((read, label)) = &pairs {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for p in &read.pairs {
            crate::panic::reading(format!("{}:{}", label.display(), p.line));
            let decision =
                decide(&p.a, &p.b).with_context(|| format!("{}:{}", label.display(), p.line))?;
            serde_json::to_writer(
                &mut out,
                &PairDecision {
                    id: p.id.as_ref(),
                    line: p.line,
                    expected: p.same,
                    decision,
                },
            )?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(Outcome::Ok);
    }
    let (Some(a), Some(b)) = (&args.a, &args.b) else {
        bail!("give two claims, or --pairs FILE");
    };
    crate::panic::reading("the two claims given as arguments");
    let d = decide(a, b)?;
    if args.output.json {
        print_json(&d)?;
    } else {
        emit(&format!(
            "score {:.4}: {}\n{}",
            d.score,
            if d.same {
                "same claim"
            } else {
                "different claims"
            },
            d.reasons
                .iter()
                .map(|r| format!("  - {r}"))
                .collect::<Vec<_>>()
                .join("\n")
        ))?;
    }
    Ok(Outcome::Ok)
}
