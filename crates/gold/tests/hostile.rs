//! Hostile inputs for the gold readers (issue 9): BOM, CRLF, invalid UTF-8, empty and huge articles,
//! control characters, blank lines.

mod common;

use claimbench_gold::{char_len, char_slice, GoldSet, ProblemKind, Severity, Span};
use claimbench_io::sha256_hex;
use common::*;
use serde_json::json;

#[test]
fn bom_in_gold_file_is_skipped() {
    let text = format!("\u{feff}{}", jsonl(&valid_lines()));
    let set = GoldSet::load_dir(with_gold(&text).path()).expect("a BOM is not an error");
    assert_eq!(set.claims.len(), 3);
    assert_eq!(set.claims[0].id, "000-001");
}

#[test]
fn bom_in_seed_is_skipped_and_offsets_count_after_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_bom = format!("\u{feff}{ARTICLE}");
    write_dir(
        dir.path(),
        &[(SEED, with_bom.as_bytes())],
        &[("000.jsonl", jsonl(&valid_lines()).as_bytes())],
        true,
    );
    let set = GoldSet::load_dir(dir.path()).expect("valid");
    let doc = set.document("000").expect("doc");
    assert_eq!(doc.text, ARTICLE);
    // The hash is of the file's bytes, BOM included.
    assert_eq!(doc.sha256, sha256_hex(with_bom.as_bytes()));
}

#[test]
fn crlf_line_ends_and_blank_lines_keep_line_numbers() {
    let lines = valid_lines();
    let mut broken = lines[2].clone();
    broken["category"] = json!("gossip");
    let text = format!(
        "{}\r\n\r\n   \r\n{}\r\n{}\r\n\r\n",
        lines[0], lines[1], broken
    );
    let problems = match GoldSet::load_dir(with_gold(&text).path()) {
        Err(claimbench_gold::Error::Invalid(p)) => p,
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_at(&problems[0], "gold/000.jsonl", Some(5), Some("category"));
    let ok = text.replace("gossip", "event");
    let report = GoldSet::read_dir(with_gold(&ok).path()).expect("read");
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    let lines: Vec<usize> = report.origins.iter().map(|o| o.line).collect();
    assert_eq!(lines, [1, 4, 5]);
}

#[test]
fn crlf_seed_keeps_its_carriage_returns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let article = "First line.\r\nSecond line.\r\n";
    let gold = jsonl(&[claim(
        "000",
        1,
        "There is a second line.",
        article,
        "Second line.",
    )]);
    write_dir(
        dir.path(),
        &[(SEED, article.as_bytes())],
        &[("000.jsonl", gold.as_bytes())],
        true,
    );
    let set = GoldSet::load_dir(dir.path()).expect("valid");
    assert_eq!(set.claims[0].evidence[0], Span::new(13, 25));
}

#[test]
fn invalid_utf8_in_gold_gives_byte_offset_and_line() {
    let lines = valid_lines();
    let first = format!("{}\n", lines[0]);
    let mut bytes = first.clone().into_bytes();
    bytes.extend_from_slice(b"{\"id\": \"000-002\", \"text\": \"caf\xE9\"}\n");
    bytes.extend_from_slice(format!("{}\n", lines[2]).as_bytes());
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(
        dir.path(),
        &[(SEED, ARTICLE.as_bytes())],
        &[("000.jsonl", &bytes)],
        true,
    );
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let p = only(&report.problems, ProblemKind::Encoding);
    assert_at(p, "gold/000.jsonl", Some(2), None);
    let offset = first.len() + "{\"id\": \"000-002\", \"text\": \"caf".len();
    assert_eq!(p.message, format!("invalid UTF-8 at byte offset {offset}"));
    assert_eq!(bytes[offset], 0xE9);
    // The other lines are still read: nothing is dropped silently.
    assert_eq!(report.set.claims.len(), 2);
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}

#[test]
fn invalid_utf8_in_seed_gives_byte_offset() {
    let mut bytes = ARTICLE.as_bytes().to_vec();
    let at = 40;
    bytes.insert(at, 0xFF);
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(
        dir.path(),
        &[(SEED, &bytes)],
        &[("000.jsonl", jsonl(&valid_lines()).as_bytes())],
        true,
    );
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let p = only(&report.problems, ProblemKind::Encoding);
    assert_at(p, &format!("seeds/{SEED}"), Some(1), None);
    assert_eq!(p.message, format!("invalid UTF-8 at byte offset {at}"));
    // The unreadable article causes no cascade of span or unknown-document errors.
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    assert!(GoldSet::load_dir(dir.path()).is_err());
}

#[test]
fn empty_article_loads_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(dir.path(), &[(SEED, b"")], &[("000.jsonl", b"")], true);
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let kinds: Vec<(ProblemKind, Severity)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.severity))
        .collect();
    assert_eq!(
        kinds,
        [
            (ProblemKind::EmptyGold, Severity::Warning),
            (ProblemKind::EmptyArticle, Severity::Warning)
        ]
    );
    let set = GoldSet::load_dir(dir.path()).expect("warnings only");
    assert_eq!(set.documents[0].text, "");
    // A claim on an empty article is out of range.
    let gold = jsonl(&[
        json!({"id": "000-001", "doc": "000", "text": "x", "evidence": [{"start": 0, "end": 1}],
        "quote": "x", "check_worthy": false, "category": "background", "cluster": null}),
    ]);
    std::fs::write(dir.path().join("gold/000.jsonl"), gold).expect("write");
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let p = only(&report.problems, ProblemKind::SpanOutOfRange);
    assert!(p.message.ends_with("(article has 0 characters)"), "{p}");
}

#[test]
fn five_megabyte_article_loads() {
    // 5 MB of mixed-width text; the claim quotes the very end.
    let unit = "Der Außenminister sprach 2 Stunden — ☃ ";
    let mut article = String::new();
    while article.len() < 5 * 1024 * 1024 {
        article.push_str(unit);
    }
    article.push_str("The end.");
    let needle = "The end.";
    let gold = jsonl(&[claim("000", 1, "The article ends.", &article, needle)]);
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(
        dir.path(),
        &[(SEED, article.as_bytes())],
        &[("000.jsonl", gold.as_bytes())],
        true,
    );
    let set = GoldSet::load_dir(dir.path()).expect("valid");
    let doc = set.document("000").expect("doc");
    assert!(doc.text.len() >= 5 * 1024 * 1024);
    let span = set.claims[0].evidence[0];
    assert_eq!(span.end, char_len(&article));
    assert_eq!(char_slice(&doc.text, span), Some(needle));
}

#[test]
fn control_characters_in_the_article_are_kept_but_not_in_claims() {
    let dir = tempfile::tempdir().expect("tempdir");
    let article = "Tab\there and bell\u{7} there.";
    let mut line = claim("000", 1, "A tab is\there.", article, "Tab\there");
    let gold = jsonl(&[line.clone()]);
    write_dir(
        dir.path(),
        &[(SEED, article.as_bytes())],
        &[("000.jsonl", gold.as_bytes())],
        true,
    );
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let p = only(&report.problems, ProblemKind::ControlCharacter);
    assert_at(p, "gold/000.jsonl", Some(1), Some("text"));
    assert!(p.message.contains("U+0009"), "{p}");
    line["text"] = json!("The article has a tab.");
    std::fs::write(dir.path().join("gold/000.jsonl"), jsonl(&[line])).expect("write");
    let set =
        GoldSet::load_dir(dir.path()).expect("valid: the quote may hold what the article holds");
    assert_eq!(set.claims[0].quote, "Tab\there");
}

#[test]
fn truncated_last_line_is_reported() {
    let text = jsonl(&valid_lines());
    let cut = &text[..text.len() - 20];
    let report = GoldSet::read_dir(with_gold(cut).path()).expect("read");
    let p = only(&report.problems, ProblemKind::Json);
    assert_at(p, "gold/000.jsonl", Some(3), None);
    assert_eq!(report.set.claims.len(), 2);
}
