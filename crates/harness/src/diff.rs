//! Which claims changed between two runs: per system (matched by name), the gold claims gained and lost, with the
//! prediction that matched each before or after and its similarity, and the predictions that became or stopped
//! being false alarms. The one copy behind `claimbench diff` and the per-claim section of `claimbench compare`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bail;
use crate::claims::{system_rows, ClaimRow, Status};
use crate::compare::incompatible;
use crate::error::Result;
use crate::run::LoadedRun;

/// A prediction that matched a gold claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matched {
    /// The prediction's text.
    pub prediction: String,
    /// Its similarity to the gold claim.
    pub similarity: f32,
}

/// A gold claim that one run matched and the other did not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimChange {
    /// The document.
    pub doc: String,
    /// The gold claim's id.
    pub id: String,
    /// The gold claim's text.
    pub text: String,
    /// Its match in run A (None: missed there).
    pub before: Option<Matched>,
    /// Its match in run B (None: missed there).
    pub after: Option<Matched>,
}

/// A prediction that is a false alarm in one run and not in the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmChange {
    /// The document.
    pub doc: String,
    /// The prediction's text.
    pub text: String,
}

/// What changed for one system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemDiff {
    /// The system's name (in both runs).
    pub system: String,
    /// Gold claims missed in A and matched in B, by document then id.
    pub gained: Vec<ClaimChange>,
    /// Gold claims matched in A and missed in B, by document then id.
    pub lost: Vec<ClaimChange>,
    /// Predictions that are false alarms in B and not in A (by text, within the document), by document then text.
    pub new_false_alarms: Vec<AlarmChange>,
    /// Predictions that are false alarms in A and not in B, by document then text.
    pub fixed_false_alarms: Vec<AlarmChange>,
}

impl SystemDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty()
            && self.lost.is_empty()
            && self.new_false_alarms.is_empty()
            && self.fixed_false_alarms.is_empty()
    }
}

/// The diff of two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDiff {
    /// Run A (before).
    pub a: String,
    /// Run B (after).
    pub b: String,
    /// Systems in both runs, by name.
    pub systems: Vec<SystemDiff>,
    /// Systems only in A.
    pub only_in_a: Vec<String>,
    /// Systems only in B.
    pub only_in_b: Vec<String>,
}

/// The diff of two runs scored on the same gold set with the same matcher (else an error saying why); an error
/// too when they have no system in common.
pub fn diff(a: &LoadedRun, b: &LoadedRun) -> Result<RunDiff> {
    if let Some(why) = incompatible(a, b) {
        bail!(
            "{} and {} cannot be diffed: {why}",
            a.dir.display(),
            b.dir.display()
        );
    }
    let only_in_a: Vec<String> = a
        .file
        .systems
        .keys()
        .filter(|s| !b.file.systems.contains_key(*s))
        .cloned()
        .collect();
    let only_in_b: Vec<String> = b
        .file
        .systems
        .keys()
        .filter(|s| !a.file.systems.contains_key(*s))
        .cloned()
        .collect();
    let pairs: Vec<(String, String)> = a
        .file
        .systems
        .keys()
        .filter(|s| b.file.systems.contains_key(*s))
        .map(|s| (s.clone(), s.clone()))
        .collect();
    if pairs.is_empty() {
        bail!(
            "{} and {} have no system in common (A: {}; B: {})",
            a.dir.display(),
            b.dir.display(),
            names(&only_in_a),
            names(&only_in_b)
        );
    }
    let mut d = diff_pairs(a, b, &pairs)?;
    d.only_in_a = only_in_a;
    d.only_in_b = only_in_b;
    Ok(d)
}

/// The diff of the given systems, each `(name in A, name in B)` and named as in B, of two runs already known
/// to be comparable (the gate pairs its systems itself); `only_in_a` and `only_in_b` are left empty.
pub fn diff_pairs(a: &LoadedRun, b: &LoadedRun, pairs: &[(String, String)]) -> Result<RunDiff> {
    let gold = a.gold_set()?;
    let mut systems = Vec::new();
    for (name_a, name_b) in pairs {
        systems.push(system_diff(
            name_b,
            &system_rows(a, &gold, name_a)?,
            &system_rows(b, &gold, name_b)?,
        ));
    }
    Ok(RunDiff {
        a: a.dir.display().to_string(),
        b: b.dir.display().to_string(),
        systems,
        only_in_a: Vec::new(),
        only_in_b: Vec::new(),
    })
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// The changes between one system's rows in A and in B (rows as [`system_rows`] gives them).
pub fn system_diff(system: &str, a: &[ClaimRow], b: &[ClaimRow]) -> SystemDiff {
    let matched = |r: &ClaimRow| {
        (r.status == Status::Tp).then(|| Matched {
            prediction: r.prediction_text.clone().unwrap_or_default(),
            similarity: r.similarity.unwrap_or_default(),
        })
    };
    // Gold claims by (doc, id): a BTreeMap gives the document-then-id order.
    let gold_of = |rows: &[ClaimRow]| -> BTreeMap<(String, String), (String, Option<Matched>)> {
        rows.iter()
            .filter(|r| r.status != Status::Fp)
            .filter_map(|r| {
                let id = r.gold_id.clone()?;
                Some((
                    (r.doc.clone(), id),
                    (r.gold_text.clone().unwrap_or_default(), matched(r)),
                ))
            })
            .collect()
    };
    let (ga, gb) = (gold_of(a), gold_of(b));
    let (mut gained, mut lost) = (Vec::new(), Vec::new());
    for ((doc, id), (text, before)) in &ga {
        let after = gb.get(&(doc.clone(), id.clone())).and_then(|x| x.1.clone());
        let change = || ClaimChange {
            doc: doc.clone(),
            id: id.clone(),
            text: text.clone(),
            before: before.clone(),
            after: after.clone(),
        };
        match (before.is_some(), after.is_some()) {
            (false, true) => gained.push(change()),
            (true, false) => lost.push(change()),
            _ => {}
        }
    }
    let alarms = |rows: &[ClaimRow]| -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for r in rows.iter().filter(|r| r.status == Status::Fp) {
            *m.entry((r.doc.clone(), r.prediction_text.clone().unwrap_or_default()))
                .or_insert(0) += 1;
        }
        m
    };
    let (fa, fb) = (alarms(a), alarms(b));
    // A text that is a false alarm k times in one run and j < k times in the other changed k - j times.
    let surplus = |x: &BTreeMap<(String, String), usize>, y: &BTreeMap<(String, String), usize>| {
        let mut out = Vec::new();
        for ((doc, text), &n) in x {
            for _ in y.get(&(doc.clone(), text.clone())).copied().unwrap_or(0)..n {
                out.push(AlarmChange {
                    doc: doc.clone(),
                    text: text.clone(),
                });
            }
        }
        out
    };
    SystemDiff {
        system: system.to_string(),
        gained,
        lost,
        new_false_alarms: surplus(&fb, &fa),
        fixed_false_alarms: surplus(&fa, &fb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(doc: &str, id: &str, pred: Option<(&str, f32)>) -> ClaimRow {
        ClaimRow {
            system: "s".into(),
            doc: doc.into(),
            status: if pred.is_some() {
                Status::Tp
            } else {
                Status::Fn
            },
            gold_id: Some(id.into()),
            gold_text: Some(format!("claim {id}")),
            prediction: pred.map(|_| 0),
            prediction_text: pred.map(|p| p.0.to_string()),
            similarity: pred.map(|p| p.1),
            category: Some("event".into()),
            check_worthy: Some(true),
            nearest: None,
            nearest_id: None,
            nearest_score: None,
            why: None,
            why_detail: None,
            relation: None,
        }
    }

    fn alarm(doc: &str, text: &str) -> ClaimRow {
        ClaimRow {
            system: "s".into(),
            doc: doc.into(),
            status: Status::Fp,
            gold_id: None,
            gold_text: None,
            prediction: Some(0),
            prediction_text: Some(text.into()),
            similarity: None,
            category: None,
            check_worthy: None,
            nearest: None,
            nearest_id: None,
            nearest_score: None,
            why: None,
            why_detail: None,
            relation: None,
        }
    }

    #[test]
    fn gained_lost_and_alarms_in_document_then_id_order() {
        let a = vec![
            gold("001", "001-002", Some(("x", 0.9))),
            gold("000", "000-002", None),
            gold("000", "000-001", Some(("y", 0.8))),
            alarm("000", "junk"),
            alarm("000", "junk"),
            alarm("001", "old"),
        ];
        let b = vec![
            gold("001", "001-002", None),
            gold("000", "000-002", Some(("z", 0.7))),
            gold("000", "000-001", None),
            alarm("000", "junk"),
            alarm("001", "new"),
        ];
        let d = system_diff("s", &a, &b);
        assert_eq!(
            d.gained.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["000-002"]
        );
        assert_eq!(d.gained[0].before, None);
        assert_eq!(
            d.gained[0].after,
            Some(Matched {
                prediction: "z".into(),
                similarity: 0.7
            })
        );
        assert_eq!(
            d.lost.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["000-001", "001-002"]
        );
        assert_eq!(d.lost[1].before.as_ref().map(|m| m.similarity), Some(0.9));
        let texts = |v: &[AlarmChange]| {
            v.iter()
                .map(|x| format!("{}:{}", x.doc, x.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(texts(&d.new_false_alarms), ["001:new"]);
        assert_eq!(texts(&d.fixed_false_alarms), ["000:junk", "001:old"]);
        assert!(!d.is_empty());
        assert!(system_diff("s", &a, &a).is_empty());
    }
}
