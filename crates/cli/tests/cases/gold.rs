//! `claimbench gold validate|stats|show`, broken gold directories, an empty and a 5 MB article.

use crate::common::*;

#[test]
fn builtin_gold_validates() {
    let r = cb(["gold", "validate"]).run();
    r.ok().stdout_has("5 documents, 260 claims, 0 errors");
    let v = cb(["gold", "validate", "--json"]).run();
    v.ok();
    let j = v.json();
    assert_eq!(j["documents"].as_u64(), Some(5));
    assert_eq!(j["claims"].as_u64(), Some(260));
    assert_eq!(j["errors"].as_u64(), Some(0));
}

#[test]
fn a_copy_of_the_builtin_gold_validates_and_scores_the_same() {
    let t = tmp();
    copy_builtin_gold(t.path());
    cb(["gold", "validate"])
        .arg_path(t.path())
        .run()
        .ok()
        .stdout_has("5 documents, 260 claims, 0 errors");
    let r = cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", "exact", "--json", "--no-intervals", "--gold"])
        .arg_path(t.path())
        .run();
    r.ok();
    assert_eq!(counts(&r.json()["systems"]["preds_small"]), (17, 16, 243));
}

#[test]
fn stats_and_show() {
    let r = cb(["gold", "stats", "--json"]).run();
    r.ok();
    let v = r.json();
    assert_eq!(v["claims"].as_u64(), Some(260), "{r}");
    let r = cb(["gold", "show", "002", "--json"]).run();
    r.ok();
    let v = r.json();
    assert_eq!(v["claims"].as_array().map(Vec::len), Some(50));
    assert_eq!(
        v["claims"][0]["text"].as_str(),
        Some("Rex Tillerson and Sergey Lavrov held talks in Moscow on Wednesday.")
    );
    cb(["gold", "show", "002"]).run().ok().stdout_has("002-001");
    let r = cb(["gold", "show", "777"]).run();
    r.code(2);
    assert!(r.error_line().contains("777"), "{r}");
}

/// Replace line `line` (1-based) of `file` by `f(old)`.
fn edit_line(file: &std::path::Path, line: usize, f: impl Fn(&mut serde_json::Value)) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut v: serde_json::Value = serde_json::from_str(&lines[line - 1]).unwrap();
    f(&mut v);
    lines[line - 1] = v.to_string();
    write(file, lines.join("\n") + "\n");
}

#[test]
fn a_broken_gold_dir_lists_every_problem_with_file_line_and_field() {
    let t = tmp();
    copy_builtin_gold(t.path());
    edit_line(&t.path().join("gold/001.jsonl"), 3, |v| {
        v["evidence"][0]["end"] = 999_999.into()
    });
    edit_line(&t.path().join("gold/002.jsonl"), 5, |v| {
        v["category"] = "gossip".into()
    });
    edit_line(&t.path().join("gold/003.jsonl"), 7, |v| {
        v["quote"] = "not the article text".into()
    });
    let r = cb(["gold", "validate"]).arg_path(t.path()).run();
    r.code(2);
    r.stderr_has("001.jsonl:3: evidence[0].end")
        .stderr_has("002.jsonl:5: category")
        .stderr_has("003.jsonl:7: quote")
        .stdout_has("3 errors");
    let last = r.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains("3 error"),
        "{r}"
    );
    // Scoring against it fails before anything is scored, naming the problems.
    let r = cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", "exact", "--gold"])
        .arg_path(t.path())
        .run();
    r.code(2).stderr_has("001.jsonl:3: evidence[0].end");
}

#[test]
fn a_gold_dir_that_is_not_there() {
    let t = tmp();
    let r = cb(["gold", "validate"])
        .arg_path(&t.path().join("missing"))
        .run();
    r.code(2);
    assert!(r.error_line().contains("missing"), "{r}");
}

#[test]
fn empty_article_and_five_megabyte_article() {
    let t = tmp();
    copy_builtin_gold(t.path());
    // 005: an empty article with an empty gold file.
    write(&t.path().join("seeds/005_empty.txt"), "");
    write(&t.path().join("gold/005.jsonl"), "");
    // 006: a 5 MB article (multi-byte characters, so code points and bytes differ), one claim at its very end.
    let unit = "Ünïcödé filler sentence about nothing in particular. ";
    let mut article = unit.repeat(5 * 1024 * 1024 / unit.len() + 1);
    let claim = "The final sentence of the long article names 42 ministers.";
    article.push_str(claim);
    assert!(article.len() > 5 * 1024 * 1024);
    let end = article.chars().count();
    let start = end - claim.chars().count();
    write(&t.path().join("seeds/006_big.txt"), &article);
    let line = serde_json::json!({
        "id": "006-001", "doc": "006", "text": claim, "evidence": [{"start": start, "end": end}], "quote": claim,
        "check_worthy": true, "category": "quantity", "cluster": null,
    });
    write(&t.path().join("gold/006.jsonl"), format!("{line}\n"));
    let r = cb(["gold", "validate"]).arg_path(t.path()).run();
    r.ok()
        .stdout_has("7 documents, 261 claims, 0 errors")
        .stderr_has("005_empty.txt");
    // Predictions for both: one for the empty article (a false alarm), the long article's claim (a match) with
    // evidence at the very end of the article.
    let preds = t.path().join("preds.jsonl");
    let mut body = std::fs::read_to_string(data("preds_small.jsonl")).unwrap();
    body.push_str(&serde_json::json!({"doc": "005", "text": "Nothing happened."}).to_string());
    body.push('\n');
    body.push_str(&serde_json::json!({"doc": "006", "text": claim, "evidence": [{"start": start, "end": end}]}).to_string());
    body.push('\n');
    write(&preds, body);
    let r = cb(["score", "--pred"])
        .arg_path(&preds)
        .args(["--matcher", "exact", "--json", "--no-intervals", "--gold"])
        .arg_path(t.path())
        .run();
    r.ok();
    let v = r.json();
    assert_eq!(counts(&v["systems"]["preds"]), (18, 17, 243), "{r}");
    assert_eq!(
        v["systems"]["preds"]["results"]["documents_scored"].as_u64(),
        Some(7)
    );
    // Evidence one past the end of the long article is a bad line.
    let bad = t.path().join("bad.jsonl");
    write(&bad, serde_json::json!({"doc": "006", "text": claim, "evidence": [{"start": start, "end": end + 1}]}).to_string());
    let r = cb(["score", "--pred"])
        .arg_path(&bad)
        .args(["--matcher", "exact", "--gold"])
        .arg_path(t.path())
        .run();
    r.code(2).stderr_has("bad.jsonl:1: evidence[0].end");
}
