//! The `command` extractor against the scripts in `tests/data/`.

use claimbench_extract::command::{CommandExtractor, CommandSpec, FailureKind};
use claimbench_extract::{ClaimExtractor, Document, Error, Span};
use std::path::PathBuf;
use std::time::Duration;

fn script(name: &str) -> CommandSpec {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    CommandSpec::Argv(vec!["sh".into(), p.to_string_lossy().into_owned()])
}

fn doc(id: &str, text: &str) -> Document {
    Document {
        id: id.into(),
        file_name: format!("{id}_test.txt"),
        text: text.into(),
        sha256: String::new(),
    }
}

fn docs() -> Vec<Document> {
    vec![
        doc("000", "Alpha beta gamma."),
        doc("001", "Second \"quoted\"\narticle\twith tabs."),
    ]
}

#[test]
fn echo_script_gives_claims_per_article() {
    let x = CommandExtractor::new(script("echo_claims.sh"), Duration::from_secs(30));
    let run = x.run(&docs());
    assert_eq!(run.failures, vec![]);
    let got: Vec<(&str, &str, Option<f32>, Vec<Span>)> = run
        .claims
        .iter()
        .map(|c| (c.doc.as_str(), c.text.as_str(), c.score, c.evidence.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "000",
                "first claim of 000",
                Some(0.75),
                vec![Span { start: 0, end: 5 }]
            ),
            ("000", "second claim of 000", None, vec![]),
            (
                "001",
                "first claim of 001",
                Some(0.75),
                vec![Span { start: 0, end: 5 }]
            ),
            ("001", "second claim of 001", None, vec![]),
        ]
    );
    // Through the trait too.
    assert_eq!(x.extract(&docs()[1]).unwrap().len(), 2);
    assert_eq!(x.name(), "command");
    assert_eq!(x.with_name("my-llm").name(), "my-llm");
}

#[test]
fn a_program_past_the_time_limit_is_killed_and_reported() {
    // A 1 MB article the program never reads: the stdin writer must not block either.
    let big = doc("000", &"word ".repeat(200_000));
    let x = CommandExtractor::new(script("sleeps.sh"), Duration::from_millis(500));
    let run = x.run(&[big, doc("001", "short")]);
    assert!(run.claims.is_empty());
    assert_eq!(run.failures.len(), 2);
    for (f, id) in run.failures.iter().zip(["000", "001"]) {
        assert_eq!(f.doc, id);
        assert_eq!(f.kind, FailureKind::Timeout);
        assert!(f.detail.contains("killed"), "{}", f.detail);
    }
}

#[test]
fn non_zero_exit_is_reported_with_stderr_and_no_claims() {
    let x = CommandExtractor::new(script("exits_1.sh"), Duration::from_secs(30));
    let run = x.run(&docs()[..1]);
    assert!(run.claims.is_empty());
    assert_eq!(run.failures.len(), 1);
    let f = &run.failures[0];
    assert_eq!((f.doc.as_str(), f.kind), ("000", FailureKind::Exit));
    assert_eq!(f.detail, "exited with status 1");
    assert_eq!(f.stderr_tail, "error: the API key is missing\n");
    let err = x.extract(&docs()[0]).unwrap_err();
    assert!(matches!(err, Error::Article(_)));
    assert!(
        err.to_string()
            .contains("document `000`: exit: exited with status 1"),
        "{err}"
    );
    assert!(err.to_string().contains("the API key is missing"), "{err}");
}

#[test]
fn a_stack_trace_in_the_output_is_bad_output_naming_the_lines() {
    let x = CommandExtractor::new(script("stack_trace.sh"), Duration::from_secs(30));
    let run = x.run(&docs()[..1]);
    assert!(run.claims.is_empty());
    assert_eq!(run.failures.len(), 1);
    let f = &run.failures[0];
    assert_eq!(f.kind, FailureKind::BadOutput);
    assert!(
        f.detail
            .starts_with("4 bad line(s) on stdout; 1 parsed claim(s) discarded"),
        "{}",
        f.detail
    );
    assert!(
        f.detail.contains("stdout line 2: invalid JSON"),
        "{}",
        f.detail
    );
    assert!(
        f.detail.contains("stdout line 5: invalid JSON"),
        "{}",
        f.detail
    );
}

#[test]
fn wrong_doc_and_bad_spans_in_output_are_bad_output() {
    let cmd = r#"cat >/dev/null; echo '{"doc": "999", "text": "x"}'; echo '{"text": "y", "evidence": [{"start": 0, "end": 1000}]}'"#;
    let x = CommandExtractor::new(CommandSpec::Shell(cmd.into()), Duration::from_secs(30));
    let run = x.run(&docs()[..1]);
    assert_eq!(run.failures.len(), 1);
    let d = &run.failures[0].detail;
    assert!(
        d.contains("line 1: doc: `999` does not match the article `000`"),
        "{d}"
    );
    assert!(
        d.contains("line 2: evidence[0].end: 1000 is past the end of the article (17 code points)"),
        "{d}"
    );
}

#[test]
fn a_background_process_holding_stdout_does_not_hang() {
    let x = CommandExtractor::new(script("background.sh"), Duration::from_millis(500));
    let run = x.run(&docs()[..1]);
    assert_eq!(run.failures.len(), 1);
    assert_eq!(run.failures[0].kind, FailureKind::Timeout);
    assert!(
        run.failures[0].detail.contains("stdout stayed open"),
        "{}",
        run.failures[0].detail
    );
}

#[test]
fn a_missing_program_is_a_spawn_failure() {
    let x = CommandExtractor::new(
        CommandSpec::Argv(vec!["/nonexistent/claimbench-extractor".into()]),
        Duration::from_secs(5),
    );
    let run = x.run(&docs());
    assert_eq!(run.failures.len(), 2);
    assert!(run.failures.iter().all(|f| f.kind == FailureKind::Spawn));
    assert!(
        run.failures[0].detail.contains("could not start"),
        "{}",
        run.failures[0].detail
    );
    let empty = CommandExtractor::new(CommandSpec::Argv(vec![]), Duration::from_secs(5));
    assert_eq!(empty.run(&docs()[..1]).failures[0].kind, FailureKind::Spawn);
}

#[test]
fn empty_output_is_zero_claims_not_a_failure() {
    let x = CommandExtractor::new(
        CommandSpec::Shell("cat >/dev/null".into()),
        Duration::from_secs(30),
    );
    let run = x.run(&docs());
    assert_eq!(run.failures, vec![]);
    assert!(run.claims.is_empty());
}

#[test]
fn a_program_printing_short_lines_forever_is_stopped_at_the_line_cap_not_the_time_limit() {
    // `yes` never ends; its 15-byte lines reach the line cap long before the byte cap.
    let x = CommandExtractor::new(
        CommandSpec::Shell("yes '{\"text\": \"x\"}'".into()),
        Duration::from_secs(120),
    );
    let run = x.run(&[doc("000", "Alpha.")]);
    assert!(run.claims.is_empty());
    assert_eq!(run.failures.len(), 1);
    let f = &run.failures[0];
    assert_eq!(f.kind, FailureKind::BadOutput, "{}", f.detail);
    assert_eq!(
        f.detail,
        format!(
            "more than {} lines on stdout; killed",
            claimbench_extract::command::MAX_STDOUT_LINES
        )
    );
}
