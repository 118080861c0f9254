//! `claimbench similarity A B` and `--pairs FILE`: the matcher's score, decision and reasons.

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use claimbench_score::MatcherKind;
use serde::{Deserialize, Serialize};

use crate::args::SimilarityArgs;
use crate::config::load_embedder;
use crate::output::{emit, print_json};
use crate::pipeline::{build_matcher, matcher_kind};
use crate::Outcome;

/// One decision, as `--pairs` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The matcher's score.
    pub score: f32,
    /// Whether the two claims count as the same.
    pub same: bool,
    /// Why: guards that fired, or the score against the threshold.
    pub reasons: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairLine {
    a: String,
    b: String,
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<serde_json::Value>,
}

/// A decision function over two claims.
type DecideFn = dyn Fn(&str, &str) -> Result<Decision>;

/// Run `similarity`.
pub fn run(args: SimilarityArgs) -> Result<Outcome> {
    let kind = matcher_kind(&args.matcher)?;
    let embedder = if kind.needs_model() {
        Some(Arc::new(load_embedder(&args.model)?))
    } else {
        None
    };
    let decide: Box<DecideFn> = if kind == MatcherKind::Align {
        let Some(embedder) = embedder else {
            bail!("the align matcher needs the embedding model")
        };
        let mut align = claimbench_matcher::AlignMatcher::new(
            claimbench_matcher::EmbeddingEncoder::new(embedder),
        )?;
        if let Some(t) = args.threshold {
            align = align.with_threshold(t);
        }
        Box::new(move |a, b| {
            let d = align.decide(a, b)?;
            Ok(Decision {
                score: d.score,
                same: d.same,
                reasons: d.reasons,
            })
        })
    } else if kind == MatcherKind::Pair {
        let Some(embedder) = embedder else {
            bail!("the pair matcher needs the embedding model")
        };
        let mut pair = claimbench_matcher::PairMatcher::new(
            claimbench_matcher::EmbeddingEncoder::new(embedder),
        )?;
        if let Some(t) = args.threshold {
            pair = pair.with_threshold(t);
        }
        Box::new(move |a, b| {
            // as in scoring (IdentityFloor): the same claim scores 1.0
            if claimbench_score::same_text(a, b) {
                return Ok(Decision {
                    score: 1.0,
                    same: true,
                    reasons: vec![claimbench_matcher::align::SAME_TEXT_REASON.to_string()],
                });
            }
            let d = pair.decide(a, b)?;
            Ok(Decision {
                score: d.score,
                same: d.same,
                reasons: d.reasons,
            })
        })
    } else {
        let setup = build_matcher(kind, args.threshold, embedder)?;
        Box::new(move |a, b| {
            let m = setup.matcher.matrix(&[a], &[b])?;
            let score = m.get(0, 0);
            let same = score >= setup.threshold;
            let mut reasons = vec![format!(
                "{} {score:.4} {} threshold {}",
                setup.kind,
                if same { ">=" } else { "<" },
                setup.threshold
            )];
            for hit in claimbench_matcher::guards::check(a, b) {
                reasons.push(
                    format!(
                        "note: {:?} guard: {} ({} does not veto)",
                        hit.kind, hit.detail, setup.kind
                    )
                    .to_lowercase(),
                );
            }
            Ok(Decision {
                score,
                same,
                reasons,
            })
        })
    };
    if let Some(path) = &args.pairs {
        let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut lines = Vec::new();
        for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.with_context(|| format!("{}:{}: not UTF-8", path.display(), i + 1))?;
            let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let p: PairLine = serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: {e} (expected {{\"a\": ..., \"b\": ...}})",
                    path.display(),
                    i + 1
                )
            })?;
            lines.push(p);
        }
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for p in &lines {
            serde_json::to_writer(&mut out, &decide(&p.a, &p.b)?)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(Outcome::Ok);
    }
    let (Some(a), Some(b)) = (&args.a, &args.b) else {
        bail!("give two claims, or --pairs FILE");
    };
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
