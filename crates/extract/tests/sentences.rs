//! The `sentences` extractor on the five seed articles and on synthetic boilerplate.

use claimbench_extract::sentences::{segment, BoilerplateRule, SentencesExtractor};
use claimbench_extract::ClaimExtractor;
use claimbench_gold::{char_slice, GoldSet};

fn gold() -> GoldSet {
    GoldSet::builtin().expect("built-in gold set")
}

/// Sentence counts per seed, checked by eye against the articles (see the dump in the crate README notes):
/// 000: 4 headline copies and "Related news" out, 33 body sentences;
/// 001: headline, "Adjust Comment Print" and three "More news" teasers out, 20;
/// 002: headline and dateline/byline out, caption kept, the three trailing teasers out, 33;
/// 003: "Bloomberg", three subheads, the embedded headline "Russia says it will veto / new UN Syria
///      resolution" and "BEIRUT / AP" out, 27;
/// 004: headline, two posting-date lines and three subheads out, 39.
const EXPECTED: [(&str, usize); 5] = [
    ("000", 33),
    ("001", 20),
    ("002", 33),
    ("003", 27),
    ("004", 39),
];

#[test]
fn sentence_counts_per_seed() {
    let g = gold();
    let got: Vec<(String, usize)> = g
        .documents
        .iter()
        .map(|d| (d.id.clone(), segment(&d.text).sentences.len()))
        .collect();
    let want: Vec<(String, usize)> = EXPECTED.iter().map(|(d, n)| (d.to_string(), *n)).collect();
    assert_eq!(got, want);
}

#[test]
fn claims_are_exact_article_slices_in_order() {
    let g = gold();
    let x = SentencesExtractor::new();
    assert_eq!(x.name(), "sentences");
    for d in &g.documents {
        let claims = x.extract(d).unwrap();
        let mut last_end = 0;
        for c in &claims {
            assert_eq!(c.doc, d.id);
            assert_eq!(c.score, None);
            assert_eq!(c.evidence.len(), 1);
            let span = c.evidence[0];
            assert!(
                span.start >= last_end,
                "{}: overlapping or unordered spans",
                d.id
            );
            last_end = span.end;
            assert_eq!(char_slice(&d.text, span), Some(c.text.as_str()));
            assert_eq!(c.text.trim(), c.text);
        }
    }
}

fn dropped(doc: &str) -> Vec<(String, BoilerplateRule)> {
    let g = gold();
    let d = g.document(doc).unwrap();
    segment(&d.text)
        .dropped
        .into_iter()
        .map(|x| (x.text, x.rule))
        .collect()
}

fn kept_text(doc: &str) -> String {
    let g = gold();
    let d = g.document(doc).unwrap();
    segment(&d.text)
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn seed_boilerplate_is_dropped_by_the_right_rule() {
    use BoilerplateRule::*;
    let cases: &[(&str, &str, BoilerplateRule)] = &[
        (
            "000",
            "Putin meets Tillerson as tensions rise over Syria",
            Headline,
        ),
        ("000", "Related news", EndMarker),
        (
            "001",
            "Syria Values Highly Russia's Stance on US Aggression - Foreign Minister",
            Headline,
        ),
        ("001", "Adjust Comment Print", Share),
        (
            "001",
            "More news: Tesla to recall 53000 cars over parking brake issue",
            Teaser,
        ),
        (
            "001",
            "More news: Arkansas vows to keep pushing for executions despite setback",
            Teaser,
        ),
        (
            "002",
            "16 April, 2017, 00:53 | Author: Cecelia Webb",
            Dateline,
        ),
        ("002", "LeBron to miss Cavs' season finale", TrailingBlock),
        (
            "002",
            "Russian Federation vetoes United Nations resolution to condemn Syria chemical attack",
            TrailingBlock,
        ),
        ("003", "Bloomberg", Headline),
        ("003", "‘Sharp Difference’", Heading),
        ("003", "Declining Trust", Heading),
        ("003", "BEIRUT / AP", Heading),
        ("003", "Russia says it will veto", Heading),
        ("004", "Posted at 12:16 PM, Apr 12, 2017", Dateline),
        ("004", "and last updated 2017-04-12 12:16:34-04", Dateline),
        ("004", "An icy welcome", Heading),
        ("004", "What is the US’ Syria policy?", Heading),
    ];
    for (doc, text, rule) in cases {
        let d = dropped(doc);
        assert!(
            d.iter().any(|(t, r)| t == text && r == rule),
            "{doc}: `{text}` not dropped by {rule}; dropped: {d:?}"
        );
    }
    // The 000 headline appears three times in the file: all three copies are dropped.
    assert_eq!(
        dropped("000")
            .iter()
            .filter(|(_, r)| *r == BoilerplateRule::Headline)
            .count(),
        3
    );
}

#[test]
fn no_boilerplate_survives() {
    let all: String = ["000", "001", "002", "003", "004"]
        .map(kept_text)
        .join("\n");
    for junk in [
        "Putin meets Tillerson as tensions rise",
        "Related news",
        "More news",
        "Adjust Comment Print",
        "Fate of the Furious",
        "Cecelia Webb",
        "00:53",
        "LeBron",
        "Snapdeal",
        "59 missiles at an air base in central Syria",
        "Bloomberg",
        "Sharp Difference",
        "Declining Trust",
        "Troubling Actions",
        "BEIRUT",
        "Posted at",
        "last updated",
        "An icy welcome",
        "Syria policy?",
    ] {
        assert!(!all.contains(junk), "`{junk}` survived");
    }
    // The photo caption of 002 is labelled as article text by the gold guidelines, so it is kept,
    // without its bullet.
    assert!(kept_text("002")
        .starts_with("U.S. Secretary of State Rex Tillerson and Russian Foreign Minister"));
    // The AP brief appended to 003 is a full report (kept), only its headline and dateline go.
    assert!(kept_text("003").contains("Deputy Foreign Minister Gennady Gatilov told the Interfax"));
}

#[test]
fn opening_quote_moves_to_the_next_sentence() {
    let t = "Body line one is here. “Quoted and long enough to count,” he said. “Another quote starts here and goes on.";
    let s: Vec<String> = segment(&format!("Headline\n\n{t}"))
        .sentences
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert!(s.iter().all(|x| !x.ends_with('“')), "{s:?}");
    assert!(s.iter().any(|x| x.starts_with("“Another quote")), "{s:?}");
}

#[test]
fn synthetic_boilerplate_rules() {
    let article = "\
Mayor opens new bridge over the river

By Jane Smith
Published: March 3, 2024 10:15
Share Tweet Email

The mayor opened the new bridge on Monday. It cost $40 million, officials said.

Photo: John Doe/Getty Images

Traffic Plans

Engineers expect 20,000 cars a day to cross it.
Read more: Council approves budget for next year
No.

Follow us on Twitter for updates
The old bridge will close in May.

Read more

Unrelated story about football that should never appear.
";
    let seg = segment(article);
    let texts: Vec<&str> = seg.sentences.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "The mayor opened the new bridge on Monday.",
            "It cost $40 million, officials said.",
            "Engineers expect 20,000 cars a day to cross it.",
            "The old bridge will close in May.",
        ]
    );
    let rules: Vec<(&str, BoilerplateRule)> = seg
        .dropped
        .iter()
        .map(|d| (d.text.as_str(), d.rule))
        .collect();
    use BoilerplateRule::*;
    assert_eq!(
        rules,
        vec![
            ("Mayor opens new bridge over the river", Headline),
            ("By Jane Smith", Byline),
            ("Published: March 3, 2024 10:15", Dateline),
            ("Share Tweet Email", Share),
            ("Photo: John Doe/Getty Images", Caption),
            ("Traffic Plans", Heading),
            ("Read more: Council approves budget for next year", Teaser),
            ("No.", Fragment),
            ("Follow us on Twitter for updates", Share),
            ("Read more", EndMarker),
            (
                "Unrelated story about football that should never appear.",
                EndMarker
            ),
        ]
    );
}

#[test]
fn degenerate_inputs() {
    assert!(segment("").sentences.is_empty());
    assert!(segment("\n\n\r\n   ").sentences.is_empty());
    // A text whose first line is a full sentence has no headline to drop.
    let s = segment("The vote passed on Tuesday.\r\nIt was close.\r\n");
    assert_eq!(s.sentences.len(), 2);
    assert_eq!(s.sentences[1].text, "It was close.");
    // Multi-byte text: spans are code points.
    let t = "Überschrift\n\nDer Bürgermeister eröffnete die Brücke am Montag.";
    let s = segment(t);
    assert_eq!(s.sentences.len(), 1);
    assert_eq!(
        char_slice(t, s.sentences[0].span),
        Some(s.sentences[0].text.as_str())
    );
    // Control characters and a long line do not panic.
    let long = "word ".repeat(50_000) + "end.";
    assert_eq!(segment(&format!("\u{0}\u{7}x\n{long}")).sentences.len(), 1);
}

#[test]
fn short_body_sentences_that_look_like_boilerplate_are_kept() {
    let body = [
        "The vote is on March 3.",
        "By Friday, it was over.",
        "Subscribers pay $10 a month.",
        "Advertisements for the event ran on Monday.",
        "Updates to the law passed in 2019.",
        "Russia vetoed it.",
        "Sharing data is required by law.",
        "He said the photo showed the damage clearly, and officials confirmed it.",
    ];
    let article = format!("Headline of the story\n\n{}\n", body.join("\n"));
    let seg = segment(&article);
    let kept: Vec<&str> = seg.sentences.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(kept, body);
    assert_eq!(seg.dropped.len(), 1);
}
