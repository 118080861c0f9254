//! `claimbench merge`: turn the parts of a sharded `score`/`eval` into one run directory (see `claimbench_harness::shard`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::args::MergeArgs;
use crate::board::{self, Row};
use crate::output::{emit, print_json};
use crate::Outcome;
use claimbench_harness::files::AtomicFile;
use claimbench_harness::run::{self, Timings};
use claimbench_harness::rundir::RunWriter;
use claimbench_harness::shard::{self, Shard};

/// Run `merge`.
pub fn run(args: MergeArgs) -> Result<Outcome> {
    let start = Instant::now();
    let paths = shard::expand(&args.parts)?;
    let parts = paths
        .iter()
        .map(|p| shard::read_part(p))
        .collect::<claimbench_harness::Result<Vec<_>>>()?;
    let merged = shard::merge(&paths, parts)?;
    let dir = &args.out;
    let mut writes: Vec<String> = merged.predictions.keys().cloned().collect();
    if shard::user_gold(&merged.gold).is_some() {
        writes.push(format!("{}/", run::GOLD_COPY));
    }
    let writer = RunWriter::begin(dir, args.force, &writes)?;
    let mut written = Vec::new();
    for (rel, bytes) in &merged.predictions {
        let path = writer.dir().join(rel);
        let mut f = AtomicFile::create(&path)?;
        f.write_all(bytes)
            .with_context(|| format!("writing {}", path.display()))?;
        written.push(f);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let timings = Timings {
        systems: merged
            .file
            .systems
            .keys()
            .map(|n| {
                (
                    n.clone(),
                    BTreeMap::from([("merge_s".to_string(), elapsed)]),
                )
            })
            .collect(),
        total_s: elapsed,
        ..Timings::default()
    };
    run::save(
        writer,
        &merged.file,
        &BTreeMap::new(),
        written,
        &timings,
        shard::user_gold(&merged.gold),
    )?;
    let documents = merged.file.manifest.seed_hashes.len();
    let rows: Vec<Row> = board::rows(&merged.file, None);
    if args.output.json {
        print_json(&serde_json::json!({
            "run": dir,
            "shards": merged.count,
            "documents": documents,
            "signature": merged.file.manifest.signature(),
            "leaderboard": rows,
        }))?;
    } else {
        emit(&format!(
            "{}\n{}\n{}\nmerged {} shards ({documents} documents) into {}",
            board::render(&rows),
            board::error_lines(&merged.file),
            merged.file.manifest.signature(),
            merged.count,
            dir.display()
        ))?;
    }
    Ok(Outcome::Ok)
}

/// What a shard prints: where its part is, and whether an existing valid part was kept.
pub fn report_part(
    path: &Path,
    shard: Shard,
    documents: usize,
    kept: bool,
    json: bool,
) -> Result<Outcome> {
    if json {
        print_json(&serde_json::json!({
            "part": path,
            "shard": shard.to_string(),
            "documents": documents,
            "kept_existing": kept,
        }))?;
    } else if kept {
        emit(&format!(
            "shard {shard}: {} is already done ({documents} documents); kept",
            path.display()
        ))?;
    } else {
        emit(&format!(
            "shard {shard}: {documents} documents scored; part saved in {} (then: claimbench merge {} --out RUN)",
            path.display(),
            path.parent().map_or_else(|| ".".into(), |p| p.display().to_string())
        ))?;
    }
    Ok(Outcome::Ok)
}
