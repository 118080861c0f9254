//! A saved run claim by claim: each gold claim with the prediction that matched it (a hit) or none (a miss), and
//! each prediction that matched nothing (a false alarm). The one copy behind `claimbench diff` and
//! `claimbench report --csv/--jsonl`.

use std::collections::BTreeMap;

use claimbench_extract::PredictedClaim;
use claimbench_gold::GoldSet;
use claimbench_score::{MatcherKind, Nearest, Relation, Unmatched};
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

/// Why a miss or a false alarm did not match its nearest counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Why {
    /// Their similarity is below the threshold (`why_detail` names any guard disagreement, which this matcher
    /// does not veto).
    Below,
    /// A guard vetoed the pair (`why_detail` says what disagrees).
    Vetoed,
    /// Their similarity reaches the threshold, but the one-to-one assignment gave the counterpart to another
    /// (a merge, seen from a missed gold claim; a split, seen from a false alarm).
    Taken,
    /// The prediction repeats an earlier one of its document, which was matched in its place.
    Duplicate,
}

impl Why {
    /// `below`, `vetoed`, `taken` or `duplicate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Below => "below",
            Why::Vetoed => "vetoed",
            Why::Taken => "taken",
            Why::Duplicate => "duplicate",
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
    /// A miss's nearest prediction or a false alarm's nearest gold claim, by the matcher's similarity: its text
    /// (None for a hit, or when the document has nothing on the other side).
    pub nearest: Option<String>,
    /// A false alarm's nearest gold claim's id (None otherwise: a miss's nearest is a prediction).
    pub nearest_id: Option<String>,
    /// The similarity to the nearest.
    pub nearest_score: Option<f32>,
    /// Why the nearest did not count as a match.
    pub why: Option<Why>,
    /// What `why` rests on, for people: the guard's disagreement (`number: 87 vs 89`), or the pair that took the
    /// counterpart (a miss: `it matched 000-003`; a false alarm: `000-001 matched: TEXT`).
    pub why_detail: Option<String>,
    /// From a directional matcher: whether the nearest pair is a bundle (the prediction states the gold claim and
    /// more) or a part (the prediction states only part of it); None otherwise.
    pub relation: Option<Relation>,
}

/// The nearest-counterpart columns of a row, all None.
#[derive(Debug, Clone, Default)]
struct NearCols {
    text: Option<String>,
    id: Option<String>,
    score: Option<f32>,
    why: Option<Why>,
    detail: Option<String>,
    relation: Option<Relation>,
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
    let vetoes = run
        .file
        .manifest
        .matcher
        .name
        .parse::<MatcherKind>()
        .is_ok_and(MatcherKind::vetoes);
    let matcher = &run.file.manifest.matcher.name;
    let mut rows = Vec::new();
    for d in &gold.documents {
        let result = results.get(d.id.as_str()).copied();
        let gold_text = |id: &str| {
            gold.claims_for(&d.id)
                .find(|c| c.id == id)
                .map(|c| c.text.clone())
                .unwrap_or_default()
        };
        // Why a nearest pair did not count; `miss` says from which side it is seen.
        let explain = |n: &Nearest, miss: bool| -> Result<(Why, Option<String>)> {
            let guards = || {
                n.guards
                    .iter()
                    .map(|h| h.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            Ok(match n.why {
                Unmatched::Below if n.guards.is_empty() => (Why::Below, None),
                Unmatched::Below if vetoes => (Why::Vetoed, Some(guards())),
                Unmatched::Below => (
                    Why::Below,
                    Some(format!("{} ({matcher} does not veto)", guards())),
                ),
                Unmatched::Duplicate => (Why::Duplicate, None),
                Unmatched::Taken if miss => {
                    let other = result.and_then(|r| r.matches.iter().find(|m| m.pred == n.pred));
                    (Why::Taken, other.map(|m| format!("it matched {}", m.gold)))
                }
                Unmatched::Taken => {
                    let other = result.and_then(|r| r.matches.iter().find(|m| m.gold == n.gold));
                    let detail = match other {
                        Some(m) => Some(format!("{} matched: {}", n.gold, text_of(&d.id, m.pred)?)),
                        None => None,
                    };
                    (Why::Taken, detail)
                }
            })
        };
        for c in gold.claims_for(&d.id) {
            let m = result.and_then(|r| r.matches.iter().find(|m| m.gold == c.id));
            let near =
                match result.and_then(|r| r.nearest_predictions.iter().find(|n| n.gold == c.id)) {
                    Some(n) if m.is_none() => {
                        let (why, detail) = explain(n, true)?;
                        NearCols {
                            text: Some(text_of(&d.id, n.pred)?),
                            id: None,
                            score: Some(n.similarity),
                            why: Some(why),
                            detail,
                            relation: n.relation,
                        }
                    }
                    _ => NearCols::default(),
                };
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
                nearest: near.text,
                nearest_id: near.id,
                nearest_score: near.score,
                why: near.why,
                why_detail: near.detail,
                relation: near.relation,
            });
        }
        for &i in result.map_or(&[][..], |r| &r.false_alarms[..]) {
            let near = match result.and_then(|r| r.nearest_gold.iter().find(|n| n.pred == i)) {
                Some(n) => {
                    let (why, detail) = explain(n, false)?;
                    NearCols {
                        text: Some(gold_text(&n.gold)),
                        id: Some(n.gold.clone()),
                        score: Some(n.similarity),
                        why: Some(why),
                        detail,
                        relation: n.relation,
                    }
                }
                None => NearCols::default(),
            };
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
                nearest: near.text,
                nearest_id: near.id,
                nearest_score: near.score,
                why: near.why,
                why_detail: near.detail,
                relation: near.relation,
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
