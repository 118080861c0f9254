//! A small valid gold directory to break in tests.
#![allow(dead_code)]

use std::path::Path;

use claimbench_gold::{byte_to_char, Problem, ProblemKind};
use claimbench_io::sha256_hex;
use serde_json::{json, Value};

/// The article of document `000` (non-ASCII on purpose: spans count code points, not bytes).
pub const ARTICLE: &str = "Über Moscow: Rex Tillerson met Vladimir Putin on Wednesday. \
The meeting lasted nearly two hours. Officials said 87 people died in the attack.\n";

/// The seed file name of document `000`.
pub const SEED: &str = "000_test.txt";

/// Code-point span of the first occurrence of `needle` in `text`.
pub fn span_of(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).expect("needle in article");
    let start = byte_to_char(text, byte).expect("char boundary");
    (start, start + needle.chars().count())
}

/// A valid claim line of document `doc`, quoting `needle` of `article`.
pub fn claim(doc: &str, n: usize, text: &str, article: &str, needle: &str) -> Value {
    let (start, end) = span_of(article, needle);
    json!({
        "id": format!("{doc}-{n:03}"),
        "doc": doc,
        "text": text,
        "evidence": [{"start": start, "end": end}],
        "quote": needle,
        "check_worthy": true,
        "category": "event",
        "cluster": null
    })
}

/// Three valid claims of document `000`.
pub fn valid_lines() -> Vec<Value> {
    vec![
        claim(
            "000",
            1,
            "Rex Tillerson met Vladimir Putin on Wednesday.",
            ARTICLE,
            "Rex Tillerson met Vladimir Putin",
        ),
        claim(
            "000",
            2,
            "The meeting between Rex Tillerson and Vladimir Putin lasted nearly two hours.",
            ARTICLE,
            "The meeting lasted nearly two hours",
        ),
        claim(
            "000",
            3,
            "Officials said 87 people died in the attack.",
            ARTICLE,
            "Officials said 87 people died",
        ),
    ]
}

/// JSONL text of `lines`.
pub fn jsonl(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Write a gold directory: seeds (name, bytes), gold files (name, bytes), and a correct SHA256SUMS when `sums`.
pub fn write_dir(dir: &Path, seeds: &[(&str, &[u8])], gold: &[(&str, &[u8])], sums: bool) {
    std::fs::create_dir_all(dir.join("seeds")).expect("mkdir seeds");
    std::fs::create_dir_all(dir.join("gold")).expect("mkdir gold");
    let mut sum_text = String::new();
    for (name, bytes) in seeds {
        std::fs::write(dir.join("seeds").join(name), bytes).expect("write seed");
        sum_text.push_str(&format!("{}  {name}\n", sha256_hex(bytes)));
    }
    if sums {
        std::fs::write(dir.join("seeds/SHA256SUMS"), sum_text).expect("write sums");
    }
    for (name, bytes) in gold {
        std::fs::write(dir.join("gold").join(name), bytes).expect("write gold");
    }
}

/// A temp dir holding document `000` with `gold` as its gold file.
pub fn with_gold(gold: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(
        dir.path(),
        &[(SEED, ARTICLE.as_bytes())],
        &[("000.jsonl", gold.as_bytes())],
        true,
    );
    dir
}

/// The one problem of kind `kind`, after checking there is exactly one.
pub fn only(problems: &[Problem], kind: ProblemKind) -> &Problem {
    let found: Vec<&Problem> = problems.iter().filter(|p| p.kind == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind:?} in {problems:#?}");
    found[0]
}

/// Assert a problem names `file_suffix`, `line` and `field`, in its fields and in its Display.
pub fn assert_at(p: &Problem, file_suffix: &str, line: Option<usize>, field: Option<&str>) {
    assert!(
        p.file.replace('\\', "/").ends_with(file_suffix),
        "file {:?} should end with {file_suffix}",
        p.file
    );
    assert_eq!(p.line, line, "{p}");
    assert_eq!(p.field.as_deref(), field, "{p}");
    let shown = p.to_string();
    let mut expect = file_suffix.to_owned();
    if let Some(l) = line {
        expect.push_str(&format!(":{l}"));
    }
    if let Some(f) = field {
        expect.push_str(&format!(": {f}: "));
    }
    assert!(
        shown.replace('\\', "/").contains(&expect),
        "{shown:?} should contain {expect:?}"
    );
}
