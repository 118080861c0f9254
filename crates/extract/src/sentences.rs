//! The `sentences` extractor: every sentence of the article body is a claim.
//!
//! Sentence segmentation is done by [`sentencex`] (Wikimedia's rule-based segmenter,
//! maintained, pure Rust, abbreviation lists per language, no model to download).
//! Before segmentation the article is split into lines and boilerplate lines are
//! dropped by the rules below (see [`BoilerplateRule`] and [`BOILERPLATE_RULES`]).
//! Each kept line is segmented on its own (news scrapes put one paragraph per line);
//! each sentence becomes a claim whose text is the exact trimmed sentence and whose
//! evidence is its code-point span in the article.
//!
//! # Boilerplate rules
//!
//! Applied to each line in this order; the first rule that matches drops the line.
//! "Terminal punctuation" means the line, after trailing quotes and brackets are
//! stripped, ends in `.`, `!`, `?`, `…`, `:` or `;`. "Words" are whitespace-separated.
//!
//! 1. `end-marker`: a line that is only a teaser marker ("Related news", "More news",
//!    "Read more", "See also", ...; [`END_MARKERS`]) ends the article: it and everything
//!    after it are dropped.
//! 2. `trailing-block`: two or more blank lines followed by a headline-like line (no terminal
//!    punctuation, at most [`TRAILING_HEADLINE_MAX_WORDS`] words) start a block of related-story
//!    teasers: it and everything after it are dropped.
//! 3. `teaser`: a line that starts with a teaser marker and a colon ("More news: ...";
//!    [`TEASER_PREFIXES`]) is dropped by itself (some sites interleave these mid-article,
//!    so the text after it is kept).
//! 4. `headline`: the first non-blank line, when it has no terminal punctuation, is the
//!    headline; it and every later line identical to it (the repeated title) are dropped.
//! 5. `dateline`: a line of at most [`DATELINE_MAX_WORDS`] words that starts with "Posted",
//!    "Published", "Updated", "Last updated" ([`DATELINE_PREFIXES`]), or that has no terminal
//!    punctuation and a posting date or time (a month name next to a number, an ISO date, `hh:mm`).
//!    A short sentence with a date ("The vote is on March 3.") is kept.
//! 6. `byline`: a line of at most [`DATELINE_MAX_WORDS`] words with "Author:", or a line of at most
//!    [`BYLINE_MAX_WORDS`] words without terminal punctuation starting with "By" ("By Jane Smith";
//!    "By Friday, it was over." is kept).
//! 7. `caption`: a photo credit: a line of at most [`CAPTION_MAX_WORDS`] words containing a credit
//!    marker ([`CAPTION_MARKERS`]: "Photo:",
//!    "Getty Images", "AP Photo", ...). The caption's own text is kept when it is a full description
//!    (more than [`HEADING_MAX_WORDS`] words): the gold guidelines label it as article text (seed 002's
//!    "• U.S. Secretary of State Rex Tillerson and ... shake hands ..."). Leading list bullets
//!    ([`BULLETS`]) are never part of a sentence.
//! 8. `share`: share/subscribe widgets: a short line made only of widget words
//!    ([`SHARE_WORDS`]: "Adjust Comment Print", "Share Tweet Email"), or a line of at most
//!    [`HEADING_MAX_WORDS`] words starting with the word(s) "Subscribe", "Sign up", "Follow us",
//!    "Click here", ... ([`SHARE_PREFIXES`]; "Subscribers pay ..." is kept).
//! 9. `heading`: a line of at most [`HEADING_MAX_WORDS`] words without terminal punctuation
//!    (section headings, source names such as "Bloomberg", datelines such as "BEIRUT / AP",
//!    headlines of embedded stories), or a single short question of at most
//!    [`HEADING_MAX_WORDS`] words with no quotation mark ("What is the US' Syria policy?").
//! 10. `fragment`: a line of at most [`FRAGMENT_MAX_WORDS`] words with no verb-like token
//!     (a word from [`VERB_WORDS`] or ending in "-ed"/"-ing").
//!
//! After segmentation, a sentence that has no letter or digit, or that is a fragment by rule 10
//! (e.g. a bare "No."), is dropped too (rule `fragment`).

use crate::{Document, Span};
use crate::{PredictedClaim, Result};

/// List bullets stripped from the start of a line (photo captions often start with one).
pub const BULLETS: &[char] = &['•', '·', '▪', '►', '■', '●', '◦', '‣'];

/// Headings: lines without terminal punctuation of at most this many words are dropped.
pub const HEADING_MAX_WORDS: usize = 12;
/// A headline that opens a trailing related-stories block has at most this many words.
pub const TRAILING_HEADLINE_MAX_WORDS: usize = 16;
/// Datelines: date/time lines of at most this many words are dropped.
pub const DATELINE_MAX_WORDS: usize = 14;
/// Photo credits: credit lines of at most this many words are dropped.
pub const CAPTION_MAX_WORDS: usize = 20;
/// Bylines: "By ..." lines of at most this many words are dropped.
pub const BYLINE_MAX_WORDS: usize = 6;
/// Fragments: lines (and sentences) of at most this many words with no verb-like token are dropped.
pub const FRAGMENT_MAX_WORDS: usize = 4;

/// Lines that are only one of these (case-insensitive, trailing `:`/`.` ignored) end the article.
pub const END_MARKERS: &[&str] = &[
    "related",
    "related news",
    "related articles",
    "related stories",
    "related content",
    "more news",
    "more stories",
    "more from",
    "read more",
    "read also",
    "also read",
    "see also",
    "recommended",
    "recommended stories",
    "you may also like",
    "you might also like",
    "trending",
    "trending now",
];

/// Lines starting with one of these (case-insensitive) are single teaser lines.
pub const TEASER_PREFIXES: &[&str] = &[
    "more news:",
    "related news:",
    "related:",
    "read more:",
    "read also:",
    "also read:",
    "see also:",
    "recommended:",
    "more:",
    "watch:",
    "trending:",
];

/// Lines starting with one of these (case-insensitive) are posting dates.
pub const DATELINE_PREFIXES: &[&str] = &[
    "posted",
    "published",
    "updated",
    "last updated",
    "and last updated",
    "first published",
];

/// Substrings (case-insensitive) that mark a photo caption or credit line.
pub const CAPTION_MARKERS: &[&str] = &[
    "photo:",
    "photograph:",
    "image:",
    "picture:",
    "credit:",
    "photo credit",
    "photo by ",
    "getty images",
    "ap photo",
    "image copyright",
    "image caption",
    "(photo",
    "/afp",
    "/reuters",
];

/// Lines made only of these words (at most [`HEADING_MAX_WORDS`] of them) are share/subscribe widgets.
pub const SHARE_WORDS: &[&str] = &[
    "adjust",
    "comment",
    "comments",
    "copy",
    "link",
    "email",
    "e-mail",
    "facebook",
    "follow",
    "font",
    "linkedin",
    "messenger",
    "pinterest",
    "print",
    "reddit",
    "save",
    "share",
    "size",
    "subscribe",
    "telegram",
    "text",
    "tweet",
    "twitter",
    "whatsapp",
    "x",
];

/// Lines starting with one of these (case-insensitive) are share/subscribe lines.
pub const SHARE_PREFIXES: &[&str] = &[
    "subscribe",
    "sign up",
    "follow us",
    "click here",
    "share this",
    "share on",
    "advertisement",
    "download our app",
];

/// Verb-like tokens for the fragment rule (besides words ending in "-ed" or "-ing").
pub const VERB_WORDS: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does",
    "did", "will", "would", "can", "could", "may", "might", "must", "shall", "should", "says",
    "said", "say", "tells", "told", "tell", "makes", "made", "gets", "got", "goes", "went", "gave",
    "gives", "took", "takes", "saw", "sees", "knew", "knows", "met", "meets", "won", "wins",
    "lost", "loses", "left", "leaves", "hit", "hits", "put", "puts", "set", "sets", "ran", "runs",
    "came", "comes", "became", "becomes", "held", "holds", "kept", "keeps", "sent", "sends",
    "fell", "falls", "rose", "rises", "cut", "cuts", "led", "leads", "paid", "pays", "let", "lets",
];

/// A boilerplate rule that dropped a line (or sentence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BoilerplateRule {
    /// A bare teaser marker line; it and everything after it are dropped.
    EndMarker,
    /// A trailing block of related-story teasers after two or more blank lines.
    TrailingBlock,
    /// A single "More news: ..." teaser line.
    Teaser,
    /// The headline (first line without terminal punctuation) and its repeats.
    Headline,
    /// A posting date or timestamp.
    Dateline,
    /// An author line.
    Byline,
    /// A photo credit line.
    Caption,
    /// A share/subscribe widget line.
    Share,
    /// A short line without terminal punctuation (section heading, source name) or a short question heading.
    Heading,
    /// A few words with no verb-like token.
    Fragment,
}

/// Every rule, in the order they are applied.
pub const BOILERPLATE_RULES: &[BoilerplateRule] = &[
    BoilerplateRule::EndMarker,
    BoilerplateRule::TrailingBlock,
    BoilerplateRule::Teaser,
    BoilerplateRule::Headline,
    BoilerplateRule::Dateline,
    BoilerplateRule::Byline,
    BoilerplateRule::Caption,
    BoilerplateRule::Share,
    BoilerplateRule::Heading,
    BoilerplateRule::Fragment,
];

impl BoilerplateRule {
    /// The rule's short name, as used in the docs.
    pub fn name(self) -> &'static str {
        match self {
            BoilerplateRule::EndMarker => "end-marker",
            BoilerplateRule::TrailingBlock => "trailing-block",
            BoilerplateRule::Teaser => "teaser",
            BoilerplateRule::Headline => "headline",
            BoilerplateRule::Dateline => "dateline",
            BoilerplateRule::Byline => "byline",
            BoilerplateRule::Caption => "caption",
            BoilerplateRule::Share => "share",
            BoilerplateRule::Heading => "heading",
            BoilerplateRule::Fragment => "fragment",
        }
    }
}

impl std::fmt::Display for BoilerplateRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One sentence of an article body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence text, exactly `char_slice(article, span)`.
    pub text: String,
    /// Its code-point span in the article (end exclusive).
    pub span: Span,
}

/// A line (or sentence) dropped as boilerplate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// 1-based line number in the article.
    pub line: usize,
    /// The dropped text (trimmed).
    pub text: String,
    /// Its code-point span in the article.
    pub span: Span,
    /// The rule that dropped it.
    pub rule: BoilerplateRule,
}

/// The result of segmenting an article: kept sentences and dropped boilerplate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segmentation {
    /// Kept sentences, in article order.
    pub sentences: Vec<Sentence>,
    /// Dropped lines and sentences, in article order.
    pub dropped: Vec<Dropped>,
}

/// A line of the article with its offsets.
struct Line<'a> {
    /// Trimmed text.
    text: &'a str,
    /// Code-point offset of the trimmed text in the article.
    char_start: usize,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut chars = 0usize;
    for raw in text.split_inclusive('\n') {
        // Leading whitespace and list bullets are not part of the line's text.
        let body = raw.trim_start_matches(|c: char| c.is_whitespace() || BULLETS.contains(&c));
        let lead = raw.len() - body.len();
        out.push(Line {
            text: body.trim_end(),
            char_start: chars + raw[..lead].chars().count(),
        });
        chars += raw.chars().count();
    }
    out
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | ')' | ']' | '}' | '»' | '”' | '’' | '›' | '*' | '_'
    )
}

/// Does the line end in sentence-final punctuation (after trailing quotes/brackets)?
fn has_terminal_punct(s: &str) -> bool {
    let t = s.trim_end_matches(|c: char| c.is_whitespace() || is_closing(c));
    matches!(
        t.chars().last(),
        Some('.' | '!' | '?' | '…' | ':' | ';' | '。' | '！' | '？')
    )
}

fn normalize_marker(s: &str) -> String {
    s.trim()
        .trim_end_matches(|c: char| c == ':' || c == '.' || c == '»' || c.is_whitespace())
        .to_lowercase()
}

fn is_end_marker(s: &str) -> bool {
    let n = normalize_marker(s);
    END_MARKERS.contains(&n.as_str())
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `s` starts with `prefix` (ASCII case-insensitive) followed by the end or a non-alphanumeric char.
fn starts_with_word_ci(s: &str, prefix: &str) -> bool {
    starts_with_ci(s, prefix)
        && !s[prefix.len()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
}

fn is_teaser(s: &str) -> bool {
    TEASER_PREFIXES.iter().any(|p| starts_with_ci(s, p))
}

pub(crate) fn strip_word(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric())
}

fn is_number_token(w: &str) -> bool {
    let w = strip_word(w);
    !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())
}

fn has_date_or_time(s: &str) -> bool {
    let ws = words(s);
    // A month name next to a number ("16 April, 2017", "Apr 12, 2017").
    for (i, w) in ws.iter().enumerate() {
        let lw = strip_word(w).to_lowercase();
        if claimbench_lexicon::is_month_or_abbreviation(&lw) {
            let before = i > 0 && is_number_token(ws[i - 1]);
            let after = ws.get(i + 1).is_some_and(|n| is_number_token(n));
            if before || after {
                return true;
            }
        }
    }
    // ISO date (2017-04-12) or a time (12:16, 00:53).
    let b = s.as_bytes();
    for i in 0..b.len() {
        let digits_at = |from: usize, n: usize| {
            from + n <= b.len() && b[from..from + n].iter().all(u8::is_ascii_digit)
        };
        if digits_at(i, 4)
            && b.get(i + 4) == Some(&b'-')
            && digits_at(i + 5, 2)
            && b.get(i + 7) == Some(&b'-')
            && digits_at(i + 8, 2)
        {
            return true;
        }
        if b[i] == b':' && i >= 1 && b[i - 1].is_ascii_digit() && digits_at(i + 1, 2) {
            let before_ok = i < 3 || !b[i - 3].is_ascii_digit();
            let after_ok = !digits_at(i + 3, 1);
            if before_ok && after_ok {
                return true;
            }
        }
    }
    false
}

fn is_dateline(s: &str) -> bool {
    let n = words(s).len();
    if n > DATELINE_MAX_WORDS {
        return false;
    }
    DATELINE_PREFIXES.iter().any(|p| starts_with_word_ci(s, p))
        || (!has_terminal_punct(s) && has_date_or_time(s))
}

fn is_byline(s: &str) -> bool {
    let ws = words(s);
    if ws.len() <= DATELINE_MAX_WORDS && s.to_lowercase().contains("author:") {
        return true;
    }
    ws.len() <= BYLINE_MAX_WORDS
        && !has_terminal_punct(s)
        && ws.first().is_some_and(|w| *w == "By" || *w == "BY")
}

fn is_caption(s: &str) -> bool {
    if words(s).len() > CAPTION_MAX_WORDS {
        return false;
    }
    let lower = s.to_lowercase();
    CAPTION_MARKERS.iter().any(|m| lower.contains(m))
}

fn is_share(s: &str) -> bool {
    let ws = words(s);
    if !ws.is_empty()
        && ws.len() <= HEADING_MAX_WORDS
        && ws.iter().all(|w| {
            let w = strip_word(w).to_lowercase();
            w.is_empty() || SHARE_WORDS.contains(&w.as_str())
        })
    {
        return true;
    }
    ws.len() <= HEADING_MAX_WORDS && SHARE_PREFIXES.iter().any(|p| starts_with_word_ci(s, p))
}

fn has_quote(s: &str) -> bool {
    s.contains(['"', '“', '”', '«', '»'])
}

fn is_heading(s: &str) -> bool {
    let n = words(s).len();
    if n > HEADING_MAX_WORDS {
        return false;
    }
    if !has_terminal_punct(s) {
        return true;
    }
    // A single short question with no quotation: a section heading.
    let t = s.trim_end_matches(|c: char| c.is_whitespace() || is_closing(c));
    t.ends_with('?') && !has_quote(s) && t[..t.len() - 1].find(['.', '!', '?']).is_none()
}

pub(crate) fn is_verb_like(w: &str) -> bool {
    let w = strip_word(w).to_lowercase();
    if w.is_empty() {
        return false;
    }
    VERB_WORDS.contains(&w.as_str())
        || (w.len() > 3 && w.ends_with("ed"))
        || (w.len() > 4 && w.ends_with("ing"))
        || w.ends_with("n't")
}

fn is_fragment(s: &str) -> bool {
    let ws = words(s);
    ws.len() <= FRAGMENT_MAX_WORDS && !ws.iter().any(|w| is_verb_like(w))
}

/// Classify one non-blank line by the per-line rules (3..10).
fn line_rule(s: &str) -> Option<BoilerplateRule> {
    if is_teaser(s) {
        Some(BoilerplateRule::Teaser)
    } else if is_dateline(s) {
        Some(BoilerplateRule::Dateline)
    } else if is_byline(s) {
        Some(BoilerplateRule::Byline)
    } else if is_caption(s) {
        Some(BoilerplateRule::Caption)
    } else if is_share(s) {
        Some(BoilerplateRule::Share)
    } else if is_heading(s) {
        Some(BoilerplateRule::Heading)
    } else if is_fragment(s) {
        Some(BoilerplateRule::Fragment)
    } else {
        None
    }
}

fn span_of(line: &Line<'_>, text: &str, offset_bytes: usize) -> Span {
    let start = line.char_start + line.text[..offset_bytes].chars().count();
    Span {
        start,
        end: start + text.chars().count(),
    }
}

/// Opening quotation marks that belong to the sentence after them.
const OPENING_QUOTES: &[char] = &['“', '‘', '«', '„', '‹'];

/// Byte ranges of the sentences of one line: sentencex's boundaries, trimmed, with an opening quotation
/// mark that sentencex left at the end of a sentence moved to the start of the next one.
fn sentence_ranges(s: &str) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for b in sentencex::get_sentence_boundaries(LANGUAGE, s) {
        if b.is_paragraph_break {
            continue;
        }
        let Some(raw) = s.get(b.start_byte..b.end_byte) else {
            continue;
        };
        let a = b.start_byte + (raw.len() - raw.trim_start().len());
        let e = b.start_byte + raw.trim_end().len();
        if a < e {
            ranges.push((a, e));
        }
    }
    for k in 0..ranges.len().saturating_sub(1) {
        let (a, e) = ranges[k];
        let body = s[a..e].trim_end_matches(OPENING_QUOTES);
        let quotes_at = a + body.len();
        let body_end = a + body.trim_end().len();
        if quotes_at < e && body_end < quotes_at && body_end > a {
            let (_, next_end) = ranges[k + 1];
            ranges[k] = (a, body_end);
            ranges[k + 1] = (quotes_at, next_end);
        }
    }
    ranges
}

/// The language code sentencex is run with.
pub const LANGUAGE: &str = "en";

/// Segment an article into body sentences, dropping boilerplate by the documented rules.
pub fn segment(text: &str) -> Segmentation {
    let lines = split_lines(text);
    let mut seg = Segmentation::default();
    let mut headline: Option<&str> = None;
    let mut seen_content = false;
    let mut blank_run = 0usize;
    let mut cut: Option<(usize, BoilerplateRule)> = None;
    for (i, line) in lines.iter().enumerate() {
        let s = line.text;
        if s.is_empty() {
            blank_run += 1;
            continue;
        }
        let prev_blanks = blank_run;
        blank_run = 0;
        let drop_line = |seg: &mut Segmentation, rule| {
            seg.dropped.push(Dropped {
                line: i + 1,
                text: s.to_string(),
                span: span_of(line, s, 0),
                rule,
            })
        };
        if is_end_marker(s) {
            cut = Some((i, BoilerplateRule::EndMarker));
            break;
        }
        if seen_content
            && prev_blanks >= 2
            && !has_terminal_punct(s)
            && words(s).len() <= TRAILING_HEADLINE_MAX_WORDS
        {
            cut = Some((i, BoilerplateRule::TrailingBlock));
            break;
        }
        if !seen_content && headline.is_none() && !has_terminal_punct(s) && !is_teaser(s) {
            headline = Some(s);
            seen_content = true;
            drop_line(&mut seg, BoilerplateRule::Headline);
            continue;
        }
        seen_content = true;
        if headline == Some(s) {
            drop_line(&mut seg, BoilerplateRule::Headline);
            continue;
        }
        if let Some(rule) = line_rule(s) {
            drop_line(&mut seg, rule);
            continue;
        }
        // Ranges come in increasing order: count code points incrementally (linear in the line).
        let (mut cursor_byte, mut cursor_char) = (0usize, line.char_start);
        for (a, b) in sentence_ranges(s) {
            let sent = &s[a..b];
            if a >= cursor_byte {
                cursor_char += s[cursor_byte..a].chars().count();
            } else {
                cursor_char = line.char_start + s[..a].chars().count();
            }
            cursor_byte = a;
            let span = Span {
                start: cursor_char,
                end: cursor_char + sent.chars().count(),
            };
            if !sent.chars().any(char::is_alphanumeric) || is_fragment(sent) {
                seg.dropped.push(Dropped {
                    line: i + 1,
                    text: sent.to_string(),
                    span,
                    rule: BoilerplateRule::Fragment,
                });
                continue;
            }
            seg.sentences.push(Sentence {
                text: sent.to_string(),
                span,
            });
        }
    }
    if let Some((from, rule)) = cut {
        for (j, line) in lines.iter().enumerate().skip(from) {
            if !line.text.is_empty() {
                seg.dropped.push(Dropped {
                    line: j + 1,
                    text: line.text.to_string(),
                    span: span_of(line, line.text, 0),
                    rule,
                });
            }
        }
    }
    seg
}

/// The `sentences` extractor (recall baseline): every body sentence is a claim.
#[derive(Debug, Clone, Default)]
pub struct SentencesExtractor;

impl SentencesExtractor {
    /// A new `sentences` extractor.
    pub fn new() -> Self {
        SentencesExtractor
    }
}

impl crate::ClaimExtractor for SentencesExtractor {
    fn name(&self) -> &str {
        "sentences"
    }

    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>> {
        Ok(segment(&doc.text)
            .sentences
            .into_iter()
            .map(|s| PredictedClaim {
                doc: doc.id.clone(),
                text: s.text,
                score: None,
                evidence: vec![s.span],
                extra: Default::default(),
            })
            .collect())
    }
}
