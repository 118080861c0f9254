//! Loading a gold set for scoring: the built-in one or a user's directory, refused when it has errors.

use std::path::Path;

use claimbench_gold::{GoldSet, LoadReport};

use crate::bail;
use crate::error::Result;

/// How a gold directory is named in messages (`built-in gold` for the built-in set).
pub fn label(dir: Option<&Path>) -> String {
    dir.map_or_else(|| "built-in gold".to_string(), |d| d.display().to_string())
}

/// Read a gold set with every problem found (built-in when `dir` is None).
pub fn read(dir: Option<&Path>) -> Result<LoadReport> {
    Ok(match dir {
        None => GoldSet::read_builtin(),
        Some(d) => GoldSet::read_dir(d)?,
    })
}

/// Load a gold set for scoring, giving each warning and each error line to `notify` first; an error when the set
/// has any error.
pub fn load_with(dir: Option<&Path>, notify: &dyn Fn(&str)) -> Result<GoldSet> {
    let report = read(dir)?;
    for w in report.warnings() {
        notify(&format!("warning: {w}"));
    }
    if report.has_errors() {
        for p in report.errors() {
            notify(&p.to_string());
        }
        bail!(
            "{} is not valid: {} error(s), listed above (run `claimbench gold validate` for details)",
            label(dir),
            report.errors().count()
        );
    }
    Ok(report.set)
}

/// [`load_with`] printing its warnings and errors on stderr.
pub fn load(dir: Option<&Path>) -> Result<GoldSet> {
    load_with(dir, &crate::progress::to_stderr)
}

/// The gold set restricted to the documents `keep` accepts, with their claims (same source).
pub fn subset(gold: &GoldSet, keep: &dyn Fn(&str) -> bool) -> GoldSet {
    GoldSet {
        documents: gold
            .documents
            .iter()
            .filter(|d| keep(&d.id))
            .cloned()
            .collect(),
        claims: gold
            .claims
            .iter()
            .filter(|c| keep(&c.doc))
            .cloned()
            .collect(),
        source: gold.source.clone(),
    }
}

/// The gold set restricted to the documents of `--doc` (each must be one of the set's; repeats allowed), and
/// their ids in the set's order; None when `ids` is empty (every document).
pub fn only_documents(gold: &GoldSet, ids: &[String]) -> Result<Option<(GoldSet, Vec<String>)>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let known: Vec<&str> = gold.documents.iter().map(|d| d.id.as_str()).collect();
    if let Some(bad) = ids.iter().find(|id| !known.contains(&id.as_str())) {
        bail!(
            "--doc {bad}: no such document in the gold set (its documents: {})",
            known.join(", ")
        );
    }
    let keep = |doc: &str| ids.iter().any(|id| id == doc);
    let set = subset(gold, &keep);
    let order = set.documents.iter().map(|d| d.id.clone()).collect();
    Ok(Some((set, order)))
}

/// Each gold claim's category and check-worthiness, by (document, claim id): what a paired test per slice needs.
pub fn labels(gold: &GoldSet) -> claimbench_score::GoldLabels {
    gold.claims
        .iter()
        .map(|c| {
            (
                (c.doc.clone(), c.id.clone()),
                claimbench_score::GoldLabel {
                    category: c.category.to_string(),
                    check_worthy: c.check_worthy,
                },
            )
        })
        .collect()
}
