//! Issue 34: the gate writes its JUnit, Markdown and step summary on every exit, so no stale passing report is
//! left when it errors before its checks; the README's gate example runs as written.

use std::path::{Path, PathBuf};

use quick_junit::Report;

use crate::common::*;

fn run_of(t: &Path, name: &str, fixture: &str, matcher: &str) -> PathBuf {
    let src = t.join(format!("{name}-in")).join("preds.jsonl");
    write(&src, std::fs::read(data(fixture)).unwrap());
    let out = t.join(name);
    cb(["score", "--bootstrap", "50", "--pred"])
        .arg_path(&src)
        .args(["--matcher", matcher, "--out"])
        .arg_path(&out)
        .run()
        .ok();
    out
}

#[test]
fn an_error_before_the_checks_replaces_a_passing_report() {
    let t = tmp();
    let good = run_of(t.path(), "good", "preds_gold.jsonl", "exact");
    let other = run_of(t.path(), "other", "preds_gold.jsonl", "token-f1");
    let (xml, md, summary) = (
        t.path().join("g.xml"),
        t.path().join("g.md"),
        t.path().join("summary.md"),
    );
    let gate = |extra: &[&str], baseline: &Path| {
        cb(["gate", "--run"])
            .arg_path(&good)
            .arg("--baseline")
            .arg_path(baseline)
            .args(["--min-f1", "0.5", "--permutations", "100"])
            .args(extra)
            .arg("--junit")
            .arg_path(&xml)
            .arg("--markdown")
            .arg_path(&md)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .run()
    };
    let missing = t.path().join("missing");
    for (what, extra, baseline, reason) in [
        (
            "a baseline with another matcher",
            &[][..],
            &other,
            "matcher",
        ),
        (
            "a missing baseline",
            &[][..],
            &missing,
            "not a complete run",
        ),
        ("a bad option", &["--alpha", "2"][..], &good, "--alpha"),
    ] {
        // An earlier passing report...
        gate(&[], &good).ok();
        assert!(std::fs::read_to_string(&md).unwrap().contains("passed"));
        // ...is replaced by the error.
        let r = gate(extra, baseline);
        r.code(2);
        assert!(r.error_line().contains(reason), "{what}:{r}");
        let text = std::fs::read_to_string(&xml).unwrap();
        let report = Report::deserialize_from_str(&text).unwrap();
        assert_eq!((report.tests, report.errors), (1, 1), "{what}: {text}");
        assert!(
            text.contains(reason),
            "{what}: the JUnit error lacks the reason: {text}"
        );
        let m = std::fs::read_to_string(&md).unwrap();
        assert!(m.contains("ERROR") && m.contains(reason), "{what}: {m}");
        let s = std::fs::read_to_string(&summary).unwrap();
        assert!(s.trim_end().ends_with(m.trim_end()), "{what}: summary {s}");
    }
}

/// The commands of the README's text block that holds `needle`, `\` continuations joined.
fn readme_block(needle: &str) -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("```text\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains(needle))
        .unwrap_or_else(|| panic!("no README block with {needle:?}"));
    block
        .replace("\\\n", " ")
        .lines()
        .filter(|l| l.starts_with("claimbench "))
        .map(|l| {
            let l = l.split("  #").next().unwrap();
            l.split_whitespace().skip(1).map(str::to_string).collect()
        })
        .collect()
}

#[test]
fn the_readmes_gate_example_runs_as_written() {
    ensure_model();
    let t = tmp();
    write(
        &t.path().join("my-model.jsonl"),
        std::fs::read(data("preds_gold.jsonl")).unwrap(),
    );
    write(
        &t.path().join("my-model-v1.jsonl"),
        std::fs::read(data("preds_gold.jsonl")).unwrap(),
    );
    let score = readme_block("claimbench score --pred my-model.jsonl --out runs/my-model");
    let mut lines = vec![score[0].clone()];
    lines.extend(readme_block("claimbench gate --run runs/my-model"));
    assert!(lines.len() >= 3, "{lines:?}");
    for (i, args) in lines.iter().enumerate() {
        let r = cb(args).dir(t.path()).run();
        r.ok();
        if i + 1 == lines.len() {
            r.stdout_has("gate passed");
        }
    }
    assert!(t.path().join("gate.xml").is_file() && t.path().join("gate.md").is_file());
}
