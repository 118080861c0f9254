//! Numbers in a claim (digits, number words, fractions, ordinals, time units) and the number
//! guard: each claim states a figure the other lacks.

use std::collections::BTreeSet;

use claimbench_lexicon as lexicon;

use super::{join_set, Analysis, GuardHit, GuardKind};
use crate::text::{is_num_token, lower_after, lower_before, Tok};

#[derive(Debug, Clone)]
pub(super) struct NumberMention {
    pub(super) value: f64,
    /// Time unit right after the number ("two hours"), stemmed; empty when none.
    unit: String,
    text: String,
}

fn small_number_word(w: &str) -> Option<f64> {
    lexicon::cardinal(w)
}

pub(super) fn scale_word(w: &str) -> Option<f64> {
    lexicon::scale(w)
}

/// Value of a number word, possibly hyphenated ("eighty-seven"); `None` when it is not one.
fn number_word_value(w: &str) -> Option<(f64, bool)> {
    // returns (value, is_scale)
    if let Some(v) = lexicon::cardinal_compound(w) {
        return Some((v, false));
    }
    scale_word(w).map(|v| (v, true))
}

/// A leading number word of a hyphenated compound ("six-year" gives 6).
fn compound_number_prefix(w: &str) -> Option<f64> {
    let parts: Vec<&str> = w.split('-').collect();
    if parts.len() < 2 {
        return None;
    }
    let mut total = 0.0;
    let mut any = false;
    for p in &parts {
        match small_number_word(p) {
            Some(v) => {
                total += v;
                any = true;
            }
            None => break,
        }
    }
    any.then_some(total)
}

fn parse_digits(s: &str) -> Option<(f64, bool)> {
    // returns (value, percent)
    let percent = s.ends_with('%');
    let mut body = s.trim_end_matches('%');
    for suf in ["st", "nd", "rd", "th"] {
        if let Some(b) = body.strip_suffix(suf) {
            body = b;
            break;
        }
    }
    let cleaned: String = if body.contains(',') {
        // thousands separators: 1,000 or 12,345,678
        let groups: Vec<&str> = body.split(',').collect();
        let ok = groups.len() > 1
            && groups[0].len() <= 3
            && groups[1..]
                .iter()
                .enumerate()
                .all(|(i, g)| g.len() == 3 || (i == groups.len() - 2 && g.contains('.')));
        if !ok {
            return None;
        }
        body.replace(',', "")
    } else {
        body.to_string()
    };
    cleaned.parse::<f64>().ok().map(|v| (v, percent))
}

pub(super) fn extract_numbers(
    toks: &[Tok],
    consumed: &[bool],
) -> (Vec<NumberMention>, BTreeSet<String>) {
    let mut out = Vec::new();
    let mut ordinals = BTreeSet::new();
    let join = |from: usize, to: usize| {
        toks[from..to]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut i = 0;
    while i < toks.len() {
        if consumed[i] || toks[i].punct {
            i += 1;
            continue;
        }
        let t = &toks[i];
        let prev = lower_before(toks, i);
        if is_num_token(t) {
            let is_ordinal = ["st", "nd", "rd", "th"]
                .iter()
                .any(|s| t.lower.ends_with(s));
            if let Some((mut v, _pct)) = parse_digits(&t.text) {
                if is_ordinal {
                    ordinals.insert(lexicon::format_number(v));
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                if let Some(s) = toks.get(j).and_then(|n| scale_word(&n.lower)) {
                    v *= s;
                    j += 1;
                }
                out.push(NumberMention {
                    value: v,
                    unit: time_unit(toks, j),
                    text: join(i, j),
                });
                i = j;
                continue;
            }
            i += 1;
            continue;
        }
        // "a fifth", "a quarter", "half of"
        if let Some(pct) = fraction_percent(&t.lower) {
            let next = lower_after(toks, i);
            if matches!(prev, "a" | "one") || (t.lower == "half" && next == "of") {
                let from = if prev == "a" || prev == "one" {
                    i - 1
                } else {
                    i
                };
                out.push(NumberMention {
                    value: pct,
                    unit: String::new(),
                    text: join(from, i + 1),
                });
                i += 1;
                continue;
            }
        }
        // ordinals; "second" only after a determiner or a possessive ("the second briefing",
        // "the US's second priority")
        let ordinal = word_ordinal(&t.lower).or_else(|| {
            (t.lower == "second"
                && (matches!(prev, "the" | "a" | "its" | "his" | "her" | "their" | "our")
                    || (i > 0 && toks[i - 1].possessive))
                && toks.get(i + 1).is_some_and(|n| !n.punct))
            .then_some(2)
        });
        if let Some(v) = ordinal {
            ordinals.insert(v.to_string());
            i += 1;
            continue;
        }
        if number_word_value(&t.lower).is_some_and(|(_, scale)| !scale) {
            if t.lower == "one" && one_is_pronoun(toks, i) {
                i += 1;
                continue;
            }
            let mut total = 0.0;
            let mut current = 0.0;
            let mut j = i;
            let mut last_num = i;
            while j < toks.len() {
                let w = toks[j].lower.as_str();
                if w == "and" && j > i {
                    // "two hundred and fifty"
                    if toks
                        .get(j + 1)
                        .is_some_and(|n| number_word_value(&n.lower).is_some())
                    {
                        j += 1;
                        continue;
                    }
                    break;
                }
                match number_word_value(w) {
                    Some((v, false)) => current += v,
                    Some((s, true)) => {
                        if s == 100.0 {
                            current = if current == 0.0 {
                                100.0
                            } else {
                                current * 100.0
                            };
                        } else {
                            total += if current == 0.0 { s } else { current * s };
                            current = 0.0;
                        }
                    }
                    None => break,
                }
                last_num = j;
                j += 1;
            }
            let mut value = total + current;
            let mut end = last_num + 1;
            // "one fifth", "two thirds": a share, in percent
            if let Some(pct) = toks.get(end).and_then(|n| fraction_percent(&n.lower)) {
                value *= pct;
                end += 1;
            }
            out.push(NumberMention {
                value,
                unit: time_unit(toks, end),
                text: join(i, end),
            });
            i = end;
            continue;
        }
        if let Some(v) = compound_number_prefix(&t.lower) {
            out.push(NumberMention {
                value: v,
                unit: time_unit(toks, i),
                text: t.text.clone(),
            });
        }
        i += 1;
    }
    (out, ordinals)
}

fn word_ordinal(w: &str) -> Option<u32> {
    // "second" is left out: it is also a unit of time and a verb.
    if w == "second" {
        return None;
    }
    lexicon::ordinal(w)
}

fn one_is_pronoun(toks: &[Tok], i: usize) -> bool {
    let prev = lower_before(toks, i);
    let next = lower_after(toks, i);
    matches!(
        prev,
        "no" | "the" | "any" | "every" | "some" | "each" | "this" | "that" | "which" | "another"
    ) || matches!(
        next,
        "of" | "another" | "who" | "that" | "which" | "," | "."
    )
}

fn numbers_match(a: &NumberMention, b: &NumberMention) -> bool {
    let diff = (a.value - b.value).abs();
    let scale = a.value.abs().max(b.value.abs()).max(1e-9);
    // Hedges ("nearly", "more than") are not read: the labelling rules treat "more than 80" and
    // "more than 90" as different claims. Units only count when both sides give one.
    diff <= 1e-9 * scale && (a.unit.is_empty() || b.unit.is_empty() || a.unit == b.unit)
}

/// The time unit after token `j`, if any ("hours" gives "hour").
fn time_unit(toks: &[Tok], j: usize) -> String {
    let Some(t) = toks.get(j) else {
        return String::new();
    };
    let w = t.lower.as_str();
    for u in [
        "second", "minute", "hour", "day", "week", "month", "year", "decade",
    ] {
        if w == u || w.strip_prefix(u) == Some("s") {
            return u.to_string();
        }
    }
    // "six-year", "two-hour"
    if let Some((_, tail)) = w.rsplit_once('-') {
        for u in ["minute", "hour", "day", "week", "month", "year", "decade"] {
            if tail == u || tail.strip_prefix(u) == Some("s") {
                return u.to_string();
            }
        }
    }
    String::new()
}

/// Value of a fraction word as a percentage ("fifth" gives 20, "half" 50).
fn fraction_percent(w: &str) -> Option<f64> {
    lexicon::fraction_denominator(w).map(|d| 100.0 / d)
}

pub(super) fn number_guard(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    // one to one: "two areas and two villages" against "three areas and two villages" leaves a
    // two and a three unmatched
    let partner = match_numbers(&a.numbers, &b.numbers);
    let mut used_b = vec![false; b.numbers.len()];
    for j in partner.iter().flatten() {
        used_b[*j] = true;
    }
    let only_a: Vec<&NumberMention> = a
        .numbers
        .iter()
        .zip(&partner)
        .filter(|(_, p)| p.is_none())
        .map(|(x, _)| x)
        .collect();
    let only_b: Vec<&NumberMention> = b
        .numbers
        .iter()
        .zip(&used_b)
        .filter(|(_, used)| !**used)
        .map(|(y, _)| y)
        .collect();
    if !only_a.is_empty() && !only_b.is_empty() {
        return Some(GuardHit {
            kind: GuardKind::Number,
            detail: format!("{} vs {}", join_nums(&only_a), join_nums(&only_b)),
        });
    }
    let oa: Vec<&String> = a.ordinals.difference(&b.ordinals).collect();
    let ob: Vec<&String> = b.ordinals.difference(&a.ordinals).collect();
    if !oa.is_empty() && !ob.is_empty() {
        return Some(GuardHit {
            kind: GuardKind::Number,
            detail: format!("ordinal {} vs {}", join_set(&oa), join_set(&ob)),
        });
    }
    None
}

/// A largest one-to-one pairing of `a`'s numbers with `b`'s under [`numbers_match`]: for each of
/// `a`'s, the index of its partner in `b`, if any (augmenting paths; claims hold a few numbers).
fn match_numbers(a: &[NumberMention], b: &[NumberMention]) -> Vec<Option<usize>> {
    fn augment(
        i: usize,
        a: &[NumberMention],
        b: &[NumberMention],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for j in 0..b.len() {
            if !seen[j] && numbers_match(&a[i], &b[j]) {
                seen[j] = true;
                if owner[j].is_none_or(|k| augment(k, a, b, seen, owner)) {
                    owner[j] = Some(i);
                    return true;
                }
            }
        }
        false
    }
    let mut owner: Vec<Option<usize>> = vec![None; b.len()];
    for i in 0..a.len() {
        augment(i, a, b, &mut vec![false; b.len()], &mut owner);
    }
    let mut partner = vec![None; a.len()];
    for (j, o) in owner.iter().enumerate() {
        if let Some(i) = o {
            partner[*i] = Some(j);
        }
    }
    partner
}

fn join_nums(v: &[&NumberMention]) -> String {
    let mut seen = BTreeSet::new();
    let mut parts = Vec::new();
    for n in v {
        let s = lexicon::format_number(n.value);
        if seen.insert(s.clone()) {
            parts.push(if s == n.text {
                s
            } else {
                format!("{} ({s})", n.text)
            });
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use crate::guards::*;

    #[test]
    fn number_fires_on_different_figures() {
        let hit = number(
            "87 people died in the attack",
            "89 people died in the attack",
        );
        let hit = hit.expect("87 vs 89 must fire");
        assert_eq!(hit.kind, GuardKind::Number);
        assert_eq!(hit.detail, "87 vs 89");
    }

    #[test]
    fn number_accepts_words_and_digits() {
        assert_eq!(number("87 people died", "Eighty-seven people died"), None);
        assert_eq!(
            number(
                "The strike used 59 missiles",
                "The strike used fifty-nine missiles"
            ),
            None
        );
        assert_eq!(number("1,000 troops", "1000 troops"), None);
        assert_eq!(number("two hundred and fifty people", "250 people"), None);
        assert_eq!(number("1.5 million people", "1,500,000 people"), None);
        assert_eq!(number("20% of aircraft", "20 percent of aircraft"), None);
        assert_eq!(number("a six-year war", "six years of war"), None);
    }

    #[test]
    fn number_fires_on_words_decimals_and_percentages() {
        assert!(number("twelve children died", "eleven children died").is_some());
        assert!(number(
            "It destroyed 20% of the aircraft",
            "It destroyed 25% of the aircraft"
        )
        .is_some());
        assert!(number("a 2.5 percent rise", "a 3.5 percent rise").is_some());
        assert!(number("3 million people", "3 thousand people").is_some());
        assert!(number("the first visit", "the third visit").is_some());
    }

    #[test]
    fn number_needs_a_number_on_both_sides() {
        assert_eq!(number("87 people died", "People died"), None);
        // one side states more: a partial claim, not a number contradiction
        assert_eq!(
            number("87 people died, including 12 children", "87 people died"),
            None
        );
        // hedged figures are compared as written
        assert!(number("more than 80 people died", "more than 90 people died").is_some());
        assert_eq!(
            number("nearly two hours of talks", "almost two hours of talks"),
            None
        );
        // "one" as a pronoun is not a number
        assert_eq!(
            number("one of the 59 missiles missed", "59 missiles were fired"),
            None
        );
    }

    #[test]
    fn number_pairs_figures_one_to_one() {
        // a repeated figure counts as often as it is written (gold/tuning/numbers.jsonl m013)
        let hit = number(
            "residents of two areas and two villages",
            "residents of three areas and two villages",
        )
        .expect("one two became a three");
        assert_eq!(hit.detail, "two (2) vs three (3)");
        assert_eq!(
            number("two areas and two villages", "2 areas and two villages"),
            None
        );
        // stating a figure once more is not a contradiction
        assert_eq!(number("87 died; 87 were named", "87 people died"), None);
        // the pairing is the largest one: the bare 2 may pair with either figure of b, the two
        // hours only with b's hours, so the bare 2 takes the days
        assert_eq!(
            number(
                "2 of them met for 2 hours",
                "they met for 2 hours over 2 days"
            ),
            None
        );
    }

    #[test]
    fn number_reads_second_after_a_possessive() {
        // gold/tuning/numbers.jsonl m021
        let hit = number(
            "defeating ISIS was the US's first priority in Syria",
            "defeating ISIS was the US's second priority in Syria",
        )
        .expect("first vs second priority");
        assert_eq!(hit.detail, "ordinal 1 vs 2");
        assert_eq!(number("Russia's second said so", "Russia said so"), None);
    }

    #[test]
    fn number_reads_fractions_and_units() {
        assert_eq!(
            number(
                "it destroyed 20% of the aircraft",
                "it destroyed one fifth of the aircraft"
            ),
            None
        );
        assert_eq!(number("a quarter of voters", "25 percent of voters"), None);
        assert!(number("a quarter of voters", "a third of voters").is_some());
        let hit = number("within two months", "within two weeks").expect("units differ");
        assert_eq!(hit.detail, "two (2) vs two (2)");
        assert!(number("his first briefing", "his second briefing").is_some());
        assert_eq!(number("a second attack", "another attack"), None);
    }

    #[test]
    fn number_ignores_dates() {
        assert_eq!(
            number(
                "on April 12 it fired 59 missiles",
                "on April 13 it fired 59 missiles"
            ),
            None
        );
        assert_eq!(number("in 2016 there were 5", "in 2017 there were 5"), None);
        assert_eq!(
            number_values("In 2017 it fired 59 missiles on April 7, killing 1,200"),
            vec![59.0, 1200.0]
        );
    }
}
