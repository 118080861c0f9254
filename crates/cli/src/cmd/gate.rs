//! `claimbench gate`: the CI regression gate. Exit 1 when a figure is below its floor, or significantly below the
//! baseline by more than allowed; JUnit XML and a Markdown summary on request.

use std::io::Write;

use anyhow::{bail, Context, Result};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::args::GateArgs;
use crate::cmd::compare::{compare_pair, incompatible, Entry};
use crate::config;
use crate::output::{emit, f3, print_json, pvalue, table};
use crate::Outcome;
use claimbench_harness::files::atomic_write;
use claimbench_harness::run;

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
    fn label(self) -> &'static str {
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
    /// Which check (`min-f1`, `baseline`).
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

fn names(run: &run::LoadedRun) -> String {
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

/// Run `gate`.
pub fn run(args: GateArgs) -> Result<Outcome> {
    let cfg = config::gate(&args)?;
    let current = run::load(&args.run)?;
    let baseline = args.baseline.as_deref().map(run::load).transpose()?;
    if current.file.systems.is_empty() {
        bail!(
            "{} holds no system: there is nothing to gate (a gate that checks nothing cannot pass)",
            current.dir.display()
        );
    }
    if let Some(b) = &baseline {
        if b.file.systems.is_empty() {
            bail!(
                "the baseline {} holds no system: there is nothing to compare against",
                b.dir.display()
            );
        }
        if let Some(why) = incompatible(&current, b) {
            bail!(
                "{} and the baseline {} are not comparable: {why}; rerun the baseline with the same gold and matcher",
                current.dir.display(),
                b.dir.display()
            );
        }
    }
    let config = cfg.compare;
    // Which baseline system each system of the run is compared with: the one of the same name or, when each
    // side holds exactly one system, that one whatever its name.
    let only_one = baseline
        .as_ref()
        .is_some_and(|b| b.file.systems.len() == 1 && current.file.systems.len() == 1);
    let mut checks = Vec::new();
    let mut compared_baseline = std::collections::BTreeSet::new();
    for (name, rec) in &current.file.systems {
        let f1 = rec.results.micro.rates.f1;
        if let Some(floor) = cfg.min_f1 {
            let passed = f1 >= floor;
            checks.push(Check::new(
                name,
                "min-f1",
                if passed { Status::Pass } else { Status::Fail },
                format!(
                    "F1 {} {} floor {}",
                    f3(f1),
                    if passed { ">=" } else { "<" },
                    f3(floor)
                ),
            ));
        }
        let Some(base) = &baseline else { continue };
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
        let a = Entry {
            label: name.clone(),
            run: &current,
            system: name.clone(),
        };
        let b = Entry {
            label: base_name.clone(),
            run: base,
            system: base_name.clone(),
        };
        let c = compare_pair(&a, &b, &config).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
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
                    "F1 {} vs {against} {}: dropped {:.3} (allowed {:.3}), significant (p = {} < {})",
                    f3(c.f1_a),
                    f3(c.f1_b),
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
                    "F1 {} vs {against} {}: dropped {:.3}, within noise (p = {} >= {})",
                    f3(c.f1_a),
                    f3(c.f1_b),
                    drop,
                    pvalue(c.p_randomization),
                    cfg.alpha
                ),
            )
        } else {
            (
                Status::Pass,
                format!(
                    "F1 {} vs {against} {} (change {:+.3}, allowed drop {:.3})",
                    f3(c.f1_a),
                    f3(c.f1_b),
                    c.delta,
                    cfg.max_drop
                ),
            )
        };
        checks.push(Check::new(name, "baseline", status, message));
    }
    if let Some(base) = &baseline {
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
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let errors: Vec<&Check> = checks
        .iter()
        .filter(|c| c.status == Status::Error)
        .collect();
    let signature = current.file.manifest.signature();

    if let Some(path) = &args.junit {
        atomic_write(path, junit(&checks)?.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let md = markdown(&checks, &signature);
    if let Some(path) = &args.markdown {
        atomic_write(path, md.as_bytes())?;
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .with_context(|| {
                format!(
                    "opening $GITHUB_STEP_SUMMARY ({})",
                    summary.to_string_lossy()
                )
            })?;
        f.write_all(md.as_bytes())?;
    }
    if args.output.json {
        print_json(&serde_json::json!({
            "passed": failed == 0 && errors.is_empty(),
            "errors": errors.len(),
            "signature": signature,
            "checks": checks,
        }))?;
    } else {
        let rows: Vec<Vec<String>> = checks
            .iter()
            .map(|c| {
                vec![
                    c.system.clone(),
                    c.check.clone(),
                    c.status.label().into(),
                    c.message.clone(),
                ]
            })
            .collect();
        let skipped = checks
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .count();
        emit(&format!(
            "{}\n{}\ngate {}: {} check{}, {} failed, {} error{}, {} skipped",
            table(&["system", "check", "result", "detail"], &rows),
            signature,
            if !errors.is_empty() {
                "ERROR"
            } else if failed == 0 {
                "passed"
            } else {
                "FAILED"
            },
            checks.len(),
            if checks.len() == 1 { "" } else { "s" },
            failed,
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            skipped
        ))?;
    }
    if let Some(first) = errors.first() {
        bail!(
            "the gate compared nothing for {} check{}: {}: {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            first.system,
            first.message
        );
    }
    Ok(if failed == 0 {
        Outcome::Ok
    } else {
        Outcome::GateFailed
    })
}

/// The checks as JUnit XML: one test case per check.
pub fn junit(checks: &[Check]) -> Result<String> {
    let mut suite = TestSuite::new("claimbench gate");
    for c in checks {
        let status = match c.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail | Status::Error => {
                let kind = if c.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(c.message.clone());
                s
            }
            Status::Skipped => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(c.message.clone());
                s
            }
        };
        let mut case = TestCase::new(format!("{}: {}", c.system, c.check), status);
        case.set_classname("claimbench");
        if c.passed {
            case.set_system_out(c.message.clone());
        }
        suite.add_test_case(case);
    }
    let mut report = Report::new("claimbench");
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}

/// The checks as a Markdown summary.
pub fn markdown(checks: &[Check], signature: &str) -> String {
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let errors = checks.iter().filter(|c| c.status == Status::Error).count();
    let mut s = format!(
        "### claimbench gate: {}\n\n| system | check | result | detail |\n|---|---|---|---|\n",
        if errors > 0 {
            "ERROR ❌ (nothing compared)"
        } else if failed == 0 {
            "passed ✅"
        } else {
            "FAILED ❌"
        }
    );
    for c in checks {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.system,
            c.check,
            match c.status {
                Status::Pass => "pass",
                Status::Fail => "**FAIL**",
                Status::Error => "**ERROR**",
                Status::Skipped => "skipped",
            },
            c.message.replace('|', "\\|")
        ));
    }
    s.push_str(&format!("\n`{signature}`\n"));
    s
}
