//! `claimbench gate`: the CI regression gate. Exit 1 when a figure is below its floor, or significantly below the
//! baseline by more than allowed; JUnit XML and a Markdown summary on request.

use std::io::Write;

use anyhow::{bail, Context, Result};
use claimbench_score::CompareConfig;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::args::GateArgs;
use crate::cmd::compare::{compare_pair, incompatible, Entry};
use crate::output::{emit, f3, print_json, table, write_atomic};
use crate::run;
use crate::Outcome;

/// One check of the gate.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The system checked.
    pub system: String,
    /// Which check (`min-f1`, `baseline`).
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was found, for people.
    pub message: String,
}

/// Run `gate`.
pub fn run(args: GateArgs) -> Result<Outcome> {
    if args.min_f1.is_none() && args.baseline.is_none() {
        bail!("nothing to check: give --min-f1, --baseline, or both");
    }
    if !(0.0..=1.0).contains(&args.alpha) {
        bail!("--alpha must be in [0, 1]");
    }
    let current = run::load(&args.run)?;
    let baseline = args.baseline.as_deref().map(run::load).transpose()?;
    if let Some(b) = &baseline {
        if let Some(why) = incompatible(&current, b) {
            bail!(
                "{} and the baseline {} are not comparable: {why}; rerun the baseline with the same gold and matcher",
                current.dir.display(),
                b.dir.display()
            );
        }
    }
    let config = CompareConfig {
        permutations: args.permutations,
        seed: args.seed,
        ..CompareConfig::default()
    };
    let mut checks = Vec::new();
    for (name, rec) in &current.file.systems {
        let f1 = rec.results.micro.rates.f1;
        if let Some(floor) = args.min_f1 {
            let passed = f1 >= floor;
            checks.push(Check {
                system: name.clone(),
                check: "min-f1".into(),
                passed,
                message: format!(
                    "F1 {} {} floor {}",
                    f3(f1),
                    if passed { ">=" } else { "<" },
                    f3(floor)
                ),
            });
        }
        let Some(base) = &baseline else { continue };
        if !base.file.systems.contains_key(name) {
            checks.push(Check {
                system: name.clone(),
                check: "baseline".into(),
                passed: true,
                message: "no system of this name in the baseline: not compared".into(),
            });
            continue;
        }
        let a = Entry {
            label: name.clone(),
            run: &current,
            system: name.clone(),
        };
        let b = Entry {
            label: name.clone(),
            run: base,
            system: name.clone(),
        };
        let c = compare_pair(&a, &b, &config).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let drop = -c.delta;
        let significant = c.p_randomization < args.alpha;
        let (passed, message) = if drop > args.max_drop && significant {
            (
                false,
                format!(
                    "F1 {} vs baseline {}: dropped {:.3} (allowed {:.3}), significant (p = {:.4} < {})",
                    f3(c.f1_a), f3(c.f1_b), drop, args.max_drop, c.p_randomization, args.alpha
                ),
            )
        } else if drop > args.max_drop {
            (
                true,
                format!(
                    "F1 {} vs baseline {}: dropped {:.3}, within noise (p = {:.4} >= {})",
                    f3(c.f1_a),
                    f3(c.f1_b),
                    drop,
                    c.p_randomization,
                    args.alpha
                ),
            )
        } else {
            (
                true,
                format!(
                    "F1 {} vs baseline {} (change {:+.3}, allowed drop {:.3})",
                    f3(c.f1_a),
                    f3(c.f1_b),
                    c.delta,
                    args.max_drop
                ),
            )
        };
        checks.push(Check {
            system: name.clone(),
            check: "baseline".into(),
            passed,
            message,
        });
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    let signature = current.file.manifest.signature();

    if let Some(path) = &args.junit {
        write_atomic(path, junit(&checks)?.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let md = markdown(&checks, &signature);
    if let Some(path) = &args.markdown {
        write_atomic(path, md.as_bytes())?;
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
        print_json(
            &serde_json::json!({ "passed": failed == 0, "signature": signature, "checks": checks }),
        )?;
    } else {
        let rows: Vec<Vec<String>> = checks
            .iter()
            .map(|c| {
                vec![
                    c.system.clone(),
                    c.check.clone(),
                    if c.passed { "pass" } else { "FAIL" }.into(),
                    c.message.clone(),
                ]
            })
            .collect();
        emit(&format!(
            "{}\n{}\ngate {}: {} check{}, {} failed",
            table(&["system", "check", "result", "detail"], &rows),
            signature,
            if failed == 0 { "passed" } else { "FAILED" },
            checks.len(),
            if checks.len() == 1 { "" } else { "s" },
            failed
        ))?;
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
        let status = if c.passed {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(c.message.clone());
            s
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
    let failed = checks.iter().filter(|c| !c.passed).count();
    let mut s = format!(
        "### claimbench gate: {}\n\n| system | check | result | detail |\n|---|---|---|---|\n",
        if failed == 0 {
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
            if c.passed { "pass" } else { "**FAIL**" },
            c.message.replace('|', "\\|")
        ));
    }
    s.push_str(&format!("\n`{signature}`\n"));
    s
}
