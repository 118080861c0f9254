//! The `clauses` extractor: every body sentence, split into clause-level claims by rules.
//!
//! It starts from the `sentences` extractor's segmentation ([`segment`]: the same boilerplate rules,
//! the same sentences) and rewrites each sentence by three rules, whose cue words live in
//! `crates/lexicon/data/clause_cues.tsv` ([`claimbench_lexicon::clause_cues`]):
//!
//! 1. **Final attribution.** A sentence that ends in a short attribution after its last comma
//!    ("\"...\", Tillerson said.", "..., said Gleb Kuznetsov.", at most [`MAX_TAIL_WORDS`] words, the
//!    speaker at most [`MAX_SPEAKER_WORDS`] words with no verb-like word, opening with a listed `speaker`
//!    word, or with a capitalised word in it and not opening with a function word such as "which") is
//!    turned around: "Tillerson said \"...\"." A final source ("..., according to
//!    the document.") moves to the front: "According to the document, ...", with the speaker it follows
//!    ("..., he said, according to an interpreter." gives "According to an interpreter, he said ...").
//!    The gold guidelines write attributed speech as a claim about the speaker (rule 4), so the speaker
//!    stays with every clause.
//! 2. **Leading attribution.** "X (has) said (that) ..." with the verb of saying among the first
//!    [`MAX_PREFIX_WORDS`] words (no comma and no other verb before it but a listed `auxiliary`) is
//!    carried onto every clause split off after it that has no speaker of its own: "Lavrov said that A,
//!    and B" gives "Lavrov said that A." and "Lavrov said that B."; a `participle` cue gives the same
//!    speaker its finite verb: "Mattis has said A, adding that B" gives "Mattis added that B."
//! 3. **Coordinated main clauses.** The sentence is cut at a `split` cue (", and", ", but", ";", ...)
//!    outside any quotation when the left side has at least [`MIN_CLAUSE_WORDS`] words and a verb-like
//!    word, and the right side has at least [`MIN_CLAUSE_WORDS`] words, does not start with a verb-like
//!    word (so ", and prompted the US ..." , a second predicate without its subject, stays) and has a
//!    verb-like word among its first [`VERB_WITHIN_WORDS`] words (its own subject and verb). The cue is
//!    dropped; each side becomes a sentence (capitalised, ending in a full stop).
//!
//! "Verb-like" is the `sentences` fragment test (a listed verb, "-ed", "-ing", "n't") plus the forms of
//! `irregular_verbs.tsv` and the `verb` and `attribution` lines of `clause_cues.tsv`. A sentence no rule
//! applies to is kept verbatim, as `sentences` has it. Relative and appositive clauses are not split:
//! no rule found for them keeps the head noun phrase without a parser.
//!
//! Each claim's evidence is the code-point spans (end exclusive) of the article it was built from: the
//! clause, plus the attribution it carries when that lies elsewhere in the sentence.

use claimbench_lexicon::{
    clause_cues, irregular_base, is_attribution_verb, is_function_word, is_not_name,
};

use crate::sentences::{is_verb_like, segment, strip_word, Sentence};
use crate::{Document, PredictedClaim, Result, Span};

/// Each side of a split cue has at least this many words.
pub const MIN_CLAUSE_WORDS: usize = 4;
/// The right side of a split cue has a verb-like word among its first this many words.
pub const VERB_WITHIN_WORDS: usize = 6;
/// A leading attribution has its verb of saying among the first this many words (1-based).
pub const MAX_PREFIX_WORDS: usize = 8;
/// A "that" at most this many words after a leading attribution verb belongs to it ("said on Tuesday that").
pub const MAX_THAT_GAP_WORDS: usize = 4;
/// A final attribution ("..., Putin said in an interview broadcast yesterday.") has at most this many words.
pub const MAX_TAIL_WORDS: usize = 14;
/// The speaker of a final attribution has at most this many words.
pub const MAX_SPEAKER_WORDS: usize = 6;

/// Characters that close a quotation (003's mojibake `†` and U+009D included).
const CLOSING_QUOTES: &[char] = &['"', '”', '’', '\'', '»', '›', '†', '\u{9d}'];

/// One claim of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The claim text.
    pub text: String,
    /// The article spans it was built from, in article order.
    pub evidence: Vec<Span>,
}

/// Byte ranges of the whitespace-separated words of `s`.
fn word_ranges(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(a) = start.take() {
                out.push((a, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(a) = start {
        out.push((a, s.len()));
    }
    out
}

fn lower_word(w: &str) -> String {
    strip_word(w).to_lowercase()
}

/// A verb-like word (see the module docs).
fn is_verbish(w: &str) -> bool {
    let lw = lower_word(w);
    !lw.is_empty()
        && (is_verb_like(w)
            || irregular_base(&lw).is_some()
            || clause_cues().verbs.contains(&lw.as_str())
            || is_attribution_verb(&lw))
}

/// Is byte `at` of `s` inside a quotation (an opening mark not yet closed)?
fn in_quote(s: &str, at: usize) -> bool {
    let mut open = false;
    for c in s[..at].chars() {
        match c {
            '"' => open = !open,
            '“' | '«' => open = true,
            '”' | '»' | '†' => open = false,
            _ => {}
        }
    }
    open
}

/// What a final attribution puts in front of each clause.
struct Final {
    /// Byte offset of the comma before the attribution.
    comma: usize,
    /// Byte offset just after the closing quotes that follow the comma.
    quotes_end: usize,
    /// Byte ranges of the attribution (final punctuation excluded), in sentence order.
    tails: Vec<(usize, usize)>,
    /// The text put in front ("Tillerson said", "According to the document,").
    lead: String,
    /// Whether it is a source phrase ("according to ...").
    source: bool,
}

fn first_char_upper(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// `s` with its first letter upper-cased (after any leading quotation marks).
fn capitalize(s: &str) -> String {
    match s.char_indices().find(|(_, c)| c.is_alphanumeric()) {
        Some((i, c))
            if s[..i]
                .chars()
                .all(|q| !q.is_alphanumeric() && !q.is_whitespace()) =>
        {
            format!("{}{}{}", &s[..i], c.to_uppercase(), &s[i + c.len_utf8()..])
        }
        _ => s.to_string(),
    }
}

/// `s` with its first word lower-cased when that word is never a name ("The", "It"), for a clause
/// that no longer opens the sentence.
fn decapitalize(s: &str) -> String {
    let first: String = s.chars().take_while(|c| c.is_alphabetic()).collect();
    let lw = first.to_lowercase();
    if first.chars().next().is_some_and(char::is_uppercase) && lw != "i" && is_not_name(&lw) {
        let c = s.chars().next().unwrap_or(' ');
        format!("{}{}", c.to_lowercase(), &s[c.len_utf8()..])
    } else {
        s.to_string()
    }
}

/// `s` ending in sentence-final punctuation (a full stop added, after closing quotes).
fn end_sentence(s: &str) -> String {
    let s = s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
    let body = s.trim_end_matches(CLOSING_QUOTES);
    if body.ends_with(['.', '!', '?', '…']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

fn final_attribution(s: &str) -> Option<Final> {
    let cues = clause_cues();
    let comma = s.rfind(',')?;
    let after = &s[comma + 1..];
    let quotes = after.len() - after.trim_start_matches(CLOSING_QUOTES).len();
    let rest = &after[quotes..];
    let space = rest.len() - rest.trim_start().len();
    if quotes == 0 && space == 0 {
        return None;
    }
    let tail_start = comma + 1 + quotes + space;
    let tail = s[tail_start..]
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '!' | '?' | '…'));
    if tail.is_empty() || tail.contains([';', '"', '“', '”', '«', '»']) {
        return None;
    }
    let ws = word_ranges(tail);
    if ws.len() > MAX_TAIL_WORDS || word_ranges(&s[..comma]).len() < MIN_CLAUSE_WORDS {
        return None;
    }
    let lower = tail.to_lowercase();
    let base = Final {
        comma,
        quotes_end: comma + 1 + quotes,
        tails: vec![(tail_start, tail_start + tail.len())],
        lead: String::new(),
        source: false,
    };
    if cues
        .sources
        .iter()
        .any(|p| lower.starts_with(p) && lower[p.len()..].starts_with(' '))
    {
        return Some(Final {
            lead: format!("{},", capitalize(tail)),
            source: true,
            ..base
        });
    }
    let word = |k: usize| &tail[ws[k].0..ws[k].1];
    let k = (0..ws.len().min(MAX_SPEAKER_WORDS + 1))
        .find(|&k| is_attribution_verb(&lower_word(word(k))))?;
    let lead = if k == 0 {
        // "..., said Gleb Kuznetsov."
        if ws.len() < 2 || !first_char_upper(word(1)) {
            return None;
        }
        format!("{} {}", &tail[ws[1].0..], word(0))
    } else {
        let first = lower_word(word(0));
        let opens = cues.speakers.contains(&first.as_str())
            || (!is_function_word(&first) && (0..k).any(|j| first_char_upper(word(j))));
        let relative = |j: usize| cues.relatives.contains(&lower_word(word(j)).as_str());
        if !opens || (0..k).any(|j| is_verbish(word(j)) || relative(j)) {
            return None;
        }
        capitalize(tail)
    };
    Some(Final { lead, ..base })
}

/// A leading attribution: "Rex Tillerson has said on Tuesday that".
#[derive(Debug, Clone, Copy)]
struct Leading {
    /// Byte end of the speaker ("Rex Tillerson").
    speaker_end: usize,
    /// Byte end of the attribution.
    end: usize,
}

/// The leading attribution of `s`, if it has one.
fn leading_attribution(s: &str) -> Option<Leading> {
    let cues = clause_cues();
    let ws = word_ranges(s);
    let word = |k: usize| &s[ws[k].0..ws[k].1];
    let k =
        (1..ws.len().min(MAX_PREFIX_WORDS)).find(|&k| is_attribution_verb(&lower_word(word(k))))?;
    let aux = |j: usize| cues.auxiliaries.contains(&lower_word(word(j)).as_str());
    let mut speaker = k;
    while speaker > 1 && aux(speaker - 1) {
        speaker -= 1;
    }
    if (0..speaker).any(|j| word(j).ends_with([',', ';', ':']) || is_verbish(word(j)))
        || (speaker..k).any(|j| word(j).ends_with([',', ';', ':']))
        || in_quote(s, ws[k].0)
        || word(k).ends_with([',', ':'])
    {
        return None;
    }
    let mut end = ws[k].1;
    for (prev, &(a, b)) in ws[k..]
        .iter()
        .zip(&ws[k + 1..])
        .take(MAX_THAT_GAP_WORDS + 1)
    {
        if s[prev.0..prev.1].ends_with([',', ';', ':']) {
            break;
        }
        if s[a..b].eq_ignore_ascii_case("that") {
            end = b;
            break;
        }
    }
    (end < s.len()).then_some(Leading {
        speaker_end: ws[speaker - 1].1,
        end,
    })
}

/// A split cue found in a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Cue {
    /// Byte offset.
    pos: usize,
    /// Byte length.
    len: usize,
    /// The finite verb of a participle cue ("added" for ", adding").
    finite: Option<&'static str>,
}

/// The split and participle cues in `s[..end]`, in order.
fn cue_positions(s: &str, end: usize) -> Vec<Cue> {
    let cues = clause_cues();
    let all = cues
        .splits
        .iter()
        .map(|c| (*c, None))
        .chain(cues.participles.iter().map(|(c, f)| (*c, Some(*f))));
    let mut out: Vec<Cue> = Vec::new();
    for (cue, finite) in all {
        for (i, _) in s[..end].char_indices() {
            let Some(m) = s.get(i..i + cue.len()) else {
                continue;
            };
            let next = s[i + cue.len()..].chars().next();
            if m.eq_ignore_ascii_case(cue) && next.is_some_and(char::is_whitespace) {
                out.push(Cue {
                    pos: i,
                    len: cue.len(),
                    finite,
                });
            }
        }
    }
    out.sort();
    out.dedup_by_key(|c| c.pos);
    out
}

fn left_is_clause(left: &str) -> bool {
    let ws: Vec<&str> = left.split_whitespace().collect();
    ws.len() >= MIN_CLAUSE_WORDS && ws.iter().any(|w| is_verbish(w))
}

fn right_is_clause(right: &str) -> bool {
    let ws: Vec<&str> = right.split_whitespace().collect();
    ws.len() >= MIN_CLAUSE_WORDS
        && !is_verbish(ws[0])
        && ws[1..ws.len().min(VERB_WITHIN_WORDS)]
            .iter()
            .any(|w| is_verbish(w))
}

/// One clause of a sentence: its byte range, and the finite verb when a participle cue opened it.
type Piece = (usize, usize, Option<&'static str>);

/// The clauses of `s[..end]`, cut at the cues after byte `from`; participle cues only when `speaker`
/// (the sentence opens with an attribution).
fn clause_ranges(s: &str, from: usize, end: usize, speaker: bool) -> Vec<Piece> {
    let cues: Vec<Cue> = cue_positions(s, end)
        .into_iter()
        .filter(|c| c.pos >= from && !in_quote(s, c.pos) && (speaker || c.finite.is_none()))
        .collect();
    let mut out = Vec::new();
    let (mut start, mut opened_by) = (0, None);
    for (n, c) in cues.iter().enumerate() {
        if c.pos < start {
            continue;
        }
        let right = &s[c.pos + c.len..cues.get(n + 1).map_or(end, |c| c.pos)];
        let right_ok = match c.finite {
            Some(_) => right.split_whitespace().count() >= MIN_CLAUSE_WORDS,
            None => right_is_clause(right),
        };
        if left_is_clause(&s[start..c.pos]) && right_ok {
            out.push((start, c.pos, opened_by));
            (start, opened_by) = (c.pos + c.len, c.finite);
        }
    }
    out.push((start, end, opened_by));
    out.into_iter()
        .filter_map(|(a, b, f)| {
            let piece = &s[a..b];
            let a2 = a + (piece.len() - piece.trim_start().len());
            let b2 = a + piece
                .trim_end_matches(|c: char| c.is_whitespace() || c == ',')
                .len();
            (a2 < b2).then_some((a2, b2, f))
        })
        .collect()
}

/// Split one sentence into its claims (see the module docs); a sentence no rule applies to is one claim,
/// verbatim.
pub fn split_sentence(sentence: &Sentence) -> Vec<Clause> {
    let s = sentence.text.as_str();
    let span = |a: usize, b: usize| Span {
        start: sentence.span.start + s[..a].chars().count(),
        end: sentence.span.start + s[..b].chars().count(),
    };
    // "\"...,\" he said, according to an interpreter.": the speaker inside the source goes along.
    let fin = final_attribution(s).map(|f| match final_attribution(&s[..f.comma]) {
        Some(inner) if f.source && !inner.source => Final {
            lead: format!("{} {}", f.lead, decapitalize(&inner.lead)),
            tails: [inner.tails, f.tails].concat(),
            ..inner
        },
        _ => f,
    });
    let body_end = fin.as_ref().map_or(s.len(), |f| f.comma);
    let prefix = if fin.is_none() {
        leading_attribution(s)
    } else {
        None
    };
    let ranges = clause_ranges(s, prefix.map_or(0, |p| p.end), body_end, prefix.is_some());
    if fin.is_none() && ranges.len() <= 1 {
        return vec![Clause {
            text: sentence.text.clone(),
            evidence: vec![sentence.span],
        }];
    }
    let last = ranges.len() - 1;
    ranges
        .iter()
        .enumerate()
        .map(|(j, &(a, b, finite))| {
            let mut text = s[a..b].to_string();
            let mut end = b;
            if let Some(f) = fin.as_ref().filter(|_| j == last) {
                // The closing quotation marks after the comma belong to the clause.
                text.push_str(&s[f.comma + 1..f.quotes_end]);
                end = f.quotes_end;
            }
            let mut evidence = vec![span(a, end)];
            let text = match (&fin, prefix) {
                (Some(f), _) => {
                    evidence.extend(f.tails.iter().map(|&(a, b)| span(a, b)));
                    format!("{} {}", f.lead, decapitalize(&text))
                }
                (None, Some(p)) if finite.is_some() => {
                    // ", adding that ...": the speaker and the participle's finite form.
                    evidence.insert(0, span(0, p.speaker_end));
                    let verb = finite.unwrap_or_default();
                    format!("{} {verb} {}", &s[..p.speaker_end], decapitalize(&text))
                }
                // A clause with a speaker of its own keeps it ("..., and on Wednesday Putin said ...").
                (None, Some(p)) if j > 0 && leading_attribution(&text).is_none() => {
                    evidence.insert(0, span(0, p.end));
                    format!("{} {}", &s[..p.end], decapitalize(&text))
                }
                _ => text,
            };
            Clause {
                text: end_sentence(&capitalize(&text)),
                evidence,
            }
        })
        .collect()
}

/// The `clauses` extractor (rule-based decomposing baseline): body sentences split into clauses.
#[derive(Debug, Clone, Default)]
pub struct ClausesExtractor;

impl ClausesExtractor {
    /// A new `clauses` extractor.
    pub fn new() -> Self {
        ClausesExtractor
    }
}

impl crate::ClaimExtractor for ClausesExtractor {
    fn name(&self) -> &str {
        "clauses"
    }

    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>> {
        Ok(segment(&doc.text)
            .sentences
            .iter()
            .flat_map(split_sentence)
            .map(|c| PredictedClaim {
                doc: doc.id.clone(),
                text: c.text,
                score: None,
                evidence: c.evidence,
                extra: Default::default(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClaimExtractor;

    fn texts(sentence: &str) -> Vec<String> {
        let s = Sentence {
            text: sentence.to_string(),
            span: Span {
                start: 0,
                end: sentence.chars().count(),
            },
        };
        split_sentence(&s).into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn coordinated_main_clauses_split() {
        assert_eq!(
            texts("Russia knew in advance of the attacks, but there is still no proof of Moscow involvement."),
            [
                "Russia knew in advance of the attacks.",
                "There is still no proof of Moscow involvement."
            ]
        );
        assert_eq!(
            texts("The talks lasted two hours; Lavrov gave Tillerson an icy welcome."),
            [
                "The talks lasted two hours.",
                "Lavrov gave Tillerson an icy welcome."
            ]
        );
    }

    #[test]
    fn short_or_subjectless_coordination_does_not_split() {
        let one = |s: &str| assert_eq!(texts(s), [s], "{s}");
        one("Tillerson met officials from Russia and the US on Wednesday.");
        one("Tillerson met officials from Russia, and the US.");
        one("Tillerson met Putin in the Kremlin, and left.");
        one("The attack killed 89 people, and prompted the US to carry out its first strike.");
        one("Tillerson met Putin, and Lavrov met the press.");
        // No split inside a quotation.
        assert_eq!(
            texts("\"We met, and we talked for two long hours about Syria\", he said"),
            ["He said \"We met, and we talked for two long hours about Syria\"."]
        );
    }

    #[test]
    fn attributions_stay_attached() {
        assert_eq!(
            texts("\"We did discuss at length the future role for Assad\", Tillerson said."),
            ["Tillerson said \"We did discuss at length the future role for Assad\"."]
        );
        assert_eq!(
            texts("“Putin has built his reputation on never conceding,” said Gleb Kuznetsov."),
            ["Gleb Kuznetsov said “Putin has built his reputation on never conceding”."]
        );
        assert_eq!(
            texts("Putin is meeting with Tillerson at the Kremlin, presidential spokesman Dmitry Peskov said."),
            ["Presidential spokesman Dmitry Peskov said Putin is meeting with Tillerson at the Kremlin."]
        );
        assert_eq!(
            texts("Russia “saw some very troubling actions in Syria,” he said, according to an interpreter."),
            ["According to an interpreter, he said Russia “saw some very troubling actions in Syria”."]
        );
        assert_eq!(
            texts("The regime conducted the attack against its own people, according to the document."),
            ["According to the document, the regime conducted the attack against its own people."]
        );
        assert_eq!(
            texts("Lavrov said on Tuesday that Russia saw troubling actions in Syria, and Moscow wants an inquiry."),
            [
                "Lavrov said on Tuesday that Russia saw troubling actions in Syria.",
                "Lavrov said on Tuesday that Moscow wants an inquiry."
            ]
        );
        // A relative clause before the verb ("which", "that") is no attribution.
        let s = "The strike hit the base at dawn, which officials said was empty.";
        assert_eq!(texts(s), [s]);
        let s = "The exchange came as part of a deal, an agreement that critics say amounts to displacement.";
        assert_eq!(texts(s), [s]);
        // A clause with its own speaker does not get the first one's.
        assert_eq!(
            texts("Russia claims the regime is being unfairly blamed, and on Wednesday Putin said the attack was staged."),
            [
                "Russia claims the regime is being unfairly blamed.",
                "On Wednesday Putin said the attack was staged."
            ]
        );
        // A participle of saying after a leading attribution: the same speaker.
        assert_eq!(
            texts("The US Secretary of Defense has said the regime was responsible, adding that it had used gas before."),
            [
                "The US Secretary of Defense has said the regime was responsible.",
                "The US Secretary of Defense added that it had used gas before."
            ]
        );
        // Without a speaker to give it, the participle stays.
        let s = "The regime was responsible for the attack, adding that it had used gas before.";
        assert_eq!(texts(s), [s]);
        // A pronoun that opens a moved clause is lower-cased, a name is not.
        assert_eq!(
            texts("It’s absurd for the US to demand that, Peskov told reporters."),
            ["Peskov told reporters it’s absurd for the US to demand that."]
        );
    }

    #[test]
    fn evidence_spans_index_the_article() {
        let text = "Moscow talks\n\nPosted 12:16 PM\n\n\
                    Lavrov’s café said Russia saw “troubling actions” in Syria, and Moscow wants an inquiry. \
                    “It is important not to let these actions happen again,” Lavrov said.\n";
        let doc = Document {
            id: "x".into(),
            file_name: "x.txt".into(),
            text: text.into(),
            sha256: String::new(),
        };
        let claims = ClausesExtractor::new().extract(&doc).unwrap();
        assert_eq!(claims.len(), 3, "{claims:#?}");
        assert_eq!(
            claims[1].text,
            "Lavrov’s café said Moscow wants an inquiry."
        );
        assert_eq!(
            claims[2].text,
            "Lavrov said “It is important not to let these actions happen again”."
        );
        let chars: Vec<char> = text.chars().collect();
        for c in &claims {
            let covered: String = c
                .evidence
                .iter()
                .map(|s| chars[s.start..s.end].iter().collect::<String>() + " ")
                .collect::<String>()
                .to_lowercase();
            for w in c.text.split_whitespace() {
                let w = strip_word(w).to_lowercase();
                assert!(
                    covered.contains(&w),
                    "{w:?} of {:?} not in {covered:?}",
                    c.text
                );
            }
            assert!(c.evidence.windows(2).all(|p| p[0].end <= p[1].start));
        }
        assert_eq!(
            chars[claims[1].evidence[1].start..claims[1].evidence[1].end]
                .iter()
                .collect::<String>(),
            "Moscow wants an inquiry."
        );
    }
}
