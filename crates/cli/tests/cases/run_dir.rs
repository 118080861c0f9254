//! Issue 16: run folders a user can rely on (stale temp files reaped, a replaced run leaves nothing of the old
//! one, a run on a user's gold set carries a copy of it), `report --json`, the `--extractor` errors, and an
//! embedding cache that cannot be written.

use std::path::Path;

use crate::common::*;

fn names_in(dir: &Path) -> Vec<String> {
    walk(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn stale_temp_files_are_reaped_and_a_replaced_run_leaves_nothing_of_the_old_one() {
    let t = tmp();
    let run = t.path().join("run");
    let score = |pred: &Path| {
        cb(["score", "--matcher", "exact", "--pred"])
            .arg_path(pred)
            .arg("--out")
            .arg_path(&run)
            .run()
    };
    score(&data("preds_small.jsonl")).ok();
    // What a killed write leaves: claimbench temp files in the run and its predictions folder.
    write(&run.join(".claimbench-AbC123.tmp"), vec![0u8; 4096]);
    write(
        &run.join("predictions/.claimbench-XyZ789.tmp"),
        "{\"doc\": ",
    );
    // A failed write leaves no temp file of its own, and the old run stays whole.
    let bad = t.path().join("bad.jsonl");
    write(&bad, "{\"doc\": \"999\", \"text\": \"x\"}\n");
    score(&bad).code(2);
    assert!(read_json(&run.join("run.json"))["systems"]["preds_small"].is_object());
    // The next write reaps them, and replaces the old run's predictions.
    score(&data("preds_gold.jsonl")).ok();
    assert_eq!(
        names_in(&run),
        [
            ".claimbench-run",
            "predictions/preds_gold.jsonl",
            "run.json",
            "timings.json"
        ],
        "leftovers of the old run or of killed writes"
    );
}

#[test]
fn a_run_on_a_users_gold_set_reports_after_the_directory_moves() {
    let t = tmp();
    let gold = t.path().join("my-gold");
    copy_builtin_gold(&gold);
    write(&gold.join("gold/NOTES.txt"), "not read by claimbench");
    let run = t.path().join("run");
    cb(["score", "--matcher", "exact", "--gold"])
        .arg_path(&gold)
        .arg("--pred")
        .arg_path(&data("preds_small.jsonl"))
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    let v = read_json(&run.join("run.json"));
    let stored = v["gold"].as_str().unwrap();
    assert!(
        !Path::new(stored).is_absolute(),
        "the gold set is stored as an absolute path: {stored}"
    );
    std::fs::rename(&gold, t.path().join("moved")).unwrap();
    let html = t.path().join("report.html");
    cb(["report"])
        .arg_path(&run)
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("preds_small"));
    // A second score into the same run on the built-in gold removes the copy.
    cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    assert!(
        names_in(&run).iter().all(|n| !n.starts_with("gold")),
        "{:?}",
        names_in(&run)
    );
}

#[test]
fn report_json_has_the_leaderboard_and_every_documents_matches() {
    let t = tmp();
    let run = t.path().join("run");
    cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    let r = cb(["report"]).arg_path(&run).arg("--json").run();
    r.ok();
    let v = r.json();
    assert_eq!(v["leaderboard"][0]["system"].as_str(), Some("preds_small"));
    assert_eq!(v["leaderboard"][0]["tp"].as_u64(), Some(17), "{r}");
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 5);
    let matched: usize = docs
        .iter()
        .flat_map(|d| d["gold"].as_array().unwrap())
        .filter(|g| g["matches"]["preds_small"].is_object())
        .count();
    assert_eq!(matched, 17, "{r}");
    let gold: usize = docs
        .iter()
        .map(|d| d["gold"].as_array().unwrap().len())
        .sum();
    assert_eq!(gold, 260);
}

#[test]
fn an_extractor_spec_error_names_every_kind_and_what_is_missing() {
    let r = cb(["eval", "--extractor", "sentence"]).run();
    r.code(2);
    let line = r.error_line();
    assert!(line.contains("did you mean `sentences`"), "{r}");
    assert!(
        line.contains("sentences, clauses, minilm-worthy, t5, file, command"),
        "{r}"
    );
    for (spec, want) in [
        ("t5", "t5 needs a model directory, as in t5:models/my-t5"),
        ("command:", "command needs a command line"),
        ("file", "file needs a predictions file"),
        ("sentences:x", "sentences takes no argument"),
    ] {
        let r = cb(["eval", "--extractor", spec]).run();
        r.code(2);
        assert!(r.error_line().contains(want), "{spec}: {r}");
    }
}

#[test]
fn an_unwritable_embedding_cache_warns_once_and_the_run_goes_on() {
    ensure_model();
    let t = tmp();
    // Under a regular file, no directory can be made (whoever runs the test, root included).
    let blocker = t.path().join("not-a-dir");
    write(&blocker, "x");
    let home = blocker.join("home");
    let r = cb(["embed", "a first claim", "a second claim"])
        .env_remove("CLAIMBENCH_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", &home)
        .run();
    r.ok();
    assert_eq!(
        r.stderr.matches("cannot be written").count(),
        1,
        "one warning:{r}"
    );
    r.stderr_has("--no-cache");
    let plain = cb(["embed", "a first claim", "a second claim", "--no-cache"]).run();
    plain.ok();
    assert_eq!(
        r.stdout, plain.stdout,
        "the vectors differ without the cache"
    );
}
