//! A crude English stemmer, enough to compare two claims' words (only ever compared with other
//! stems made by the same function).

use claimbench_lexicon as lexicon;

/// A crude English stem: lowercase, common irregular verbs mapped to their base, regular suffixes
/// stripped. Only ever compared with other stems made by the same function.
pub(crate) fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    if let Some(base) = lexicon::irregular_base(&w) {
        return base.to_string();
    }
    let mut s = w.clone();
    let n = s.chars().count();
    if n > 4 && (s.ends_with("ies") || s.ends_with("ied")) {
        s.truncate(s.len() - 3);
        s.push('y');
    } else if n > 5 && s.ends_with("ing") {
        s.truncate(s.len() - 3);
        undouble(&mut s);
    } else if n > 4 && s.ends_with("ed") {
        s.truncate(s.len() - 2);
        undouble(&mut s);
    } else if n > 3 && s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us") {
        // accuses -> accuse (the e goes below)
        s.truncate(s.len() - 1);
    }
    if s.chars().count() > 3 && s.ends_with('e') {
        s.truncate(s.len() - 1);
    }
    s
}

fn undouble(s: &mut String) {
    let b = s.as_bytes();
    let n = b.len();
    // ASCII letters only: two equal bytes at the end of a non-ASCII text can be one character's
    if n >= 3 && b[n - 1].is_ascii() && b[n - 1] == b[n - 2] && !b"aeioulsz".contains(&b[n - 1]) {
        s.truncate(n - 1);
    }
}

/// Equal stems, allowing a doubled final consonant ("signall" and "signal").
pub(crate) fn stem_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    long.len() == short.len() + 1
        && short.len() >= 3
        && long.starts_with(short)
        && long.as_bytes().last() == short.as_bytes().last()
}
