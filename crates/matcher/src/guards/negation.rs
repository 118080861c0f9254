//! Negation cues and the predicates they negate, and the negation guard: one claim negates a
//! predicate that the other states plainly.

use claimbench_lexicon as lexicon;

use super::{Analysis, GuardHit, GuardKind};
use crate::text::{is_adverb, is_num_token, lower_after, stem_eq, Tok};

fn is_plain_cue(w: &str) -> bool {
    lexicon::negation_cue(w) == Some(lexicon::CueKind::Plain)
}

/// Words skipped when looking for the predicate a negation applies to.
const PRED_SKIP: [&str; 52] = [
    "be", "is", "are", "was", "were", "been", "being", "am", "do", "does", "did", "have", "has",
    "had", "to", "a", "an", "the", "any", "yet", "also", "even", "ever", "always", "that", "it",
    "they", "he", "she", "we", "i", "you", "this", "there", "so", "too", "very", "its", "their",
    "his", "her", "our", "will", "would", "could", "should", "can", "may", "might", "must", "one",
    "just",
];

fn is_cue(toks: &[Tok], i: usize) -> bool {
    let w = toks[i].lower.as_str();
    let cue = lexicon::negation_cue(w);
    if cue == Some(lexicon::CueKind::Plain) {
        let next = lower_after(toks, i);
        // "not only ... but also", "no doubt" idioms are not negations of a predicate.
        if w == "not" && matches!(next, "only" | "just") {
            return false;
        }
        return true;
    }
    if cue == Some(lexicon::CueKind::Verb) {
        // "refused to sign", "denied covering up", "denied that ...": negators only with a complement.
        let next = toks.get(i + 1);
        return next.is_some_and(|n| {
            n.lower == "to" || n.lower == "that" || (n.lower.ends_with("ing") && n.lower.len() > 5)
        });
    }
    false
}

/// Index of the predicate negated by the cue at `i`.
fn negated_predicate(toks: &[Tok], i: usize) -> Option<usize> {
    negated_predicate_from(toks, i, i + 1)
}

/// The predicates negated by the cue at `i`: one word after a verb negator ("not meet"), up to
/// two adjacent content words after a noun negator ("no apparent delay").
fn negated_predicates(toks: &[Tok], i: usize) -> Vec<usize> {
    let Some(p) = negated_predicate(toks, i) else {
        return Vec::new();
    };
    let mut out = vec![p];
    if matches!(toks[i].lower.as_str(), "no" | "without") {
        if let Some(q) = toks.get(p + 1) {
            if !q.punct
                && !q.cap
                && !PRED_SKIP.contains(&q.lower.as_str())
                && !is_function_word(&q.lower)
            {
                out.push(p + 1);
            }
        }
    }
    out
}

fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "of" | "in"
            | "on"
            | "at"
            | "for"
            | "to"
            | "from"
            | "by"
            | "with"
            | "and"
            | "or"
            | "but"
            | "about"
            | "that"
            | "which"
            | "who"
            | "as"
            | "into"
            | "over"
            | "under"
            | "after"
            | "before"
    )
}

fn negated_predicate_from(toks: &[Tok], i: usize, start: usize) -> Option<usize> {
    let mut j = start;
    let limit = (i + 8).min(toks.len());
    while j < limit {
        let t = &toks[j];
        if t.punct {
            return None;
        }
        let skip = PRED_SKIP.contains(&t.lower.as_str())
            || t.cap
            || is_num_token(t)
            || is_adverb(&t.lower)
            || is_plain_cue(&t.lower)
            || matches!(t.lower.as_str(), "longer" | "more" | "proper" | "such");
        if !skip {
            return Some(j);
        }
        j += 1;
    }
    None
}

/// Whether token `k` lies in the scope of a negation (a cue up to four words before, no punctuation between).
fn is_negated_at(toks: &[Tok], cues: &[usize], k: usize) -> bool {
    cues.iter().any(|&c| {
        c < k && k - c <= 5 && !toks[c + 1..k].iter().any(|t| t.punct)
            || negated_predicates(toks, c).contains(&k)
    })
}

pub(super) fn cue_positions(toks: &[Tok]) -> Vec<usize> {
    (0..toks.len()).filter(|&i| is_cue(toks, i)).collect()
}

pub(super) fn negation_guard(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    one_way_negation(a, b, false).or_else(|| one_way_negation(b, a, true))
}

fn one_way_negation(neg: &Analysis, plain: &Analysis, flipped: bool) -> Option<GuardHit> {
    let cues_n = &neg.cues;
    if cues_n.is_empty() {
        return None;
    }
    let cues_p = &plain.cues;
    for (c, p) in cues_n.iter().flat_map(|&c| {
        negated_predicates(&neg.toks, c)
            .into_iter()
            .map(move |p| (c, p))
    }) {
        let ps = &neg.stems[p];
        if ps.chars().count() < 3 {
            continue;
        }
        let occurrences: Vec<usize> = (0..plain.toks.len())
            .filter(|&k| !plain.toks[k].punct && stem_eq(&plain.stems[k], ps))
            .collect();
        if occurrences.is_empty() {
            continue;
        }
        if occurrences
            .iter()
            .any(|&k| is_negated_at(&plain.toks, cues_p, k))
        {
            continue;
        }
        let cue = &neg.toks[c].text;
        let pred = &neg.toks[p].text;
        let other = &plain.toks[occurrences[0]].text;
        let detail = if flipped {
            format!("\"{other}\" vs \"{cue} ... {pred}\"")
        } else {
            format!("\"{cue} ... {pred}\" vs \"{other}\"")
        };
        return Some(GuardHit {
            kind: GuardKind::Negation,
            detail,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::guards::*;

    #[test]
    fn negation_fires_when_one_side_negates_the_predicate() {
        let hit =
            negation("Tillerson met Putin", "Tillerson did not meet Putin").expect("not meet");
        assert_eq!(hit.kind, GuardKind::Negation);
        assert!(negation("Russia abandoned Assad", "Russia refused to abandon Assad").is_some());
        assert!(negation(
            "There is proof of Moscow's involvement",
            "There is no proof of Moscow's involvement"
        )
        .is_some());
        assert!(negation("The Kremlin didn't comment", "The Kremlin commented").is_some());
        assert!(negation(
            "Russia denied covering up the attack",
            "Russia covered up the attack"
        )
        .is_some());
        assert!(negation(
            "Tillerson left without meeting Putin",
            "Tillerson met Putin"
        )
        .is_some());
        assert!(negation("He has never visited Moscow", "He visited Moscow").is_some());
    }

    #[test]
    fn negation_stays_quiet_on_paraphrases() {
        // both negated
        assert_eq!(
            negation("Tillerson did not meet Putin", "Tillerson never met Putin"),
            None
        );
        // negated predicate absent from the other side
        assert_eq!(
            negation(
                "There is no doubt that Syria was responsible",
                "Syria was certainly responsible"
            ),
            None
        );
        assert_eq!(
            negation(
                "There is still no proof of Moscow involvement",
                "Moscow's involvement has not been proven"
            ),
            None
        );
        // "not only" is no negation
        assert_eq!(
            negation(
                "It not only condemned the attack",
                "It condemned the attack"
            ),
            None
        );
        // neither side negated
        assert_eq!(
            negation(
                "Russia vetoed the resolution",
                "The resolution was vetoed by Russia"
            ),
            None
        );
        // "denied" without a complement is not a negator
        assert_eq!(
            negation(
                "Russia denied access to inspectors",
                "Russia gave access to inspectors"
            ),
            None
        );
    }
}
