//! Dates in a claim (weekdays, months, month-days, years, and relative times: yesterday, "last week",
//! "two weeks ago", "the day before") and the date guard: the claims name different ones of a kind.

use std::collections::BTreeSet;

use claimbench_lexicon as lexicon;

use super::numbers::scale_word;
use super::{join_set, Analysis, GuardHit, GuardKind};
use crate::text::{is_num_token, lower_after, lower_before, Tok};

#[derive(Debug, Default, Clone)]
pub(super) struct Dates {
    weekdays: BTreeSet<String>,
    months: BTreeSet<String>,
    month_days: BTreeSet<String>,
    years: BTreeSet<String>,
    relative: BTreeSet<String>,
}

fn day_of_month(t: &Tok) -> Option<u32> {
    if !is_num_token(t) || t.text.contains(['.', ',', '%']) {
        return None;
    }
    let body = t
        .lower
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    let v: u32 = body.parse().ok()?;
    (1..=31).contains(&v).then_some(v)
}

pub(super) fn extract_dates(toks: &[Tok], consumed: &mut [bool]) -> Dates {
    let mut d = Dates::default();
    for i in 0..toks.len() {
        let t = &toks[i];
        if t.punct {
            continue;
        }
        if t.cap && lexicon::is_weekday(&t.lower) {
            d.weekdays.insert(t.lower.clone());
            consumed[i] = true;
            continue;
        }
        let day = match t.lower.as_str() {
            "yesterday" => Some("1 day ago"),
            "today" => Some("0 day ago"),
            "tomorrow" => Some("1 day after"),
            _ => None,
        };
        if let Some(day) = day {
            d.relative.insert(day.to_string());
            continue;
        }
        if let Some(r) = relative_time(toks, i) {
            d.relative.insert(r);
            continue;
        }
        if t.cap && lexicon::is_month(&t.lower) {
            let next_day = toks.get(i + 1).and_then(day_of_month);
            let prev_day = if i > 0 {
                day_of_month(&toks[i - 1])
            } else {
                None
            };
            let next_year = toks.get(i + 1).is_some_and(|n| year_of(n).is_some());
            let ambiguous = matches!(t.lower.as_str(), "may" | "march");
            if ambiguous
                && next_day.is_none()
                && prev_day.is_none()
                && !next_year
                && (t.sent_start || t.text.chars().all(|c| c.is_uppercase()))
            {
                continue;
            }
            if ambiguous && next_day.is_none() && prev_day.is_none() && !next_year {
                // "May" mid-sentence without a number: still most likely the month only when
                // preceded by "in", "on", "since", "until", "of", "last", "next", "early", "late".
                let prev = lower_before(toks, i);
                if !matches!(
                    prev,
                    "in" | "on"
                        | "since"
                        | "until"
                        | "of"
                        | "last"
                        | "next"
                        | "early"
                        | "late"
                        | "mid"
                ) {
                    continue;
                }
            }
            d.months.insert(t.lower.clone());
            consumed[i] = true;
            if let Some(day) = next_day {
                d.month_days.insert(format!("{} {}", t.lower, day));
                consumed[i + 1] = true;
            } else if let Some(day) = prev_day {
                d.month_days.insert(format!("{} {}", t.lower, day));
                consumed[i - 1] = true;
            }
            continue;
        }
    }
    for i in 0..toks.len() {
        if consumed[i] {
            continue;
        }
        if let Some(y) = year_of(&toks[i]) {
            let prev = if i > 0 { toks[i - 1].text.as_str() } else { "" };
            if prev == "$" || prev == "£" || prev == "€" {
                continue;
            }
            let next = lower_after(toks, i);
            if scale_word(next).is_some() || matches!(next, "people" | "percent") {
                continue;
            }
            d.years.insert(y.to_string());
            consumed[i] = true;
        }
    }
    d
}

/// A count of time units before a unit word: a figure, a number word, or "a"/"an".
fn count_at(toks: &[Tok], k: usize) -> Option<u32> {
    let t = toks.get(k)?;
    if matches!(t.lower.as_str(), "a" | "an" | "one") {
        return Some(1);
    }
    if is_num_token(t) {
        return t.text.parse().ok();
    }
    lexicon::cardinal(&t.lower)
        .filter(|v| v.fract() == 0.0 && *v >= 0.0)
        .map(|v| v as u32)
}

/// The relative time whose unit word is at `i` (`crates/lexicon/data/relative_time.tsv`), as "COUNT UNIT
/// DIRECTION": "last week", "a week ago" and "a week earlier" are "1 week ago", "two weeks ago" "2 week
/// ago", "the day before" "1 day ago", "earlier the same day" "0 day same", "the past two weeks" "2 week
/// ago".
/// A count of units with no word placing it ("for two weeks") is a duration, not a time: none.
fn relative_time(toks: &[Tok], i: usize) -> Option<String> {
    let unit = lexicon::time_unit(&toks[i].lower)?;
    let before = lower_before(toks, i);
    let direction = lexicon::time_direction(lower_after(toks, i));
    let (count, dir) = match before {
        "last" | "past" => (1, "past"),
        "this" => (0, "past"),
        "next" | "following" => (1, "after"),
        "same" => (0, "same"),
        "the" | "that" => (1, direction?),
        _ => {
            let count = count_at(toks, i.checked_sub(1)?)?;
            let placed = i.checked_sub(2).map(|k| toks[k].lower.as_str());
            match (direction, placed) {
                (Some(d), _) => (count, d),
                (None, Some("last" | "past")) => (count, "past"),
                _ => return None,
            }
        }
    };
    // "last week" is a week ago as much as a week past
    let dir = if dir == "past" { "ago" } else { dir };
    Some(format!("{count} {unit} {dir}"))
}

fn year_of(t: &Tok) -> Option<u32> {
    if t.text.len() != 4 || !t.text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: u32 = t.text.parse().ok()?;
    (1900..=2099).contains(&v).then_some(v)
}

pub(super) fn date_guard(a: &Analysis, b: &Analysis) -> Option<GuardHit> {
    let classes: [(&str, &BTreeSet<String>, &BTreeSet<String>); 5] = [
        ("day", &a.dates.weekdays, &b.dates.weekdays),
        ("date", &a.dates.month_days, &b.dates.month_days),
        ("month", &a.dates.months, &b.dates.months),
        ("year", &a.dates.years, &b.dates.years),
        ("time", &a.dates.relative, &b.dates.relative),
    ];
    let mut details = Vec::new();
    for (label, sa, sb) in classes {
        let oa: Vec<&String> = sa.difference(sb).collect();
        let ob: Vec<&String> = sb.difference(sa).collect();
        if !oa.is_empty() && !ob.is_empty() {
            details.push(format!("{label} {} vs {}", join_set(&oa), join_set(&ob)));
        }
    }
    if details.is_empty() {
        None
    } else {
        Some(GuardHit {
            kind: GuardKind::Date,
            detail: details.join("; "),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::guards::*;

    #[test]
    fn date_fires_on_weekdays_days_and_years() {
        let hit = date("They met on Wednesday", "They met on Thursday").expect("weekday");
        assert_eq!(hit.kind, GuardKind::Date);
        assert_eq!(hit.detail, "day wednesday vs thursday");
        let hit = date(
            "The attack happened on April 12",
            "The attack happened on April 13",
        )
        .expect("day");
        assert!(
            hit.detail.contains("april 12 vs april 13"),
            "{}",
            hit.detail
        );
        assert!(date("the 2017 strike", "the 2016 strike").is_some());
        assert!(date("on 4 April", "on 4 March").is_some());
        assert!(date("He said so yesterday", "He said so today").is_some());
    }

    #[test]
    fn date_reads_relative_times() {
        let hit = date(
            "A poison gas attack took place last week.",
            "A poison gas attack took place two weeks ago.",
        )
        .expect("relative");
        assert_eq!(hit.detail, "time 1 week ago vs 2 week ago");
        for (a, b) in [
            ("the attack last month", "the attack last week"),
            (
                "Two years ago, Putin hailed Trump.",
                "A year ago, Putin hailed Trump.",
            ),
            (
                "his talks with Lavrov the day before",
                "his talks with Lavrov two days before",
            ),
            (
                "his talks with Lavrov the day before",
                "his talks with Lavrov earlier the same day",
            ),
            (
                "In the past two weeks, Trump pivoted.",
                "In the past week, Trump pivoted.",
            ),
            ("He said so yesterday", "He said so two days ago"),
        ] {
            assert!(date(a, b).is_some(), "{a} / {b}");
        }
        // the same time written otherwise, a duration, or a time on one side only
        for (a, b) in [
            ("the attack last week", "the attack a week ago"),
            (
                "a sharp change from a year earlier",
                "a sharp change from a year ago",
            ),
            ("He said so yesterday", "He said so a day ago"),
            (
                "They talked for two hours",
                "They talked for three hours on Wednesday",
            ),
            ("the attack last week", "the attack in Idlib"),
            ("the talks lasted nearly two hours", "the two-hour talks"),
        ] {
            assert_eq!(date(a, b), None, "{a} / {b}");
        }
    }

    #[test]
    fn date_needs_disagreement() {
        assert_eq!(
            date("They met on Wednesday", "They met on Wednesday in Moscow"),
            None
        );
        assert_eq!(date("They met on Wednesday", "They met last week"), None);
        assert_eq!(date("on Tuesday and Wednesday", "on Wednesday"), None);
        assert_eq!(date("on April 12", "in April"), None);
        assert_eq!(date("on April 12", "on 12 April"), None);
        // "may" the verb is no month
        assert_eq!(
            date("Russia may veto it", "Russia could veto it in June"),
            None
        );
    }
}
