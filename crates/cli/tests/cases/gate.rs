//! `claimbench gate`: pass, fail with exit 1, JUnit XML, Markdown, `$GITHUB_STEP_SUMMARY`, incompatible baselines,
//! a run that scored nothing.

use std::path::{Path, PathBuf};

use quick_junit::Report;

use crate::common::*;

/// Score `fixture` (copied as `preds.jsonl`, so every run has the system `preds`) into `<tmp>/<name>`.
fn run_of(t: &Path, name: &str, fixture: &str, matcher: &str) -> PathBuf {
    let src = t.join(format!("{name}-in")).join("preds.jsonl");
    write(&src, std::fs::read(data(fixture)).unwrap());
    let out = t.join(name);
    cb(["score", "--pred"])
        .arg_path(&src)
        .args(["--matcher", matcher, "--out"])
        .arg_path(&out)
        .run()
        .ok();
    out
}

fn junit(path: &Path) -> Report {
    let xml = std::fs::read_to_string(path).expect("JUnit file written");
    Report::deserialize_from_str(&xml)
        .unwrap_or_else(|e| panic!("JUnit XML does not parse: {e}\n{xml}"))
}

#[test]
fn same_run_as_baseline_passes() {
    let t = tmp();
    let good = run_of(t.path(), "good", "preds_gold.jsonl", "exact");
    let (xml, md, summary) = (
        t.path().join("gate.xml"),
        t.path().join("gate.md"),
        t.path().join("summary.md"),
    );
    write(&summary, "earlier step\n");
    let r = cb(["gate", "--run"])
        .arg_path(&good)
        .arg("--baseline")
        .arg_path(&good)
        .args(["--min-f1", "0.9", "--permutations", "1000", "--junit"])
        .arg_path(&xml)
        .arg("--markdown")
        .arg_path(&md)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run();
    r.ok().stdout_has("gate passed");
    let report = junit(&xml);
    assert_eq!(report.tests, 2, "min-f1 and baseline checks");
    assert_eq!(report.failures, 0);
    assert_eq!(report.test_suites.len(), 1);
    assert_eq!(report.test_suites[0].test_cases.len(), 2);
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(md_text.contains("passed"), "{md_text}");
    assert!(md_text.contains("| preds | min-f1 | pass |"), "{md_text}");
    let s = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        s,
        format!("earlier step\n{md_text}"),
        "the summary is appended, not overwritten"
    );
}

#[test]
fn a_much_worse_run_fails_with_exit_1() {
    let t = tmp();
    let good = run_of(t.path(), "good", "preds_gold.jsonl", "exact");
    let worse = run_of(t.path(), "worse", "preds_worse.jsonl", "exact");
    let (xml, md) = (t.path().join("gate.xml"), t.path().join("gate.md"));
    let r = cb(["gate", "--run"])
        .arg_path(&worse)
        .arg("--baseline")
        .arg_path(&good)
        .args([
            "--min-f1",
            "0.9",
            "--max-drop",
            "0.01",
            "--permutations",
            "2000",
            "--junit",
        ])
        .arg_path(&xml)
        .arg("--markdown")
        .arg_path(&md)
        .run();
    r.code(1).stdout_has("FAILED");
    let report = junit(&xml);
    assert_eq!(report.tests, 2);
    assert_eq!(
        report.failures, 2,
        "both the floor and the baseline check fail"
    );
    let cases = &report.test_suites[0].test_cases;
    assert!(cases.iter().all(|c| matches!(
        c.status,
        quick_junit::TestCaseStatus::NonSuccess {
            kind: quick_junit::NonSuccessKind::Failure,
            ..
        }
    )));
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(md_text.contains("FAILED"), "{md_text}");
    assert!(md_text.contains("**FAIL**"), "{md_text}");
    // The same with --json: machine-readable verdict.
    let r = cb(["gate", "--run"])
        .arg_path(&worse)
        .args(["--min-f1", "0.9", "--json"])
        .run();
    r.code(1);
    let v = r.json();
    assert_eq!(v["passed"].as_bool(), Some(false));
    assert_eq!(v["checks"][0]["check"].as_str(), Some("min-f1"));
}

#[test]
fn a_floor_below_the_score_passes() {
    let t = tmp();
    let worse = run_of(t.path(), "worse", "preds_worse.jsonl", "exact");
    // F1 of preds_worse under exact: 10 / 285 = 0.0351.
    cb(["gate", "--run"])
        .arg_path(&worse)
        .args(["--min-f1", "0.035"])
        .run()
        .ok();
    cb(["gate", "--run"])
        .arg_path(&worse)
        .args(["--min-f1", "0.036"])
        .run()
        .code(1);
    // The run as a positional argument, as `report` and `compare` take theirs: the same checks.
    cb(["gate"])
        .arg_path(&worse)
        .args(["--min-f1", "0.036"])
        .run()
        .code(1)
        .stdout_has("F1 0.035 < floor 0.036");
    cb(["gate"])
        .arg_path(&worse)
        .arg("--run")
        .arg_path(&worse)
        .args(["--min-f1", "0.036"])
        .run()
        .code(2);
}

#[test]
fn a_baseline_with_another_matcher_is_an_error() {
    let t = tmp();
    let exact = run_of(t.path(), "exact", "preds_small.jsonl", "exact");
    let tf1 = run_of(t.path(), "tf1", "preds_small.jsonl", "token-f1");
    let r = cb(["gate", "--run"])
        .arg_path(&exact)
        .arg("--baseline")
        .arg_path(&tf1)
        .run();
    r.code(2);
    let line = r.error_line();
    assert!(
        line.contains("not comparable") && line.contains("matcher"),
        "{r}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{r}");
}

#[test]
fn a_baseline_on_another_gold_set_is_an_error() {
    let t = tmp();
    let builtin = run_of(t.path(), "builtin", "preds_small.jsonl", "exact");
    let gold = t.path().join("gold");
    copy_builtin_gold(&gold);
    // One more claim makes it another gold set.
    let article = std::fs::read_dir(gold.join("seeds"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("000_"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap();
    let quote: String = article.chars().take(3).collect();
    let extra = serde_json::json!({
        "id": "000-900", "doc": "000", "text": "An extra claim.", "evidence": [{"start": 0, "end": 3}],
        "quote": quote, "check_worthy": false, "category": "event", "cluster": null,
    });
    let mut g = std::fs::read_to_string(gold.join("gold/000.jsonl")).unwrap();
    g.push_str(&format!("{extra}\n"));
    write(&gold.join("gold/000.jsonl"), g);
    let other = t.path().join("other");
    cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", "exact", "--gold"])
        .arg_path(&gold)
        .arg("--out")
        .arg_path(&other)
        .run()
        .ok();
    let r = cb(["gate", "--run"])
        .arg_path(&other)
        .arg("--baseline")
        .arg_path(&builtin)
        .run();
    r.code(2);
    assert!(r.error_line().contains("gold"), "{r}");
}

#[test]
fn a_run_that_scored_no_predictions_is_an_error_whatever_the_floor_or_baseline() {
    let t = tmp();
    let src = t.path().join("empty-in").join("preds.jsonl");
    write(&src, "");
    let empty = t.path().join("empty");
    cb(["score", "--pred"])
        .arg_path(&src)
        .args(["--matcher", "exact", "--out"])
        .arg_path(&empty)
        .run()
        .ok();
    let xml = t.path().join("gate.xml");
    // F1 0.000 meets a floor of 0, and an equally empty baseline shows no drop: neither may pass.
    let r = cb(["gate", "--run"])
        .arg_path(&empty)
        .arg("--baseline")
        .arg_path(&empty)
        .args(["--min-f1", "0", "--permutations", "100", "--junit"])
        .arg_path(&xml)
        .run();
    r.code(2);
    r.stdout_has("gate ERROR: 3 checks, 0 failed, 1 error, 0 skipped");
    assert!(
        r.error_line()
            .contains("preds: no predictions were scored (0 claims over 5 documents)"),
        "{r}"
    );
    let report = junit(&xml);
    assert_eq!((report.tests, report.failures, report.errors), (3, 0, 1));
}

#[test]
fn gate_without_a_check_is_a_usage_error() {
    let t = tmp();
    let good = run_of(t.path(), "good", "preds_gold.jsonl", "exact");
    let r = cb(["gate", "--run"]).arg_path(&good).run();
    r.code(2);
    r.error_line();
}

#[test]
fn gate_on_a_missing_run_names_it() {
    let t = tmp();
    let r = cb(["gate", "--run"])
        .arg_path(&t.path().join("nope"))
        .args(["--min-f1", "0.5"])
        .run();
    r.code(2);
    assert!(r.error_line().contains("nope"), "{r}");
}

#[test]
fn coverage_and_focus_floors_pass_and_fail_on_a_cover_run() {
    let runs = judged_runs();
    let t = tmp();
    // The judged set's clauses under cover: coverage 216 / 260 = 0.831, focus 95 / 163 = 0.583.
    let r = cb(["gate"])
        .arg_path(&runs.cover_clauses)
        .args(["--min-coverage", "0.83", "--min-focus", "0.58", "--json"])
        .run();
    r.ok();
    let v = r.json();
    assert_eq!(v["passed"], true, "{v}");
    let checks: Vec<(&str, &str, &str)> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
                c["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("min-coverage", "pass", "coverage 0.831 >= floor 0.830"),
            ("min-focus", "pass", "focus 0.583 >= floor 0.580"),
        ]
    );
    // A coverage floor just above it fails (exit 1), in the table, the JUnit and the Markdown.
    let (xml, md) = (t.path().join("gate.xml"), t.path().join("gate.md"));
    let r = cb(["gate"])
        .arg_path(&runs.cover_clauses)
        .args(["--min-coverage", "0.84", "--min-focus", "0.58", "--junit"])
        .arg_path(&xml)
        .arg("--markdown")
        .arg_path(&md)
        .run();
    r.code(1)
        .stdout_has("coverage 0.831 < floor 0.840")
        .stdout_has("gate FAILED: 2 checks, 1 failed, 0 errors");
    let report = junit(&xml);
    assert_eq!((report.tests, report.failures, report.errors), (2, 1, 0));
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(
        md_text.contains("| clauses | min-coverage | **FAIL** | coverage 0.831 < floor 0.840 |"),
        "{md_text}"
    );
    assert!(
        md_text.contains("| clauses | min-focus | pass | focus 0.583 >= floor 0.580 |"),
        "{md_text}"
    );
    // The focus floor likewise.
    cb(["gate"])
        .arg_path(&runs.cover_clauses)
        .args(["--min-focus", "0.6"])
        .run()
        .code(1)
        .stdout_has("focus 0.583 < floor 0.600");
}

#[test]
fn a_coverage_or_focus_floor_on_a_symmetric_matcher_is_an_error() {
    let runs = judged_runs();
    let t = tmp();
    let xml = t.path().join("gate.xml");
    // align gives one similarity per pair, no directions: a coverage floor compares nothing, so it cannot pass,
    // whatever the floor (even 0), while the F1 floor beside it is checked as usual.
    let r = cb(["gate"])
        .arg_path(&runs.align_clauses)
        .args(["--min-f1", "0.1", "--min-coverage", "0", "--junit"])
        .arg_path(&xml)
        .run();
    r.code(2)
        .stdout_has("gate ERROR: 2 checks, 0 failed, 1 error");
    let line = r.error_line();
    assert!(
        line.contains("no coverage: the matcher align gives no directions")
            && line.contains("--matcher cover"),
        "{r}"
    );
    let report = junit(&xml);
    assert_eq!((report.tests, report.failures, report.errors), (2, 0, 1));
    let r = cb(["gate"])
        .arg_path(&runs.align_clauses)
        .args(["--min-focus", "0.5", "--json"])
        .run();
    r.code(2);
    let v = r.json();
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!(v["errors"], 1, "{v}");
    assert_eq!(v["checks"][0]["check"], "min-focus", "{v}");
    assert_eq!(v["checks"][0]["status"], "error", "{v}");
}
