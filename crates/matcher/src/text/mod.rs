//! Text as the guards read it: tokens ([`tokens`]) and stems ([`stem`]); and the word prefixes
//! that the lexical features of `align` and `pair` compare.

mod stem;
mod tokens;

use std::collections::BTreeSet;

pub(crate) use stem::{stem, stem_eq};
pub(crate) use tokens::{is_adverb, is_num_token, lower_after, lower_before, tokenize, Tok};

/// The distinct words of `text` (runs of letters and digits), lowercased and cut to their first five
/// characters, leaving out the words `skip` names.
pub(crate) fn word_prefixes(text: &str, skip: impl Fn(&str) -> bool) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !skip(w))
        .map(|w| w.chars().take(5).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_handles_contractions_and_possessives() {
        let t = tokenize("Russia's envoy didn't come; the U.S. won't.");
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            words,
            vec!["Russia", "envoy", "did", "n't", "come", ";", "the", "U.S.", "will", "n't", "."]
        );
        assert!(t[0].possessive);
        assert_eq!(stem("accused"), stem("accuses"));
        assert_eq!(stem("stopped"), "stop");
        assert_eq!(stem("met"), stem("meeting"));
    }
}
