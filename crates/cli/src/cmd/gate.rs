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
use claimbench_harness::files::atomic_write;
use claimbench_harness::gate::{gate, Check, Status};
use claimbench_harness::run;

/// Run `gate`.
pub fn run(args: GateArgs) -> Result<Outcome> {
    let cfg = config::gate(&args)?;
    let Some(path) = args.run.as_deref().or(args.run_dir.as_deref()) else {
        bail!("no run to check: give it as `gate RUN` or `--run RUN`");
    };
    let current = run::load(path)?;
    let baseline = args.baseline.as_deref().map(run::load).transpose()?;
    let verdict = gate(&current, baseline.as_ref(), &cfg)?;
    let checks = &verdict.checks;
    let failed = verdict.failed();
    let errors = verdict.errors();
    let signature = current.file.manifest.signature();

    if let Some(path) = &args.junit {
        atomic_write(path, junit(checks)?.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let md = markdown(checks, &signature);
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
            "passed": verdict.passed(),
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
