//! `claimbench diff` (and the same section in `compare`): the gold claims two runs' systems gained and lost, the
//! false alarms that appeared and went, and the refusal of runs on different matchers.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::*;

/// A predictions line.
fn line(doc: &str, text: &str) -> String {
    format!("{}\n", json!({ "doc": doc, "text": text }))
}

/// Score `lines` (as the system `preds`) with `matcher` into `<t>/<name>`.
fn run_of(t: &Path, name: &str, lines: &[String], matcher: &str) -> PathBuf {
    let src = t.join(format!("{name}-in")).join("preds.jsonl");
    write(&src, lines.concat());
    let out = t.join(name);
    cb(["score", "--pred"])
        .arg_path(&src)
        .args(["--matcher", matcher, "--bootstrap", "0", "--out"])
        .arg_path(&out)
        .run()
        .ok();
    out
}

/// Run A: gold 000-001 and 000-003, one junk claim, 001-001. Run B: 000-001 and 000-002, another junk claim,
/// 001-001 and 001-002. So B gains 000-002 and 001-002, loses 000-003, has a new false alarm and loses one.
fn two_runs(t: &Path, matcher_b: &str) -> (PathBuf, PathBuf) {
    let g = gold_texts();
    let a = run_of(
        t,
        "a",
        &[
            line("000", &g["000"][0]),
            line("000", &g["000"][2]),
            line("000", "A bakery opened in Moscow."),
            line("001", &g["001"][0]),
        ],
        "exact",
    );
    let b = run_of(
        t,
        "b",
        &[
            line("000", &g["000"][0]),
            line("000", &g["000"][1]),
            line("000", "The weather was fine all week."),
            line("001", &g["001"][0]),
            line("001", &g["001"][1]),
        ],
        matcher_b,
    );
    (a, b)
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect()
}

#[test]
fn diff_lists_gained_and_lost_claims_and_false_alarms() {
    let t = tmp();
    let (a, b) = two_runs(t.path(), "exact");
    let g = gold_texts();
    let r = cb(["diff"]).arg_path(&a).arg_path(&b).arg("--json").run();
    r.ok();
    let v = r.json();
    let systems = v["systems"].as_array().expect("systems");
    assert_eq!(systems.len(), 1, "{v}");
    let s = &systems[0];
    assert_eq!(s["system"], "preds");
    assert_eq!(ids(&s["gained"]), ["000-002", "001-002"]);
    assert_eq!(ids(&s["lost"]), ["000-003"]);
    let gained = &s["gained"][0];
    assert_eq!(gained["doc"], "000");
    assert_eq!(gained["text"], g["000"][1].as_str());
    assert_eq!(gained["before"], Value::Null);
    assert_eq!(gained["after"]["prediction"], g["000"][1].as_str());
    assert_eq!(gained["after"]["similarity"], 1.0);
    let lost = &s["lost"][0];
    assert_eq!(lost["before"]["prediction"], g["000"][2].as_str());
    assert_eq!(lost["after"], Value::Null);
    assert_eq!(
        s["new_false_alarms"],
        json!([{ "doc": "000", "text": "The weather was fine all week." }])
    );
    assert_eq!(
        s["fixed_false_alarms"],
        json!([{ "doc": "000", "text": "A bakery opened in Moscow." }])
    );
    assert_eq!(v["only_in_a"], json!([]));

    // The table says the same, with one line per change.
    let r = cb(["diff"]).arg_path(&a).arg_path(&b).run();
    r.ok()
        .stdout_has("preds: 2 gained, 1 lost, 1 new false alarm, 1 false alarm gone");
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("lost") || l.starts_with("gained"))
        .collect();
    assert_eq!(rows.len(), 3, "{r}");
    assert!(
        rows[0].contains("000-003") && rows[1].contains("000-002") && rows[2].contains("001-002")
    );

    // B against A: the same changes the other way round.
    let back = cb(["diff"]).arg_path(&b).arg_path(&a).arg("--json").run();
    let back = back.ok().json();
    assert_eq!(ids(&back["systems"][0]["gained"]), ["000-003"]);
    assert_eq!(ids(&back["systems"][0]["lost"]), ["000-002", "001-002"]);

    // A run against itself: nothing changed.
    let same = cb(["diff"]).arg_path(&a).arg_path(&a).run();
    same.ok()
        .stdout_has("preds: 0 gained, 0 lost, 0 new false alarms, 0 false alarms gone");

    // compare of the two runs carries the same section.
    let c = cb(["compare"])
        .arg_path(&a)
        .arg_path(&b)
        .args(["--permutations", "100", "--json"])
        .run();
    let c = c.ok().json();
    assert_eq!(c["diff"]["systems"][0], *s);
    cb(["compare"])
        .arg_path(&a)
        .arg_path(&b)
        .args(["--permutations", "100"])
        .run()
        .ok()
        .stdout_has("which claims changed")
        .stdout_has("preds: 2 gained, 1 lost");
}

#[test]
fn diff_refuses_runs_on_different_matchers() {
    let t = tmp();
    let (a, b) = two_runs(t.path(), "token-f1");
    let r = cb(["diff"]).arg_path(&a).arg_path(&b).run();
    r.code(2);
    let e = r.error_line();
    assert!(
        e.contains("cannot be diffed") && e.contains("different matchers"),
        "{r}"
    );
}

#[test]
fn diff_refuses_runs_without_a_common_system() {
    let t = tmp();
    let (a, _) = two_runs(t.path(), "exact");
    let src = t.path().join("other.jsonl");
    write(&src, line("000", "Something else."));
    let c = t.path().join("c");
    cb(["score", "--pred"])
        .arg_path(&src)
        .args(["--matcher", "exact", "--bootstrap", "0", "--out"])
        .arg_path(&c)
        .run()
        .ok();
    let r = cb(["diff"]).arg_path(&a).arg_path(&c).run();
    r.code(2);
    assert!(r.error_line().contains("no system in common"), "{r}");
}
