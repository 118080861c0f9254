//! The name guard: each claim names someone or something the other does not ("Putin said" against
//! "Lavrov said", "in Moscow" against "in Washington").
//!
//! A name of one claim has its counterpart in the other when the other names the same entity
//! (`crates/lexicon/data/aliases.tsv`: "Moscow" and "Russia"), the entity it speaks for
//! (`affiliations.tsv`: "Putin" for "Russia"), or uses one of its words ("the Shayrat
//! airfield" and "the al-Shayrat airbase"). A claim that names less than the other (a partial
//! claim) leaves the guard quiet: it fires only when both claims have a name without a counterpart.

use std::collections::BTreeSet;

use claimbench_lexicon as lexicon;

use super::roles::{alias_spans, mentions};
use super::{Analysis, GuardHit, GuardKind};
use crate::text::Tok;

/// One name in a claim: the entity it names and its words, as written.
#[derive(Debug, Clone)]
pub(super) struct Name {
    /// The entity of `aliases.tsv`, else the name's last word.
    key: String,
    /// Its words that can stand for it in the other claim: lowercase, split at hyphens ("al-Shayrat"
    /// gives "al" and "shayrat"), no title words (`titles.txt`) and none shorter than [`MIN_WORD`];
    /// none for a name of `aliases.tsv`, which its entity stands for ("the Syrian government" is not
    /// "the Russian government" for sharing "government").
    words: Vec<String>,
    /// As written, for the hit's detail.
    shown: String,
}

/// The shortest word of a name that stands for it when the other claim uses it.
const MIN_WORD: usize = 3;

/// Words of this length or more stand for each other when they start alike ("Syrians" and "Syrian",
/// "Europe" and "European", "ExxonMobil" and "Exxon"): the first this many letters.
const STEM_LETTERS: usize = 5;

/// The names of a claim: every name of `aliases.tsv` (also inside a hyphenated word: "US-Russian"
/// names the US and Russia), then each run of capitalised words that names something else (a run's
/// words that `aliases.tsv` already read are left out of it; a run of title words only, or a lone
/// capitalised word opening the sentence that `aliases.tsv` does not list or one that
/// `not_names.txt` lists, is no name).
pub(super) fn names(toks: &[Tok]) -> Vec<Name> {
    let aliased = alias_spans(toks);
    let mut covered = vec![false; toks.len()];
    let mut out: Vec<Name> = aliased
        .iter()
        .map(|&(s, e, entity)| {
            covered[s..e].iter_mut().for_each(|c| *c = true);
            Name {
                words: Vec::new(),
                ..name_of(&toks[s..e], entity.to_string())
            }
        })
        .collect();
    for (i, t) in toks.iter().enumerate() {
        if covered[i] || !t.cap || !t.lower.contains('-') {
            continue;
        }
        let parts: Option<Vec<&str>> = t.lower.split('-').map(lexicon::alias_entity).collect();
        if let Some(parts) = parts {
            covered[i] = true;
            out.extend(parts.into_iter().map(|entity| Name {
                key: entity.to_string(),
                words: Vec::new(),
                shown: t.text.clone(),
            }));
        }
    }
    for (s, e, key) in mentions(toks) {
        let rest: Vec<Tok> = (s..e)
            .filter(|&i| !covered[i])
            .map(|i| toks[i].clone())
            .collect();
        // a lone capitalised word opening a sentence or a quote ("It", "We") that names nothing
        let lone_opener =
            e - s == 1 && (toks[s].sent_start || lexicon::is_not_name(&toks[s].lower));
        let untitled = rest.iter().any(|t| t.cap && !lexicon::is_title(&t.lower));
        if rest.is_empty() || lone_opener || !untitled {
            continue;
        }
        let key = if lexicon::alias_entity(&key).is_some() || rest.len() < e - s {
            rest.last().map_or(key, |t| t.lower.clone())
        } else {
            key
        };
        out.push(name_of(&rest, key));
    }
    out
}

fn name_of(toks: &[Tok], key: String) -> Name {
    Name {
        key,
        words: toks
            .iter()
            .flat_map(|t| split_words(&t.lower))
            .filter(|w| w.chars().count() >= MIN_WORD && !lexicon::is_title(w))
            .collect(),
        shown: toks
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A lowercase token's words, split at hyphens and periods.
pub(super) fn split_words(lower: &str) -> Vec<String> {
    lower
        .split(['-', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether two lowercase words stand for each other: equal, or long and starting alike.
fn alike(a: &str, b: &str) -> bool {
    a == b || {
        let (mut ca, mut cb) = (a.chars(), b.chars());
        a.chars().count() >= STEM_LETTERS
            && b.chars().count() >= STEM_LETTERS
            && (0..STEM_LETTERS).all(|_| ca.next() == cb.next())
    }
}

/// Whether `n`, a name of a claim with the names `own`, has a counterpart in a claim with the names
/// `other` and the words `words`. The entity `n` speaks for is its counterpart only where `own` does
/// not name it too ("Putin in Moscow" against "Lavrov in Moscow": the two Moscows are each other's).
fn has_counterpart(n: &Name, own: &[Name], other: &[Name], words: &BTreeSet<String>) -> bool {
    let names = |ns: &[Name], key: &str| ns.iter().any(|o| o.key == key);
    names(other, &n.key)
        || lexicon::affiliation(&n.key).is_some_and(|c| names(other, c) && !names(own, c))
        || n.words.iter().any(|w| words.iter().any(|x| alike(w, x)))
}

/// The first name of `a` with no counterpart in `b`.
fn unmatched<'n>(a: &'n Analysis, b: &Analysis) -> Option<&'n Name> {
    a.names
        .iter()
        .find(|n| !has_counterpart(n, &a.names, &b.names, &b.split_words))
}

pub(super) fn name_guard(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    let (na, nb) = (unmatched(a, b)?, unmatched(b, a)?);
    Some(GuardHit {
        kind: GuardKind::Name,
        detail: format!("{} vs {}", na.shown, nb.shown),
    })
}

#[cfg(test)]
mod tests {
    use super::super::name;

    fn fires(a: &str, b: &str) -> bool {
        let hit = name(a, b);
        assert_eq!(
            hit.is_some(),
            name(b, a).is_some(),
            "symmetric: {a:?} / {b:?}"
        );
        hit.is_some()
    }

    #[test]
    fn fires_on_a_swapped_name() {
        assert!(fires(
            "Vladimir Putin said relations with the US had deteriorated.",
            "Sergey Lavrov said relations with the US had deteriorated."
        ));
        assert!(fires(
            "Rex Tillerson is meeting Vladimir Putin in Washington.",
            "Rex Tillerson is meeting with Vladimir Putin in Moscow."
        ));
        assert!(fires(
            "Trudeau publicly said Qatar supported the US air strikes in Syria.",
            "Trudeau said publicly that Canada backed the US air strikes in Syria."
        ));
        let hit = name(
            "Moscow labelled the strikes aggression.",
            "Damascus called the strikes aggression.",
        );
        assert_eq!(
            hit.map(|h| h.to_string()),
            Some("name: Moscow vs Damascus".to_string())
        );
    }

    #[test]
    fn quiet_on_other_names_of_one_entity_and_on_a_dropped_name() {
        // a title for its holder, a capital for its country, a person for the side they speak for
        assert!(!fires(
            "Vladimir Putin met Rex Tillerson in Moscow.",
            "The Russian president met the US Secretary of State in Russia."
        ));
        assert!(!fires(
            "Russia said the strike was illegal.",
            "Vladimir Putin said the strike was illegal."
        ));
        // a name shared by one of its words
        assert!(!fires(
            "The US struck the al-Shayrat airbase.",
            "Washington hit the Shayrat airfield."
        ));
        // one claim names less than the other: partial, not a swap
        assert!(!fires(
            "Rex Tillerson met Vladimir Putin in the Kremlin.",
            "Rex Tillerson met Vladimir Putin."
        ));
        // demonyms and compounds
        assert!(!fires(
            "Donald Trump described US-Russian relations as tenuous.",
            "Donald Trump said relations between the US and Russia were tenuous."
        ));
        assert!(!fires(
            "Rex Tillerson said he hoped Syrians would remove Assad.",
            "Rex Tillerson said he hoped the Syrian people would oust Bashar al-Assad."
        ));
        // titles are no names, and a shared title is no counterpart
        assert!(!fires(
            "Mr Trump said NATO should get along with Russia.",
            "Donald Trump said NATO should get along with Moscow."
        ));
        assert!(fires(
            "Rex Tillerson's meeting with Vladimir Putin in Moscow lasted two hours.",
            "Rex Tillerson's meeting with Sergey Lavrov in Moscow lasted two hours."
        ));
        assert!(fires(
            "The minister said the Syrian government was responsible.",
            "The minister said the Russian government was responsible."
        ));
        assert!(fires(
            "President Putin said the strike was illegal.",
            "President Trump said the strike was illegal."
        ));
        // a place inside a country stated, and a capitalised word opening a quote
        assert!(!fires(
            "Russia wants an investigation into the chemical attack in Syria.",
            "Russia wants an investigation into the chemical attack in Idlib province."
        ));
        assert!(!fires(
            "Donald Trump said \"It would be fantastic if we got along with Russia\".",
            "Donald Trump said it would be fantastic if the US got along with Russia."
        ));
        // a capitalised word opening the sentence is no name
        assert!(!fires(
            "Critics say the deal amounts to forced displacement in Syria.",
            "The deal amounts to forced displacement, critics in Syria say."
        ));
    }
}
