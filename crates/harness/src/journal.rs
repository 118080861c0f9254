//! Each extractor's output, article by article, saved in the run directory as it arrives, so that a run that
//! was stopped (`--stop-after-failures`), killed, or that lost articles to a failing command can be continued:
//! `eval --resume RUN` keeps the articles already extracted and runs the extractors on the others only.
//!
//! ```text
//! <run>/articles/plan.json            what the run is: its manifest, its scoring settings, and per system the
//!                                     source and the extractor's own hash; a resume with another plan is refused
//! <run>/articles/<system>/<doc>.json  one article: {"doc": ID, "claims": [...]} or {"doc": ID, "failed": "why"}
//! ```
//!
//! The folder is the run's own (its `.claimbench-run` lists `articles/`), each file is written whole (temp file
//! and rename), and a finished run carries it over ([`crate::rundir::RunWriter`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use claimbench_extract::PredictedClaim;
use serde::{Deserialize, Serialize};

use crate::bail;
use crate::error::{Context, Result};
use crate::files::{atomic_write, write_json};
use crate::run::slug;
use crate::rundir::RunWriter;

pub use crate::rundir::JOURNAL_DIR;
/// The file that says what the journal's run is.
const PLAN_FILE: &str = "plan.json";
/// Exit code of `eval` stopped by `--stop-after-failures` (what was extracted is kept for `--resume`).
pub const STOPPED_EXIT: u8 = 4;

/// A run stopped after `failed` articles failed (the `--stop-after-failures` limit).
#[derive(Debug, thiserror::Error)]
pub struct Stopped {
    /// How many articles failed.
    pub failed: usize,
    /// The run directory that keeps the articles done.
    pub run: PathBuf,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let run = self.run.display();
        write!(
            f,
            "stopped after {n} failed article{s} (--stop-after-failures {n}); the articles done are kept in {run}: continue with `claimbench eval --resume {run}` and the same options",
            n = self.failed,
            s = if self.failed == 1 { "" } else { "s" },
        )
    }
}

/// Version of the journal's files.
const FORMAT: u32 = 1;

/// What a run is, as far as a resume must agree with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalPlan {
    /// The journal's format.
    pub claimbench_journal: u32,
    /// The run's manifest (gold hash, model, matcher, threshold, bootstrap, calibration, ...).
    pub manifest: serde_json::Value,
    /// The scoring settings.
    pub config: serde_json::Value,
    /// Per system name: what it is.
    pub systems: BTreeMap<String, JournalSystem>,
}

/// One system of a [`JournalPlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalSystem {
    /// Its source, as the run records it (`command:python3 x.py`).
    pub source: String,
    /// The extractor's own hash (a `command:`'s text and the files it names, a `t5:` model's files).
    pub extractor_sha256: Option<String>,
}

impl JournalPlan {
    /// A plan from the run's manifest and scoring settings (anything serialisable) and its systems.
    pub fn new(
        manifest: &impl Serialize,
        config: &impl Serialize,
        systems: BTreeMap<String, JournalSystem>,
    ) -> Result<JournalPlan> {
        Ok(JournalPlan {
            claimbench_journal: FORMAT,
            manifest: via_text(manifest)?,
            config: via_text(config)?,
            systems,
        })
    }
}

/// A value as JSON, through its text, so that an f32 is the number it prints as (0.9, not 0.8999999761581421).
fn via_text(v: &impl Serialize) -> Result<serde_json::Value> {
    Ok(serde_json::from_str(&serde_json::to_string(v)?)?)
}

/// One article's outcome on disk.
#[derive(Debug, Serialize, Deserialize)]
struct Article {
    doc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claims: Option<Vec<PredictedClaim>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
}

/// Articles a resume keeps: per system, per document, the claims extracted before.
pub type Kept = BTreeMap<String, BTreeMap<String, Vec<PredictedClaim>>>;

/// The journal of a run being written.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    run: PathBuf,
}

impl Journal {
    /// Open the journal of the run `writer` writes. Fresh (`resume` false): what an earlier run left is removed
    /// and `plan` written. Resume: the journal must exist and its plan equal `plan` (else an error that names what
    /// differs); the articles that succeeded are returned, those that failed are not (they are run again).
    pub fn open(
        writer: &mut RunWriter,
        plan: &JournalPlan,
        resume: bool,
    ) -> Result<(Journal, Kept)> {
        let run = writer.target().to_path_buf();
        let dir = run.join(JOURNAL_DIR);
        let journal = Journal {
            dir: dir.clone(),
            run: run.clone(),
        };
        if !resume {
            writer.claim_journal()?;
            remove_dir(&dir)?;
            write_json(&dir.join(PLAN_FILE), plan)?;
            return Ok((journal, Kept::new()));
        }
        let plan_path = dir.join(PLAN_FILE);
        let text = match std::fs::read_to_string(&plan_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "{}: nothing to resume: {} is missing (a run keeps its articles there when an `eval` of this claimbench ran an extractor)",
                run.display(),
                Path::new(JOURNAL_DIR).join(PLAN_FILE).display()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {}", plan_path.display())),
        };
        let before: JournalPlan = serde_json::from_str(&text).map_err(|e| {
            crate::Error::msg(format!(
                "{}:{}: {e} (not a claimbench journal plan)",
                plan_path.display(),
                e.line()
            ))
        })?;
        if before != *plan {
            bail!(
                "{}: --resume refused: the run was made with other settings or extractors ({}); give the run's own options, or run again without --resume",
                run.display(),
                differences(&before, plan)
            );
        }
        writer.claim_journal()?;
        let mut kept = Kept::new();
        for name in plan.systems.keys() {
            let sub = dir.join(slug(name));
            let Ok(entries) = std::fs::read_dir(&sub) else {
                continue;
            };
            let mut docs = BTreeMap::new();
            for e in entries {
                let e = e.with_context(|| format!("reading {}", sub.display()))?;
                let path = e.path();
                if path.extension().is_none_or(|x| x != "json") {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let a: Article = serde_json::from_str(&text).map_err(|e| {
                    crate::Error::msg(format!(
                        "{}:{}: {e} (not an article of the journal)",
                        path.display(),
                        e.line()
                    ))
                })?;
                // a file another document's name maps to as well is checked by its own `doc`
                if path.file_name() != Some(file_name(&a.doc).as_ref()) {
                    continue;
                }
                if let (Some(claims), None) = (a.claims, a.failed) {
                    docs.insert(a.doc, claims);
                }
            }
            kept.insert(name.clone(), docs);
        }
        Ok((journal, kept))
    }

    /// The run directory.
    pub fn run(&self) -> &Path {
        &self.run
    }

    /// Save one article's claims (`Ok`) or why the extractor failed on it (`Err`).
    pub fn record(
        &self,
        system: &str,
        doc: &str,
        outcome: std::result::Result<&[PredictedClaim], &str>,
    ) -> Result<()> {
        let a = Article {
            doc: doc.to_string(),
            claims: outcome.ok().map(<[PredictedClaim]>::to_vec),
            failed: outcome.err().map(str::to_string),
        };
        let mut text = serde_json::to_string(&a)?;
        text.push('\n');
        let path = self.dir.join(slug(system)).join(file_name(doc));
        Ok(atomic_write(&path, text.as_bytes())?)
    }
}

/// An article's file name: its id when that is a safe name, else the safe name and a short hash of the id.
fn file_name(doc: &str) -> String {
    let s = slug(doc);
    if s == doc && !doc.starts_with('.') {
        format!("{s}.json")
    } else {
        let h = claimbench_io::sha256_hex(doc.as_bytes());
        format!("{s}-{}.json", &h[..12])
    }
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// What differs between two plans, as `field: before → now` (the first five).
fn differences(before: &JournalPlan, now: &JournalPlan) -> String {
    let a = flatten(&serde_json::to_value(before).unwrap_or_default());
    let b = flatten(&serde_json::to_value(now).unwrap_or_default());
    let mut out = Vec::new();
    for k in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "absent".to_string());
            out.push(format!("{k}: {} in the run, {} now", show(x), show(y)));
        }
    }
    let more = out.len().saturating_sub(5);
    out.truncate(5);
    let mut s = out.join("; ");
    if more > 0 {
        s.push_str(&format!("; and {more} more"));
    }
    s
}

/// A JSON value as `a.b.c` → compact value, leaves only.
fn flatten(v: &serde_json::Value) -> BTreeMap<String, String> {
    fn walk(v: &serde_json::Value, at: String, out: &mut BTreeMap<String, String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let key = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    walk(x, key, out);
                }
            }
            _ => {
                out.insert(at, v.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(threshold: f64, cmd: &str) -> JournalPlan {
        let systems = [(
            "mine".to_string(),
            JournalSystem {
                source: format!("command:{cmd}"),
                extractor_sha256: None,
            },
        )]
        .into();
        JournalPlan::new(
            &serde_json::json!({"threshold": threshold}),
            &serde_json::json!({}),
            systems,
        )
        .unwrap()
    }

    #[test]
    fn differences_name_each_field_that_changed() {
        assert_eq!(
            differences(&plan(0.5, "a"), &plan(0.7, "b")),
            "manifest.threshold: 0.5 in the run, 0.7 now; systems.mine.source: \"command:a\" in the run, \"command:b\" now"
        );
        assert_eq!(differences(&plan(0.5, "a"), &plan(0.5, "a")), "");
    }

    #[test]
    fn article_file_names_are_safe_and_distinct() {
        assert_eq!(file_name("004"), "004.json");
        assert_ne!(file_name("a/b"), file_name("a_b"));
        assert!(file_name("a/b").starts_with("a_b-"));
        assert!(file_name("..").starts_with("..-"));
    }
}
