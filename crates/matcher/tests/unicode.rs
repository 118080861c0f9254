//! No panic on any text: the guards, the `align` matcher's text analysis (on synthetic token vectors), the
//! pair matcher's features and the lexical matchers, over arbitrary Unicode mixed with every character whose
//! case mapping changes its UTF-8 length (K, ẞ, İ, ...) and the English suffixes the guards cut off.

use std::sync::LazyLock;

use claimbench_matcher::align::{self, AlignParams};
use claimbench_matcher::{features, guards};
use claimbench_model::{Token, TokenVectors};
use claimbench_score::{identity_key, IdentityFloor, Matcher, MatcherKind};
use proptest::prelude::*;

/// Every character whose case mapping changes its UTF-8 length.
static CASE_LENGTH_CHANGERS: LazyLock<Vec<char>> =
    LazyLock::new(claimbench_gold::case_length_changers);

/// Pieces of English the guards and the splitters treat specially.
const FRAGMENTS: &[&str] = &[
    " ", " ", " ", "'s", "’s", "n't", "N'T", "'re", "'ve", "'ll", "'d", "'m", "'", "s'", "ed",
    "ing", "ies", "ied", "ss", "us", "e", ".", ",", ", ", "-", "\"", "“", "”", "(", ")", ":", ";",
    "87", "1,000", "2.5", "20%", "12th", "not", "no", "never", " said ", "January", "U.S.", "two",
    "dozen", "Let's", "won't", "can't", " and ", " but ", " that ", "The ", " by ", " was ",
    " killed ", "\u{8a2}", "\n", "\t", "\u{0}",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(CASE_LENGTH_CHANGERS.clone()).prop_map(String::from),
        2 => any::<char>().prop_map(String::from),
        4 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        2 => "[A-Za-z]{1,6}",
    ]
}

/// Arbitrary text, dense in case-length changers and English suffixes.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
}

#[test]
fn the_changers_include_the_reported_letters() {
    for c in ['\u{212A}', 'ẞ', 'İ', 'ſ', 'ΐ'] {
        assert!(CASE_LENGTH_CHANGERS.contains(&c), "{c:?}");
    }
    assert!(!CASE_LENGTH_CHANGERS.contains(&'K'));
}

#[test]
fn the_reported_texts_do_not_panic() {
    // The reproductions: a possessive after a letter whose lower case is longer or shorter.
    for (a, b) in [
        ("The \u{212A}K's claim.", "The claim."),
        ("ẞẞ's claim was made.", "The claim was made."),
        ("İİ's claim.", "The claim."),
        ("aa\u{8a2}ed it.", "aa it."),
    ] {
        let (_, hits) = features::scalar_features(a, b, 0.5);
        assert_eq!(hits, guards::check(a, b));
    }
}

/// Deterministic pseudo-random unit vector of `dim` values for `key`.
fn vector(key: &str, dim: usize) -> Vec<f32> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let v: Vec<f32> = (0..dim)
        .map(|i| {
            h = h
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407 + i as u64);
            ((h >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter().map(|x| x / n).collect()
    } else {
        v
    }
}

/// Token vectors as a word-piece tokenizer would give them: words are runs of alphanumerics or one other
/// non-space character, lower-cased, cut into pieces of three characters; `read_len` as given (any value).
fn token_vectors(text: &str, read_len: usize) -> TokenVectors {
    const DIM: usize = 8;
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(a) = start.take() {
            words.push((a, i));
        }
        if !c.is_whitespace() {
            words.push((i, i + c.len_utf8()));
        }
    }
    if let Some(a) = start {
        words.push((a, text.len()));
    }
    let mut tokens = Vec::new();
    for (w, &(a, b)) in words.iter().enumerate() {
        let chars: Vec<(usize, char)> = text[a..b].char_indices().collect();
        for (k, chunk) in chars.chunks(3).enumerate() {
            let from = a + chunk[0].0;
            let to = chunk.last().map_or(from, |(i, c)| a + i + c.len_utf8());
            let lower = text[from..to].to_lowercase();
            tokens.push(Token {
                piece: if k == 0 { lower } else { format!("##{lower}") },
                word: w as u32,
                span: (from, to),
            });
        }
    }
    let vectors = tokens.iter().flat_map(|t| vector(&t.piece, DIM)).collect();
    TokenVectors {
        tokens,
        vectors,
        sentence: vector(text, DIM),
        truncated: read_len < text.len(),
        read_len,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn guards_never_panic(a in text(), b in text()) {
        let ab = guards::check(&a, &b);
        let ba = guards::check(&b, &a);
        prop_assert_eq!(ab.len(), ba.len(), "{:?} {:?}", ab, ba);
        guards::number_values(&a);
        let (ta, tb) = (guards::Analysis::new(&a), guards::Analysis::new(&b));
        prop_assert_eq!(guards::fires(&ta, &tb), !guards::check_analysed(&ta, &tb).is_empty());
        prop_assert!(guards::check(&a, &a).is_empty(), "{:?} against itself", a);
    }

    #[test]
    fn pair_features_never_panic(a in text(), b in text(), cos in -1.0f32..=1.0) {
        let (f, hits) = features::scalar_features(&a, &b, cos);
        prop_assert!(f.iter().all(|x| x.is_finite()), "{:?}", f);
        prop_assert_eq!(hits, guards::check(&a, &b));
        features::name_set(&a);
    }

    #[test]
    fn align_text_analysis_never_panics(a in text(), b in text(), ra in 0usize..200, rb in 0usize..200) {
        let params = AlignParams::builtin().unwrap();
        let pa = align::prepare(&a, &token_vectors(&a, ra));
        let pb = align::prepare(&b, &token_vectors(&b, rb));
        prop_assert!(a.starts_with(pa.read()) && pa.read().len() <= ra.max(a.len()));
        let s = align::score_aligned(&params, &a, &b, &pa, &pb);
        prop_assert!((0.0..=1.0).contains(&s), "{}", s);
        prop_assert_eq!(s.to_bits(), align::score_aligned(&params, &b, &a, &pb, &pa).to_bits());
        let (d, p, _) = align::decide_aligned(&params, &a, &b, &pa, &pb);
        prop_assert_eq!(d.score.to_bits(), s.to_bits());
        prop_assert!((0.0..=1.0).contains(&p));
        align::explain(&pa, &pb);
        prop_assert_eq!(align::score_aligned(&params, &a, &a, &pa, &pa), 1.0);
    }

    #[test]
    fn lexical_matchers_never_panic(a in text(), b in text()) {
        identity_key(&a);
        for kind in MatcherKind::ALL {
            let Some(m) = kind.lexical() else { continue };
            let floored = IdentityFloor::new(m);
            let sim = floored.matrix(&[a.as_str(), b.as_str()], &[b.as_str(), a.as_str()]).unwrap();
            for i in 0..2 {
                for j in 0..2 {
                    let v = sim.get(i, j);
                    prop_assert!((0.0..=1.0).contains(&v), "{} {}", kind, v);
                }
            }
            prop_assert_eq!(sim.get(0, 1), 1.0);
        }
    }
}
