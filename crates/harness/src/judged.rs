//! A run against what a person said about the same predictions (`gold/judged/`): per system, the person's
//! one-to-one F1, the matcher's, the gap between them, their link agreement, coverage and focus, and the
//! agreement of a second judge with the first.

use std::collections::BTreeMap;
use std::path::Path;

use claimbench_gold::judged::{JudgedSet, JudgedSystem, Judgment, Stated};
use claimbench_gold::GoldSet;
use claimbench_score::agreement::{max_matching, AgreementSums, DocLinks};
use serde::Serialize;

use crate::error::{Context, Error, Result};
use crate::run::SystemRecord;

/// One system of a run beside a person's judgment of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemAgreement {
    /// The system's name.
    pub system: String,
    /// Predictions.
    pub predictions: usize,
    /// The person's one-to-one F1.
    pub person_f1: f64,
    /// The matcher's one-to-one F1 on the same predictions.
    pub matcher_f1: f64,
    /// |matcher F1 − person F1|.
    pub f1_gap: f64,
    /// Share of predictions on which the matcher and the person agree.
    pub link_agreement: f64,
    /// Share of gold claims stated by some prediction in any packaging (the person's).
    pub coverage: f64,
    /// Share of predictions whose content the gold states (the person's).
    pub focus: f64,
    /// Predictions the person says bundle a gold claim with more.
    pub bundling: usize,
    /// Predictions the person says state only part of a gold claim.
    pub partial: usize,
    /// Two judges on the documents both judged, when a second judge labelled any.
    pub judges: Option<JudgeAgreement>,
}

/// A second judge against the first, on the documents the second judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeAgreement {
    /// Documents both judged.
    pub documents: Vec<String>,
    /// Predictions both judged.
    pub predictions: usize,
    /// The first judge's F1 there.
    pub first_f1: f64,
    /// The second judge's F1 there.
    pub second_f1: f64,
    /// Share of predictions on which the two judges' matchings agree.
    pub link_agreement: f64,
}

/// Compare every system of `systems` that the judged set in `dir` holds (by name); other systems are left out,
/// and a run with none of them is an error.
pub fn agreement(
    systems: &BTreeMap<String, SystemRecord>,
    dir: &Path,
    gold: &GoldSet,
) -> Result<Vec<SystemAgreement>> {
    let set =
        JudgedSet::load(dir, gold).map_err(|e| Error::msg(format!("{}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for (name, record) in systems {
        if let Some(judged) = set.systems.get(name) {
            out.push(
                system_agreement(name, record, judged, gold).context(format!("system {name}"))?,
            );
        }
    }
    if out.is_empty() {
        return Err(Error::msg(format!(
            "no system of the run is in the judged set {} (it holds {}; score its predictions files, e.g. `claimbench score --pred {}/predictions/{}.jsonl`)",
            dir.display(),
            set.systems.keys().cloned().collect::<Vec<_>>().join(", "),
            dir.display(),
            set.systems.keys().next().map(String::as_str).unwrap_or("NAME"),
        )));
    }
    Ok(out)
}

/// Gold claim ids of `doc` in gold order, and their index.
fn gold_index(gold: &GoldSet, doc: &str) -> BTreeMap<String, usize> {
    gold.claims_for(doc)
        .enumerate()
        .map(|(k, c)| (c.id.clone(), k))
        .collect()
}

fn links_of(labels: &[&Judgment], index: &BTreeMap<String, usize>) -> DocLinks {
    let ids = |l: &[String]| l.iter().map(|g| index[g]).collect::<Vec<_>>();
    DocLinks {
        gold: index.len(),
        same: labels.iter().map(|j| ids(&j.same)).collect(),
        bundles: labels.iter().map(|j| ids(&j.bundles)).collect(),
        stated_all: labels.iter().map(|j| j.stated == Stated::All).collect(),
    }
}

fn system_agreement(
    name: &str,
    record: &SystemRecord,
    judged: &JudgedSystem,
    gold: &GoldSet,
) -> Result<SystemAgreement> {
    let by_doc: BTreeMap<&str, _> = record
        .results
        .documents
        .iter()
        .map(|d| (d.doc.as_str(), d))
        .collect();
    let mut sums = AgreementSums::default();
    let mut first = AgreementSums::default();
    let mut docs2 = Vec::new();
    for doc in &gold.documents {
        let index = gold_index(gold, &doc.id);
        let labels: Vec<&Judgment> = judged
            .predictions
            .iter()
            .zip(&judged.labels)
            .filter(|(p, _)| p.doc == doc.id)
            .map(|(_, j)| j)
            .collect();
        let matcher: Vec<Option<usize>> = match by_doc.get(doc.id.as_str()) {
            Some(d) => {
                if d.pred != labels.len() {
                    return Err(Error::msg(format!(
                        "document {}: the run scored {} predictions, the judged set holds {}: score the judged set's own predictions file",
                        doc.id,
                        d.pred,
                        labels.len()
                    )));
                }
                let mut m = vec![None; d.pred];
                for p in &d.matches {
                    m[p.pred] = index.get(&p.gold).copied();
                }
                m
            }
            None if labels.is_empty() => Vec::new(),
            None => {
                return Err(Error::msg(format!(
                "document {}: the run has no result for it but the judged set holds {} predictions",
                doc.id,
                labels.len()
            )))
            }
        };
        let person = links_of(&labels, &index);
        sums.add(&person, &matcher)?;
        // The second judge, on documents whose every prediction they labelled.
        let second: Vec<&Judgment> = judged
            .predictions
            .iter()
            .filter(|p| p.doc == doc.id)
            .filter_map(|p| judged.second.get(&p.id))
            .collect();
        if !labels.is_empty() && second.len() == labels.len() {
            let b = links_of(&second, &index);
            let none = vec![None; labels.len()];
            let b_match = max_matching(b.gold, &b.same, &none)?;
            first.add(&person, &b_match)?;
            docs2.push(doc.id.clone());
        }
    }
    let judges = (!docs2.is_empty()).then(|| JudgeAgreement {
        documents: docs2,
        predictions: first.pred,
        first_f1: first.person().f1,
        second_f1: first.matcher().f1,
        link_agreement: first.link_agreement(),
    });
    Ok(SystemAgreement {
        system: name.to_string(),
        predictions: sums.pred,
        person_f1: sums.person().f1,
        matcher_f1: sums.matcher().f1,
        f1_gap: sums.f1_gap(),
        link_agreement: sums.link_agreement(),
        coverage: sums.coverage(),
        focus: sums.focus(),
        bundling: judged
            .labels
            .iter()
            .filter(|j| !j.bundles.is_empty())
            .count(),
        partial: judged
            .labels
            .iter()
            .filter(|j| !j.part_of.is_empty())
            .count(),
        judges,
    })
}
