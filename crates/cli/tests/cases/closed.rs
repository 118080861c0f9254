//! Issue 16: nothing passes silently. The gate fails closed (a check that compared nothing is an error), an
//! edited run is refused, partial coverage is counted and warned about, nonsense numbers are usage errors, and
//! p-values print with enough digits. Lexical matchers only (no model).

use std::path::{Path, PathBuf};

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;

use crate::common::*;

/// `score --pred FIXTURE --matcher exact --out <t>/<name>` with extra arguments.
fn scored(t: &Path, name: &str, fixture: &Path, extra: &[&str]) -> PathBuf {
    let out = t.join(name);
    cb(["score", "--pred"])
        .arg_path(fixture)
        .args(["--matcher", "exact", "--out"])
        .arg_path(&out)
        .args(extra)
        .run()
        .ok();
    out
}

fn junit(path: &Path) -> Report {
    let xml = std::fs::read_to_string(path).expect("JUnit file written");
    Report::deserialize_from_str(&xml)
        .unwrap_or_else(|e| panic!("JUnit XML does not parse: {e}\n{xml}"))
}

fn edit_run(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("run.json");
    let mut v = read_json(&path);
    edit(&mut v);
    write(&path, serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn gate_compares_the_only_system_on_each_side_whatever_their_names() {
    // The README's CI example: the run is scored from a pipe, so its system is `stdin`, the baseline's is
    // `preds_gold`. It used to pass as "not compared"; now the two are compared, and the drop fails the gate.
    let t = tmp();
    let baseline = scored(t.path(), "base", &data("preds_gold.jsonl"), &[]);
    let run = t.path().join("pr");
    cb(["score", "--pred", "-", "--matcher", "exact", "--out"])
        .arg_path(&run)
        .stdin(std::fs::read(data("preds_worse.jsonl")).unwrap())
        .run()
        .ok();
    assert!(read_json(&run.join("run.json"))["systems"]["stdin"].is_object());
    let r = cb(["gate", "--run"])
        .arg_path(&run)
        .arg("--baseline")
        .arg_path(&baseline)
        .args(["--max-drop", "0.02", "--permutations", "1000"])
        .run();
    r.code(1)
        .stdout_has("the only system on each side")
        .stdout_has("FAIL");
}

#[test]
fn score_name_names_the_system() {
    let t = tmp();
    let run = t.path().join("r");
    cb([
        "score",
        "--pred",
        "-",
        "--name",
        "my-model",
        "--matcher",
        "exact",
        "--out",
    ])
    .arg_path(&run)
    .stdin(std::fs::read(data("preds_small.jsonl")).unwrap())
    .run()
    .ok();
    let v = read_json(&run.join("run.json"));
    let names: Vec<&String> = v["systems"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["my-model"]);
    assert!(run.join("predictions/my-model.jsonl").is_file());
    // One --name per --pred.
    let r = cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .arg("--pred")
        .arg_path(&data("preds_gold.jsonl"))
        .args(["--name", "only-one"])
        .run();
    r.code(2);
    assert!(r.error_line().contains("--name"), "{r}");
}

#[test]
fn a_check_that_compared_nothing_is_an_error_unless_allowed() {
    let t = tmp();
    let (small, gold) = (data("preds_small.jsonl"), data("preds_gold.jsonl"));
    // Baseline: one system `a`; run: `a` and a new `b`.
    let baseline = scored(t.path(), "base", &small, &["--name", "a"]);
    let run = t.path().join("run");
    cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&small)
        .arg("--pred")
        .arg_path(&gold)
        .args(["--name", "a", "--name", "b", "--out"])
        .arg_path(&run)
        .run()
        .ok();
    let xml = t.path().join("gate.xml");
    let gate = |extra: &[&str]| {
        cb(["gate", "--run"])
            .arg_path(&run)
            .arg("--baseline")
            .arg_path(&baseline)
            .args(["--permutations", "1000", "--junit"])
            .arg_path(&xml)
            .args(extra)
            .run()
    };
    let r = gate(&[]);
    r.code(2).stdout_has("ERROR");
    let line = r.error_line();
    assert!(
        line.contains("compared nothing") && line.contains("\"b\"") && line.contains("--allow-new"),
        "{r}"
    );
    let report = junit(&xml);
    let cases = &report.test_suites[0].test_cases;
    let b = cases
        .iter()
        .find(|c| c.name.as_str() == "b: baseline")
        .expect("a test case for b");
    assert!(
        matches!(
            b.status,
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                ..
            }
        ),
        "an uncompared check is a JUnit error: {:?}",
        b.status
    );
    assert_eq!(report.errors, 1, "{r}");
    // --allow-new: skipped (never a pass), exit 0.
    let r = gate(&["--allow-new"]);
    r.ok().stdout_has("skipped");
    let report = junit(&xml);
    let b = report.test_suites[0]
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "b: baseline")
        .unwrap();
    assert!(
        matches!(b.status, TestCaseStatus::Skipped { .. }),
        "{:?}",
        b.status
    );
    // The other way round: a baseline system the run lacks is an error too, unless --allow-missing.
    let r = cb(["gate", "--run"])
        .arg_path(&baseline)
        .arg("--baseline")
        .arg_path(&run)
        .args(["--permutations", "1000"])
        .run();
    r.code(2);
    assert!(r.error_line().contains("--allow-missing"), "{r}");
    cb(["gate", "--run"])
        .arg_path(&baseline)
        .arg("--baseline")
        .arg_path(&run)
        .args(["--permutations", "1000", "--allow-missing"])
        .run()
        .ok();
}

#[test]
fn a_run_without_systems_is_an_error_not_a_pass() {
    let t = tmp();
    let run = scored(t.path(), "r", &data("preds_small.jsonl"), &[]);
    edit_run(&run, |v| {
        v["systems"] = serde_json::json!({});
        v.as_object_mut().unwrap().remove("sha256");
    });
    let r = cb(["gate", "--run"])
        .arg_path(&run)
        .args(["--min-f1", "0.9"])
        .run();
    r.code(2);
    // A run without a checksum (an older claimbench's) is read with a warning first.
    r.stderr_has("has no checksum");
    let error = r.stderr.lines().find(|l| l.starts_with("error: "));
    assert!(error.is_some_and(|l| l.contains("no system")), "{r}");
}

#[test]
fn an_edited_run_is_refused_by_compare_gate_and_report() {
    let t = tmp();
    let good = scored(t.path(), "good", &data("preds_small.jsonl"), &[]);
    let html = t.path().join("r.html");
    // F1 0.99 beside the precision and recall that the counts give.
    let edited = scored(t.path(), "f1", &data("preds_small.jsonl"), &[]);
    edit_run(&edited, |v| {
        v["systems"]["preds_small"]["results"]["micro"]["rates"]["f1"] = serde_json::json!(0.99);
    });
    let r = cb(["gate", "--run"])
        .arg_path(&edited)
        .args(["--min-f1", "0.9"])
        .run();
    r.code(2);
    let line = r.error_line();
    assert!(
        line.contains("micro.rates.f1") && line.contains("edited"),
        "{r}"
    );
    // A change the counts cannot reveal (the seed) is caught by the checksum.
    let reseeded = scored(t.path(), "seed", &data("preds_small.jsonl"), &[]);
    edit_run(&reseeded, |v| v["manifest"]["seed"] = serde_json::json!(7));
    for bad in [&edited, &reseeded] {
        let r = cb(["compare"]).arg_path(&good).arg_path(bad).run();
        r.code(2);
        assert!(r.error_line().contains("edited"), "{r}");
        let r = cb(["gate", "--run"])
            .arg_path(&good)
            .arg("--baseline")
            .arg_path(bad)
            .run();
        r.code(2);
        assert!(r.error_line().contains("edited"), "{r}");
        let r = cb(["report"])
            .arg_path(bad)
            .arg("--html")
            .arg_path(&html)
            .run();
        r.code(2);
        assert!(r.error_line().contains("edited"), "{r}");
    }
    // The untouched run still reads, and rewriting run.json with the same content changes nothing.
    edit_run(&good, |_| {});
    cb(["compare"]).arg_path(&good).arg_path(&good).run().ok();
}

#[test]
fn partial_coverage_is_counted_warned_about_and_can_be_required() {
    let t = tmp();
    let part = t.path().join("part.jsonl");
    let lines: String = std::fs::read_to_string(data("preds_small.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"000\"") || l.contains("\"001\""))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&part, lines);
    let run = t.path().join("r");
    let r = cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&part)
        .arg("--out")
        .arg_path(&run)
        .run();
    r.ok()
        .stderr_has("no predictions for 3 of 5 gold documents (002, 003, 004)")
        .stdout_has("2/5");
    let v = read_json(&run.join("run.json"));
    let sys = &v["systems"]["part"];
    assert_eq!(sys["coverage"]["with_predictions"].as_u64(), Some(2));
    assert_eq!(
        sys["coverage"]["without_predictions"],
        serde_json::json!(["002", "003", "004"])
    );
    // The precision interval: resamples that draw no covered document have no precision and are left out, so
    // its lower bound is not 0 (it was, with P 0.5 and every resample of the two documents at least 0.43).
    let ci = &sys["results"]["micro"]["intervals"]["precision"];
    let (lo, hi) = (ci["low"].as_f64().unwrap(), ci["high"].as_f64().unwrap());
    let p = sys["results"]["micro"]["rates"]["precision"]
        .as_f64()
        .unwrap();
    assert!(lo > 0.3 && lo <= p && p <= hi, "[{lo}, {hi}] around {p}");
    // Recall still counts the uncovered documents' claims as misses.
    assert_eq!(sys["results"]["micro"]["gold"].as_u64(), Some(260));
    // The leaderboard JSON carries the coverage too.
    let j = cb(["score", "--matcher", "exact", "--json", "--pred"])
        .arg_path(&part)
        .run();
    let v = j.json();
    assert_eq!(v["leaderboard"][0]["documents"].as_u64(), Some(5), "{j}");
    assert_eq!(
        v["leaderboard"][0]["documents_with_predictions"].as_u64(),
        Some(2),
        "{j}"
    );
    // --require-all-docs: an error naming the documents.
    let r = cb([
        "score",
        "--matcher",
        "exact",
        "--require-all-docs",
        "--pred",
    ])
    .arg_path(&part)
    .run();
    r.code(2);
    assert!(
        r.error_line().contains("--require-all-docs") && r.error_line().contains("002"),
        "{r}"
    );
    // An empty predictions file: every document is uncovered, and it says so.
    let empty = t.path().join("empty.jsonl");
    write(&empty, "");
    cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&empty)
        .run()
        .ok()
        .stderr_has("no predictions for 5 of 5 gold documents");
}

#[test]
fn nonsense_numbers_are_usage_errors_naming_the_option() {
    let t = tmp();
    let run = scored(t.path(), "r", &data("preds_small.jsonl"), &[]);
    let run = run.to_string_lossy().into_owned();
    let pred = data("preds_small.jsonl").to_string_lossy().into_owned();
    let score = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["score", "--pred", pred.as_str(), "--no-intervals"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let gate = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["gate", "--run", run.as_str()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            score(&["--matcher", "token-f1", "--threshold", "nan"]),
            "--threshold",
        ),
        (
            score(&["--matcher", "token-f1", "--threshold", "2"]),
            "--threshold",
        ),
        (
            score(&["--matcher", "token-f1", "--threshold=-1"]),
            "--threshold",
        ),
        (
            score(&["--matcher", "exact", "--threshold", "inf"]),
            "--threshold",
        ),
        (
            score(&["--matcher", "cosine", "--threshold", "1.5"]),
            "--threshold",
        ),
        (
            score(&["--matcher", "exact", "--grounding-threshold", "nan"]),
            "--grounding-threshold",
        ),
        (
            score(&["--matcher", "exact", "--grounding-threshold", "3"]),
            "--grounding-threshold",
        ),
        (
            score(&["--matcher", "exact", "--chunk-texts", "0"]),
            "--chunk-texts",
        ),
        (
            score(&["--matcher", "exact", "--bootstrap", "100000000"]),
            "--bootstrap",
        ),
        (gate(&["--min-f1", "nan"]), "--min-f1"),
        (gate(&["--min-f1", "1.5"]), "--min-f1"),
        (gate(&["--min-coverage", "nan"]), "--min-coverage"),
        (gate(&["--min-focus=-0.1"]), "--min-focus"),
        (
            gate(&["--min-f1", "0.1", "--max-drop", "nan"]),
            "--max-drop",
        ),
        (gate(&["--min-f1", "0.1", "--max-drop=-0.1"]), "--max-drop"),
        (gate(&["--min-f1", "0.1", "--alpha", "0"]), "--alpha"),
        (gate(&["--min-f1", "0.1", "--alpha", "1"]), "--alpha"),
        (gate(&["--min-f1", "0.1", "--alpha", "nan"]), "--alpha"),
        (
            gate(&["--min-f1", "0.1", "--permutations", "0"]),
            "--permutations",
        ),
        (
            gate(&["--min-f1", "0.1", "--permutations", "10"]),
            "--permutations",
        ),
        (
            vec![
                "compare".into(),
                run.clone(),
                run.clone(),
                "--permutations".into(),
                "0".into(),
            ],
            "--permutations",
        ),
        (
            ["eval", "--worthy-threshold", "1.5"]
                .map(String::from)
                .to_vec(),
            "--worthy-threshold",
        ),
        (
            [
                "similarity",
                "a",
                "b",
                "--matcher",
                "token-f1",
                "--threshold",
                "nan",
            ]
            .map(String::from)
            .to_vec(),
            "--threshold",
        ),
    ];
    for (args, option) in cases {
        let r = cb(&args).run();
        r.code(2);
        let line = r.error_line();
        assert!(
            line.contains(option),
            "the error does not name {option}:{r}"
        );
        assert!(!line.contains("panicked"), "{r}");
    }
}

#[test]
fn p_values_print_with_enough_digits() {
    let t = tmp();
    let good = scored(t.path(), "good", &data("preds_gold.jsonl"), &[]);
    let worse = scored(t.path(), "worse", &data("preds_worse.jsonl"), &[]);
    let r = cb(["compare"]).arg_path(&good).arg_path(&worse).run();
    r.ok().stdout_has("< 0.0001");
}
