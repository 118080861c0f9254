//! The CI regression gate's decisions: which checks a run gets (floors on F1, coverage and focus, the paired test
//! against a baseline), how each came out, and what counts as having compared nothing. The one copy behind
//! `claimbench gate`; the command only formats the checks (table, JSON, JUnit, Markdown).

use std::collections::BTreeSet;

use claimbench_score::CompareConfig;
use serde::Serialize;

use crate::bail;
use crate::compare::{compare_pair, incompatible, pvalue, Entry};
use crate::diff::{diff_pairs, RunDiff};
use crate::error::Result;
use crate::run::LoadedRun;

/// The gate's settings.
#[derive(Debug, Clone, Copy)]
pub struct GateConfig {
    /// F1 floor.
    pub min_f1: Option<f64>,
    /// Coverage floor (a directional matcher's: the share of gold claims some prediction states).
    pub min_coverage: Option<f64>,
    /// Focus floor (a directional matcher's: the share of predictions some gold claim states).
    pub min_focus: Option<f64>,
    /// Allowed F1 drop against the baseline.
    pub max_drop: f64,
    /// Significance level.
    pub alpha: f64,
    /// Paired-test settings.
    pub compare: CompareConfig,
    /// Systems the baseline lacks are skipped, not errors.
    pub allow_new: bool,
    /// Baseline systems the run lacks are skipped, not errors.
    pub allow_missing: bool,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked and passed.
    Pass,
    /// Checked and failed (exit 1).
    Fail,
    /// Nothing was compared and that was not allowed (exit 2).
    Error,
    /// Nothing was compared, as allowed by `--allow-new` or `--allow-missing`.
    Skipped,
}

impl Status {
    /// The word a table shows for it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skipped => "skipped",
        }
    }
}

/// One check of the gate.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The system checked.
    pub system: String,
    /// Which check (`predictions`, `min-f1`, `min-coverage`, `min-focus`, `baseline`).
    pub check: String,
    /// How it came out.
    pub status: Status,
    /// Whether it passed (`status` is `pass`).
    pub passed: bool,
    /// What was found, for people.
    pub message: String,
}

impl Check {
    fn new(system: &str, check: &str, status: Status, message: String) -> Check {
        Check {
            system: system.to_string(),
            check: check.to_string(),
            status,
            passed: status == Status::Pass,
            message,
        }
    }
}

/// The gate's checks, and how they came out together.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Every check, in order: each system of the run, then baseline systems the run lacks.
    pub checks: Vec<Check>,
    /// With a baseline: the gold claims each compared system gained and lost since it (A: the baseline, B: the
    /// run; systems named as in the run).
    pub diff: Option<RunDiff>,
}

impl Verdict {
    /// How many checks failed.
    pub fn failed(&self) -> usize {
        self.count(Status::Fail)
    }

    /// The checks that compared nothing, and were not allowed to.
    pub fn errors(&self) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Error)
            .collect()
    }

    /// How many checks were skipped as allowed.
    pub fn skipped(&self) -> usize {
        self.count(Status::Skipped)
    }

    /// True when no check failed and none compared nothing.
    pub fn passed(&self) -> bool {
        self.checks
            .iter()
            .all(|c| matches!(c.status, Status::Pass | Status::Skipped))
    }

    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}

/// The names of a run's systems, for a message.
fn names(run: &LoadedRun) -> String {
    if run.file.systems.is_empty() {
        "none".into()
    } else {
        run.file
            .systems
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Gate `current` by `cfg`, against `baseline` when given; an error when either run holds no system or the two
/// can't be compared.
pub fn gate(
    current: &LoadedRun,
    baseline: Option<&LoadedRun>,
    cfg: &GateConfig,
) -> Result<Verdict> {
    if current.file.systems.is_empty() {
        bail!(
            "{} holds no system: there is nothing to gate (a gate that checks nothing cannot pass)",
            current.dir.display()
        );
    }
    if let Some(b) = baseline {
        if b.file.systems.is_empty() {
            bail!(
                "the baseline {} holds no system: there is nothing to compare against",
                b.dir.display()
            );
        }
        if let Some(why) = incompatible(current, b) {
            bail!(
                "{} and the baseline {} are not comparable: {why}; rerun the baseline with the same gold and matcher",
                current.dir.display(),
                b.dir.display()
            );
        }
    }
    // Which baseline system each system of the run is compared with: the one of the same name or, when each
    // side holds exactly one system, that one whatever its name.
    let only_one =
        baseline.is_some_and(|b| b.file.systems.len() == 1 && current.file.systems.len() == 1);
    let mut checks = Vec::new();
    let mut compared_baseline = BTreeSet::new();
    let mut diffed: Vec<(String, String)> = Vec::new();
    for (name, rec) in &current.file.systems {
        if rec.results.micro.pred == 0 {
            // An extractor that wrote nothing (a crashed step, an empty file) scores F1 0; a floor of 0 or an
            // equally empty baseline would pass it. Nothing was scored, so nothing has passed.
            checks.push(Check::new(
                name,
                "predictions",
                Status::Error,
                format!(
                    "no predictions were scored (0 claims over {} documents): nothing to gate",
                    rec.results.documents_scored
                ),
            ));
        }
        let f1 = rec.results.micro.rates.f1;
        if let Some(floor) = cfg.min_f1 {
            let passed = f1 >= floor;
            checks.push(Check::new(
                name,
                "min-f1",
                if passed { Status::Pass } else { Status::Fail },
                format!(
                    "F1 {f1:.3} {} floor {floor:.3}",
                    if passed { ">=" } else { "<" },
                ),
            ));
        }
        let packaging = rec.results.packaging;
        for (check, floor, value, what) in [
            (
                "min-coverage",
                cfg.min_coverage,
                packaging.map(|p| p.coverage),
                "coverage",
            ),
            (
                "min-focus",
                cfg.min_focus,
                packaging.map(|p| p.focus),
                "focus",
            ),
        ] {
            let Some(floor) = floor else { continue };
            checks.push(match value {
                Some(v) => {
                    let passed = v >= floor;
                    Check::new(
                        name,
                        check,
                        if passed { Status::Pass } else { Status::Fail },
                        format!(
                            "{what} {v:.3} {} floor {floor:.3}",
                            if passed { ">=" } else { "<" },
                        ),
                    )
                }
                // A floor that compared nothing has not passed.
                None => Check::new(
                    name,
                    check,
                    Status::Error,
                    format!(
                        "no {what}: the matcher {} gives no directions, so nothing was compared; score with a \
                         directional matcher (--matcher cover)",
                        current.file.manifest.matcher.name
                    ),
                ),
            });
        }
        let Some(base) = baseline else { continue };
        let base_name = if base.file.systems.contains_key(name) {
            name.clone()
        } else if only_one {
            base.file.systems.keys().next().cloned().unwrap_or_default()
        } else {
            let (status, what) = if cfg.allow_new {
                (Status::Skipped, "new system (--allow-new)")
            } else {
                (
                    Status::Error,
                    "nothing compared; name the systems alike (`score --name NAME`) or pass --allow-new",
                )
            };
            checks.push(Check::new(
                name,
                "baseline",
                status,
                format!(
                    "no system {name:?} in the baseline (it holds: {}): {what}",
                    names(base)
                ),
            ));
            continue;
        };
        compared_baseline.insert(base_name.clone());
        diffed.push((base_name.clone(), name.clone()));
        let a = Entry {
            label: name.clone(),
            run: current,
            system: name.clone(),
        };
        let b = Entry {
            label: base_name.clone(),
            run: base,
            system: base_name.clone(),
        };
        let c = match compare_pair(&a, &b, &cfg.compare) {
            Ok(c) => c,
            Err(e) => bail!("{name}: {e}"),
        };
        let against = if base_name == *name {
            "baseline".to_string()
        } else {
            format!("baseline {base_name:?} (the only system on each side)")
        };
        let drop = -c.delta;
        let significant = c.p_randomization < cfg.alpha;
        let (status, message) = if drop > cfg.max_drop && significant {
            (
                Status::Fail,
                format!(
                    "F1 {:.3} vs {against} {:.3}: dropped {:.3} (allowed {:.3}), significant (p = {} < {})",
                    c.f1_a,
                    c.f1_b,
                    drop,
                    cfg.max_drop,
                    pvalue(c.p_randomization),
                    cfg.alpha
                ),
            )
        } else if drop > cfg.max_drop {
            (
                Status::Pass,
                format!(
                    "F1 {:.3} vs {against} {:.3}: dropped {:.3}, within noise (p = {} >= {})",
                    c.f1_a,
                    c.f1_b,
                    drop,
                    pvalue(c.p_randomization),
                    cfg.alpha
                ),
            )
        } else {
            (
                Status::Pass,
                format!(
                    "F1 {:.3} vs {against} {:.3} (change {:+.3}, allowed drop {:.3})",
                    c.f1_a, c.f1_b, c.delta, cfg.max_drop
                ),
            )
        };
        checks.push(Check::new(name, "baseline", status, message));
    }
    if let Some(base) = baseline {
        for name in base.file.systems.keys() {
            if compared_baseline.contains(name) || current.file.systems.contains_key(name) {
                continue;
            }
            let (status, what) = if cfg.allow_missing {
                (Status::Skipped, "missing from the run (--allow-missing)")
            } else {
                (
                    Status::Error,
                    "the run lacks it, so it was not compared; pass --allow-missing if it was dropped on purpose",
                )
            };
            checks.push(Check::new(
                name,
                "baseline",
                status,
                format!("baseline system {name:?}: {what}"),
            ));
        }
    }
    let diff = match baseline {
        Some(base) if !diffed.is_empty() => Some(diff_pairs(base, current, &diffed)?),
        _ => None,
    };
    Ok(Verdict { checks, diff })
}
