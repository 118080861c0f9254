//! Tokens of a claim as the guards read them: words, numbers, abbreviations and punctuation,
//! with contractions and possessives split off and each token's case and sentence position.

use std::sync::LazyLock;

#[derive(Debug, Clone)]
pub(crate) struct Tok {
    /// The token as written (apostrophes normalised).
    pub(crate) text: String,
    /// Lowercased text.
    pub(crate) lower: String,
    /// Starts with an uppercase letter.
    pub(crate) cap: bool,
    /// First word of a sentence.
    pub(crate) sent_start: bool,
    /// Punctuation (no letter or digit).
    pub(crate) punct: bool,
    /// A possessive "'s" was stripped from the token.
    pub(crate) possessive: bool,
}

static TOKEN_RE: LazyLock<regex::Regex> = LazyLock::new(|| {
    // Static pattern: compiling it cannot fail at run time for any input.
    #[allow(clippy::expect_used)]
    regex::Regex::new(
        r"(?x)
        \p{Lu}(?:\.\p{Lu})+\.?              # U.S., U.N.
        | \d+(?:[.,]\d+)*(?:st|nd|rd|th)?%? # 87, 1,000, 2.5, 12th, 20%
        | \p{L}+(?:['\-]\p{L}+)*            # words, didn't, al-Assad, eighty-seven
        | [^\s\p{L}\d]                      # punctuation
        ",
    )
    .expect("static token regex")
});

pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let norm: String = text
        .chars()
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '`' => '\'',
            '\u{2010}' | '\u{2011}' | '\u{2012}' => '-',
            c => c,
        })
        .collect();
    let mut raw: Vec<(String, bool)> = Vec::new(); // (text, possessive)
    for m in TOKEN_RE.find_iter(&norm) {
        let s = m.as_str();
        if let Some(stem) = strip_suffix_ci(s, "n't").filter(|st| !st.is_empty()) {
            let stem = match stem.to_lowercase().as_str() {
                "wo" => "will".to_string(),
                "ca" => "can".to_string(),
                "sha" => "shall".to_string(),
                _ => stem.to_string(),
            };
            raw.push((stem, false));
            raw.push(("n't".to_string(), false));
            continue;
        }
        if let Some(base) =
            strip_suffix_ci(s, "'s").filter(|b| !b.is_empty() && !b.eq_ignore_ascii_case("let"))
        {
            raw.push((base.to_string(), true));
            continue;
        }
        let mut s2 = s.to_string();
        for suf in ["'re", "'ve", "'ll", "'d", "'m"] {
            if let Some(base) = strip_suffix_ci(s, suf).filter(|b| !b.is_empty()) {
                s2 = base.to_string();
                break;
            }
        }
        if let Some(base) = s2.strip_suffix('\'') {
            // plural possessive: "allies'"
            if !base.is_empty() {
                raw.push((base.to_string(), true));
                continue;
            }
        }
        raw.push((s2, false));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut at_start = true;
    for (text, possessive) in raw {
        let punct = !text.chars().any(|c| c.is_alphanumeric());
        let cap = text.chars().next().is_some_and(|c| c.is_uppercase());
        let lower = text.to_lowercase();
        let is_quote = matches!(text.as_str(), "\"" | "'" | "\u{201c}" | "\u{201d}" | "(");
        let tok = Tok {
            sent_start: at_start && !punct,
            text,
            lower,
            cap,
            punct,
            possessive,
        };
        if !tok.punct {
            at_start = false;
        } else if matches!(tok.text.as_str(), "." | "!" | "?" | ":" | ";") {
            at_start = true;
        } else if !is_quote {
            at_start = false;
        }
        out.push(tok);
    }
    out
}

/// `s` without the ASCII suffix `suf` when its last characters lower-case to `suf` one for one, cut at the
/// original's own character boundary (a lower-cased text can differ in byte length: K, ẞ, İ).
fn strip_suffix_ci<'a>(s: &'a str, suf: &str) -> Option<&'a str> {
    let mut cut = s.len();
    for want in suf.chars().rev() {
        let (i, c) = s[..cut].char_indices().next_back()?;
        if !c.to_lowercase().eq(std::iter::once(want)) {
            return None;
        }
        cut = i;
    }
    Some(&s[..cut])
}

/// The lowercased token before position `i`; "" at the start.
pub(crate) fn lower_before(toks: &[Tok], i: usize) -> &str {
    i.checked_sub(1).map_or("", |k| toks[k].lower.as_str())
}

/// The lowercased token after position `i`; "" at the end.
pub(crate) fn lower_after(toks: &[Tok], i: usize) -> &str {
    toks.get(i + 1).map_or("", |t| t.lower.as_str())
}

pub(crate) fn is_num_token(t: &Tok) -> bool {
    t.text.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// A word that looks like an "-ly" adverb.
pub(crate) fn is_adverb(w: &str) -> bool {
    w.ends_with("ly") && w.len() > 4
}
