//! `claimbench similarity A B` and `--pairs FILE`: the matcher's score, decision and reasons.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use claimbench_harness::similarity::{Decider, Decision};
use serde::Serialize;

use crate::args::SimilarityArgs;
use crate::config::load_embedder;
use crate::config::matcher_kind;
use crate::output::{emit, print_json};
use crate::Outcome;

/// One pair of a `--pairs` file.
#[derive(Debug)]
struct PairLine {
    line: usize,
    id: Option<serde_json::Value>,
    a: String,
    b: String,
    expected: Option<bool>,
}

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

/// What reading a `--pairs` file found.
#[derive(Debug, Default)]
struct PairsRead {
    pairs: Vec<PairLine>,
    blank: Vec<usize>,
    problems: Vec<String>,
}

/// Parse one non-blank line of a pairs file: `a` and `b` (non-empty strings) are required; `id` (a string or a
/// number) and `same` (a boolean) are echoed; any other field (`doc`, `kind`, ...) is ignored.
fn parse_pair(text: &str, line: usize) -> std::result::Result<PairLine, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(obj) = v else {
        return Err("not a JSON object (expected {\"a\": ..., \"b\": ...})".into());
    };
    let text_field = |name: &str| -> std::result::Result<String, String> {
        match obj.get(name) {
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
                Err(format!("{name}: empty text"))
            }
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{name}: expected a string")),
            None => Err(format!("{name}: missing")),
        }
    };
    let a = text_field("a")?;
    let b = text_field("b")?;
    let id = match obj.get("id") {
        None | Some(serde_json::Value::Null) => None,
        Some(v @ (serde_json::Value::String(_) | serde_json::Value::Number(_))) => Some(v.clone()),
        Some(_) => return Err("id: expected a string or a number".into()),
    };
    let expected = match obj.get("same") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Bool(x)) => Some(*x),
        Some(_) => return Err("same: expected true or false".into()),
    };
    Ok(PairLine {
        line,
        id,
        a,
        b,
        expected,
    })
}

/// Read every line of a pairs file, keeping every problem (not just the first) and the blank lines.
fn read_pairs(mut reader: impl BufRead, label: &Path) -> Result<PairsRead> {
    let mut out = PairsRead::default();
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {}", label.display()))?;
        if n == 0 {
            break;
        }
        line += 1;
        let mut bytes = &buf[..];
        if line == 1 && bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            bytes = &bytes[3..];
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(format!(
                    "{}:{line}: invalid UTF-8 at byte {} of the line",
                    label.display(),
                    e.valid_up_to()
                ));
                continue;
            }
        };
        if text.trim().is_empty() {
            out.blank.push(line);
            continue;
        }
        match parse_pair(text, line) {
            Ok(p) => out.pairs.push(p),
            Err(e) => out
                .problems
                .push(format!("{}:{line}: {e}", label.display())),
        }
    }
    Ok(out)
}

/// The matcher of `similarity`'s options, its model fetched on first use and loaded when it needs one.
pub fn decider(args: &SimilarityArgs) -> Result<Decider> {
    let kind = matcher_kind(&args.matcher)?;
    crate::config::check_threshold(kind, args.threshold)?;
    let embedder = if kind.needs_model() {
        Some(Arc::new(load_embedder(&args.model)?))
    } else {
        None
    };
    Ok(Decider::new(kind, args.threshold, embedder)?)
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
                    expected: p.expected,
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
