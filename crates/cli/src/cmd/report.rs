//! `claimbench report RUN --html FILE`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use claimbench_extract::PredictedClaim;

use crate::args::ReportArgs;
use crate::board::Row;
use crate::cmd::gold::load as load_gold;
use crate::output::{emit, write_atomic};
use crate::report::{render, DocView, GoldRow, ReportData, SweepPoint};
use crate::run;
use crate::Outcome;

/// Run `report`.
pub fn run(args: ReportArgs) -> Result<Outcome> {
    let loaded = run::load(&args.run)?;
    let file = &loaded.file;
    let gold = if file.gold == "builtin" {
        load_gold(None)?
    } else {
        load_gold(Some(Path::new(&file.gold)))?
    };
    if gold.hash() != file.manifest.gold_hash {
        anyhow::bail!(
            "the gold set {} has changed since the run was made (hash {} now, {} in the run)",
            file.gold,
            gold.hash(),
            file.manifest.gold_hash
        );
    }
    let systems: Vec<&String> = file.systems.keys().collect();
    // Per system, per document: predictions in file order (the scorer's indices).
    let mut preds: BTreeMap<&str, BTreeMap<String, Vec<PredictedClaim>>> = BTreeMap::new();
    for s in &systems {
        let mut by_doc: BTreeMap<String, Vec<PredictedClaim>> = BTreeMap::new();
        for p in loaded.predictions(s)? {
            by_doc.entry(p.doc.clone()).or_default().push(p);
        }
        preds.insert(s.as_str(), by_doc);
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
        leaderboard: file
            .systems
            .iter()
            .map(|(name, rec)| {
                let secs = loaded
                    .timings
                    .as_ref()
                    .and_then(|t| t.systems.get(name))
                    .map(|t| t.values().sum());
                Row::new(name, &rec.results, secs).html_row()
            })
            .collect(),
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
    };
    let html = render(&data)?;
    write_atomic(&args.html, html.as_bytes())
        .with_context(|| format!("writing {}", args.html.display()))?;
    emit(&format!("report written to {}", args.html.display()))?;
    Ok(Outcome::Ok)
}
