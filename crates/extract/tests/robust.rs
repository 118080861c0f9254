//! Hostile input for the readers of this crate: arbitrary bytes and text never panic, spans stay exact,
//! and a predictions file with 10% bad lines is reported line by line.

use claimbench_extract::clauses::split_sentence;
use claimbench_extract::file::{read_predictions_from, Leniency};
use claimbench_extract::sentences::segment;
use claimbench_extract::{Document, Error};
use claimbench_gold::{case_length_changers, char_slice};
use proptest::prelude::*;
use std::path::Path;

/// Article-like text dense in case-length changers and in what the splitters look for (attributions, quotes,
/// datelines, coordinated clauses).
fn article() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(case_length_changers()).prop_map(String::from),
        2 => any::<char>().prop_map(String::from),
        4 => proptest::sample::select(vec![
            " ", " ", " ", "\n", "\n\n", ". ", "? ", "! ", ", ", "; ", ": ", "\"", "“", "”", "«", "»", "'s", "n't",
            " said ", " and ", " but ", " according to ", "By ", "Author:", "Share", "Photo:", "April 12, 2017",
            "12:16", "2017-04-12", "The ", "It ", " that ", "•", "…", "ed", "ing",
        ])
        .prop_map(str::to_string),
        3 => "[A-Z]?[a-z]{1,7}",
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn docs() -> Vec<Document> {
    vec![Document {
        id: "000".into(),
        file_name: "000_x.txt".into(),
        text: "x".repeat(100),
        sha256: String::new(),
    }]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sentences_and_clauses_never_panic_on_case_length_changers(text in article()) {
        let seg = segment(&text);
        for s in &seg.sentences {
            prop_assert_eq!(char_slice(&text, s.span), Some(s.text.as_str()));
            for c in split_sentence(s) {
                prop_assert!(!c.evidence.is_empty(), "{:?}", c);
                for e in &c.evidence {
                    prop_assert!(char_slice(&text, *e).is_some(), "{:?} outside the text", e);
                }
            }
        }
    }

    #[test]
    fn segment_never_panics_and_spans_are_exact(text in "(\\PC|[\n\r\t \u{0}\u{feff}“”‘’•.!?:;])*") {
        let seg = segment(&text);
        for s in &seg.sentences {
            prop_assert_eq!(char_slice(&text, s.span), Some(s.text.as_str()));
            prop_assert!(!s.text.is_empty());
        }
        for d in &seg.dropped {
            prop_assert_eq!(char_slice(&text, d.span), Some(d.text.as_str()));
        }
    }

    #[test]
    fn predictions_reader_never_panics_and_accounts_for_every_line(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let r = read_predictions_from(bytes.as_slice(), Path::new("fuzz.jsonl"), &docs(), Leniency::Lenient).unwrap();
        let s = &r.summary;
        prop_assert_eq!(s.claims + s.blank_lines + s.skipped.len(), s.lines);
        prop_assert_eq!(r.claims.len(), s.claims);
        let strict = read_predictions_from(bytes.as_slice(), Path::new("fuzz.jsonl"), &docs(), Leniency::Strict);
        match strict {
            Ok(ok) => prop_assert!(s.skipped.is_empty() && ok.claims == r.claims),
            Err(Error::BadPredictions { problems, .. }) => prop_assert_eq!(&problems, &s.skipped),
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn predictions_reader_on_json_like_lines(lines in proptest::collection::vec(
        "\\{(\"(doc|text|score|evidence|start|end|x)\": ?(\"000\"|\"\"|\"t\"|-?[0-9]{1,3}(\\.[0-9])?|null|true|\\[\\]|\\[\\{\"start\": [0-9]{1,3}, \"end\": [0-9]{1,3}\\}\\]),? ?){0,5}\\}",
        0..20)) {
        let input = lines.join("\n");
        let r = read_predictions_from(input.as_bytes(), Path::new("fuzz.jsonl"), &docs(), Leniency::Lenient).unwrap();
        for c in &r.claims {
            prop_assert_eq!(c.doc.as_str(), "000");
            prop_assert!(!c.text.trim().is_empty());
            for e in &c.evidence {
                prop_assert!(e.start < e.end && e.end <= 100);
            }
        }
        prop_assert_eq!(r.summary.claims + r.summary.blank_lines + r.summary.skipped.len(), r.summary.lines);
    }
}

#[test]
fn ten_percent_bad_lines() {
    let mut input = String::new();
    let mut bad = Vec::new();
    for i in 1..=1000usize {
        if i % 10 == 3 {
            bad.push(i);
            match i % 4 {
                0 => input.push_str("{\"doc\": \"000\", \"text\": \"cut off\n"),
                1 => input.push_str("{\"doc\": \"404\", \"text\": \"unknown doc\"}\n"),
                2 => input.push_str("{\"doc\": \"000\", \"text\": \"\"}\n"),
                _ => input.push_str("{\"doc\": \"000\", \"text\": \"t\", \"evidence\": [{\"start\": 5, \"end\": 101}]}\n"),
            }
        } else {
            input.push_str(&format!(
                "{{\"doc\": \"000\", \"text\": \"claim {i}\", \"score\": 0.5}}\r\n"
            ));
        }
    }
    let err = read_predictions_from(
        input.as_bytes(),
        Path::new("p.jsonl"),
        &docs(),
        Leniency::Strict,
    )
    .unwrap_err();
    let Error::BadPredictions { problems, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), bad);
    let msg = err.to_string();
    assert!(msg.starts_with("p.jsonl: 100 bad line(s)"), "{msg}");
    assert_eq!(
        msg.lines().count(),
        101,
        "one line per bad line after the summary"
    );
    let r = read_predictions_from(
        input.as_bytes(),
        Path::new("p.jsonl"),
        &docs(),
        Leniency::Lenient,
    )
    .unwrap();
    assert_eq!(r.claims.len(), 900);
    assert_eq!(r.summary.skipped.len(), 100);
    assert_eq!(r.claims[0].text, "claim 1");
    assert_eq!(r.claims[899].text, "claim 1000");
}
