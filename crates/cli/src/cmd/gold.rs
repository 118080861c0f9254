//! `claimbench gold validate|stats|show`.

use anyhow::{bail, Result};
use claimbench_harness::gold::{label, load, read};

use crate::args::GoldCommand;
use crate::output::{emit, print_json, table};
use crate::Outcome;

/// Run a `gold` subcommand.
pub fn run(cmd: GoldCommand) -> Result<Outcome> {
    match cmd {
        GoldCommand::Validate { dir, output } => {
            let report = read(dir.as_deref())?;
            let errors = report.errors().count();
            let warnings = report.warnings().count();
            if output.json {
                print_json(&serde_json::json!({
                    "documents": report.set.documents.len(),
                    "claims": report.set.claims.len(),
                    "errors": errors,
                    "warnings": warnings,
                    "problems": report.problems,
                }))?;
            } else {
                for p in &report.problems {
                    eprintln!("{p}");
                }
                emit(&format!(
                    "{}: {} documents, {} claims, {} error{}, {} warning{}",
                    label(dir.as_deref()),
                    report.set.documents.len(),
                    report.set.claims.len(),
                    errors,
                    if errors == 1 { "" } else { "s" },
                    warnings,
                    if warnings == 1 { "" } else { "s" },
                ))?;
            }
            if errors > 0 {
                bail!("the gold set has {errors} error(s); each is listed above with its file, line and field");
            }
            Ok(Outcome::Ok)
        }
        GoldCommand::Stats { dir, output } => {
            let set = load(dir.as_deref())?;
            let stats = claimbench_gold::stats(&set);
            if output.json {
                print_json(&stats)?;
                return Ok(Outcome::Ok);
            }
            let cats: Vec<String> = stats.per_category.keys().map(|c| c.to_string()).collect();
            let mut headers: Vec<&str> = vec!["doc", "chars", "claims", "check-worthy"];
            headers.extend(cats.iter().map(String::as_str));
            let mut rows = Vec::new();
            for (id, d) in &stats.per_document {
                let mut row = vec![
                    id.clone(),
                    d.characters.to_string(),
                    d.claims.to_string(),
                    d.check_worthy.to_string(),
                ];
                row.extend(d.per_category.values().map(|n| n.to_string()));
                rows.push(row);
            }
            let mut total = vec![
                "all".to_string(),
                stats
                    .per_document
                    .values()
                    .map(|d| d.characters)
                    .sum::<usize>()
                    .to_string(),
                stats.claims.to_string(),
                stats.check_worthy.to_string(),
            ];
            total.extend(stats.per_category.values().map(|n| n.to_string()));
            rows.push(total);
            let mut out = table(&headers, &rows);
            let multi = stats.clusters.values().filter(|c| c.docs.len() > 1).count();
            out.push_str(&format!(
                "\n{} clusters ({} shared by two or more articles)\n",
                stats.clusters.len(),
                multi
            ));
            if stats.conflicts.is_empty() {
                out.push_str("no conflicts\n");
            }
            for c in &stats.conflicts {
                let parts: Vec<String> = c
                    .numbers
                    .iter()
                    .map(|(id, n)| format!("{id}: {}", n.join(", ")))
                    .collect();
                out.push_str(&format!("conflict {}: {}\n", c.cluster, parts.join("; ")));
            }
            emit(&out)?;
            Ok(Outcome::Ok)
        }
        GoldCommand::Show { doc, gold, output } => {
            let set = load(gold.as_deref())?;
            let Some(document) = set.document(&doc) else {
                let ids: Vec<&str> = set.documents.iter().map(|d| d.id.as_str()).collect();
                bail!(
                    "no document {doc:?} in the gold set (documents: {})",
                    ids.join(", ")
                );
            };
            let claims: Vec<_> = set.claims_for(&doc).collect();
            if output.json {
                print_json(&serde_json::json!({ "document": document, "claims": claims }))?;
                return Ok(Outcome::Ok);
            }
            let rows: Vec<Vec<String>> = claims
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.category.to_string(),
                        if c.check_worthy { "yes" } else { "no" }.to_string(),
                        c.cluster.clone().unwrap_or_else(|| "-".into()),
                        c.evidence
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                        c.text.clone(),
                    ]
                })
                .collect();
            emit(&format!(
                "{} ({}, {} characters, {} claims)\n{}",
                document.id,
                document.file_name,
                document.char_len(),
                claims.len(),
                table(
                    &["id", "category", "worthy", "cluster", "evidence", "claim"],
                    &rows
                )
            ))?;
            Ok(Outcome::Ok)
        }
    }
}
