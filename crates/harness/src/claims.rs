//! A saved run claim by claim: each gold claim with the prediction that matched it (a hit) or none (a miss), and
//! each prediction that matched nothing (a false alarm). The one copy behind `claimbench diff` and
//! `claimbench report --csv/--jsonl`.

use std::collections::BTreeMap;

use claimbench_extract::PredictedClaim;
use claimbench_gold::GoldSet;
use serde::Serialize;

use crate::error::{Context, Result};
use crate::run::LoadedRun;

/// What became of a gold claim or a prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A gold claim that a prediction matched.
    Tp,
    /// A gold claim that no prediction matched.
    Fn,
    /// A prediction that matched no gold claim.
    Fp,
}

impl Status {
    /// `tp`, `fn` or `fp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Tp => "tp",
            Status::Fn => "fn",
            Status::Fp => "fp",
        }
    }
}

/// One gold claim (a hit or a miss) or one false alarm of one system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimRow {
    /// The system.
    pub system: String,
    /// The document.
    pub doc: String,
    /// Hit, miss or false alarm.
    pub status: Status,
    /// The gold claim's id (None for a false alarm).
    pub gold_id: Option<String>,
    /// The gold claim's text (None for a false alarm).
    pub gold_text: Option<String>,
    /// The prediction's index among its document's predictions, in file order (None for a miss).
    pub prediction: Option<usize>,
    /// The prediction's text (None for a miss).
    pub prediction_text: Option<String>,
    /// The similarity of the matched pair (None for a miss or a false alarm).
    pub similarity: Option<f32>,
    /// The gold claim's category (None for a false alarm).
    pub category: Option<String>,
    /// Whether the gold claim is check-worthy (None for a false alarm).
    pub check_worthy: Option<bool>,
}

/// One system's predictions by document, each document's in file order (the indices the scorer gave them).
pub fn predictions_by_doc(
    run: &LoadedRun,
    system: &str,
) -> Result<BTreeMap<String, Vec<PredictedClaim>>> {
    let mut by_doc: BTreeMap<String, Vec<PredictedClaim>> = BTreeMap::new();
    for p in run.predictions(system)? {
        by_doc.entry(p.doc.clone()).or_default().push(p);
    }
    Ok(by_doc)
}

/// Every row of one system: per document of the gold set (in id order), its gold claims in gold order, then its
/// false alarms in prediction order.
pub fn system_rows(run: &LoadedRun, gold: &GoldSet, system: &str) -> Result<Vec<ClaimRow>> {
    let rec = run
        .file
        .systems
        .get(system)
        .with_context(|| format!("{}: no system {system:?}", run.dir.display()))?;
    let preds = predictions_by_doc(run, system)?;
    let results: BTreeMap<&str, &claimbench_score::DocResult> = rec
        .results
        .documents
        .iter()
        .map(|d| (d.doc.as_str(), d))
        .collect();
    let no_preds = Vec::new();
    let text_of = |doc: &str, i: usize| -> Result<String> {
        preds
            .get(doc)
            .unwrap_or(&no_preds)
            .get(i)
            .map(|p| p.text.clone())
            .with_context(|| {
                format!(
                    "{}: system {system:?}, document {doc}: prediction {i} is not in its predictions file",
                    run.dir.display()
                )
            })
    };
    let mut rows = Vec::new();
    for d in &gold.documents {
        let result = results.get(d.id.as_str());
        for c in gold.claims_for(&d.id) {
            let m = result.and_then(|r| r.matches.iter().find(|m| m.gold == c.id));
            rows.push(ClaimRow {
                system: system.to_string(),
                doc: d.id.clone(),
                status: if m.is_some() { Status::Tp } else { Status::Fn },
                gold_id: Some(c.id.clone()),
                gold_text: Some(c.text.clone()),
                prediction: m.map(|m| m.pred),
                prediction_text: m.map(|m| text_of(&d.id, m.pred)).transpose()?,
                similarity: m.map(|m| m.similarity),
                category: Some(c.category.to_string()),
                check_worthy: Some(c.check_worthy),
            });
        }
        for &i in result.map_or(&[][..], |r| &r.false_alarms[..]) {
            rows.push(ClaimRow {
                system: system.to_string(),
                doc: d.id.clone(),
                status: Status::Fp,
                gold_id: None,
                gold_text: None,
                prediction: Some(i),
                prediction_text: Some(text_of(&d.id, i)?),
                similarity: None,
                category: None,
                check_worthy: None,
            });
        }
    }
    Ok(rows)
}

/// Every row of every system of a run on its gold set ([`LoadedRun::gold_set`]), systems in name order.
pub fn rows(run: &LoadedRun, gold: &GoldSet) -> Result<Vec<ClaimRow>> {
    let mut out = Vec::new();
    for name in run.file.systems.keys() {
        out.extend(system_rows(run, gold, name)?);
    }
    Ok(out)
}
