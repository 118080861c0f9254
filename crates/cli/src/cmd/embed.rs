//! `claimbench embed`: texts in, vectors out as JSONL.

use std::io::{Read, Write};

use anyhow::{bail, Context, Result};

use crate::args::EmbedArgs;
use crate::config::load_embedder;
use crate::Outcome;
use claimbench_harness::progress::progress;

/// Run `embed`.
pub fn run(args: EmbedArgs) -> Result<Outcome> {
    let texts: Vec<String> = if !args.texts.is_empty() {
        args.texts.clone()
    } else if let Some(path) = &args.file {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        lines(&bytes).with_context(|| path.display().to_string())?
    } else {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
        lines(&bytes).context("<stdin>")?
    };
    if texts.is_empty() {
        bail!("no texts to embed: pass them as arguments, with --file, or on stdin (one a line)");
    }
    let embedder = load_embedder(&args.model)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let pb = progress(refs.len() as u64, "embedding");
    let emb = embedder.embed_with_progress(&refs, &mut |done, _| pb.set_position(done as u64))?;
    pb.finish_and_clear();
    if emb.truncated > 0 {
        eprintln!(
            "note: {} of {} texts were longer than {} tokens and were truncated",
            emb.truncated,
            texts.len(),
            embedder.max_seq_length()
        );
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (text, v) in texts.iter().zip(&emb.vectors) {
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({ "text": text, "embedding": v }),
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

/// Non-blank lines of UTF-8 input (CRLF and a BOM accepted); invalid UTF-8 is an error with its byte offset.
fn lines(bytes: &[u8]) -> Result<Vec<String>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect())
}
