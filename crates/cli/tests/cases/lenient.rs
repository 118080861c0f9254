//! Issue 16: lenient where users need it, strict where it matters. Unknown fields of predictions lines are kept
//! and ignored (`--strict` rejects them), the gold files score as predictions, `--pred -` reads stdin, and
//! `similarity --pairs` reads the project's own pairs file, lists every bad line and echoes each pair's id.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::*;

/// Every gold claim of the built-in set, as the gold files have them (id, quote, category, ... included).
fn all_gold_lines() -> String {
    let mut out = String::new();
    for doc in ["000", "001", "002", "003", "004"] {
        out.push_str(&std::fs::read_to_string(repo().join(format!("gold/{doc}.jsonl"))).unwrap());
    }
    out
}

#[test]
fn unknown_fields_are_kept_and_ignored_unless_strict() {
    let t = tmp();
    let plain = std::fs::read_to_string(data("preds_small.jsonl")).unwrap();
    let extra: String = plain
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["id"] = serde_json::json!(format!("p{i}"));
            v["model"] = serde_json::json!("m-1");
            v["meta"] = serde_json::json!({"run": 3});
            format!("{v}\n")
        })
        .collect();
    let pred = t.path().join("preds_small.jsonl");
    write(&pred, &extra);
    let score = |p: &std::path::Path, extra: &[&str]| {
        cb(["score", "--matcher", "exact", "--json", "--pred"])
            .arg_path(p)
            .args(extra)
            .run()
    };
    let a = score(&data("preds_small.jsonl"), &[]);
    let b = score(&pred, &[]);
    a.ok();
    b.ok().stderr_has(
        "fields kept but ignored by scoring: id (33 lines), meta (33 lines), model (33 lines)",
    );
    assert_eq!(
        a.json()["systems"]["preds_small"]["results"],
        b.json()["systems"]["preds_small"]["results"],
        "extra fields change the scores"
    );
    // Kept: the run's copy of the predictions has them.
    let run = t.path().join("run");
    cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&pred)
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    let copy = std::fs::read_to_string(run.join("predictions/preds_small.jsonl")).unwrap();
    let first: Value = serde_json::from_str(copy.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"].as_str(), Some("p0"), "{copy}");
    assert_eq!(first["meta"]["run"].as_u64(), Some(3), "{copy}");
    // --strict: the old behaviour, every line named with its field.
    let r = score(&pred, &["--strict"]);
    r.code(2);
    assert!(r.error_line().contains("33 bad line"), "{r}");
    r.stderr_has(":1: id: unknown field");
}

#[test]
fn the_gold_files_score_as_predictions() {
    let t = tmp();
    let pred = t.path().join("gold.jsonl");
    write(&pred, all_gold_lines());
    let r = cb(["score", "--matcher", "exact", "--json", "--pred"])
        .arg_path(&pred)
        .run();
    r.ok();
    let v = r.json();
    let sys = &v["systems"]["gold"];
    assert_eq!(counts(sys), (260, 0, 0), "{r}");
    assert_eq!(sys["results"]["micro"]["rates"]["f1"].as_f64(), Some(1.0));
}

#[test]
fn pred_dash_reads_standard_input() {
    let file = cb(["score", "--matcher", "exact", "--json", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .run();
    let piped = cb(["score", "--matcher", "exact", "--json", "--pred", "-"])
        .stdin(std::fs::read(data("preds_small.jsonl")).unwrap())
        .run();
    file.ok();
    piped.ok();
    assert_eq!(
        file.json()["systems"]["preds_small"]["results"],
        piped.json()["systems"]["stdin"]["results"]
    );
    // Errors name standard input and the line.
    let r = cb(["score", "--matcher", "exact", "--pred", "-"])
        .stdin("{\"doc\": \"000\", \"text\": \"ok\"}\n{\"doc\": \"999\", \"text\": \"x\"}\n")
        .run();
    r.code(2);
    r.stderr_has("stdin:2: doc: unknown document");
}

#[test]
fn similarity_reads_the_projects_pairs_file_and_echoes_each_id() {
    let pairs = repo().join("gold/pairs.jsonl");
    let r = cb(["similarity", "--matcher", "token-f1", "--pairs"])
        .arg_path(&pairs)
        .run();
    r.ok();
    let input: Vec<Value> = std::fs::read_to_string(&pairs)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let out: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), input.len(), "one decision per pair:{r}");
    for (i, (o, p)) in out.iter().zip(&input).enumerate() {
        assert_eq!(o["id"], p["id"], "decision {i}");
        assert_eq!(o["line"].as_u64(), Some(i as u64 + 1));
        assert_eq!(o["expected"], p["same"], "decision {i}");
        assert!(o["score"].is_number() && o["same"].is_boolean(), "{o}");
    }
}

#[test]
fn similarity_lists_every_bad_line_and_says_what_it_does_with_blank_ones() {
    let t = tmp();
    let f = t.path().join("pairs.jsonl");
    write(
        &f,
        concat!(
            "{\"a\": \"one\", \"b\": \"two\"}\n",
            "{\"a\": \"no b\"}\n",
            "\n",
            "not json\n",
            "{\"a\": \"x\", \"b\": 3}\n",
            "{\"a\": \"fine\", \"b\": \"fine\", \"kind\": \"paraphrase\"}\n",
        ),
    );
    let r = cb(["similarity", "--matcher", "token-f1", "--pairs"])
        .arg_path(&f)
        .run();
    r.code(2);
    assert!(r.error_line().contains("3 bad lines"), "{r}");
    for line in [2, 4, 5] {
        r.stderr_has(&format!("pairs.jsonl:{line}:"));
    }
    // Without the bad lines: the blank one is skipped, and said to be; each decision has its line number.
    write(
        &f,
        "{\"a\": \"one\", \"b\": \"two\"}\n\n{\"a\": \"fine\", \"b\": \"fine\"}\n",
    );
    let r = cb(["similarity", "--matcher", "token-f1", "--pairs"])
        .arg_path(&f)
        .run();
    r.ok().stderr_has("skipped 1 blank line (line 2)");
    let lines: BTreeSet<u64> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, BTreeSet::from([1, 3]), "{r}");
}
