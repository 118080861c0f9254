//! Relations (who did what to whom: name mentions, the verb between them, active or passive) and
//! the roles guard: the same two entities with agent and patient swapped.

use std::collections::BTreeSet;

use claimbench_lexicon as lexicon;

use super::{Analysis, GuardHit, GuardKind};
use crate::text::{is_adverb, is_num_token, stem, Tok};

#[derive(Debug, Clone)]
pub(super) struct Relation {
    agent: String,
    patient: String,
    verbs: BTreeSet<String>,
}

/// Words that belong to a name's title and never end a mention on their own.
const NAME_LINKS: [&str; 2] = ["of", "al"];

const BE_FORMS: [&str; 8] = ["is", "are", "was", "were", "be", "been", "being", "am"];

/// Verbs that hold both ways ("Putin met Tillerson" = "Tillerson met Putin").
const SYMMETRIC: [&str; 14] = [
    "meet", "talk", "speak", "negotiat", "discus", "clash", "differ", "hold", "agre", "sign",
    "fight", "trade", "join", "spok",
];

const REL_FUNCTION: [&str; 30] = [
    "the",
    "a",
    "an",
    "has",
    "have",
    "had",
    "will",
    "would",
    "could",
    "should",
    "can",
    "may",
    "might",
    "must",
    "also",
    "again",
    "reportedly",
    "allegedly",
    "publicly",
    "previously",
    "repeatedly",
    "did",
    "does",
    "do",
    "to",
    "its",
    "his",
    "her",
    "their",
    "then",
];

/// The entity a mention names: the entity of its longest suffix that `aliases.tsv` lists ("Russian
/// Foreign Minister Sergei Lavrov" and "the Foreign Minister" give `lavrov`, "Moscow" gives `russia`),
/// else its last word.
fn entity_key(toks: &[Tok]) -> String {
    let words: Vec<String> = toks.iter().map(|t| t.lower.replace('.', "")).collect();
    (0..words.len())
        .find_map(|s| lexicon::alias_entity(&words[s..].join(" ")))
        .map_or_else(|| words.last().cloned().unwrap_or_default(), str::to_string)
}

/// Where a text names an entity of `aliases.tsv`: each occurrence's words (lowercase, split at
/// periods and hyphens as the model's tokenizer splits them: "U.S." gives "u" and "s") and its entity.
/// Read left to right, the longest name first; a one-word name only where it is capitalised.
pub(crate) fn alias_occurrences(toks: &[Tok]) -> Vec<(Vec<String>, &'static str)> {
    alias_spans(toks)
        .into_iter()
        .map(|(start, end, entity)| {
            let words = toks[start..end]
                .iter()
                .flat_map(|t| super::names::split_words(&t.lower))
                .collect();
            (words, entity)
        })
        .collect()
}

/// Where a text names an entity of `aliases.tsv`: (start, end exclusive, entity), read left to
/// right, the longest name first; a one-word name only where it is capitalised.
pub(super) fn alias_spans(toks: &[Tok]) -> Vec<(usize, usize, &'static str)> {
    let plain: Vec<String> = toks.iter().map(|t| t.lower.replace('.', "")).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let longest = lexicon::alias_longest().min(toks.len() - i);
        let found = (1..=longest).rev().find_map(|n| {
            if n == 1 && !toks[i].cap {
                return None;
            }
            lexicon::alias_entity(&plain[i..i + n].join(" ")).map(|e| (n, e))
        });
        match found {
            Some((n, entity)) => {
                out.push((i, i + n, entity));
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

/// Whether a token can be (part of) a name: capitalised, no number, not a function word opening the
/// sentence, a weekday, a month or "I".
pub(super) fn name_like(t: &Tok) -> bool {
    let function_word_at_start = t.sent_start && lexicon::is_not_name(&t.lower);
    t.cap
        && !t.punct
        && !is_num_token(t)
        && !function_word_at_start
        && !lexicon::is_weekday(&t.lower)
        && !lexicon::is_month(&t.lower)
        && t.lower != "i"
}

/// Name mentions: (start, end exclusive, key).
pub(super) fn mentions(toks: &[Tok]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !name_like(&toks[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < toks.len() {
            let n = &toks[end];
            if toks[end - 1].possessive {
                break;
            }
            if n.cap && !n.punct && !is_num_token(n) {
                end += 1;
            } else if NAME_LINKS.contains(&n.lower.as_str())
                && toks.get(end + 1).is_some_and(|x| x.cap && !x.punct)
            {
                end += 2;
            } else {
                break;
            }
        }
        out.push((start, end, entity_key(&toks[start..end])));
        i = end;
    }
    out
}

pub(super) fn relations(toks: &[Tok]) -> Vec<Relation> {
    let ms = mentions(toks);
    let mut out = Vec::new();
    for w in 0..ms.len() {
        for v in (w + 1)..ms.len() {
            let (_, e1, ref k1) = ms[w];
            let (s2, _, ref k2) = ms[v];
            if k1 == k2 || s2 <= e1 || s2 - e1 > 7 {
                continue;
            }
            let gap = &toks[e1..s2];
            if toks[e1 - 1].possessive {
                // "Russia's highest honour ...": a noun phrase, not a verb
                break;
            }
            if gap.iter().any(|t| {
                t.punct
                    || t.cap
                    || matches!(
                        t.lower.as_str(),
                        "and"
                            | "or"
                            | "with"
                            | "between"
                            | "both"
                            | "than"
                            | "nor"
                            | "while"
                            | "as"
                            | "whether"
                            | "if"
                            | "but"
                            | "from"
                            | "received"
                            | "receives"
                            | "got"
                            | "gets"
                    )
            }) {
                continue;
            }
            // a possessive start ("Russia's ally Syria") is a relation of a noun, keep it
            let core: Vec<&Tok> = {
                let mut g: Vec<&Tok> = gap.iter().collect();
                while g
                    .last()
                    .is_some_and(|t| matches!(t.lower.as_str(), "the" | "a" | "an"))
                {
                    g.pop();
                }
                g
            };
            let passive = core.last().is_some_and(|t| t.lower == "by")
                && core.iter().any(|t| BE_FORMS.contains(&t.lower.as_str()));
            // a copula ("X is the highest honour Y gives") names no agent and patient
            let copula = core.iter().enumerate().any(|(n, t)| {
                BE_FORMS.contains(&t.lower.as_str())
                    && !core.get(n + 1).is_some_and(|x| x.lower.ends_with("ing"))
            });
            if copula && !passive {
                break;
            }
            // the main verb: the participle before "by" (passive), else the first content word
            let content: Vec<&Tok> = core
                .iter()
                .copied()
                .filter(|t| {
                    !BE_FORMS.contains(&t.lower.as_str())
                        && !REL_FUNCTION.contains(&t.lower.as_str())
                        && t.lower != "by"
                        && !is_num_token(t)
                        && !is_adverb(&t.lower)
                })
                .collect();
            let verb = if passive {
                content.last()
            } else {
                content.first()
            };
            let verbs: BTreeSet<String> = verb
                .map(|t| stem(&t.lower))
                .filter(|s| s.chars().count() >= 3)
                .into_iter()
                .collect();
            if verbs.is_empty() {
                continue;
            }
            if verbs
                .iter()
                .all(|v| SYMMETRIC.iter().any(|s| v.starts_with(s)))
            {
                continue;
            }
            let (agent, patient) = if passive {
                (k2.clone(), k1.clone())
            } else {
                (k1.clone(), k2.clone())
            };
            out.push(Relation {
                agent,
                patient,
                verbs,
            });
            // only the nearest following mention is the patient of this verb phrase
            break;
        }
    }
    out
}

pub(super) fn roles_guard(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    svo_swap(a, b).or_else(|| span_swap(a, b))
}

/// Lowercased words of a claim with punctuation and "the"/"a"/"an" left out.
pub(super) fn plain_words(toks: &[Tok]) -> Vec<String> {
    toks.iter()
        .filter(|t| !t.punct && !matches!(t.lower.as_str(), "the" | "a" | "an"))
        .map(|t| t.lower.replace('.', ""))
        .collect()
}

/// Two spans exchanged in otherwise identical claims: "X ... Y" against "Y ... X".
fn span_swap(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    let (wa, wb) = (&a.plain, &b.plain);
    if wa.len() != wb.len() || wa == wb {
        return None;
    }
    let n = wa.len();
    let pre = (0..n).take_while(|&i| wa[i] == wb[i]).count();
    let suf = (0..n - pre)
        .take_while(|&i| wa[n - 1 - i] == wb[n - 1 - i])
        .count();
    let ma = &wa[pre..n - suf];
    let mb = &wb[pre..n - suf];
    let m = ma.len();
    // a = X M Y, b = Y M X
    for lx in 1..=m.min(6) {
        for ly in 1..=(m - lx).min(6) {
            let lm = m - lx - ly;
            let (x, rest) = ma.split_at(lx);
            let (mid, y) = rest.split_at(lm);
            if x == y {
                continue;
            }
            let ok = mb[..ly] == *y && mb[ly..ly + lm] == *mid && mb[ly + lm..] == *x;
            if !ok {
                continue;
            }
            // "Putin met Tillerson" = "Tillerson met Putin"; "X and Y" = "Y and X"
            let symmetric = mid.iter().all(|w| {
                let s = stem(w);
                matches!(
                    w.as_str(),
                    "and" | "with" | "or" | "both" | "between" | "also"
                ) || SYMMETRIC.iter().any(|p| s.starts_with(p))
            });
            if symmetric {
                continue;
            }
            return Some(GuardHit {
                kind: GuardKind::Roles,
                detail: format!("\"{}\" and \"{}\" swapped", x.join(" "), y.join(" ")),
            });
        }
    }
    None
}

/// Agent and patient of the same verb swapped between the claims (active or passive voice).
fn svo_swap(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    let (ra, rb) = (&a.relations, &b.relations);
    let holds = |rs: &[Relation], ag: &str, pa: &str, verb: &str| {
        rs.iter()
            .any(|r| r.agent == ag && r.patient == pa && r.verbs.contains(verb))
    };
    for x in ra {
        for y in rb {
            if x.agent != y.patient || x.patient != y.agent {
                continue;
            }
            for v in x.verbs.intersection(&y.verbs) {
                // the swap must not also be stated the right way round on either side
                if holds(ra, &y.agent, &y.patient, v) || holds(rb, &x.agent, &x.patient, v) {
                    continue;
                }
                return Some(GuardHit {
                    kind: GuardKind::Roles,
                    detail: format!(
                        "{} -> {} vs {} -> {} ({v})",
                        x.agent, x.patient, y.agent, y.patient
                    ),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::alias_occurrences;
    use crate::guards::*;

    #[test]
    fn roles_fires_on_swapped_agent_and_patient() {
        let hit = roles(
            "Russia accused the US of lying",
            "The US accused Russia of lying",
        )
        .expect("swap");
        assert_eq!(hit.kind, GuardKind::Roles);
        assert!(
            hit.detail.starts_with("russia -> us vs us -> russia"),
            "{}",
            hit.detail
        );
        // passive on one side
        assert!(roles("Russia accused the US", "Russia was accused by the US").is_some());
        assert!(roles("Tillerson criticised Lavrov", "Lavrov criticised Tillerson").is_some());
    }

    #[test]
    fn roles_stays_quiet_on_voice_changes_and_symmetric_verbs() {
        assert_eq!(
            roles("Russia accused the US", "The US was accused by Russia"),
            None
        );
        assert_eq!(
            roles(
                "Putin met Tillerson in Moscow",
                "Tillerson met Putin in Moscow"
            ),
            None
        );
        assert_eq!(
            roles("Putin met with Tillerson", "Tillerson and Putin met"),
            None
        );
        assert_eq!(
            roles(
                "President Vladimir Putin accused the United States",
                "Putin accused the U.S."
            ),
            None
        );
        assert_eq!(roles("Russia accused the US", "Syria accused the US"), None);
    }

    #[test]
    fn names_of_one_entity_agree_through_the_alias_table() {
        // a capital for its country, a title for its holder: the same relation
        assert_eq!(
            roles(
                "Moscow accused Washington of lying",
                "Russia accused the United States of lying"
            ),
            None
        );
        assert_eq!(
            roles(
                "The Secretary of State criticised Lavrov",
                "Rex Tillerson criticised the Russian Foreign Minister"
            ),
            None
        );
        // and swapped, a swap
        let hit = roles(
            "Moscow accused Washington of lying",
            "The United States accused Russia of lying",
        )
        .expect("swap through aliases");
        assert!(
            hit.detail.starts_with("russia -> us vs us -> russia"),
            "{}",
            hit.detail
        );
        assert!(roles(
            "The Secretary of State criticised Lavrov",
            "The Russian Foreign Minister criticised Rex Tillerson"
        )
        .is_some());
    }

    #[test]
    fn alias_occurrences_read_the_longest_name_first() {
        let toks = crate::text::tokenize(
            "Deputy Foreign Minister Gennady Gatilov told the U.S. that us Russians disagree",
        );
        let found: Vec<(String, &str)> = alias_occurrences(&toks)
            .into_iter()
            .map(|(w, e)| (w.join(" "), e))
            .collect();
        assert_eq!(
            found,
            vec![
                ("deputy foreign minister".to_string(), "gatilov"),
                ("gennady gatilov".to_string(), "gatilov"),
                ("u s".to_string(), "us"),
            ],
            "the lowercase pronoun \"us\" is no name; \"Russians\" is not listed"
        );
    }
}
