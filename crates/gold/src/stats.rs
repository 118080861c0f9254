//! Statistics of a gold set: counts, clusters and conflicts.

use std::collections::{BTreeMap, BTreeSet};

use claimbench_lexicon::{cardinal, format_number, scale};
use serde::{Deserialize, Serialize};

use crate::{char_len, Category, GoldSet};

/// Counts for one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentStats {
    /// Article length in code points.
    pub characters: usize,
    /// Number of claims.
    pub claims: usize,
    /// Number of check-worthy claims.
    pub check_worthy: usize,
    /// Claims per category (every category present, zero included).
    pub per_category: BTreeMap<Category, usize>,
}

/// One cluster: the documents and claims that share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStats {
    /// Documents with a claim in the cluster, sorted.
    pub docs: Vec<String>,
    /// Claim ids in the cluster, sorted.
    pub claims: Vec<String>,
}

/// A cluster whose claims state different numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The cluster id.
    pub cluster: String,
    /// The numbers found in each claim of the cluster that states any (claim id → normalised numbers).
    pub numbers: BTreeMap<String, Vec<String>>,
}

/// Statistics of a gold set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldStats {
    /// Number of documents.
    pub documents: usize,
    /// Number of claims.
    pub claims: usize,
    /// Number of check-worthy claims.
    pub check_worthy: usize,
    /// Counts per document id.
    pub per_document: BTreeMap<String, DocumentStats>,
    /// Claims per category (every category present, zero included).
    pub per_category: BTreeMap<Category, usize>,
    /// Clusters by id.
    pub clusters: BTreeMap<String, ClusterStats>,
    /// Clusters whose claims disagree on a number, sorted by cluster id.
    pub conflicts: Vec<Conflict>,
}

fn zero_categories() -> BTreeMap<Category, usize> {
    Category::ALL.into_iter().map(|c| (c, 0)).collect()
}

/// Statistics of `set`.
///
/// A cluster is a **conflict** when two of its claims state numbers and neither claim's set of numbers
/// (see [`numbers_in`]) contains the other's: "87 people died" against "89 people died" is a conflict,
/// "87 people died" against "87 people died on April 4" is not, and claims that state no number never
/// conflict. This is a heuristic to point annotators at disagreements between articles; the
/// authoritative list of conflicts is in `gold/GUIDELINES.md`.
pub fn stats(set: &GoldSet) -> GoldStats {
    let mut per_document: BTreeMap<String, DocumentStats> = set
        .documents
        .iter()
        .map(|d| {
            (
                d.id.clone(),
                DocumentStats {
                    characters: char_len(&d.text),
                    claims: 0,
                    check_worthy: 0,
                    per_category: zero_categories(),
                },
            )
        })
        .collect();
    let mut per_category = zero_categories();
    let mut clusters: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut check_worthy = 0;
    for c in &set.claims {
        let d = per_document
            .entry(c.doc.clone())
            .or_insert_with(|| DocumentStats {
                characters: 0,
                claims: 0,
                check_worthy: 0,
                per_category: zero_categories(),
            });
        d.claims += 1;
        *d.per_category.entry(c.category).or_insert(0) += 1;
        *per_category.entry(c.category).or_insert(0) += 1;
        if c.check_worthy {
            d.check_worthy += 1;
            check_worthy += 1;
        }
        if let Some(cluster) = &c.cluster {
            let entry = clusters.entry(cluster.clone()).or_default();
            entry.0.insert(c.doc.clone());
            entry.1.insert(c.id.clone());
        }
    }
    let mut conflicts = Vec::new();
    for (cluster, (_, ids)) in &clusters {
        let numbers: BTreeMap<String, BTreeSet<String>> = set
            .claims
            .iter()
            .filter(|c| c.cluster.as_deref() == Some(cluster.as_str()) && ids.contains(&c.id))
            .map(|c| (c.id.clone(), numbers_in(&c.text)))
            .filter(|(_, n)| !n.is_empty())
            .collect();
        let sets: Vec<&BTreeSet<String>> = numbers.values().collect();
        let disagree = sets.iter().enumerate().any(|(i, a)| {
            sets[i + 1..]
                .iter()
                .any(|b| !a.is_subset(b) && !b.is_subset(a))
        });
        if disagree {
            conflicts.push(Conflict {
                cluster: cluster.clone(),
                numbers: numbers
                    .into_iter()
                    .map(|(id, n)| (id, n.into_iter().collect()))
                    .collect(),
            });
        }
    }
    GoldStats {
        documents: set.documents.len(),
        claims: set.claims.len(),
        check_worthy,
        per_document,
        per_category,
        clusters: clusters
            .into_iter()
            .map(|(id, (docs, claims))| {
                (
                    id,
                    ClusterStats {
                        docs: docs.into_iter().collect(),
                        claims: claims.into_iter().collect(),
                    },
                )
            })
            .collect(),
        conflicts,
    }
}

/// Split into tokens: numbers (digits with inner `,` or `.` between digits) and lowercase words.
fn tokens(text: &str) -> Vec<(bool, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let mut s = String::new();
            while i < chars.len() {
                let d = chars[i];
                let inner =
                    (d == ',' || d == '.') && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
                if d.is_ascii_digit() {
                    s.push(d);
                } else if inner {
                    if d == '.' {
                        s.push('.');
                    }
                } else {
                    break;
                }
                i += 1;
            }
            out.push((true, s));
        } else if c.is_alphabetic() {
            let mut s = String::new();
            while i < chars.len() && chars[i].is_alphabetic() {
                s.extend(chars[i].to_lowercase());
                i += 1;
            }
            out.push((false, s));
        } else {
            i += 1;
        }
    }
    out
}

/// The numbers a text states, normalised to decimal digits: numerals (`1,200` → `1200`, `2.5`) and English
/// number words of `claimbench_lexicon` (`two` → `2`, `twenty-five` → `25`, `two hundred` → `200`, `1.5 million` → `1500000`).
/// "one" is skipped in "one of" and after "no", "any", "every", "some", "each", "the", "this", "that".
pub fn numbers_in(text: &str) -> BTreeSet<String> {
    let toks = tokens(text);
    let mut out = BTreeSet::new();
    // (total, current, limit): a number word below `limit` adds to `current` ("twenty" then "five").
    let mut acc: Option<(f64, f64, f64)> = None;
    let flush = |acc: &mut Option<(f64, f64, f64)>, out: &mut BTreeSet<String>| {
        if let Some((total, current, _)) = acc.take() {
            out.insert(format_number(total + current));
        }
    };
    for (i, (numeric, tok)) in toks.iter().enumerate() {
        if *numeric {
            flush(&mut acc, &mut out);
            if let Ok(v) = tok.parse::<f64>() {
                acc = Some((0.0, v, 0.0));
            }
            continue;
        }
        if let Some(v) = cardinal(tok) {
            if tok == "one" {
                let prev = i.checked_sub(1).map(|p| toks[p].1.as_str());
                let next = toks.get(i + 1).map(|t| t.1.as_str());
                let pronoun = next == Some("of")
                    || matches!(
                        prev,
                        Some("no" | "any" | "every" | "some" | "each" | "the" | "this" | "that")
                    );
                if pronoun {
                    flush(&mut acc, &mut out);
                    continue;
                }
            }
            let limit = if v >= 20.0 { 10.0 } else { 0.0 };
            match acc {
                Some((total, current, lim)) if v > 0.0 && v < lim => {
                    acc = Some((total, current + v, limit))
                }
                _ => {
                    flush(&mut acc, &mut out);
                    acc = Some((0.0, v, limit));
                }
            }
            continue;
        }
        if let Some(m) = scale(tok) {
            acc = match acc {
                Some((total, current, _)) if m >= 1e3 => Some((total + current * m, 0.0, m)),
                Some((total, current, _)) => Some((total, current * m, m)),
                None if tok == "dozen" || tok == "hundred" => Some((0.0, m, m)),
                None => None,
            };
            continue;
        }
        if tok == "and" && acc.is_some() {
            continue;
        }
        flush(&mut acc, &mut out);
    }
    flush(&mut acc, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(s: &str) -> Vec<String> {
        numbers_in(s).into_iter().collect()
    }

    #[test]
    fn numerals_and_words() {
        assert_eq!(nums("At least 87 people died"), ["87"]);
        assert_eq!(nums("1,200 troops and 2.5 tonnes"), ["1200", "2.5"]);
        assert_eq!(nums("a nearly two-hour meeting"), ["2"]);
        assert_eq!(nums("twenty-five children"), ["25"]);
        assert_eq!(nums("two hundred and five"), ["205"]);
        assert_eq!(nums("1.5 million dollars"), ["1500000"]);
        assert_eq!(
            nums("one of the victims said no one came"),
            Vec::<String>::new()
        );
        assert_eq!(nums("one hour"), ["1"]);
        assert_eq!(nums("On April 4, 2017"), ["2017", "4"]);
        assert_eq!(nums("two thousand and twenty-five"), ["2025"]);
        assert_eq!(nums("a dozen people and two dozen cars"), ["12", "24"]);
        assert_eq!(nums("killing 87, including 30 children"), ["30", "87"]);
    }
}
