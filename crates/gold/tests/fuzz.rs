//! Bounded fuzzing of the gold readers (issue 9): arbitrary and mutated bytes as a gold file, a seed and a
//! SHA256SUMS file never panic, every problem names its file, and no non-blank gold line is dropped silently.

mod common;

use std::collections::BTreeSet;

use claimbench_gold::{GoldSet, LoadReport};
use common::*;
use proptest::prelude::*;

fn load(seed: &[u8], gold: &[u8], sums: Option<&[u8]>) -> LoadReport {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dir(dir.path(), &[(SEED, seed)], &[("000.jsonl", gold)], false);
    if let Some(sums) = sums {
        std::fs::write(dir.path().join("seeds/SHA256SUMS"), sums).expect("write sums");
    }
    let report = GoldSet::read_dir(dir.path()).expect("the directory layout is fine");
    for p in &report.problems {
        let file = p.file.replace('\\', "/");
        assert!(
            file.ends_with("gold/000.jsonl")
                || file.ends_with(&format!("seeds/{SEED}"))
                || file.ends_with("seeds/SHA256SUMS"),
            "problem without a known file: {p}"
        );
        assert!(!p.message.is_empty());
        assert!(p.line.is_none_or(|l| l >= 1), "{p}");
    }
    // Loading agrees with reading.
    let loaded = GoldSet::load_dir(dir.path());
    assert_eq!(loaded.is_err(), report.has_errors());
    report
}

/// Every non-blank line of `gold` is either a kept claim or has a problem on its line.
fn assert_nothing_dropped(gold: &[u8], report: &LoadReport) {
    let kept: BTreeSet<usize> = report.origins.iter().map(|o| o.line).collect();
    let flagged: BTreeSet<usize> = report
        .problems
        .iter()
        .filter(|p| p.is_error() && p.file.replace('\\', "/").ends_with("gold/000.jsonl"))
        .filter_map(|p| p.line)
        .collect();
    let gold = gold.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(gold);
    for (i, raw) in gold.split(|&b| b == b'\n').enumerate() {
        let blank = raw.iter().all(|b| b.is_ascii_whitespace())
            || std::str::from_utf8(raw).is_ok_and(|s| s.trim().is_empty());
        if !blank {
            let line = i + 1;
            assert!(
                kept.contains(&line) || flagged.contains(&line),
                "line {line} was dropped silently: {:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }
}

/// A valid gold file with random byte edits (flip, insert, delete).
fn mutated_gold() -> impl Strategy<Value = Vec<u8>> {
    let base = jsonl(&valid_lines()).into_bytes();
    let n = base.len();
    proptest::collection::vec((0..n, any::<u8>(), 0..3u8), 1..6).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, byte, op) in edits {
            let at = at.min(bytes.len().saturating_sub(1));
            match op {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_gold(gold in proptest::collection::vec(any::<u8>(), 0..512)) {
        let report = load(ARTICLE.as_bytes(), &gold, None);
        assert_nothing_dropped(&gold, &report);
    }

    #[test]
    fn mutated_gold_lines(gold in mutated_gold()) {
        let report = load(ARTICLE.as_bytes(), &gold, None);
        assert_nothing_dropped(&gold, &report);
    }

    #[test]
    fn arbitrary_bytes_as_seed(seed in proptest::collection::vec(any::<u8>(), 0..512)) {
        let gold = jsonl(&valid_lines());
        let report = load(&seed, gold.as_bytes(), None);
        assert_nothing_dropped(gold.as_bytes(), &report);
    }

    #[test]
    fn arbitrary_bytes_as_sha256sums(sums in proptest::collection::vec(any::<u8>(), 0..256)) {
        let gold = jsonl(&valid_lines());
        load(ARTICLE.as_bytes(), gold.as_bytes(), Some(&sums));
    }
}
