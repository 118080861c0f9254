//! `claimbench gate`: the CI regression gate's output (the checks are `claimbench_harness::gate`'s). Exit 1 when a
//! figure is below its floor, or significantly below the baseline by more than allowed; exit 2 when a check compared
//! nothing; JUnit XML and a Markdown summary on request.

use std::io::Write;

use anyhow::{bail, Context, Result};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::args::GateArgs;
use crate::config;
use crate::output::{emit, print_json, table};
use crate::Outcome;
use claimbench_harness::diff::RunDiff;
use claimbench_harness::files::atomic_write;
use claimbench_harness::gate::{gate, Check, Status};
use claimbench_harness::run;

/// Run `gate`. Its JUnit, Markdown and step summary are written on every exit: an error before the checks is a
/// JUnit `<error>` and a Markdown "ERROR" with the reason, so no earlier report is left standing.
pub fn run(args: GateArgs) -> Result<Outcome> {
    match checks(&args) {
        Ok(verdict) => report(&args, verdict),
        Err(e) => {
            let reason = crate::one_line(&e);
            if let Err(w) = write_outputs(&args, &junit_error(&reason)?, &markdown_error(&reason)) {
                return Err(e.context(format!("and the gate's files were not written ({w:#})")));
            }
            Err(e)
        }
    }
}

/// Load the runs and check them.
fn checks(args: &GateArgs) -> Result<(claimbench_harness::gate::Verdict, String)> {
    let cfg = config::gate(args)?;
    let Some(path) = args.run.as_deref().or(args.run_dir.as_deref()) else {
        bail!("no run to check: give it as `gate RUN` or `--run RUN`");
    };
    let current = run::load(path)?;
    let baseline = args.baseline.as_deref().map(run::load).transpose()?;
    let verdict = gate(&current, baseline.as_ref(), &cfg)?;
    Ok((verdict, current.file.manifest.signature()))
}

/// The JUnit file, the Markdown file and the step summary, each where asked.
fn write_outputs(args: &GateArgs, junit: &str, md: &str) -> Result<()> {
    if let Some(path) = &args.junit {
        atomic_write(path, junit.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
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
    Ok(())
}

/// Print the verdict and write its files.
fn report(
    args: &GateArgs,
    (verdict, signature): (claimbench_harness::gate::Verdict, String),
) -> Result<Outcome> {
    let checks = &verdict.checks;
    let failed = verdict.failed();
    let errors = verdict.errors();
    write_outputs(
        args,
        &junit(checks, verdict.diff.as_ref())?,
        &markdown(checks, verdict.diff.as_ref(), &signature),
    )?;
    if args.output.json {
        print_json(&serde_json::json!({
            "passed": verdict.passed(),
            "errors": errors.len(),
            "signature": signature,
            "checks": checks,
            "diff": verdict.diff,
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
        let skipped = verdict.skipped();
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

/// How many lost claims the Markdown lists per system, and the JUnit failure text names.
pub const LOST_SHOWN: usize = 10;

/// The gold claims `system` lost since the baseline, for a failure text: `; lost since the baseline: 000-003
/// "text", ... and K more` (empty when none or no diff).
fn lost_text(diff: Option<&RunDiff>, system: &str) -> String {
    let Some(s) = diff.and_then(|d| d.systems.iter().find(|s| s.system == system)) else {
        return String::new();
    };
    if s.lost.is_empty() {
        return String::new();
    }
    let named: Vec<String> = s
        .lost
        .iter()
        .take(LOST_SHOWN)
        .map(|c| format!("{} \"{}\"", c.id, c.text))
        .collect();
    format!(
        "; {} gold claim{} lost since the baseline: {}{}",
        s.lost.len(),
        if s.lost.len() == 1 { "" } else { "s" },
        named.join(", "),
        more(s.lost.len())
    )
}

/// ` and K more` when `n` exceeds [`LOST_SHOWN`].
fn more(n: usize) -> String {
    if n > LOST_SHOWN {
        format!(" and {} more", n - LOST_SHOWN)
    } else {
        String::new()
    }
}

/// The checks as JUnit XML: one test case per check; a failed check's text names the gold claims its system
/// lost since the baseline.
pub fn junit(checks: &[Check], diff: Option<&RunDiff>) -> Result<String> {
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
                if c.status == Status::Fail {
                    s.set_message(format!("{}{}", c.message, lost_text(diff, &c.system)));
                } else {
                    s.set_message(c.message.clone());
                }
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

/// A gate that could not run its checks, as JUnit XML: one test case with an `<error>` giving the reason.
pub fn junit_error(reason: &str) -> Result<String> {
    let mut suite = TestSuite::new("claimbench gate");
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_message(reason.to_string());
    let mut case = TestCase::new("gate", status);
    case.set_classname("claimbench");
    suite.add_test_case(case);
    let mut report = Report::new("claimbench");
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}

/// A gate that could not run its checks, as a Markdown summary.
pub fn markdown_error(reason: &str) -> String {
    format!(
        "### claimbench gate: ERROR ❌ (no check ran)\n\n{}\n",
        reason.replace('|', "\\|")
    )
}

/// The checks as a Markdown summary; with a baseline, then per system the gold claims it lost (first, at most
/// [`LOST_SHOWN`], then a count of the rest) and gained.
pub fn markdown(checks: &[Check], diff: Option<&RunDiff>, signature: &str) -> String {
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
    if let Some(d) = diff {
        s.push_str(&markdown_diff(d));
    }
    s.push_str(&format!("\n`{signature}`\n"));
    s
}

/// Markdown-safe text for a table cell or list item.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The claims section of the gate's Markdown: per system that changed, lost claims first.
fn markdown_diff(d: &RunDiff) -> String {
    let mut s = String::from("\n#### Gold claims changed since the baseline\n");
    for sys in &d.systems {
        s.push_str(&format!(
            "\n**{}**: {} lost, {} gained, {} new false alarm{}, {} false alarm{} gone\n",
            md(&sys.system),
            sys.lost.len(),
            sys.gained.len(),
            sys.new_false_alarms.len(),
            if sys.new_false_alarms.len() == 1 {
                ""
            } else {
                "s"
            },
            sys.fixed_false_alarms.len(),
            if sys.fixed_false_alarms.len() == 1 {
                ""
            } else {
                "s"
            },
        ));
        for (what, list) in [("lost", &sys.lost), ("gained", &sys.gained)] {
            if list.is_empty() {
                continue;
            }
            s.push('\n');
            for c in list.iter().take(LOST_SHOWN) {
                let m = c.before.as_ref().or(c.after.as_ref());
                s.push_str(&format!(
                    "- {what} `{}` {}{}\n",
                    c.id,
                    md(&c.text),
                    m.map(|m| format!(
                        " ({} by \"{}\", {:.3})",
                        if what == "lost" {
                            "was matched"
                        } else {
                            "now matched"
                        },
                        md(&m.prediction),
                        m.similarity
                    ))
                    .unwrap_or_default()
                ));
            }
            if list.len() > LOST_SHOWN {
                s.push_str(&format!(
                    "- … and {} more {what}\n",
                    list.len() - LOST_SHOWN
                ));
            }
        }
    }
    s
}
