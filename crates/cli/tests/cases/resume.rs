//! `eval --resume RUN` and `eval --stop-after-failures N`: a `command:` extractor's articles are kept in the run as
//! they arrive; a resume runs the program only on the articles missing or failed there, and ends with the figures
//! of a run that never failed.

use std::path::{Path, PathBuf};

use crate::common::*;

/// A program that logs each article it is given (`$CB_LOG`), fails on article `$CB_FAIL` unless the file
/// `$CB_FLAG` exists (a rate limit that has passed), and prints each sentence of the others.
const FLAKY: &str = r#"
import json, os, re, sys
art = json.load(sys.stdin)
with open(os.environ["CB_LOG"], "a") as log:
    log.write(art["doc"] + "\n")
if art["doc"] == os.environ["CB_FAIL"] and not os.path.exists(os.environ["CB_FLAG"]):
    print("429 rate limited", file=sys.stderr)
    sys.exit(3)
for s in re.split(r"(?<=[.!?])\s+", art["text"]):
    if s.strip():
        print(json.dumps({"text": s.strip()}))
"#;

struct Flaky {
    t: tempfile::TempDir,
    spec: String,
}

impl Flaky {
    fn new() -> Flaky {
        let t = tmp();
        let path = t.path().join("flaky.py");
        write(&path, FLAKY);
        let spec = format!("mine=command:python3 {}", path.display());
        Flaky { t, spec }
    }

    fn runs(&self) -> PathBuf {
        self.t.path().join("runs")
    }

    fn log(&self) -> PathBuf {
        self.t.path().join("calls.log")
    }

    /// The articles the program was given since the last call, in order.
    fn calls(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let _ = std::fs::remove_file(self.log());
        text.lines().map(str::to_string).collect()
    }

    /// `claimbench eval` with the program failing on `fail` (unless `recovered`) and `args`.
    fn eval(&self, fail: &str, recovered: bool, args: &[&str]) -> Ran {
        let flag = self.t.path().join("recovered");
        if recovered {
            write(&flag, "");
        } else {
            let _ = std::fs::remove_file(&flag);
        }
        cb(["eval", "--bootstrap", "0", "--matcher", "token-f1"])
            .arg("--extractor")
            .arg(&self.spec)
            .args(args)
            .env("CB_LOG", self.log())
            .env("CB_FAIL", fail)
            .env("CB_FLAG", &flag)
            .run()
    }
}

fn mine(run: &Path) -> serde_json::Value {
    read_json(&run.join("run.json"))["systems"]["mine"].clone()
}

fn f1(system: &serde_json::Value) -> f64 {
    system["results"]["micro"]["rates"]["f1"].as_f64().unwrap()
}

/// The error line among the warnings before it.
fn error(r: &Ran) -> String {
    let line = r.stderr.lines().find(|l| l.starts_with("error: "));
    line.unwrap_or_else(|| panic!("no error line:{r}"))
        .to_string()
}

fn all() -> Vec<String> {
    ["000", "001", "002", "003", "004"]
        .map(String::from)
        .to_vec()
}

#[test]
fn resume_runs_the_failed_article_only_and_ends_where_an_uninterrupted_run_does() {
    ensure_model();
    let x = Flaky::new();
    let runs = x.runs().display().to_string();
    x.eval("004", true, &["--runs-dir", &runs, "--name", "full"])
        .ok();
    assert_eq!(x.calls(), all());
    let full = mine(&x.runs().join("full"));
    assert_eq!(full["skipped"].as_array().unwrap().len(), 0);
    // every sentence of the five articles, under token-f1: 106 of 170 match, of 260 gold claims
    let micro = &full["results"]["micro"];
    assert_eq!(
        (&micro["counts"]["tp"], &micro["pred"], &micro["gold"]),
        (
            &serde_json::json!(106),
            &serde_json::json!(170),
            &serde_json::json!(260)
        )
    );

    // Article 004 fails: the run is saved with it as a miss, and each article is in the run's journal.
    let part = x.runs().join("part");
    let r = x.eval("004", false, &["--runs-dir", &runs, "--name", "part"]);
    r.ok();
    assert_eq!(x.calls(), all());
    let failed = mine(&part);
    assert_eq!(
        failed["skipped"],
        serde_json::json!([
            "document `004`: exit: exited with status 3 (stderr: 429 rate limited)"
        ])
    );
    assert!(f1(&failed) < f1(&full), "{} {}", f1(&failed), f1(&full));
    let journal: Vec<String> = walk(&part.join("articles/mine"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        journal,
        ["000.json", "001.json", "002.json", "003.json", "004.json"]
    );
    assert!(std::fs::read_to_string(part.join("articles/mine/004.json"))
        .unwrap()
        .contains("\"failed\""));

    // The rate limit has passed: --resume runs 004 alone and ends with the uninterrupted run's figures.
    let r = x.eval("004", true, &["--resume", &part.display().to_string()]);
    r.ok();
    r.stderr_has(&format!(
        "kept 4 of 5 articles of `mine` from {}",
        part.display()
    ));
    assert_eq!(x.calls(), ["004"]);
    let resumed = mine(&part);
    assert_eq!(f1(&resumed), f1(&full));
    assert_eq!(resumed["results"], full["results"]);
    assert_eq!(resumed["predictions_sha256"], full["predictions_sha256"]);
    assert_eq!(resumed["skipped"].as_array().unwrap().len(), 0);
    assert_eq!(
        std::fs::read(part.join("predictions/mine.jsonl")).unwrap(),
        std::fs::read(x.runs().join("full/predictions/mine.jsonl")).unwrap()
    );

    // Resumed again, nothing is left to run: every article is kept and the program is not started.
    let r = x.eval("004", false, &["--resume", &part.display().to_string()]);
    r.ok();
    r.stderr_has("kept 5 of 5 articles of `mine`");
    assert_eq!(x.calls(), Vec::<String>::new());
    assert_eq!(mine(&part)["results"], full["results"]);
}

#[test]
fn stop_after_failures_exits_4_keeps_what_was_done_and_resume_finishes_the_run() {
    ensure_model();
    let x = Flaky::new();
    let runs = x.runs().display().to_string();
    x.eval("002", true, &["--runs-dir", &runs, "--name", "full"])
        .ok();
    let full = mine(&x.runs().join("full"));
    x.calls();

    // The program fails on 002: the run stops there (003 and 004 never start), exit 4, no run.json.
    let stopped = x.runs().join("stopped");
    let r = x.eval(
        "002",
        false,
        &[
            "--runs-dir",
            &runs,
            "--name",
            "stopped",
            "--stop-after-failures",
            "1",
        ],
    );
    r.code(4);
    assert_eq!(
        error(&r),
        format!(
            "error: stopped after 1 failed article (--stop-after-failures 1); the articles done are kept in {}: continue with `claimbench eval --resume {}` and the same options",
            stopped.display(),
            stopped.display()
        )
    );
    assert_eq!(x.calls(), ["000", "001", "002"]);
    assert!(!stopped.join("run.json").exists());
    let gate = |run: &Path| cb(["gate", "--min-f1", "0", "--run"]).arg_path(run).run();
    gate(&stopped).code(2);

    // Resumed: 000 and 001 are kept, 002 (failed) and 003, 004 (missing) run; the figures are the full run's.
    let r = x.eval(
        "002",
        true,
        &[
            "--resume",
            &stopped.display().to_string(),
            "--stop-after-failures",
            "1",
        ],
    );
    r.ok();
    r.stderr_has("kept 2 of 5 articles of `mine`");
    assert_eq!(x.calls(), ["002", "003", "004"]);
    let resumed = mine(&stopped);
    assert_eq!(f1(&resumed), f1(&full));
    assert_eq!(resumed["results"], full["results"]);
    // The finished run is a complete run that the other commands read, its journal kept inside it.
    gate(&stopped).ok();
    assert!(stopped.join("articles/mine/004.json").is_file());
    let marker = read_json(&stopped.join(".claimbench-run"));
    assert!(marker["files"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("articles/")));
}

#[test]
fn resume_refuses_other_settings_another_extractor_and_a_folder_with_nothing_to_resume() {
    ensure_model();
    let x = Flaky::new();
    let runs = x.runs().display().to_string();
    let run = x.runs().join("r");
    let resume = run.display().to_string();
    x.eval("004", false, &["--runs-dir", &runs, "--name", "r"])
        .ok();
    x.calls();

    let r = x.eval("004", true, &["--resume", &resume, "--threshold", "0.9"]);
    r.code(2);
    assert_eq!(
        error(&r),
        format!(
            "error: {resume}: --resume refused: the run was made with other settings or extractors (config.threshold: 0.5 in the run, 0.9 now; manifest.threshold: 0.5 in the run, 0.9 now); give the run's own options, or run again without --resume"
        )
    );
    let other = x.t.path().join("other.py");
    write(&other, FLAKY);
    let r = cb([
        "eval",
        "--bootstrap",
        "0",
        "--matcher",
        "token-f1",
        "--resume",
        &resume,
    ])
    .arg("--extractor")
    .arg(format!("mine=command:python3 {}", other.display()))
    .run();
    r.code(2);
    assert!(
        error(&r).contains("--resume refused")
            && error(&r).contains("systems.mine.source: \"command:python3 "),
        "{r}"
    );
    assert_eq!(x.calls(), Vec::<String>::new());
    // The refused resumes changed nothing: the run still has 004 as a miss.
    assert_eq!(mine(&run)["skipped"].as_array().unwrap().len(), 1);

    let empty = x.t.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let r = x.eval("004", true, &["--resume", &empty.display().to_string()]);
    r.code(2);
    assert_eq!(
        error(&r),
        format!(
            "error: {}: nothing to resume: articles/plan.json is missing (a run keeps its articles there when an `eval` of this claimbench ran an extractor)",
            empty.display()
        )
    );
    let r = x.eval(
        "004",
        true,
        &["--resume", &x.t.path().join("nope").display().to_string()],
    );
    r.code(2);
    r.stderr_has("no such run directory");
}
