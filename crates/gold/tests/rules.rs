//! One test per validation rule: a valid gold line is broken, written to a temp dir and loaded; the error
//! must name the file, the line and the field.

mod common;

use claimbench_gold::{
    char_len, validate, Category, Error, GoldSet, Problem, ProblemKind, Severity,
};
use common::*;
use serde_json::{json, Value};

/// Load a dir expected to be invalid; return every problem.
fn problems_of(dir: &tempfile::TempDir) -> Vec<Problem> {
    match GoldSet::load_dir(dir.path()) {
        Err(Error::Invalid(problems)) => problems,
        Err(e) => panic!("expected Error::Invalid, got {e}"),
        Ok(set) => panic!("expected problems, loaded {} claims", set.claims.len()),
    }
}

/// The valid lines with line `n` (1-based) replaced by `f(line)`; loaded; every problem.
fn break_line(n: usize, f: impl FnOnce(&mut Value)) -> Vec<Problem> {
    let mut lines = valid_lines();
    f(&mut lines[n - 1]);
    problems_of(&with_gold(&jsonl(&lines)))
}

const GOLD: &str = "gold/000.jsonl";

#[test]
fn the_fixture_is_valid() {
    let dir = with_gold(&jsonl(&valid_lines()));
    let report = GoldSet::read_dir(dir.path()).expect("read");
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    let set = GoldSet::load_dir(dir.path()).expect("valid");
    assert_eq!(set.claims.len(), 3);
    assert_eq!(set.claims[1].id, "000-002");
    assert_eq!(set.claims[0].evidence[0].start, 13);
    assert_eq!(
        set.document("000").map(|d| d.file_name.as_str()),
        Some(SEED)
    );
    assert!(validate(&set).is_empty());
}

#[test]
fn bad_json_names_line_and_column() {
    let mut text = jsonl(&valid_lines());
    text.push_str("{\"id\": \"000-004\", \"doc\": \"000\",, }\n");
    let problems = problems_of(&with_gold(&text));
    let p = only(&problems, ProblemKind::Json);
    assert_at(p, GOLD, Some(4), None);
    assert!(p.message.contains("column 32"), "{p}");
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

#[test]
fn a_line_that_is_not_an_object_is_reported() {
    let mut text = jsonl(&valid_lines());
    text.push_str("[1, 2]\n");
    let problems = problems_of(&with_gold(&text));
    let p = only(&problems, ProblemKind::Json);
    assert_at(p, GOLD, Some(4), None);
    assert!(p.message.contains("an array"), "{p}");
}

#[test]
fn missing_field() {
    let problems = break_line(2, |l| {
        l.as_object_mut().map(|o| o.remove("quote"));
    });
    assert_at(
        only(&problems, ProblemKind::MissingField),
        GOLD,
        Some(2),
        Some("quote"),
    );
}

#[test]
fn missing_span_field() {
    let problems = break_line(1, |l| l["evidence"][0] = json!({"start": 3}));
    assert_at(
        only(&problems, ProblemKind::MissingField),
        GOLD,
        Some(1),
        Some("evidence[0].end"),
    );
}

#[test]
fn unknown_field() {
    let problems = break_line(3, |l| l["confidence"] = json!(0.9));
    assert_at(
        only(&problems, ProblemKind::UnknownField),
        GOLD,
        Some(3),
        Some("confidence"),
    );
}

#[test]
fn duplicate_field() {
    let mut text = jsonl(&valid_lines()[..2]);
    let third = valid_lines()[2].to_string();
    // Same key twice: serde would keep the last value silently.
    text.push_str(&third.replacen('{', "{\"text\": \"An earlier text.\", ", 1));
    text.push('\n');
    let problems = problems_of(&with_gold(&text));
    assert_at(
        only(&problems, ProblemKind::DuplicateField),
        GOLD,
        Some(3),
        Some("text"),
    );
}

#[test]
fn wrong_type() {
    let problems = break_line(2, |l| l["check_worthy"] = json!("yes"));
    let p = only(&problems, ProblemKind::WrongType);
    assert_at(p, GOLD, Some(2), Some("check_worthy"));
    assert!(p.message.contains("found a string"), "{p}");
}

#[test]
fn negative_offset_is_a_wrong_type() {
    let problems = break_line(2, |l| l["evidence"][0]["start"] = json!(-4));
    assert_at(
        only(&problems, ProblemKind::WrongType),
        GOLD,
        Some(2),
        Some("evidence[0].start"),
    );
}

#[test]
fn span_out_of_range() {
    let len = char_len(ARTICLE);
    let problems = break_line(2, |l| l["evidence"][0]["end"] = json!(9000));
    let p = only(&problems, ProblemKind::SpanOutOfRange);
    assert_at(p, GOLD, Some(2), Some("evidence[0].end"));
    let start = span_of(ARTICLE, "The meeting lasted nearly two hours").0;
    assert_eq!(
        p.message,
        format!("span {start}..9000 is out of range (article has {len} characters)")
    );
}

#[test]
fn span_end_equal_to_length_is_in_range() {
    let len = char_len(ARTICLE);
    let problems = break_line(3, |l| {
        l["evidence"] = json!([{"start": 61, "end": 96}, {"start": len - 1, "end": len}])
    });
    // The first span changed so the quote no longer matches, but the second span is in range.
    assert!(
        problems
            .iter()
            .all(|p| p.kind == ProblemKind::QuoteMismatch),
        "{problems:#?}"
    );
}

#[test]
fn empty_or_reversed_span() {
    let problems = break_line(1, |l| {
        let first = l["evidence"][0].clone();
        l["evidence"] = json!([first, {"start": 20, "end": 20}]);
    });
    let p = only(&problems, ProblemKind::EmptySpan);
    assert_at(p, GOLD, Some(1), Some("evidence[1]"));
    assert!(p.message.contains("20..20"), "{p}");
}

#[test]
fn empty_evidence() {
    let problems = break_line(3, |l| l["evidence"] = json!([]));
    assert_at(
        only(&problems, ProblemKind::EmptyEvidence),
        GOLD,
        Some(3),
        Some("evidence"),
    );
}

#[test]
fn quote_not_equal_to_first_span() {
    let problems = break_line(2, |l| l["quote"] = json!("The meeting lasted two hours"));
    let p = only(&problems, ProblemKind::QuoteMismatch);
    assert_at(p, GOLD, Some(2), Some("quote"));
    assert!(
        p.message
            .contains("\"The meeting lasted nearly two hours\""),
        "{p}"
    );
}

#[test]
fn quote_counts_code_points_not_bytes() {
    // "Über" is 4 code points but 5 bytes: spans count code points.
    let mut lines = valid_lines();
    lines[0]["evidence"] = json!([{"start": 0, "end": 4}]);
    lines[0]["quote"] = json!("Über");
    let set = GoldSet::load_dir(with_gold(&jsonl(&lines)).path()).expect("valid");
    assert_eq!(set.claims[0].quote, "Über");
    lines[0]["quote"] = json!("Übe");
    let problems = problems_of(&with_gold(&jsonl(&lines)));
    assert_at(
        only(&problems, ProblemKind::QuoteMismatch),
        GOLD,
        Some(1),
        Some("quote"),
    );
}

#[test]
fn a_line_with_several_problems_reports_each() {
    let problems = break_line(2, |l| {
        l["category"] = json!("rumour");
        l["evidence"][0]["end"] = json!(5000);
        l["text"] = json!("");
    });
    let fields: Vec<Option<&str>> = problems.iter().map(|p| p.field.as_deref()).collect();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    for f in ["category", "evidence[0].end", "text"] {
        assert!(fields.contains(&Some(f)), "{f} missing in {problems:#?}");
    }
    assert!(problems.iter().all(|p| p.line == Some(2)));
}

#[test]
fn duplicate_id() {
    let problems = break_line(3, |l| l["id"] = json!("000-001"));
    let p = only(&problems, ProblemKind::DuplicateId);
    assert_at(p, GOLD, Some(3), Some("id"));
    assert!(p.message.contains("000.jsonl:1"), "{p}");
}

#[test]
fn id_not_matching_its_doc() {
    let problems = break_line(2, |l| l["id"] = json!("001-002"));
    assert_at(
        only(&problems, ProblemKind::IdMismatch),
        GOLD,
        Some(2),
        Some("id"),
    );
    let problems = break_line(2, |l| l["id"] = json!("000-2"));
    assert_at(
        only(&problems, ProblemKind::IdMismatch),
        GOLD,
        Some(2),
        Some("id"),
    );
}

#[test]
fn empty_text() {
    let problems = break_line(1, |l| l["text"] = json!("  \t "));
    assert_at(
        only(&problems, ProblemKind::EmptyText),
        GOLD,
        Some(1),
        Some("text"),
    );
}

#[test]
fn control_character_in_text() {
    let problems = break_line(2, |l| {
        l["text"] = json!("The meeting lasted\u{0007} two hours.")
    });
    let p = only(&problems, ProblemKind::ControlCharacter);
    assert_at(p, GOLD, Some(2), Some("text"));
    assert!(p.message.contains("U+0007 at character 18"), "{p}");
}

#[test]
fn doc_field_differs_from_file_name() {
    let problems = break_line(3, |l| l["doc"] = json!("001"));
    assert_at(
        only(&problems, ProblemKind::UnknownDoc),
        GOLD,
        Some(3),
        Some("doc"),
    );
}

#[test]
fn gold_file_without_seed() {
    let dir = with_gold(&jsonl(&valid_lines()));
    let other = jsonl(&[claim("005", 1, "Something happened.", ARTICLE, "Rex")]);
    std::fs::write(dir.path().join("gold/005.jsonl"), other).expect("write");
    let problems = problems_of(&dir);
    assert_at(
        only(&problems, ProblemKind::UnknownDoc),
        "gold/005.jsonl",
        None,
        None,
    );
}

#[test]
fn unknown_category() {
    let problems = break_line(1, |l| l["category"] = json!("opinion"));
    let p = only(&problems, ProblemKind::UnknownCategory);
    assert_at(p, GOLD, Some(1), Some("category"));
    assert!(p.message.contains("background"), "{p}");
}

#[test]
fn identical_texts_in_one_doc() {
    let problems = break_line(3, |l| {
        l["text"] = json!("rex tillerson  met Vladimir Putin on Wednesday.")
    });
    let p = only(&problems, ProblemKind::DuplicateText);
    assert_at(p, GOLD, Some(3), Some("text"));
    assert!(p.message.contains("000-001"), "{p}");
}

#[test]
fn seed_hash_differs_from_sha256sums() {
    let dir = with_gold(&jsonl(&valid_lines()));
    let changed = ARTICLE.replace("87", "89");
    std::fs::write(dir.path().join("seeds").join(SEED), changed).expect("write");
    let problems = problems_of(&dir);
    let p = only(&problems, ProblemKind::HashMismatch);
    assert_at(p, &format!("seeds/{SEED}"), None, Some("sha256"));
    assert!(p.message.contains("SHA256SUMS:1"), "{p}");
}

#[test]
fn sha256sums_problems() {
    let dir = with_gold(&jsonl(&valid_lines()));
    let sums = std::fs::read_to_string(dir.path().join("seeds/SHA256SUMS")).expect("read");
    let broken = format!(
        "{sums}not a checksum line\n{}  999_gone.txt\n",
        "a".repeat(64)
    );
    std::fs::write(dir.path().join("seeds/SHA256SUMS"), broken).expect("write");
    let problems = problems_of(&dir);
    let lines: Vec<Option<usize>> = problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Checksums)
        .map(|p| p.line)
        .collect();
    assert_eq!(lines, [Some(2), Some(3)], "{problems:#?}");
}

#[test]
fn seed_without_gold_is_a_warning() {
    let dir = with_gold(&jsonl(&valid_lines()));
    std::fs::write(dir.path().join("seeds/001_more.txt"), "Another article.").expect("write");
    std::fs::remove_file(dir.path().join("seeds/SHA256SUMS")).expect("rm");
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let p = only(&report.problems, ProblemKind::MissingGold);
    assert_eq!(p.severity, Severity::Warning);
    assert_at(p, "seeds/001_more.txt", None, None);
    assert!(p.to_string().contains(": warning: "), "{p}");
    let set = GoldSet::load_dir(dir.path()).expect("warnings do not fail loading");
    assert_eq!(set.documents.len(), 2);
}

#[test]
fn cluster_in_one_document_is_a_warning() {
    let mut lines = valid_lines();
    lines[2]["cluster"] = json!("death-toll");
    let dir = with_gold(&jsonl(&lines));
    let report = GoldSet::read_dir(dir.path()).expect("read");
    let p = only(&report.problems, ProblemKind::LonelyCluster);
    assert_eq!(p.severity, Severity::Warning);
    assert_at(p, GOLD, Some(3), Some("cluster"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut lines = valid_lines();
    lines[0]["category"] = json!("rumour");
    lines[1]["evidence"][0]["end"] = json!(100_000);
    lines[2]["id"] = json!("000-001");
    let mut text = jsonl(&lines);
    text.push_str("not json\n");
    let problems = problems_of(&with_gold(&text));
    let got: Vec<(Option<usize>, ProblemKind)> =
        problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        got,
        [
            (Some(1), ProblemKind::UnknownCategory),
            (Some(2), ProblemKind::SpanOutOfRange),
            (Some(3), ProblemKind::DuplicateId),
            (Some(4), ProblemKind::Json),
        ]
    );
    let shown = Error::Invalid(problems).to_string();
    assert!(
        shown.starts_with("the gold set is invalid: 4 error(s), 0 warning(s)"),
        "{shown}"
    );
}

#[test]
fn validate_in_memory_set() {
    let dir = with_gold(&jsonl(&valid_lines()));
    let mut set = GoldSet::load_dir(dir.path()).expect("valid");
    set.claims[1].quote = "something else".into();
    set.claims[2].category = Category::Quantity;
    set.claims[2].doc = "007".into();
    let problems = validate(&set);
    assert_at(
        only(&problems, ProblemKind::QuoteMismatch),
        GOLD,
        Some(2),
        Some("quote"),
    );
    let unknown = only(&problems, ProblemKind::UnknownDoc);
    assert_at(unknown, "gold/007.jsonl", Some(1), Some("doc"));
}

#[test]
fn missing_directory_is_an_io_error_with_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    match GoldSet::load_dir(&dir.path().join("nope")) {
        Err(Error::Io { path, .. }) => assert!(path.ends_with("nope/seeds"), "{}", path.display()),
        other => panic!("expected Io, got {other:?}"),
    }
}

#[test]
fn any_document_id_and_ignored_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let article = "Alpha beta gamma.";
    let gold = jsonl(&[claim("news", 1, "Alpha beta gamma.", article, "Alpha beta")]);
    write_dir(
        dir.path(),
        &[("news_2024_05.txt", article.as_bytes())],
        &[
            ("news.jsonl", gold.as_bytes()),
            ("pairs.jsonl", b"{\"not\": \"a claim\"}\n"),
            ("GUIDELINES.md", b"# notes\n"),
        ],
        false,
    );
    std::fs::write(dir.path().join("seeds/README.md"), "ignored").expect("write");
    let set = GoldSet::load_dir(dir.path()).expect("valid");
    assert_eq!(set.documents[0].id, "news");
    assert_eq!(set.claims_for("news").count(), 1);
}
