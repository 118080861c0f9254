//! Bounded fuzzing (issue 9) of the readers the CLI exposes: predictions files, pairs files, gold directories.
//! Arbitrary and near-valid bytes go through the library readers (many cases, in process) and through the binary
//! (fewer cases): never a panic, only exit 0 or 2, and every error names the file.
//!
//! `PROPTEST_CASES` raises the number of cases for a longer run; failures are shrunk and saved by proptest.

use std::path::Path;

use claimbench_extract::file::{read_predictions_from, Leniency};
use claimbench_gold::{case_length_changers, GoldSet};
use proptest::prelude::*;

use crate::common::*;

/// A JSON-ish line: sometimes valid, often a little wrong.
fn line() -> impl Strategy<Value = String> {
    let doc = prop_oneof![
        Just("\"000\"".to_string()),
        Just("\"004\"".to_string()),
        Just("\"999\"".to_string()),
        Just("\"\"".to_string()),
        Just("0".to_string()),
        Just("null".to_string()),
    ];
    let text = prop_oneof![
        "[a-zA-Z ,.]{0,40}".prop_map(|s| format!("{s:?}")),
        ".{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        Just("\"\\u0000\\u001b\\ud800\"".to_string()),
        Just("[]".to_string()),
        Just("1e999".to_string()),
    ];
    let score = prop_oneof![
        Just(String::new()),
        (-2.0f64..2.0).prop_map(|x| format!(", \"score\": {x}")),
        Just(", \"score\": \"x\"".to_string()),
        Just(", \"score\": null".to_string()),
    ];
    let evidence = prop_oneof![
        Just(String::new()),
        (0usize..8000, 0usize..8000)
            .prop_map(|(a, b)| format!(", \"evidence\": [{{\"start\": {a}, \"end\": {b}}}]")),
        Just(", \"evidence\": [{\"start\": -1, \"end\": 18446744073709551616}]".to_string()),
        Just(", \"evidence\": {}".to_string()),
        Just(", \"extra\": 1".to_string()),
    ];
    (doc, text, score, evidence)
        .prop_map(|(d, t, s, e)| format!("{{\"doc\": {d}, \"text\": {t}{s}{e}}}"))
}

/// File bytes: arbitrary bytes, or near-valid JSONL with cuts, stray bytes, a BOM and CRLF line ends.
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    let structured = (
        prop::collection::vec(line(), 0..12),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(lines, bom, crlf, stray, cut)| {
            let mut s = lines.join(if crlf { "\r\n" } else { "\n" });
            if bom {
                s.insert(0, '\u{feff}');
            }
            let mut b = s.into_bytes();
            for (i, byte) in stray {
                if !b.is_empty() {
                    let at = i.index(b.len());
                    b[at] = byte;
                }
            }
            if let Some(c) = cut {
                if !b.is_empty() {
                    b.truncate(c.index(b.len()));
                }
            }
            b
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..400), structured]
}

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn builtin_docs() -> Vec<claimbench_gold::Document> {
    GoldSet::builtin().expect("built-in gold").documents
}

proptest! {
    #![proptest_config(cases(2000))]

    /// The predictions reader, in process: no panic; strict errors name the file and each line; lenient mode
    /// accounts for every line (claims + blank + skipped = lines).
    #[test]
    fn predictions_reader_never_panics(bytes in file_bytes()) {
        let docs = builtin_docs();
        let path = Path::new("fuzz-preds.jsonl");
        match read_predictions_from(&bytes[..], path, &docs, Leniency::Strict) {
            Ok(r) => prop_assert_eq!(r.summary.lines, r.summary.claims + r.summary.blank_lines),
            Err(e) => {
                let msg = e.to_string();
                for l in msg.lines() {
                    prop_assert!(l.contains("fuzz-preds.jsonl"), "an error line without the file: {}", msg);
                }
            }
        }
        let r = read_predictions_from(&bytes[..], path, &docs, Leniency::Lenient);
        prop_assert!(r.is_ok(), "lenient mode failed: {:?}", r.err().map(|e| e.to_string()));
        let s = r.unwrap().summary;
        prop_assert_eq!(s.lines, s.claims + s.blank_lines + s.skipped.len());
    }
}

proptest! {
    #![proptest_config(cases(300))]

    /// The gold directory reader, in process: any bytes as an article and as its gold file; no panic, and every
    /// problem names one of the two files.
    #[test]
    fn gold_dir_reader_never_panics(seed in prop::collection::vec(any::<u8>(), 0..300), gold in file_bytes()) {
        let t = tmp();
        write(&t.path().join("seeds/000_fuzz.txt"), &seed);
        write(&t.path().join("gold/000.jsonl"), &gold);
        let report = GoldSet::read_dir(t.path()).expect("a readable directory");
        for p in &report.problems {
            prop_assert!(p.file.contains("000_fuzz.txt") || p.file.contains("000.jsonl"), "{}", p);
        }
    }
}

proptest! {
    #![proptest_config(cases(24))]

    /// The binary on fuzzed predictions, pairs and gold files: exit 0 or 2, never a panic (101) or a signal, and
    /// an error names the file.
    #[test]
    fn binary_exits_cleanly_on_fuzzed_files(bytes in file_bytes()) {
        let t = tmp();
        let pred = t.path().join("fuzz-preds.jsonl");
        write(&pred, &bytes);
        let r = cb(["score", "--pred"]).arg_path(&pred).args(["--matcher", "exact", "--no-intervals"]).run();
        prop_assert!(r.code == Some(0) || r.code == Some(2), "{}", r);
        prop_assert!(!r.stderr.contains("panicked"), "{}", r);
        if r.code == Some(2) {
            prop_assert!(r.error_line().contains("fuzz-preds.jsonl"), "{}", r);
        }

        let pairs = t.path().join("fuzz-pairs.jsonl");
        write(&pairs, &bytes);
        let r = cb(["similarity", "--pairs"]).arg_path(&pairs).args(["--matcher", "token-f1"]).run();
        prop_assert!(r.code == Some(0) || r.code == Some(2), "{}", r);
        prop_assert!(!r.stderr.contains("panicked"), "{}", r);
        if r.code == Some(2) {
            prop_assert!(r.stderr.contains("fuzz-pairs.jsonl"), "{}", r);
        }

        let gold = t.path().join("fuzz-gold");
        copy_builtin_gold(&gold);
        write(&gold.join("gold/001.jsonl"), &bytes);
        let r = cb(["gold", "validate"]).arg_path(&gold).run();
        prop_assert!(r.code == Some(0) || r.code == Some(2), "{}", r);
        prop_assert!(!r.stderr.contains("panicked"), "{}", r);
        for l in r.stderr.lines().filter(|l| !l.starts_with("error: ")) {
            prop_assert!(l.contains("fuzz-gold"), "a problem without its file: {}\n{}", l, r);
        }
    }
}

/// A claim-like text: words, case-length changers, arbitrary characters and the English endings the guards cut
/// ("'s", "n't", "ed"); never blank.
fn claim_text(changers: Vec<char>) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(changers).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
        3 => prop::sample::select(vec![
            " ", " ", "'s", "n't", "'re", "'", "ed", "ing", "ies", "87", "not", "U.S.", "\u{8a2}", ".", ", ", "“",
        ])
        .prop_map(str::to_string),
        2 => "[A-Z]?[a-z]{1,7}",
    ];
    prop::collection::vec(piece, 1..16).prop_map(|v| format!("x {}", v.concat()))
}

proptest! {
    #![proptest_config(cases(3))]

    /// Every matcher, through the binary, on claims full of characters whose case mapping changes their length
    /// (issue 35: the guards cut a token inside one, exit 101 and a backtrace): `similarity --pairs` and
    /// `score --pred` exit 0, with no panic and no internal error.
    #[test]
    fn binary_never_panics_on_any_text_with_any_matcher(
        texts in prop::collection::vec(claim_text(case_length_changers()), 24),
    ) {
        ensure_model();
        let t = tmp();
        let pairs = t.path().join("pairs.jsonl");
        let lines: Vec<String> = texts
            .chunks(2)
            .map(|p| serde_json::json!({"a": p[0], "b": p[1]}).to_string())
            .chain([serde_json::json!({"a": "The \u{212a}K's claim.", "b": "ẞẞ's claim was made."}).to_string()])
            .collect();
        write(&pairs, lines.join("\n"));
        let pred = t.path().join("pred.jsonl");
        let docs = ["000", "001"];
        let preds: Vec<String> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| serde_json::json!({"doc": docs[i % 2], "text": text}).to_string())
            .chain([serde_json::json!({"doc": "000", "text": "The \u{212a}K's claim."}).to_string()])
            .collect();
        write(&pred, preds.join("\n"));
        for matcher in ["exact", "token-f1", "rouge-l", "cosine", "pair", "align", "cover", "cross", "blend"] {
            let r = cb(["similarity", "--matcher", matcher, "--pairs"]).arg_path(&pairs).run();
            prop_assert_eq!(r.code, Some(0), "{}", r);
            prop_assert_eq!(r.stdout.lines().count(), lines.len(), "{}", r);
            let r = cb(["score", "--no-intervals", "--matcher", matcher, "--pred"]).arg_path(&pred).run();
            prop_assert_eq!(r.code, Some(0), "{}", r);
            prop_assert!(!r.stderr.contains("panicked") && !r.stderr.contains("internal error"), "{}", r);
        }
    }
}
