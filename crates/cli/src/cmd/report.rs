//! `claimbench report RUN --html FILE` (and `--json`; `--csv`/`--jsonl`: the run claim by claim).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use claimbench_extract::PredictedClaim;

use crate::args::ReportArgs;
use crate::board::Row;
use crate::output::{emit, print_json};
use crate::report::{render, BoardRow, DocView, GoldRow, ReportData, SweepPoint};
use crate::Outcome;
use claimbench_harness::files::atomic_write;
use claimbench_harness::run;
use claimbench_score::SliceBy;

/// Run `report`.
pub fn run(args: ReportArgs) -> Result<Outcome> {
    let loaded = run::load(&args.run)?;
    let file = &loaded.file;
    let gold = loaded.gold_set()?;
    for (path, csv) in [(&args.csv, true), (&args.jsonl, false)] {
        if let Some(path) = path {
            let rows = claimbench_harness::claims::rows(&loaded, &gold)?;
            let text = if csv {
                claimbench_harness::export::csv(&rows)
            } else {
                claimbench_harness::export::jsonl(&rows)?
            };
            claimbench_harness::export::write(path, &text)?;
            if !args.json {
                emit(&format!(
                    "{} rows written to {}",
                    rows.len(),
                    path.display()
                ))?;
            }
        }
    }
    if args.html.is_none() && !args.json {
        return Ok(Outcome::Ok);
    }
    let systems: Vec<&String> = file.systems.keys().collect();
    // Per system, per document: predictions in file order (the scorer's indices).
    let mut preds: BTreeMap<&str, BTreeMap<String, Vec<PredictedClaim>>> = BTreeMap::new();
    for s in &systems {
        preds.insert(
            s.as_str(),
            claimbench_harness::claims::predictions_by_doc(&loaded, s)?,
        );
    }
    let empty = Vec::new();
    let mut documents = Vec::new();
    for d in &gold.documents {
        let claims: Vec<_> = gold.claims_for(&d.id).collect();
        let spans = claims
            .iter()
            .flat_map(|c| c.evidence.iter().map(|s| (s.start, s.end, c.id.clone())))
            .collect();
        let mut gold_rows: Vec<GoldRow> = claims
            .iter()
            .map(|c| GoldRow {
                id: c.id.clone(),
                text: c.text.clone(),
                category: c.category.to_string(),
                matches: Vec::new(),
            })
            .collect();
        let mut false_alarms = Vec::new();
        for s in &systems {
            let doc_preds = preds[s.as_str()].get(&d.id).unwrap_or(&empty);
            let result = file.systems[*s]
                .results
                .documents
                .iter()
                .find(|r| r.doc == d.id);
            for row in &mut gold_rows {
                let m = result.and_then(|r| r.matches.iter().find(|m| m.gold == row.id));
                row.matches.push(m.and_then(|m| {
                    doc_preds
                        .get(m.pred)
                        .map(|p| (p.text.clone(), f64::from(m.similarity), m.evidence_overlap))
                }));
            }
            let alarms = result
                .map(|r| {
                    r.false_alarms
                        .iter()
                        .filter_map(|&i| doc_preds.get(i).map(|p| p.text.clone()))
                        .collect()
                })
                .unwrap_or_default();
            false_alarms.push(((*s).clone(), alarms));
        }
        documents.push(DocView {
            id: d.id.clone(),
            text: d.text.clone(),
            spans,
            gold: gold_rows,
            false_alarms,
        });
    }
    let data = ReportData {
        title: format!("claimbench report: {}", loaded.label()),
        signature: file.manifest.signature(),
        manifest_json: serde_json::to_string_pretty(&file.manifest)?,
        leaderboard: crate::board::rows(file, loaded.timings.as_ref())
            .iter()
            .map(Row::html_row)
            .collect(),
        slices: slice_rows(file, &crate::config::by(&args.by)),
        sweeps: file
            .systems
            .iter()
            .map(|(name, rec)| {
                let pts = rec
                    .sweep
                    .iter()
                    .map(|p| SweepPoint {
                        threshold: f64::from(p.threshold),
                        precision: p.rates.precision,
                        recall: p.rates.recall,
                    })
                    .collect();
                (name.clone(), pts)
            })
            .collect(),
        threshold: f64::from(file.manifest.threshold),
        documents,
        problems: problems(file),
    };
    if let Some(path) = &args.html {
        let html = render(&data)?;
        atomic_write(path, html.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        if !args.json {
            emit(&format!("report written to {}", path.display()))?;
        }
    }
    if args.json {
        print_json(&report_json(&loaded, &data, &systems))?;
    }
    Ok(Outcome::Ok)
}

/// The report's data as JSON: the leaderboard, the manifest, and per document each gold claim with each
/// system's match (prediction and similarity, or null for a miss) and each system's false alarms.
fn report_json(
    loaded: &run::LoadedRun,
    data: &ReportData,
    systems: &[&String],
) -> serde_json::Value {
    use serde_json::json;
    let leaderboard: Vec<Row> = crate::board::rows(&loaded.file, loaded.timings.as_ref());
    let documents: Vec<serde_json::Value> = data
        .documents
        .iter()
        .map(|d| {
            let gold: Vec<serde_json::Value> = d
                .gold
                .iter()
                .map(|g| {
                    let matches: serde_json::Map<String, serde_json::Value> = systems
                        .iter()
                        .zip(&g.matches)
                        .map(|(s, m)| {
                            let v = match m {
                                Some((text, sim, overlap)) => json!({ "prediction": text, "similarity": sim, "evidence_overlap": overlap }),
                                None => serde_json::Value::Null,
                            };
                            ((*s).clone(), v)
                        })
                        .collect();
                    json!({ "id": g.id, "text": g.text, "category": g.category, "matches": matches })
                })
                .collect();
            let false_alarms: serde_json::Map<String, serde_json::Value> = d
                .false_alarms
                .iter()
                .map(|(s, texts)| (s.clone(), json!(texts)))
                .collect();
            json!({ "id": d.id, "gold": gold, "false_alarms": false_alarms })
        })
        .collect();
    let coverage: BTreeMap<&String, &run::Coverage> = loaded
        .file
        .systems
        .iter()
        .map(|(n, r)| (n, &r.coverage))
        .collect();
    json!({
        "run": loaded.dir,
        "signature": data.signature,
        "manifest": loaded.file.manifest,
        "leaderboard": leaderboard,
        "coverage": coverage,
        "threshold": data.threshold,
        "documents": documents,
    })
}

/// The slice table's rows: `--by`'s slices, else each system's own (`score --by`), else category and check-worthy.
fn slice_rows(file: &run::RunFile, by: &[SliceBy]) -> Vec<BoardRow> {
    let mut rows = Vec::new();
    for (name, rec) in &file.systems {
        let slices = match (by.is_empty(), rec.slices.is_empty()) {
            (false, _) => claimbench_score::slices(&rec.results, by),
            (true, false) => rec.slices.clone(),
            (true, true) => {
                claimbench_score::slices(&rec.results, &[SliceBy::Category, SliceBy::CheckWorthy])
            }
        };
        rows.extend(slices.iter().map(|s| BoardRow {
            system: name.clone(),
            cells: crate::board::slice_html_cells(s),
        }));
    }
    rows
}

/// What each system left unscored, as the report lists it: articles its command failed on, lines `--lenient`
/// skipped, and gold documents it has no prediction for (their gold claims count as misses).
fn problems(file: &run::RunFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, rec) in &file.systems {
        let command = rec.source.starts_with("command:");
        for s in &rec.skipped {
            let what = if command {
                format!("the command failed on {s}")
            } else {
                format!("line skipped (--lenient): {s}")
            };
            out.push((name.clone(), what));
        }
        for doc in &rec.coverage.without_predictions {
            out.push((
                name.clone(),
                format!("no predictions for document {doc}: its gold claims count as misses"),
            ));
        }
    }
    out
}
