//! `claimbench report RUN --html FILE` (and `--json`; `--csv`/`--jsonl`: the run claim by claim).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use claimbench_gold::Claim;
use claimbench_harness::claims::{ClaimRow, Status};
use claimbench_score::DocResult;

use crate::args::ReportArgs;
use crate::board::Row;
use crate::output::{emit, print_json};
use crate::report::{
    render, Alarm, BoardRow, Cell, DocView, GoldRow, Grouping, Near, ReportData, SweepPoint,
};
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
    let baseline = args.baseline.as_deref().map(run::load).transpose()?;
    let diff = baseline
        .as_ref()
        .map(|b| claimbench_harness::diff::diff(b, &loaded))
        .transpose()?;
    // Per system, its rows (claims::system_rows) by document.
    let mut rows_of: Vec<BTreeMap<String, Vec<ClaimRow>>> = Vec::new();
    for s in &systems {
        let mut by_doc: BTreeMap<String, Vec<ClaimRow>> = BTreeMap::new();
        for r in claimbench_harness::claims::system_rows(&loaded, &gold, s)? {
            by_doc.entry(r.doc.clone()).or_default().push(r);
        }
        rows_of.push(by_doc);
    }
    let no_rows = Vec::new();
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
        let mut groupings = Vec::new();
        for (s, by_doc) in systems.iter().zip(&rows_of) {
            let rows = by_doc.get(&d.id).unwrap_or(&no_rows);
            let result = file.systems[*s]
                .results
                .documents
                .iter()
                .find(|r| r.doc == d.id);
            for g in &mut gold_rows {
                let row = rows.iter().find(|r| r.gold_id.as_ref() == Some(&g.id));
                g.matches.push(match row {
                    Some(r) if r.status == Status::Tp => Cell::Hit {
                        prediction: r.prediction_text.clone().unwrap_or_default(),
                        similarity: r.similarity.map(f64::from).unwrap_or_default(),
                        overlap: result.and_then(|res| {
                            res.matches
                                .iter()
                                .find(|m| m.gold == g.id)
                                .and_then(|m| m.evidence_overlap)
                        }),
                    },
                    Some(r) => Cell::Miss(near(r)),
                    None => Cell::Miss(None),
                });
            }
            let alarms = rows
                .iter()
                .filter(|r| r.status == Status::Fp)
                .map(|r| Alarm {
                    text: r.prediction_text.clone().unwrap_or_default(),
                    nearest: near(r),
                })
                .collect();
            false_alarms.push(((*s).clone(), alarms));
            groupings.push((
                (*s).clone(),
                result.map(|r| groups(r, rows, &claims)).unwrap_or_default(),
            ));
        }
        documents.push(DocView {
            id: d.id.clone(),
            text: d.text.clone(),
            spans,
            gold: gold_rows,
            false_alarms,
            groupings,
        });
    }
    let packaging: Vec<(String, claimbench_score::PackagingSums)> = file
        .systems
        .iter()
        .filter_map(|(name, rec)| Some((name.clone(), rec.results.packaging?.sums)))
        .collect();
    let data = ReportData {
        title: format!("claimbench report: {}", loaded.label()),
        signature: file.manifest.signature(),
        manifest_json: serde_json::to_string_pretty(&file.manifest)?,
        leaderboard: crate::board::rows(file, loaded.timings.as_ref())
            .iter()
            .map(|r| r.html_row(!packaging.is_empty()))
            .collect(),
        packaging,
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
        diff,
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

/// A nearest counterpart as JSON.
fn near_json(n: &Near) -> serde_json::Value {
    let mut v = serde_json::json!({
        "text": n.text,
        "id": n.id,
        "similarity": n.score,
        "why": n.why,
        "why_detail": n.detail,
    });
    if let Some(r) = n.relation {
        v["relation"] = serde_json::json!(r);
    }
    v
}

/// A miss's or a false alarm's nearest counterpart, from its row.
fn near(r: &ClaimRow) -> Option<Near> {
    Some(Near {
        text: r.nearest.clone()?,
        id: r.nearest_id.clone(),
        score: f64::from(r.nearest_score?),
        why: r.why?,
        detail: r.why_detail.clone(),
        relation: r.relation,
    })
}

/// One document's merges and splits, with texts from its rows (every prediction is a hit or a false alarm).
fn groups(result: &DocResult, rows: &[ClaimRow], claims: &[&Claim]) -> Vec<Grouping> {
    let pred = |i: usize| {
        rows.iter()
            .find(|r| r.prediction == Some(i))
            .and_then(|r| r.prediction_text.clone())
            .unwrap_or_default()
    };
    let gold = |id: &str| {
        let text = claims.iter().find(|c| c.id == id).map(|c| c.text.as_str());
        format!("{id}: {}", text.unwrap_or_default())
    };
    let merges = result.merges.iter().map(|m| Grouping {
        merge: true,
        one: pred(m.pred),
        matched: m.matched_gold.clone(),
        others: m.extra_gold.clone(),
    });
    let splits = result.splits.iter().map(|sp| Grouping {
        merge: false,
        one: gold(&sp.gold),
        matched: pred(sp.matched_pred),
        others: sp.extra_preds.iter().map(|&i| pred(i)).collect(),
    });
    merges.chain(splits).collect()
}

/// The report's data as JSON: the leaderboard, the manifest, per document each gold claim with each system's
/// match (prediction and similarity, or null for a miss) and, per system that missed it, its nearest prediction;
/// each system's false alarms with their nearest gold claim, its merges and splits; and the diff against the
/// baseline (null without one).
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
                                Cell::Hit {
                                    prediction,
                                    similarity,
                                    overlap,
                                } => json!({ "prediction": prediction, "similarity": similarity, "evidence_overlap": overlap }),
                                Cell::Miss(_) => serde_json::Value::Null,
                            };
                            ((*s).clone(), v)
                        })
                        .collect();
                    let nearest: serde_json::Map<String, serde_json::Value> = systems
                        .iter()
                        .zip(&g.matches)
                        .filter_map(|(s, m)| match m {
                            Cell::Miss(Some(n)) => Some(((*s).clone(), near_json(n))),
                            _ => None,
                        })
                        .collect();
                    json!({ "id": g.id, "text": g.text, "category": g.category, "matches": matches, "nearest": nearest })
                })
                .collect();
            let false_alarms: serde_json::Map<String, serde_json::Value> = d
                .false_alarms
                .iter()
                .map(|(s, alarms)| {
                    let list: Vec<serde_json::Value> = alarms
                        .iter()
                        .map(|a| json!({ "text": a.text, "nearest": a.nearest.as_ref().map(near_json) }))
                        .collect();
                    (s.clone(), json!(list))
                })
                .collect();
            let groupings: serde_json::Map<String, serde_json::Value> = d
                .groupings
                .iter()
                .map(|(s, groups)| {
                    let list: Vec<serde_json::Value> = groups
                        .iter()
                        .map(|g| json!({ "kind": if g.merge { "merge" } else { "split" }, "one": g.one, "matched": g.matched, "others": g.others }))
                        .collect();
                    (s.clone(), json!(list))
                })
                .collect();
            json!({ "id": d.id, "gold": gold, "false_alarms": false_alarms, "merges_and_splits": groupings })
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
        "diff": data.diff,
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
