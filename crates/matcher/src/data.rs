//! Training and evaluation pairs: the hand-labelled `gold/pairs.jsonl`, positives from gold claims
//! that share a cluster, and negatives made from gold claims by rule.
//!
//! Every pair knows the articles it comes from (`docs`), so that training and evaluation can be
//! split by article, never by pair.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use claimbench_gold::judged::JudgedSet;
use claimbench_gold::{Claim, GoldSet};
use claimbench_score::agreement::DocLinks;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The hand-labelled pairs file, embedded.
pub const BUILTIN_PAIRS: &str = include_str!("../../../gold/pairs.jsonl");
/// The label used in errors and manifests for [`BUILTIN_PAIRS`].
pub const BUILTIN_PAIRS_LABEL: &str = "builtin:gold/pairs.jsonl";

/// The tuning neighbours (`gold/tuning/neighbours.jsonl`), embedded: each gold claim's second
/// nearest claims, hand-labelled (see `gold/tuning/README.md`).
pub const TUNING_NEIGHBOURS: &str = include_str!("../../../gold/tuning/neighbours.jsonl");
/// The label used in errors and manifests for [`TUNING_NEIGHBOURS`].
pub const TUNING_NEIGHBOURS_LABEL: &str = "builtin:gold/tuning/neighbours.jsonl";

/// The written tuning pairs (`gold/tuning/written.jsonl`), embedded: a paraphrase and an altered
/// copy of every sixth gold claim from the fourth (see `gold/tuning/README.md`).
pub const TUNING_WRITTEN: &str = include_str!("../../../gold/tuning/written.jsonl");
/// The label used in errors and manifests for [`TUNING_WRITTEN`].
pub const TUNING_WRITTEN_LABEL: &str = "builtin:gold/tuning/written.jsonl";

/// The written number pairs (`gold/tuning/numbers.jsonl`), embedded: an altered figure, or the same
/// figure written another way, for gold claims that state one (see `gold/tuning/README.md`).
pub const TUNING_NUMBERS: &str = include_str!("../../../gold/tuning/numbers.jsonl");
/// The label used in errors and manifests for [`TUNING_NUMBERS`].
pub const TUNING_NUMBERS_LABEL: &str = "builtin:gold/tuning/numbers.jsonl";

/// The frozen evaluation pairs (`gold/eval/`), embedded: selected neighbours, then written pairs.
/// Never tuned on; their sha256 sums are in `gold/eval/SHA256SUMS`.
pub const FROZEN_FILES: [(&str, &str); 2] = [
    (
        "gold/eval/neighbours.jsonl",
        include_str!("../../../gold/eval/neighbours.jsonl"),
    ),
    (
        "gold/eval/written.jsonl",
        include_str!("../../../gold/eval/written.jsonl"),
    ),
];

/// The frozen sums file `gold/eval/SHA256SUMS`, embedded.
pub const FROZEN_SHA256SUMS: &str = include_str!("../../../gold/eval/SHA256SUMS");

/// The frozen evaluation pairs of `gold/eval/` (see [`FROZEN_FILES`]), after checking each file
/// against `gold/eval/SHA256SUMS`.
pub fn frozen_pairs() -> Result<Vec<LabelledPair>> {
    checked_pairs(&FROZEN_FILES, FROZEN_SHA256SUMS, "gold/eval/SHA256SUMS")
}

/// The balanced frozen pairs (`gold/balanced/pairs.jsonl`: 45 of each kind), embedded. Never tuned on.
pub const BALANCED_FILES: [(&str, &str); 1] = [(
    "gold/balanced/pairs.jsonl",
    include_str!("../../../gold/balanced/pairs.jsonl"),
)];

/// The sums file `gold/balanced/SHA256SUMS`, embedded.
pub const BALANCED_SHA256SUMS: &str = include_str!("../../../gold/balanced/SHA256SUMS");

/// The balanced frozen pairs of `gold/balanced/`, after checking the file against its `SHA256SUMS`.
pub fn balanced_pairs() -> Result<Vec<LabelledPair>> {
    checked_pairs(
        &BALANCED_FILES,
        BALANCED_SHA256SUMS,
        "gold/balanced/SHA256SUMS",
    )
}

/// Pairs of embedded `files`, each checked against its line of the embedded `sums` file (`sums_label`).
fn checked_pairs(
    files: &[(&str, &str)],
    sums: &str,
    sums_label: &str,
) -> Result<Vec<LabelledPair>> {
    let mut out = Vec::new();
    for (file, text) in files {
        let name = file.rsplit('/').next().unwrap_or(file);
        let want = sums
            .lines()
            .find_map(|l| l.strip_suffix(name).map(str::trim))
            .ok_or_else(|| Error::Pairs {
                file: sums_label.into(),
                line: 0,
                message: format!("no sum for {name}"),
            })?;
        let got = claimbench_io::sha256_hex(text.as_bytes());
        if got != want {
            return Err(Error::Pairs {
                file: file.to_string(),
                line: 0,
                message: format!("sha256 {got}, but the frozen set's is {want}: the file changed"),
            });
        }
        out.extend(parse_pairs(text, file)?);
    }
    Ok(out)
}

/// Where a labelled pair came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written and labelled by a person (`gold/pairs.jsonl`).
    Hand,
    /// Two gold claims with the same cluster id.
    Cluster,
    /// Made from a gold claim by a rule (an edit) or two claims of one article.
    Rule,
}

/// One labelled pair of claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledPair {
    /// Stable id (`p001` for hand pairs, `c:...` for cluster pairs, `r:...` for rule pairs).
    pub id: String,
    /// The articles the pair comes from, sorted.
    pub docs: Vec<String>,
    /// First claim.
    pub a: String,
    /// Second claim.
    pub b: String,
    /// Whether the two claims state the same fact.
    pub same: bool,
    /// Kind of pair (`paraphrase`, `cross_article`, `partial`, `number`, `negation`, `name`, `roles`, `unrelated`).
    pub kind: String,
    /// Where it came from.
    pub origin: Origin,
}

impl LabelledPair {
    /// Whether every article of the pair is in `docs`.
    pub fn within(&self, docs: &BTreeSet<String>) -> bool {
        self.docs.iter().all(|d| docs.contains(d))
    }

    /// Whether no article of the pair is in `docs`.
    pub fn outside(&self, docs: &BTreeSet<String>) -> bool {
        self.docs.iter().all(|d| !docs.contains(d))
    }
}

#[derive(Deserialize)]
struct RawPair {
    id: String,
    doc: String,
    a: String,
    b: String,
    same: bool,
    kind: String,
}

/// Parse a pairs file in the `gold/pairs.jsonl` format; `file` labels errors.
pub fn parse_pairs(text: &str, file: &str) -> Result<Vec<LabelledPair>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let raw: RawPair = serde_json::from_str(line).map_err(|e| Error::Pairs {
            file: file.to_string(),
            line: n + 1,
            message: e.to_string(),
        })?;
        let mut docs: Vec<String> = raw.doc.split('+').map(|d| d.to_string()).collect();
        docs.sort();
        docs.dedup();
        out.push(LabelledPair {
            id: raw.id,
            docs,
            a: raw.a,
            b: raw.b,
            same: raw.same,
            kind: raw.kind,
            origin: Origin::Hand,
        });
    }
    Ok(out)
}

/// The hand-labelled pairs embedded from `gold/pairs.jsonl`.
pub fn hand_pairs() -> Result<Vec<LabelledPair>> {
    parse_pairs(BUILTIN_PAIRS, BUILTIN_PAIRS_LABEL)
}

/// The hand-labelled tuning neighbours embedded from `gold/tuning/neighbours.jsonl`.
pub fn tuning_neighbours() -> Result<Vec<LabelledPair>> {
    parse_pairs(TUNING_NEIGHBOURS, TUNING_NEIGHBOURS_LABEL)
}

/// The hand-written tuning pairs embedded from `gold/tuning/written.jsonl`.
pub fn tuning_written() -> Result<Vec<LabelledPair>> {
    parse_pairs(TUNING_WRITTEN, TUNING_WRITTEN_LABEL)
}

/// The written number pairs embedded from `gold/tuning/numbers.jsonl`.
pub fn tuning_numbers() -> Result<Vec<LabelledPair>> {
    parse_pairs(TUNING_NUMBERS, TUNING_NUMBERS_LABEL)
}

/// Positives from gold claims that share a cluster: across articles (`cross_article`) and within
/// one article (`paraphrase`). Pairs with identical texts are skipped.
pub fn cluster_pairs(gold: &GoldSet) -> Vec<LabelledPair> {
    let mut by_cluster: BTreeMap<&str, Vec<&Claim>> = BTreeMap::new();
    for c in &gold.claims {
        if let Some(k) = c.cluster.as_deref() {
            by_cluster.entry(k).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (k, claims) in by_cluster {
        for i in 0..claims.len() {
            for j in (i + 1)..claims.len() {
                let (x, y) = (claims[i], claims[j]);
                if x.text == y.text {
                    continue;
                }
                let mut docs = vec![x.doc.clone(), y.doc.clone()];
                docs.sort();
                docs.dedup();
                let kind = if docs.len() > 1 {
                    "cross_article"
                } else {
                    "paraphrase"
                };
                out.push(LabelledPair {
                    id: format!("c:{k}:{}:{}", x.id, y.id),
                    docs,
                    a: x.text.clone(),
                    b: y.text.clone(),
                    same: true,
                    kind: kind.to_string(),
                    origin: Origin::Cluster,
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Rule-made pairs

/// A word of a claim with its byte range.
#[derive(Debug, Clone)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || c == '\'' || c == '-' || c == '%' || c == '.' || c == ',';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push_word(text, s, i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push_word(text, s, text.len(), &mut out);
    }
    out
}

fn push_word<'a>(text: &'a str, s: usize, mut e: usize, out: &mut Vec<Word<'a>>) {
    // trailing sentence punctuation is not part of the word
    while e > s && matches!(text.as_bytes()[e - 1], b'.' | b',' | b'\'' | b'-') {
        e -= 1;
    }
    if e > s {
        out.push(Word {
            text: &text[s..e],
            start: s,
            end: e,
        });
    }
}

fn replace_range(text: &str, start: usize, end: usize, with: &str) -> String {
    let mut s = String::with_capacity(text.len() + with.len());
    s.push_str(&text[..start]);
    s.push_str(with);
    s.push_str(&text[end..]);
    s
}

/// The number words a "number" edit swaps: the cardinals from "zero" to "twenty" of
/// `claimbench_lexicon`, in increasing value (an edit picks one from "two" up).
static NUMBER_WORDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| claimbench_lexicon::cardinals_up_to(20.0));

/// Change one number of the claim to another value ("87" to "89", "two" to "three").
fn change_number(text: &str, rng: &mut StdRng) -> Option<String> {
    let ws = words(text);
    let candidates: Vec<&Word> = ws
        .iter()
        .filter(|w| {
            w.text.chars().next().is_some_and(|c| c.is_ascii_digit())
                || NUMBER_WORDS.contains(&w.text.to_lowercase().as_str())
        })
        .collect();
    let w = candidates.choose(rng)?;
    let lower = w.text.to_lowercase();
    let replacement = if let Some(k) = NUMBER_WORDS.iter().position(|n| *n == lower) {
        let mut j = k;
        while j == k {
            j = rng.gen_range(2..NUMBER_WORDS.len());
        }
        let r = NUMBER_WORDS[j].to_string();
        if w.text.chars().next().is_some_and(|c| c.is_uppercase()) {
            capitalise(&r)
        } else {
            r
        }
    } else {
        let digits: String = w.text.chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = &w.text[digits.len()..];
        let n: u64 = digits.parse().ok()?;
        let is_year = digits.len() == 4 && (1900..=2099).contains(&n);
        let m = if is_year {
            n - 1 - rng.gen_range(0..3)
        } else {
            match rng.gen_range(0..4) {
                0 => n + 2,
                1 => n + 1 + n / 5,
                2 if n > 3 => n - 2,
                _ => n * 2 + 1,
            }
        };
        if m == n {
            return None;
        }
        // the rest of the token stays: "1,000" becomes "3,000", "20%" becomes "22%"
        format!("{m}{rest}")
    };
    Some(replace_range(text, w.start, w.end, &replacement))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

const AUXILIARIES: [&str; 14] = [
    "is", "are", "was", "were", "will", "would", "could", "can", "has", "have", "had", "should",
    "must", "did",
];

/// Insert or remove a negation, or replace a word by its antonym.
fn flip_polarity(text: &str, rng: &mut StdRng) -> Option<String> {
    let ws = words(text);
    // remove an existing negation
    for w in &ws {
        let l = w.text.to_lowercase();
        if l == "not" || l == "never" {
            let end = if text[w.end..].starts_with(' ') {
                w.end + 1
            } else {
                w.end
            };
            return Some(replace_range(text, w.start, end, ""));
        }
        if let Some(base) = l.strip_suffix("n't") {
            let keep = match base {
                "wo" => "will",
                "ca" => "can",
                _ => &w.text[..base.len()],
            };
            return Some(replace_range(text, w.start, w.end, keep));
        }
        if l == "no" {
            return Some(replace_range(text, w.start, w.end, "some"));
        }
    }
    // antonym replacement, half of the time when one is available
    let flips: Vec<(usize, String)> = ws
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let l = w.text.to_lowercase();
            claimbench_lexicon::antonym_edits()
                .iter()
                .find_map(|(x, y)| {
                    if l == *x {
                        Some((i, y.to_string()))
                    } else if l == *y {
                        Some((i, x.to_string()))
                    } else {
                        None
                    }
                })
        })
        .collect();
    if !flips.is_empty() && rng.gen_bool(0.5) {
        let (i, with) = flips.choose(rng)?;
        let w = &ws[*i];
        return Some(replace_range(text, w.start, w.end, with));
    }
    // insert "not" after the first auxiliary
    if let Some(w) = ws
        .iter()
        .skip(1)
        .find(|w| AUXILIARIES.contains(&w.text.to_lowercase().as_str()))
    {
        return Some(replace_range(text, w.end, w.end, " not"));
    }
    // "X said Y" becomes "X did not say Y"; other past tenses get "never"
    if let Some(w) = ws.iter().skip(1).find(|w| w.text == "said") {
        return Some(replace_range(text, w.start, w.end, "did not say"));
    }
    if let Some(w) = ws.iter().skip(1).find(|w| {
        w.text.len() > 4 && w.text.ends_with("ed") && w.text.chars().all(|c| c.is_lowercase())
    }) {
        return Some(replace_range(text, w.start, w.start, "never "));
    }
    if let Some((i, with)) = flips.first() {
        let w = &ws[*i];
        return Some(replace_range(text, w.start, w.end, with));
    }
    None
}

/// Capitalised words that start a sentence but are no names: a frozen subset of
/// `claimbench_lexicon::not_names()`, part of the recipe of the committed pair head (the full list
/// would change the rule-made pairs of claims starting "Many" or "Last week", and so the head).
const NOT_NAMES: [&str; 24] = [
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "It",
    "He",
    "She",
    "They",
    "This",
    "That",
    "But",
    "After",
    "Before",
    "According",
    "While",
    "When",
    "As",
    "If",
    "His",
    "Her",
    "Their",
    "There",
];

/// Name mentions of a claim: byte ranges of runs of capitalised words.
fn mentions(text: &str) -> Vec<(usize, usize)> {
    let ws = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let w = &ws[i];
        let cap = w.text.chars().next().is_some_and(|c| c.is_uppercase());
        if !cap || (i == 0 && NOT_NAMES.contains(&w.text)) {
            i += 1;
            continue;
        }
        let start = w.start;
        let mut end = w.end;
        let mut j = i + 1;
        while j < ws.len()
            && ws[j].text.chars().next().is_some_and(|c| c.is_uppercase())
            && text[end..ws[j].start].trim().is_empty()
        {
            end = ws[j].end;
            j += 1;
        }
        // possessive stays outside
        let m = &text[start..end];
        let end = if m.ends_with("'s") || m.ends_with("\u{2019}s") {
            end - if m.ends_with("'s") { 2 } else { 4 }
        } else {
            end
        };
        if end > start {
            out.push((start, end));
        }
        i = j;
    }
    out
}

/// Swap two different name mentions ("Russia accused the US" to "the US accused Russia").
fn swap_names(text: &str, rng: &mut StdRng) -> Option<String> {
    let ms = mentions(text);
    let mut options = Vec::new();
    for i in 0..ms.len() {
        for j in (i + 1)..ms.len() {
            if text[ms[i].0..ms[i].1] != text[ms[j].0..ms[j].1] {
                options.push((i, j));
            }
        }
    }
    let (i, j) = *options.choose(rng)?;
    let (x, y) = (ms[i], ms[j]);
    let mut s = String::new();
    s.push_str(&text[..x.0]);
    s.push_str(&text[y.0..y.1]);
    s.push_str(&text[x.1..y.0]);
    s.push_str(&text[x.0..x.1]);
    s.push_str(&text[y.1..]);
    Some(s)
}

/// Replace one name mention by another name from the gold set.
fn replace_name(text: &str, pool: &[String], rng: &mut StdRng) -> Option<String> {
    let ms = mentions(text);
    let &(s, e) = ms.choose(rng)?;
    let current = &text[s..e];
    let choices: Vec<&String> = pool
        .iter()
        .filter(|p| !text.contains(p.as_str()) && p.as_str() != current)
        .collect();
    let with = choices.choose(rng)?;
    Some(replace_range(text, s, e, with))
}

const CLAUSE_BREAKS: [&str; 12] = [
    ", which ",
    ", and ",
    " and ",
    ", while ",
    " after ",
    " because ",
    ", saying ",
    ", but ",
    " but ",
    " in order to ",
    " as ",
    ", ",
];

/// Drop the last clause of a claim (a partial claim).
fn drop_clause(text: &str) -> Option<String> {
    let n_words = words(text).len();
    for br in CLAUSE_BREAKS {
        if let Some(pos) = text.rfind(br) {
            let head = text[..pos].trim_end();
            let kept = words(head).len();
            if kept >= 4 && n_words - kept >= 3 {
                return Some(format!("{head}."));
            }
        }
    }
    None
}

/// Add another claim's fact to this one (a partial pair the other way round).
fn add_clause(text: &str, other: &str) -> String {
    let head = text.trim_end().trim_end_matches('.');
    let mut tail = other.trim().to_string();
    if let Some(first) = tail.chars().next() {
        let first_word = tail.split_whitespace().next().unwrap_or("");
        if NOT_NAMES.contains(&first_word) {
            tail = first.to_lowercase().chain(tail.chars().skip(1)).collect();
        }
    }
    format!("{head}, and {tail}")
}

/// Token set of a text for overlap ranking (lowercased alphanumeric words).
fn token_set(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(|w| w.to_lowercase())
        .collect()
}

/// Negatives (and a few positives) made by rule from the gold claims of `docs`, deterministic in `seed`.
///
/// For each claim: a changed number, a flipped polarity, two names swapped, a name replaced, a
/// dropped clause, an added clause, and two different claims of the same article (the one with
/// the most word overlap and a random one). Pairs are put in a random order (the altered claim is
/// `a` or `b`).
pub fn rule_pairs(gold: &GoldSet, seed: u64) -> Vec<LabelledPair> {
    let mut rng = StdRng::seed_from_u64(seed);
    // names seen in the gold claims, for replacement
    let mut pool: BTreeSet<String> = BTreeSet::new();
    for c in &gold.claims {
        for (s, e) in mentions(&c.text) {
            let m = &c.text[s..e];
            if m.split_whitespace().count() <= 3 {
                pool.insert(m.to_string());
            }
        }
    }
    let pool: Vec<String> = pool.into_iter().collect();
    let mut by_doc: BTreeMap<&str, Vec<&Claim>> = BTreeMap::new();
    for c in &gold.claims {
        by_doc.entry(c.doc.as_str()).or_default().push(c);
    }
    let mut out = Vec::new();
    for c in &gold.claims {
        let t = c.text.as_str();
        let mut push = |kind: &str, other: String, same: bool, rng: &mut StdRng| {
            if other.trim().is_empty() || other == t {
                return;
            }
            let (a, b) = if rng.gen_bool(0.5) {
                (t.to_string(), other)
            } else {
                (other, t.to_string())
            };
            out.push(LabelledPair {
                id: format!("r:{}:{kind}", c.id),
                docs: vec![c.doc.clone()],
                a,
                b,
                same,
                kind: kind.to_string(),
                origin: Origin::Rule,
            });
        };
        if let Some(x) = change_number(t, &mut rng) {
            push("number", x, false, &mut rng);
        }
        if let Some(x) = flip_polarity(t, &mut rng) {
            push("negation", x, false, &mut rng);
        }
        if let Some(x) = swap_names(t, &mut rng) {
            push("roles", x, false, &mut rng);
        }
        if let Some(x) = replace_name(t, &pool, &mut rng) {
            push("name", x, false, &mut rng);
        }
        if let Some(x) = drop_clause(t) {
            push("partial", x, false, &mut rng);
        }
        let siblings: Vec<&&Claim> = by_doc
            .get(c.doc.as_str())
            .map(|v| {
                v.iter()
                    .filter(|o| o.id != c.id && (o.cluster.is_none() || o.cluster != c.cluster))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(o) = siblings.choose(&mut rng) {
            let added = add_clause(t, &o.text);
            push("partial", added, false, &mut rng);
        }
        // the sibling with the most shared words, and a random one
        let mine = token_set(t);
        let best = siblings
            .iter()
            .map(|o| {
                let theirs = token_set(&o.text);
                (
                    mine.intersection(&theirs).count(),
                    o.id.clone(),
                    o.text.clone(),
                )
            })
            .max_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
        if let Some((_, _, text)) = best {
            push("unrelated", text, false, &mut rng);
        }
        if let Some(o) = siblings.choose(&mut rng) {
            push("unrelated", o.text.clone(), false, &mut rng);
        }
    }
    // make ids unique (a kind can occur twice per claim)
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for p in &mut out {
        let n = seen.entry(p.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            p.id = format!("{}:{}", p.id, n);
        }
    }
    out
}

/// All training pairs that can be made without the articles in `held_out`: hand pairs, cluster
/// pairs and rule pairs whose articles all lie outside `held_out`.
pub fn training_pairs(
    hand: &[LabelledPair],
    gold: &GoldSet,
    seed: u64,
    held_out: &BTreeSet<String>,
) -> Vec<LabelledPair> {
    let mut out: Vec<LabelledPair> = hand
        .iter()
        .filter(|p| p.outside(held_out))
        .cloned()
        .collect();
    out.extend(
        cluster_pairs(gold)
            .into_iter()
            .filter(|p| p.outside(held_out)),
    );
    out.extend(
        rule_pairs(gold, seed)
            .into_iter()
            .filter(|p| p.outside(held_out)),
    );
    out
}

/// One judged system's predictions of one document against every gold claim of the document.
pub struct JudgedDoc {
    /// The judged system.
    pub system: String,
    /// The document's id.
    pub doc: String,
    /// Its predictions' texts.
    pub preds: Vec<String>,
    /// The document's gold claims' texts.
    pub gold: Vec<String>,
    /// The person's links, for agreement figures.
    pub links: DocLinks,
    /// (prediction states gold claim, gold claim states prediction), row-major.
    pub truth: Vec<(bool, bool)>,
}

/// Every (system, document) of a judged set, in system then document order.
pub fn judged_docs(set: &JudgedSet, gold: &GoldSet) -> Vec<JudgedDoc> {
    let mut out = Vec::new();
    for (name, sys) in &set.systems {
        for document in &gold.documents {
            let doc = document.id.as_str();
            let g: Vec<_> = gold.claims_for(doc).collect();
            let index: HashMap<&str, usize> = g
                .iter()
                .enumerate()
                .map(|(k, c)| (c.id.as_str(), k))
                .collect();
            let mut cells = JudgedDoc {
                system: name.clone(),
                doc: doc.to_string(),
                preds: Vec::new(),
                gold: g.iter().map(|c| c.text.clone()).collect(),
                links: DocLinks {
                    gold: g.len(),
                    ..DocLinks::default()
                },
                truth: Vec::new(),
            };
            for (p, l) in sys
                .predictions
                .iter()
                .zip(&sys.labels)
                .filter(|(p, _)| p.doc == doc)
            {
                let has = |v: &[String], id: &str| v.iter().any(|x| x == id);
                cells.preds.push(p.text.clone());
                for c in &g {
                    cells.truth.push((
                        has(&l.same, &c.id) || has(&l.bundles, &c.id),
                        has(&l.same, &c.id) || has(&l.part_of, &c.id),
                    ));
                }
                let ids = |v: &[String]| v.iter().map(|i| index[i.as_str()]).collect();
                cells.links.same.push(ids(&l.same));
                cells.links.bundles.push(ids(&l.bundles));
                cells
                    .links
                    .stated_all
                    .push(l.stated == claimbench_gold::judged::Stated::All);
            }
            out.push(cells);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    #[test]
    fn balanced_pairs_match_their_sums_with_45_of_each_kind() {
        let pairs = balanced_pairs().expect("balanced pairs verify and parse");
        assert_eq!(pairs.len(), 360);
        let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for p in &pairs {
            let e = kinds.entry(p.kind.as_str()).or_default();
            e.0 += 1;
            e.1 += usize::from(p.same);
        }
        for (kind, (n, same)) in kinds {
            assert_eq!(n, 45, "{kind}");
            let want = if kind == "paraphrase" || kind == "cross_article" {
                45
            } else {
                0
            };
            assert_eq!(same, want, "{kind}");
        }
    }

    #[test]
    fn frozen_pairs_match_their_sums_and_cover_every_kind() {
        let pairs = frozen_pairs().expect("frozen pairs verify and parse");
        assert_eq!(pairs.len(), 479);
        assert_eq!(pairs.iter().filter(|p| p.same).count(), 65);
        let kinds: BTreeSet<&str> = pairs.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds.len(), 8, "{kinds:?}");
        // none of them is a tuning pair
        let hand: BTreeSet<(String, String)> = hand_pairs()
            .expect("pairs")
            .into_iter()
            .map(|p| (p.a, p.b))
            .collect();
        assert!(pairs
            .iter()
            .all(|p| !hand.contains(&(p.a.clone(), p.b.clone()))
                && !hand.contains(&(p.b.clone(), p.a.clone()))));
    }

    /// A pair's two texts, in sorted order (the pair without its direction).
    fn key(p: &LabelledPair) -> [String; 2] {
        let mut k = [p.a.clone(), p.b.clone()];
        k.sort();
        k
    }

    /// The text pairs of some pair sets.
    fn text_pairs(sets: &[Vec<LabelledPair>]) -> BTreeSet<[String; 2]> {
        sets.iter().flatten().map(key).collect()
    }

    #[test]
    fn tuning_neighbours_parse_and_repeat_no_frozen_or_hand_pair() {
        let pairs = tuning_neighbours().expect("tuning neighbours parse");
        assert_eq!(pairs.len(), 360);
        assert_eq!(pairs.iter().filter(|p| p.same).count(), 3);
        assert_eq!(pairs.iter().filter(|p| p.kind == "partial").count(), 40);
        let mut seen = text_pairs(&[frozen_pairs().expect("frozen"), hand_pairs().expect("hand")]);
        for (n, p) in pairs.iter().enumerate() {
            assert_eq!(p.id, format!("t{:03}", n + 1));
            assert_ne!(p.a, p.b, "{}", p.id);
            assert!(
                seen.insert(key(p)),
                "{} repeats a frozen, hand or earlier pair",
                p.id
            );
        }
    }

    /// Gold claims whose text the review of issue 33 changed (gold/CHANGELOG.md).
    const REVIEWED_CLAIMS: [&str; 5] = ["002-012", "003-058", "004-004", "004-019", "004-035"];

    #[test]
    fn written_tuning_pairs_follow_their_sample_and_repeat_no_other_pair() {
        let pairs = tuning_written().expect("written tuning pairs parse");
        assert_eq!(pairs.len(), 86);
        assert_eq!(pairs.iter().filter(|p| p.same).count(), 43);
        let gold = GoldSet::builtin().expect("gold");
        let mut ids: Vec<&str> = gold.claims.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        let text = |id: &str| {
            gold.claims
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.text.clone())
        };
        let mut seen = text_pairs(&[
            frozen_pairs().expect("frozen"),
            hand_pairs().expect("hand"),
            tuning_neighbours().expect("neighbours"),
        ]);
        for (k, two) in pairs.chunks(2).enumerate() {
            // sample position k is gold claim 3 + 6k; the gold text on side a at even k, b at odd
            let id = ids[3 + 6 * k];
            let g = text(id).expect("sampled claim");
            for (j, p) in two.iter().enumerate() {
                assert_eq!(p.id, format!("s{:03}", 2 * k + j + 1));
                // The pairs are copies made before the gold review of gold/CHANGELOG.md: a claim it edited keeps
                // its earlier text here.
                if !REVIEWED_CLAIMS.contains(&id) {
                    assert_eq!(if k % 2 == 0 { &p.a } else { &p.b }, &g, "{}", p.id);
                }
                assert_ne!(p.a, p.b, "{}", p.id);
                assert!(seen.insert(key(p)), "{} repeats another pair", p.id);
            }
            assert!(
                two[0].same && two[0].kind == "paraphrase" && !two[1].same,
                "{}",
                two[0].id
            );
        }
    }

    #[test]
    fn number_tuning_pairs_hold_a_gold_claim_and_repeat_no_frozen_pair() {
        let pairs = tuning_numbers().expect("number tuning pairs parse");
        assert_eq!(pairs.len(), 46);
        assert_eq!(pairs.iter().filter(|p| p.same).count(), 13);
        let gold = GoldSet::builtin().expect("gold");
        let frozen = text_pairs(&[frozen_pairs().expect("frozen")]);
        let mut seen = BTreeSet::new();
        for (n, p) in pairs.iter().enumerate() {
            assert_eq!(p.id, format!("m{:03}", n + 1));
            // the gold claim is a in odd-numbered pairs, b in even ones
            let gold_side = if n % 2 == 0 { &p.a } else { &p.b };
            assert!(
                gold.claims.iter().any(|c| &c.text == gold_side),
                "{}: its gold side is no gold claim",
                p.id
            );
            assert_ne!(p.a, p.b, "{}", p.id);
            assert!(p.same == (p.kind == "paraphrase"), "{}", p.id);
            assert!(p.same || p.kind == "number", "{}", p.id);
            assert!(!frozen.contains(&key(p)), "{} repeats a frozen pair", p.id);
            assert!(seen.insert(key(p)), "{} repeats an earlier pair", p.id);
        }
    }

    #[test]
    fn builtin_pairs_parse_with_docs() {
        let pairs = hand_pairs().expect("builtin pairs parse");
        assert!(pairs.len() >= 150, "{}", pairs.len());
        let cross = pairs.iter().filter(|p| p.docs.len() == 2).count();
        assert!(cross > 0);
        assert!(pairs.iter().all(|p| p.origin == Origin::Hand));
    }

    #[test]
    fn bad_line_names_file_and_line() {
        let err = parse_pairs("\n{\"id\": 1}\n", "x.jsonl").expect_err("bad line");
        assert!(err.to_string().starts_with("x.jsonl:2: "), "{err}");
    }

    #[test]
    fn rule_edits() {
        let mut r = rng();
        let n = change_number("87 people died in the attack.", &mut r).expect("number");
        assert_ne!(n, "87 people died in the attack.");
        assert!(n.ends_with(" people died in the attack."), "{n}");
        assert_eq!(
            flip_polarity("Russia would not abandon Assad.", &mut r).as_deref(),
            Some("Russia would abandon Assad.")
        );
        assert_eq!(
            flip_polarity("Trump didn't meet Putin.", &mut r).as_deref(),
            Some("Trump did meet Putin.")
        );
        assert_eq!(
            swap_names("Russia accused the United States of lying.", &mut r).as_deref(),
            Some("United States accused the Russia of lying.")
        );
        assert_eq!(
            drop_clause("Tillerson met Putin in Moscow after talks with Lavrov on Wednesday.")
                .as_deref(),
            Some("Tillerson met Putin in Moscow.")
        );
        assert_eq!(
            mentions("The US and Russia's envoy met Rex Tillerson."),
            vec![(4, 6), (11, 17), (30, 43)]
        );
    }

    #[test]
    fn number_words_and_names_come_from_the_lexicon() {
        assert_eq!(NUMBER_WORDS.len(), 21);
        assert_eq!(NUMBER_WORDS[..3], ["zero", "one", "two"]);
        assert_eq!(NUMBER_WORDS[20], "twenty");
        for w in NOT_NAMES {
            assert!(claimbench_lexicon::is_not_name(&w.to_lowercase()), "{w}");
        }
    }

    #[test]
    fn rule_pairs_are_deterministic_and_single_article() {
        let gold = GoldSet::builtin().expect("builtin gold");
        let a = rule_pairs(&gold, 11);
        let b = rule_pairs(&gold, 11);
        assert_eq!(a, b);
        assert!(a.len() > gold.claims.len() * 3, "{}", a.len());
        assert!(a.iter().all(|p| p.docs.len() == 1 && !p.same && p.a != p.b));
        let ids: BTreeSet<&str> = a.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), a.len());
    }

    #[test]
    fn training_never_touches_held_out_articles() {
        let gold = GoldSet::builtin().expect("builtin gold");
        let hand = hand_pairs().expect("pairs");
        let held: BTreeSet<String> = ["002".to_string()].into_iter().collect();
        let train = training_pairs(&hand, &gold, 3, &held);
        assert!(!train.is_empty());
        assert!(train.iter().all(|p| !p.docs.contains(&"002".to_string())));
        // a gold claim of the held-out article is trained on only when another article has
        // the very same claim text (the same fact, worded alike in both)
        let elsewhere: BTreeSet<&str> = gold
            .claims
            .iter()
            .filter(|c| c.doc != "002")
            .map(|c| c.text.as_str())
            .collect();
        let held_texts: BTreeSet<&str> = gold
            .claims
            .iter()
            .filter(|c| c.doc == "002" && !elsewhere.contains(c.text.as_str()))
            .map(|c| c.text.as_str())
            .collect();
        assert!(held_texts.len() > 30);
        assert!(train
            .iter()
            .all(|p| !held_texts.contains(p.a.as_str()) && !held_texts.contains(p.b.as_str())));
        // no side of a held-out hand pair is a side of any training pair
        let test_texts: BTreeSet<&str> = hand
            .iter()
            .filter(|p| p.within(&held))
            .flat_map(|p| [p.a.as_str(), p.b.as_str()])
            .collect();
        assert!(!test_texts.is_empty());
        assert!(train
            .iter()
            .all(|p| !test_texts.contains(p.a.as_str()) && !test_texts.contains(p.b.as_str())));
    }
}
