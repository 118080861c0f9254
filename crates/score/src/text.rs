//! Text normalisation and tokenisation shared by the lexical matchers.
//!
//! Three normalisations, each matching a published definition:
//! - [`normalize_exact`]: for exact match and duplicate detection.
//! - [`squad_tokens`]: the SQuAD v1.1 evaluation script's `normalize_answer`, split into tokens.
//! - [`rouge_tokens`]: rouge-score's default tokenizer without stemming.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Whitespace as Python's `str.split()` sees it: Unicode White_Space plus the ASCII separators U+001C..U+001F.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Punctuation stripped from both ends by [`normalize_exact`]: ASCII sentence punctuation, brackets and quotes,
/// plus the common Unicode quotes, dashes and ellipsis. Symbols that carry meaning (`$`, `%`, `+`, `#`, `&`, `@`,
/// `/`) are kept.
fn is_end_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '\''
            | '"'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '-'
            | '*'
            | '_'
            | '`'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201B}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{201F}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{2039}'
            | '\u{203A}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2026}'
            | '\u{00A1}'
            | '\u{00BF}'
            | '\u{00B7}'
            | '\u{3001}'
            | '\u{3002}'
    )
}

/// Normalises a claim for exact matching: Unicode NFKC, then lowercase, then every run of whitespace becomes one
/// space, then whitespace and punctuation (see `is_end_punct`: `.,;:!?'"()[]{}-*_` and backtick, Unicode quotes,
/// dashes, ellipsis) are stripped from both ends. Curly quotes, primes and guillemets read as ASCII quotes.
/// Other inner punctuation is kept ("U.S." and "US" stay different).
pub fn normalize_exact(text: &str) -> String {
    // ASCII and text that passes the quick check are already NFKC: skip the (costly) normalisation.
    let lowered = if text.is_ascii() || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.to_lowercase()
    } else {
        text.nfkc().collect::<String>().to_lowercase()
    };
    // quote style: curly and low quotes, primes and the grave accent read as ASCII quotes
    let lowered: String = lowered
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => '"',
            c => c,
        })
        .collect();
    let mut out = String::with_capacity(lowered.len());
    for word in lowered.split(is_python_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_matches(|c: char| is_end_punct(c) || is_python_space(c))
        .to_string()
}

/// Python's `string.punctuation`: the characters the SQuAD script deletes.
fn is_ascii_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// A word character as Python's `re` sees it in a `str` pattern (`\w`): alphanumeric or underscore.
fn is_re_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The SQuAD v1.1 `normalize_answer` (lowercase, delete ASCII punctuation, replace the whole words "a", "an",
/// "the" by a space, collapse whitespace): its tokens joined by single spaces.
pub fn squad_normalize(text: &str) -> String {
    let lowered = text.to_lowercase();
    let no_punct: String = lowered.chars().filter(|c| !is_ascii_punct(*c)).collect();
    // `re.sub(r"\b(a|an|the)\b", " ", s)`: an article matches only as a whole maximal run of word characters.
    let mut no_articles = String::with_capacity(no_punct.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if matches!(run.as_str(), "a" | "an" | "the") {
            out.push(' ');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in no_punct.chars() {
        if is_re_word(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut no_articles);
            no_articles.push(c);
        }
    }
    flush(&mut run, &mut no_articles);
    join_words(no_articles.split(is_python_space))
}

/// Non-empty words joined by single spaces.
fn join_words<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for w in words.filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The tokens of [`squad_normalize`].
pub fn squad_tokens(text: &str) -> Vec<String> {
    squad_normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// rouge-score's tokenizer without stemming: lowercase, every run of characters outside `[a-z0-9]` is a separator;
/// the tokens joined by single spaces.
pub fn rouge_normalize(text: &str) -> String {
    let lowered = text.to_lowercase();
    join_words(lowered.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit())))
}

/// The tokens of [`rouge_normalize`] (rouge-score's tokens).
pub fn rouge_tokens(text: &str) -> Vec<String> {
    rouge_normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_normalisation() {
        assert_eq!(
            normalize_exact("  The  Mayor\tsaid \u{201C}no\u{201D}. "),
            "the mayor said \u{201C}no"
        );
        assert_eq!(normalize_exact("\u{FF21}BC"), "abc"); // fullwidth A under NFKC
        assert_eq!(normalize_exact("costs $5."), "costs $5");
        assert_eq!(normalize_exact("U.S. troops"), "u.s. troops");
        assert_eq!(normalize_exact("..."), "");
    }

    #[test]
    fn squad_normalisation() {
        assert_eq!(
            squad_tokens("The cat, a dog and AN apple!"),
            vec!["cat", "dog", "and", "apple"]
        );
        assert_eq!(squad_tokens("theory anthem"), vec!["theory", "anthem"]);
        assert_eq!(squad_tokens("it's the-end"), vec!["its", "theend"]);
        assert_eq!(squad_tokens("a\u{2014}the"), vec!["\u{2014}"]);
    }

    #[test]
    fn rouge_tokenisation() {
        assert_eq!(
            rouge_tokens("The U.S.-led force, 87%!"),
            vec!["the", "u", "s", "led", "force", "87"]
        );
        assert_eq!(
            rouge_tokens("caf\u{E9} na\u{EF}ve"),
            vec!["caf", "na", "ve"]
        );
    }
}
