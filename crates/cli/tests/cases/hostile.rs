//! Hostile predictions files (issue 9): bad lines, BOM, CRLF, invalid UTF-8, control characters, duplicates,
//! unknown documents, empty files. Lexical matchers only (no model).

use std::path::Path;

use serde_json::Value;

use crate::common::*;

fn score_json(pred: &Path, extra: &[&str]) -> Ran {
    cb(["score", "--pred"])
        .arg_path(pred)
        .args(["--matcher", "exact", "--no-intervals"])
        .args(extra)
        .run()
}

fn system<'a>(v: &'a Value, name: &str) -> &'a Value {
    &v["systems"][name]
}

#[test]
fn strict_mode_lists_every_bad_line() {
    let pred = data("bad_lines.jsonl");
    let r = score_json(&pred, &[]);
    r.code(2);
    let first = r.error_line();
    assert!(
        first.contains("bad_lines.jsonl") && first.contains("5 bad line"),
        "{r}"
    );
    // Each bad line, with its field where there is one.
    r.stderr_has("bad_lines.jsonl:7: invalid JSON")
        .stderr_has("bad_lines.jsonl:15: doc: unknown document `999`")
        .stderr_has("bad_lines.jsonl:23: text: empty text")
        .stderr_has("bad_lines.jsonl:31: evidence[0].end")
        .stderr_has("bad_lines.jsonl:40:");
    let listed = r
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with(&*pred.display().to_string()))
        .count();
    assert_eq!(listed, 5, "{r}");
}

#[test]
fn lenient_mode_scores_the_rest_and_counts_the_skipped() {
    let pred = data("bad_lines.jsonl");
    let r = score_json(&pred, &["--lenient", "--json"]);
    r.ok().stderr_has("skipped 5 bad lines");
    let v = r.json();
    let s = system(&v, "bad_lines");
    // 35 good lines, all of them gold claims verbatim (the first 8 of each document).
    assert_eq!(counts(s), (35, 0, 225), "{r}");
    let skipped: Vec<&str> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 5);
    for (s, line) in skipped.iter().zip([7, 15, 23, 31, 40]) {
        assert!(s.starts_with(&format!("line {line}:")), "{s}");
    }
    // The table form reports the count too.
    score_json(&pred, &["--lenient"])
        .ok()
        .stdout_has("5 bad lines skipped");
}

#[test]
fn bom_and_crlf_change_nothing() {
    let t = tmp();
    let plain = std::fs::read_to_string(data("preds_small.jsonl")).unwrap();
    let odd = t.path().join("preds_small.jsonl");
    write(&odd, format!("\u{feff}{}", plain.replace('\n', "\r\n")));
    let a = score_json(&data("preds_small.jsonl"), &["--json"]);
    let b = score_json(&odd, &["--json"]);
    a.ok();
    b.ok();
    assert_eq!(counts(system(&a.json(), "preds_small")), (17, 16, 243));
    assert_eq!(
        a.json()["systems"],
        b.json()["systems"],
        "BOM/CRLF changed the scores:{b}"
    );
}

#[test]
fn invalid_utf8_gives_the_byte_offset() {
    let t = tmp();
    let plain = std::fs::read(data("preds_small.jsonl")).unwrap();
    // Line 3, inside the text: the 20th byte of the line.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            plain
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let at = line_starts[2] + 30;
    let mut bytes = plain.clone();
    bytes[at] = 0xFF;
    let bad = t.path().join("latin.jsonl");
    write(&bad, &bytes);
    let r = score_json(&bad, &[]);
    r.code(2);
    r.stderr_has(&format!("latin.jsonl:3: invalid UTF-8 at byte offset {at}"));
    // Lenient: that line is skipped, the rest is scored.
    let r = score_json(&bad, &["--lenient", "--json"]);
    r.ok();
    let v = r.json();
    assert_eq!(
        v["systems"]["latin"]["skipped"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        v["systems"]["latin"]["results"]["micro"]["pred"].as_u64(),
        Some(32)
    );
}

#[test]
fn control_characters() {
    let t = tmp();
    // Escaped control characters are valid JSON strings: the claim is read and scored as text.
    let escaped = t.path().join("escaped.jsonl");
    write(
        &escaped,
        "{\"doc\": \"000\", \"text\": \"Tabs\\tand a bell\\u0007 and a NUL\\u0000 inside.\"}\n{\"doc\": \"001\", \"text\": \"\\u001b[31mred\\u001b[0m\"}\n",
    );
    let r = score_json(&escaped, &["--json"]);
    r.ok();
    assert_eq!(counts(system(&r.json(), "escaped")), (0, 2, 260));
    // Raw control bytes inside a JSON string are not JSON: a bad line, named.
    let raw = t.path().join("raw.jsonl");
    write(
        &raw,
        b"{\"doc\": \"000\", \"text\": \"ok\"}\n{\"doc\": \"000\", \"text\": \"bell\x07 raw\"}\n",
    );
    let r = score_json(&raw, &[]);
    r.code(2).stderr_has("raw.jsonl:2:");
    // A stack trace printed into the output (a model that crashed) is a bad line, named.
    let trace = t.path().join("trace.jsonl");
    write(&trace, "{\"doc\": \"000\", \"text\": \"ok\"}\nTraceback (most recent call last):\n  File \"x.py\", line 1\n");
    let r = score_json(&trace, &[]);
    r.code(2)
        .stderr_has("trace.jsonl:2:")
        .stderr_has("trace.jsonl:3:");
}

#[test]
fn duplicate_predictions_are_false_alarms_and_reported() {
    let t = tmp();
    let gold = gold_texts();
    let claim = &gold["002"][0];
    let dup = t.path().join("dup.jsonl");
    let line = serde_json::json!({"doc": "002", "text": claim}).to_string();
    write(&dup, format!("{line}\n{line}\n{line}\n"));
    let r = score_json(&dup, &["--json"]);
    r.ok();
    let v = r.json();
    let s = system(&v, "dup");
    assert_eq!(counts(s), (1, 2, 259), "{r}");
    assert_eq!(
        s["results"]["errors"]["duplicates"].as_u64(),
        Some(2),
        "{r}"
    );
    score_json(&dup, &[]).ok().stdout_has("2 duplicates");
}

#[test]
fn predictions_for_documents_the_gold_lacks() {
    let t = tmp();
    let p = t.path().join("elsewhere.jsonl");
    let mut body = std::fs::read_to_string(data("preds_small.jsonl")).unwrap();
    body.push_str("{\"doc\": \"999\", \"text\": \"A claim about another article.\"}\n");
    body.push_str("{\"doc\": \"000.txt\", \"text\": \"A file name, not a document id.\"}\n");
    write(&p, body);
    let r = score_json(&p, &[]);
    r.code(2)
        .stderr_has("elsewhere.jsonl:34: doc: unknown document `999`")
        .stderr_has("elsewhere.jsonl:35: doc");
    let r = score_json(&p, &["--lenient", "--json"]);
    r.ok().stderr_has("skipped 2 bad lines");
    assert_eq!(counts(system(&r.json(), "elsewhere")), (17, 16, 243));
}

#[test]
fn empty_and_blank_files() {
    let t = tmp();
    let empty = t.path().join("empty.jsonl");
    write(&empty, "");
    let r = score_json(&empty, &["--json"]);
    r.ok();
    assert_eq!(counts(system(&r.json(), "empty")), (0, 0, 260));
    let blank = t.path().join("blank.jsonl");
    write(&blank, "\n\n   \r\n\t\n");
    let r = score_json(&blank, &["--json"]);
    r.ok();
    assert_eq!(counts(system(&r.json(), "blank")), (0, 0, 260));
}

#[test]
fn wrong_types_and_unknown_fields_name_the_field() {
    let t = tmp();
    let p = t.path().join("types.jsonl");
    write(
        &p,
        [
            r#"{"doc": 0, "text": "a"}"#,
            r#"{"doc": "000", "text": ["a"]}"#,
            r#"{"doc": "000", "text": "a", "score": "high"}"#,
            r#"{"doc": "000", "text": "a", "scroe": 0.5}"#,
            r#"{"doc": "000", "text": "a", "evidence": [{"start": 5, "end": 2}]}"#,
            r#"{"doc": "000", "text": "a", "doc": "001"}"#,
            r#"["not", "an", "object"]"#,
            r#"{"doc": "000", "text": "a", "score": 1e400}"#,
        ]
        .join("\n"),
    );
    // --strict: an unknown field is a bad line too (issue 16: without it, the field is kept and ignored).
    let r = score_json(&p, &["--strict"]);
    r.code(2)
        .stderr_has("types.jsonl:1: doc")
        .stderr_has("types.jsonl:2: text")
        .stderr_has("types.jsonl:3: score")
        .stderr_has("types.jsonl:4: scroe")
        .stderr_has("types.jsonl:5: evidence[0]")
        .stderr_has("types.jsonl:6: doc")
        .stderr_has("types.jsonl:7:")
        .stderr_has("types.jsonl:8:");
    assert!(r.error_line().contains("8 bad line"), "{r}");
    let r = score_json(&p, &[]);
    r.code(2);
    assert!(r.error_line().contains("7 bad line"), "{r}");
    assert!(!r.stderr.contains("types.jsonl:4:"), "{r}");
}

#[test]
fn a_directory_or_unreadable_predictions_path() {
    let t = tmp();
    let r = score_json(t.path(), &[]);
    r.code(2);
    assert!(
        r.error_line().contains(&*t.path().display().to_string()),
        "{r}"
    );
}
