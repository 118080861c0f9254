//! Unicode code-point offsets: every span in claimbench counts `char`s, end exclusive.

use crate::Span;

/// Number of checkpoints stride (in code points) used by [`CharIndex`].
const STRIDE: usize = 256;

/// The text of `span` in `text`, with offsets in code points; `None` when the span is out of range or reversed.
pub fn char_slice(text: &str, span: Span) -> Option<&str> {
    if span.start > span.end {
        return None;
    }
    let start = char_to_byte(text, span.start)?;
    let len = char_to_byte(&text[start..], span.end - span.start)?;
    Some(&text[start..start + len])
}

/// The byte offset of code point `char_idx` in `text`; `char_len(text)` maps to `text.len()`, beyond that `None`.
pub fn char_to_byte(text: &str, char_idx: usize) -> Option<usize> {
    let mut iter = text.char_indices();
    match iter.nth(char_idx) {
        Some((byte, _)) => Some(byte),
        None => (text.chars().count() == char_idx).then_some(text.len()),
    }
}

/// The code-point offset of byte `byte` in `text`; `None` when `byte` is past the end or not on a char boundary.
pub fn byte_to_char(text: &str, byte: usize) -> Option<usize> {
    if byte > text.len() || !text.is_char_boundary(byte) {
        return None;
    }
    Some(text[..byte].chars().count())
}

/// Length of `text` in Unicode code points.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// A code point → byte index over one text, for many look-ups in long texts (checkpoints every 256 code points).
#[derive(Debug, Clone)]
pub struct CharIndex<'a> {
    text: &'a str,
    checkpoints: Vec<usize>,
    len: usize,
}

impl<'a> CharIndex<'a> {
    /// Index `text` in one pass.
    pub fn new(text: &'a str) -> Self {
        let mut checkpoints = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut len = 0;
        for (i, (byte, _)) in text.char_indices().enumerate() {
            if i % STRIDE == 0 {
                checkpoints.push(byte);
            }
            len = i + 1;
        }
        CharIndex {
            text,
            checkpoints,
            len,
        }
    }

    /// Length of the text in code points.
    pub fn char_len(&self) -> usize {
        self.len
    }

    /// The indexed text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Byte offset of code point `char_idx`; `char_len()` maps to the text's byte length, beyond that `None`.
    pub fn byte_offset(&self, char_idx: usize) -> Option<usize> {
        if char_idx > self.len {
            return None;
        }
        if char_idx == self.len {
            return Some(self.text.len());
        }
        let base = *self.checkpoints.get(char_idx / STRIDE)?;
        self.text[base..]
            .char_indices()
            .nth(char_idx % STRIDE)
            .map(|(b, _)| base + b)
    }

    /// The text of `span`; `None` when out of range or reversed.
    pub fn slice(&self, span: Span) -> Option<&'a str> {
        if span.start > span.end {
            return None;
        }
        let a = self.byte_offset(span.start)?;
        let b = self.byte_offset(span.end)?;
        Some(&self.text[a..b])
    }
}

/// Every character whose lower- or upper-case form has another UTF-8 length than the character itself (K, ẞ, İ):
/// a byte offset taken after a case mapping and used on the original text can cut into one of them.
pub fn case_length_changers() -> Vec<char> {
    (char::MIN..=char::MAX)
        .filter(|c| {
            let n = c.len_utf8();
            c.to_lowercase().map(char::len_utf8).sum::<usize>() != n
                || c.to_uppercase().map(char::len_utf8).sum::<usize>() != n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_count_code_points() {
        let t = "Añb€c";
        assert_eq!(char_slice(t, Span::new(1, 4)), Some("ñb€"));
        assert_eq!(char_slice(t, Span::new(5, 5)), Some(""));
        assert_eq!(char_slice(t, Span::new(4, 6)), None);
        assert_eq!(char_slice(t, Span::new(3, 2)), None);
        assert_eq!(char_to_byte(t, 2), Some(3));
        assert_eq!(char_to_byte(t, 5), Some(t.len()));
        assert_eq!(char_to_byte(t, 6), None);
        assert_eq!(byte_to_char(t, 3), Some(2));
        assert_eq!(byte_to_char(t, 2), None);
    }

    #[test]
    fn index_agrees_with_naive_slicing() {
        let t: String = (0..2000).map(|i| ['a', 'é', '€', '𝄞'][i % 4]).collect();
        let idx = CharIndex::new(&t);
        assert_eq!(idx.char_len(), 2000);
        for i in (0..=2000).step_by(7) {
            assert_eq!(idx.byte_offset(i), char_to_byte(&t, i), "at {i}");
        }
        assert_eq!(idx.byte_offset(2001), None);
        let s = Span::new(255, 513);
        assert_eq!(idx.slice(s), char_slice(&t, s));
    }
}
