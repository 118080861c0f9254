//! The polarity guard: the claims use opposite words of an antonym pair ("agreed"/"refused",
//! "acceptable"/"unacceptable", "vote for"/"vote against"), a negation read as a flip.

use claimbench_lexicon as lexicon;

use super::{Analysis, GuardHit, GuardKind};
use crate::text::Tok;

pub(super) fn polarity_guard(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    // in antonym-pair order, the pairs both texts use (a pair one of them lacks cannot fire)
    for (i, sa) in &a.polarity {
        let Some((_, sb)) = b.polarity.iter().find(|(j, _)| j == i) else {
            continue;
        };
        let label = lexicon::antonyms()[*i].label;
        // Each side must use exactly one member of the pair, different members, with opposite
        // effective signs (a negated antonym agrees: "refused" ~ "did not agree").
        let (Some((ma, xa)), Some((mb, xb))) = (single(sa), single(sb)) else {
            continue;
        };
        if ma != mb && xa != xb {
            return Some(GuardHit {
                kind: GuardKind::Polarity,
                detail: format!(
                    "{label}: \"{}\" vs \"{}\"",
                    sa.first().map(|s| s.2.as_str()).unwrap_or(""),
                    sb.first().map(|s| s.2.as_str()).unwrap_or("")
                ),
            });
        }
    }
    prefix_antonym(a, b)
        .or_else(|| prefix_antonym(b, a))
        .or_else(|| vote_direction(a, b))
}

/// "unacceptable" against "acceptable", "unlikely" against "likely", "illegal" against "legal".
fn prefix_antonym(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    let (words_a, words_b) = (&a.words, &b.words);
    for w in words_a {
        for pre in ["un", "in", "im", "il", "ir"] {
            let Some(base) = w.strip_prefix(pre) else {
                continue;
            };
            if base.chars().count() < 5 {
                continue;
            }
            if words_b.contains(base) && !words_a.contains(base) && !words_b.contains(w.as_str()) {
                return Some(GuardHit {
                    kind: GuardKind::Polarity,
                    detail: format!("\"{w}\" vs \"{base}\""),
                });
            }
        }
    }
    None
}

/// "vote for" against "vote against".
fn vote_direction(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    let (da, db) = (&a.votes, &b.votes);
    if da.len() == 1 && db.len() == 1 && da != db {
        let fa = da.iter().next().cloned().unwrap_or_default();
        let fb = db.iter().next().cloned().unwrap_or_default();
        return Some(GuardHit {
            kind: GuardKind::Polarity,
            detail: format!("vote {fa} vs vote {fb}"),
        });
    }
    None
}

/// One use of an antonym pair's word: (member: true for the positive word, effective sign after negation, word).
pub(super) type Sign = (bool, bool, String);

/// Each use in `toks` of a word of the antonym pair `pos`/`neg`.
pub(super) fn polarity_signs(
    toks: &[Tok],
    cues: &[usize],
    pos: &[&str],
    neg: &[&str],
) -> Vec<Sign> {
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        let w = t.lower.as_str();
        let member = if pos.contains(&w) {
            true
        } else if neg.contains(&w) {
            false
        } else {
            continue;
        };
        // a negator word used as a cue on its own ("refused to") is the member itself, not a flip
        let negated = cues
            .iter()
            .any(|&c| c < k && k - c <= 4 && !toks[c + 1..k].iter().any(|x| x.punct));
        out.push((member, member != negated, t.text.clone()));
    }
    out
}

fn single(v: &[Sign]) -> Option<(bool, bool)> {
    let first = v.first()?;
    v.iter()
        .all(|x| x.0 == first.0 && x.1 == first.1)
        .then_some((first.0, first.1))
}

#[cfg(test)]
mod tests {
    use crate::guards::*;

    #[test]
    fn polarity_fires_on_antonyms() {
        let hit = polarity(
            "Russia agreed to the proposal",
            "Russia refused the proposal",
        )
        .expect("agree/refuse");
        assert_eq!(hit.kind, GuardKind::Polarity);
        assert!(hit.detail.starts_with("agreed/refused"), "{}", hit.detail);
        assert!(polarity("Moscow accepted the offer", "Moscow rejected the offer").is_some());
        assert!(polarity("66% supported the strike", "66% opposed the strike").is_some());
        assert!(polarity("Support increased", "Support decreased").is_some());
        assert!(polarity(
            "The Kremlin confirmed the meeting",
            "The Kremlin denied the meeting"
        )
        .is_some());
        assert!(polarity("Trump won the election", "Trump lost the election").is_some());
    }

    #[test]
    fn polarity_respects_negation_and_same_words() {
        // a negated antonym says the same thing
        assert_eq!(
            polarity("Russia refused the deal", "Russia did not accept the deal"),
            None
        );
        assert_eq!(
            polarity(
                "Russia refused the deal",
                "Russia did not agree to the deal"
            ),
            None
        );
        // the same word on both sides
        assert_eq!(
            polarity(
                "Russia rejected the offer",
                "The offer was rejected by Russia"
            ),
            None
        );
        // one side only
        assert_eq!(
            polarity("Russia rejected the offer", "Russia answered the offer"),
            None
        );
    }
}
