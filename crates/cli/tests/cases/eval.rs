//! `claimbench eval`: the leaderboard and the saved run.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// A quick eval: the sentences extractor, 50 bootstrap samples.
const SMALL_EVAL: [&str; 5] = ["eval", "--extractor", "sentences", "--bootstrap", "50"];

/// Checks every saved run must pass: run.json, timings.json and one predictions file per system, consistent.
fn check_run(dir: &Path, systems: &[&str]) -> Value {
    let run = read_json(&dir.join("run.json"));
    let timings = read_json(&dir.join("timings.json"));
    let names: Vec<&str> = run["systems"]
        .as_object()
        .expect("systems")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, systems);
    assert_eq!(
        run["manifest"]["model"]["name"].as_str(),
        Some("all-minilm-l6-v2")
    );
    for s in systems {
        let rec = &run["systems"][*s];
        let preds = read_preds(&dir.join(rec["predictions"].as_str().unwrap()));
        let micro = &rec["results"]["micro"];
        assert_eq!(
            preds.len() as u64,
            micro["pred"].as_u64().unwrap(),
            "{s}: saved predictions != scored"
        );
        assert_eq!(micro["gold"].as_u64(), Some(260));
        let (tp, fp, fn_) = counts(rec);
        assert_eq!(tp + fp, preds.len() as u64);
        assert_eq!(tp + fn_, 260);
        let f1 = micro["rates"]["f1"].as_f64().unwrap();
        let iv = &micro["intervals"];
        assert!(iv.is_object(), "{s}: no intervals");
        let text = iv.to_string();
        assert!(!text.contains("null"), "{s}: {text}");
        assert!(f1 > 0.0 && f1 < 1.0, "{s}: F1 {f1}");
        assert!(
            rec["results"]["groundedness"].is_object(),
            "{s}: no groundedness"
        );
        assert!(timings["systems"][*s].is_object(), "{s}: no timings");
    }
    run
}

#[test]
fn eval_sentences_small() {
    ensure_model();
    let t = tmp();
    let r = cb(SMALL_EVAL)
        .args(["--name", "r1", "--runs-dir"])
        .arg_path(t.path())
        .run();
    r.ok().stdout_has("sentences").stdout_has("run saved in");
    let run = check_run(&t.path().join("r1"), &["sentences"]);
    assert_eq!(run["manifest"]["bootstrap_samples"].as_u64(), Some(50));
    // The sentences extractor predicts every sentence: as many as `gold stats` would not tell, but at least one
    // per gold document and more than the check-worthy claims.
    let pred = run["systems"]["sentences"]["results"]["micro"]["pred"]
        .as_u64()
        .unwrap();
    assert!(pred >= 100, "{pred} sentences");
    // The run can be reported and compared with itself.
    let html = t.path().join("r1.html");
    cb(["report"])
        .arg_path(&t.path().join("r1"))
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.contains("<svg") && h.contains("sentences"));
    // The same eval again, with one rayon thread: run.json byte for byte the same.
    cb(SMALL_EVAL)
        .args(["--name", "r2", "--runs-dir"])
        .arg_path(t.path())
        .env("RAYON_NUM_THREADS", "1")
        .run()
        .ok();
    let a = std::fs::read(t.path().join("r1/run.json")).unwrap();
    let b = std::fs::read(t.path().join("r2/run.json")).unwrap();
    assert!(a == b, "eval run.json differs between two runs");
    // `--out DIR` saves the run there, as `score --out` does: the same run.json
    let out = t.path().join("elsewhere/r3");
    cb(SMALL_EVAL)
        .arg("--out")
        .arg_path(&out)
        .run()
        .ok()
        .stdout_has(&format!("run saved in {}", out.display()));
    check_run(&out, &["sentences"]);
    assert!(std::fs::read(out.join("run.json")).unwrap() == a);
    // and it names the run's directory, so it can't be given with --name or --runs-dir
    for clash in [["--name", "r4"], ["--runs-dir", "runs"]] {
        cb(["eval", "--extractor", "sentences", "--out"])
            .arg_path(&out)
            .args(clash)
            .run()
            .code(2)
            .stderr_has("cannot be used with");
    }
}

#[test]
fn eval_default_runs_the_three_builtin_extractors() {
    ensure_model();
    let t = tmp();
    let r = cb(["eval", "--json", "--runs-dir"])
        .arg_path(t.path())
        .run();
    r.ok();
    let v = r.json();
    let board = v["leaderboard"].as_array().expect("leaderboard");
    assert_eq!(board.len(), 3, "{r}");
    let dir = std::path::PathBuf::from(v["run"].as_str().expect("run dir"));
    assert!(
        dir.starts_with(t.path()),
        "run saved outside --runs-dir: {}",
        dir.display()
    );
    check_run(&dir, &["clauses", "minilm-worthy", "sentences"]);
}

#[test]
fn eval_clauses_predicts_more_claims_than_sentences() {
    let t = tmp();
    let r = cb([
        "eval",
        "--extractor",
        "clauses",
        "--extractor",
        "sentences",
        "--matcher",
        "token-f1",
        "--bootstrap",
        "10",
        "--name",
        "c",
        "--runs-dir",
    ])
    .arg_path(t.path())
    .run();
    r.ok().stdout_has("clauses");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("c/run.json")).unwrap()).unwrap();
    let pred = |s: &str| {
        v["systems"][s]["results"]["micro"]["pred"]
            .as_u64()
            .unwrap()
    };
    // Splitting adds claims: on the seeds every sentence gives one claim or more.
    assert!(
        pred("clauses") > pred("sentences"),
        "clauses {} vs sentences {}",
        pred("clauses"),
        pred("sentences")
    );
    assert_eq!(v["systems"]["clauses"]["source"], "clauses");
    // The speaker of a final attribution is turned to the front (seed 000's Tillerson quote).
    let preds = std::fs::read_to_string(t.path().join("c/predictions/clauses.jsonl")).unwrap();
    assert!(
        preds.contains(
            r#""text":"Tillerson said \"We did discuss at length the future role for Assad"#
        ),
        "{preds}"
    );
}

#[test]
fn eval_with_an_unknown_extractor_is_a_usage_error() {
    let t = tmp();
    let r = cb(["eval", "--extractor", "sentencez", "--runs-dir"])
        .arg_path(t.path())
        .run();
    r.code(2);
    assert!(r.error_line().contains("sentencez"), "{r}");
    assert!(
        std::fs::read_dir(t.path()).unwrap().next().is_none(),
        "a failed eval left files behind"
    );
}

#[test]
fn the_seed_leaderboard_is_the_one_in_the_readme() {
    // `eval` with every default (three extractors, blend, 1000 bootstrap samples) prints the README's table to
    // the digit: the run is deterministic, so a change of any figure fails here until the README says it.
    ensure_model();
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let block = readme
        .split("With the default `blend` matcher, on the built-in gold")
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README's leaderboard block");
    assert!(block.lines().count() >= 4, "{block}");
    let t = tmp();
    let r = cb(["eval", "--out"]).arg_path(&t.path().join("run")).run();
    r.ok();
    // The README shows the table without its last columns (grounded, time): each of its lines starts a printed
    // line.
    for line in block.lines() {
        assert!(
            r.stdout.lines().any(|p| p.starts_with(line.trim_end())),
            "README line not printed by `claimbench eval`:\n{line}\n{r}"
        );
    }
}

#[test]
fn the_cover_leaderboard_is_the_one_in_the_readme() {
    // `eval --matcher cover` prints the README's table (coverage and focus columns, the bundle/part counts) to
    // the digit.
    ensure_model();
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let block = readme
        .split("With `claimbench eval --matcher cover` on the built-in gold")
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README's cover leaderboard block");
    assert!(block.contains("coverage   focus"), "{block}");
    assert!(block.lines().count() >= 8, "{block}");
    let t = tmp();
    let r = cb(["eval", "--matcher", "cover", "--out"])
        .arg_path(&t.path().join("run"))
        .run();
    r.ok();
    for line in block.lines() {
        assert!(
            r.stdout.lines().any(|p| p.starts_with(line.trim_end())),
            "README line not printed by `claimbench eval --matcher cover`:\n{line}\n{r}"
        );
    }
}
