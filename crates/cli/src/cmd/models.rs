//! `claimbench models list|fetch|convert`.

use anyhow::{Context, Result};
use claimbench_model::registry::{self, Source};
use claimbench_model::Precision;

use crate::args::ModelsCommand;
use crate::config::models_dir;
use crate::output::{emit, print_json, table};
use crate::Outcome;
use claimbench_harness::progress::spinner;

/// Run a `models` subcommand.
pub fn run(cmd: ModelsCommand) -> Result<Outcome> {
    let reg = registry::builtin()?;
    match cmd {
        ModelsCommand::List {
            models_dir: dir,
            output,
        } => {
            let dir = models_dir(dir.as_ref());
            let mut rows = Vec::new();
            let mut json = Vec::new();
            for m in &reg.models {
                let path = dir.join(&m.name);
                let state = if !path.is_dir() {
                    "not fetched".to_string()
                } else {
                    match registry::verify(m, &path) {
                        Ok(()) => "ok".to_string(),
                        Err(e) => format!("broken: {e}"),
                    }
                };
                let sources: Vec<&str> = [
                    m.sources.pypi.as_ref().map(|_| "pypi"),
                    m.sources.hub.as_ref().map(|_| "hub"),
                ]
                .into_iter()
                .flatten()
                .collect();
                let size: u64 = m.files.values().map(|f| f.size).sum();
                rows.push(vec![
                    m.name.clone(),
                    format!("{:.1} MB", size as f64 / 1e6),
                    sources.join(", "),
                    state.clone(),
                    m.description.clone(),
                ]);
                json.push(serde_json::json!({
                    "name": m.name, "description": m.description, "bytes": size,
                    "sources": sources, "state": state, "path": path,
                    "weights_sha256": m.weights_sha256(),
                }));
            }
            if output.json {
                print_json(&json)?;
            } else {
                emit(&format!(
                    "models in {}\n{}",
                    dir.display(),
                    table(&["model", "size", "sources", "state", "description"], &rows)
                ))?;
            }
        }
        ModelsCommand::Fetch {
            name,
            source,
            models_dir: dir,
        } => {
            let dir = models_dir(dir.as_ref());
            let source: Source = source.parse().context("--source")?;
            let pb = spinner(&format!("fetching {name}"));
            let path = registry::fetch(&name, &dir, source, false, &mut |m| {
                pb.set_message(m.to_string())
            })?;
            pb.finish_and_clear();
            emit(&format!(
                "{name}: every file verified in {}",
                path.display()
            ))?;
        }
        ModelsCommand::Convert {
            name,
            dtype,
            out,
            models_dir: dir,
        } => {
            let precision: Precision = dtype.parse().context("--dtype")?;
            let dir = models_dir(dir.as_ref());
            let pb = spinner(&format!("checking {name}"));
            let src = registry::ensure(&name, &dir, &mut |m| pb.set_message(m.to_string()))?;
            pb.set_message(format!("converting to {precision}"));
            claimbench_model::convert(&src, &out, precision)?;
            pb.finish_and_clear();
            emit(&format!("{name} in {precision}: {}", out.display()))?;
        }
    }
    Ok(Outcome::Ok)
}
