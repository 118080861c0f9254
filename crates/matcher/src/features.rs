//! Pair features: MiniLM embeddings of both claims, the guards, and cheap lexical overlaps.

use std::collections::BTreeSet;

use crate::guards::{self, GuardHit, GuardKind};
use serde::{Deserialize, Serialize};

/// Which features the pair head sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureSet {
    /// The scalar features only (cosine, lexical overlaps, guard indicators).
    Scalar,
    /// Scalars plus |u−v| and u⊙v (symmetric in the two claims).
    Compact,
    /// Scalars plus u, v, |u−v| and u⊙v (the head is run both ways round and averaged).
    Full,
}

impl FeatureSet {
    /// The name stored with trained weights.
    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::Scalar => "scalar",
            FeatureSet::Compact => "compact",
            FeatureSet::Full => "full",
        }
    }

    /// Parse a name written by [`FeatureSet::name`].
    pub fn from_name(name: &str) -> Option<FeatureSet> {
        match name {
            "scalar" => Some(FeatureSet::Scalar),
            "compact" => Some(FeatureSet::Compact),
            "full" => Some(FeatureSet::Full),
            _ => None,
        }
    }

    /// Whether the features change when the two claims are swapped.
    pub fn is_ordered(self) -> bool {
        self == FeatureSet::Full
    }

    /// Length of the feature vector for embeddings of dimension `dim`.
    pub fn len(self, dim: usize) -> usize {
        SCALAR_NAMES.len()
            + match self {
                FeatureSet::Scalar => 0,
                FeatureSet::Compact => 2 * dim,
                FeatureSet::Full => 4 * dim,
            }
    }

    /// Names of the features, in vector order (embedding blocks as `|u-v|[0..dim]` etc.).
    pub fn names(self, dim: usize) -> Vec<String> {
        let mut out: Vec<String> = SCALAR_NAMES.iter().map(|s| s.to_string()).collect();
        let blocks: &[&str] = match self {
            FeatureSet::Scalar => &[],
            FeatureSet::Compact => &["|u-v|", "u*v"],
            FeatureSet::Full => &["u", "v", "|u-v|", "u*v"],
        };
        for b in blocks {
            out.push(format!("{b}[0..{dim}]"));
        }
        out
    }
}

/// Names of the scalar features, in vector order.
pub const SCALAR_NAMES: [&str; 13] = [
    "cosine",
    "token_f1",
    "number_jaccard",
    "name_jaccard",
    "name_mismatch",
    "coverage_min",
    "coverage_max",
    "length_ratio",
    "guard_number",
    "guard_date",
    "guard_negation",
    "guard_polarity",
    "guard_roles",
];

const STOP: [&str; 40] = [
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "and",
    "or",
    "by",
    "with",
    "from",
    "that",
    "this",
    "is",
    "was",
    "were",
    "are",
    "be",
    "been",
    "has",
    "have",
    "had",
    "it",
    "its",
    "his",
    "her",
    "their",
    "as",
    "said",
    "says",
    "according",
    "which",
    "who",
    "will",
    "would",
    "also",
    "s",
];

/// The content words (first five letters) of a text: its words not in `STOP`.
fn content_words(text: &str) -> BTreeSet<String> {
    crate::text::word_prefixes(text, |w| STOP.contains(&w))
}

/// Capitalised words that are not sentence-initial function words (a cheap name set).
pub fn name_set(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, w) in text
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        // "al-Shayrat", "al-Assad": a lowercase particle before a capitalised name
        let name_part = w.rsplit('-').next().unwrap_or(w);
        let capitalised = w.chars().next().is_some_and(|c| c.is_uppercase())
            || (w.contains('-') && name_part.chars().next().is_some_and(|c| c.is_uppercase()));
        if !capitalised {
            continue;
        }
        let l = w.to_lowercase();
        if i == 0 && STOP.contains(&l.as_str()) {
            continue;
        }
        if matches!(
            l.as_str(),
            "the"
                | "a"
                | "an"
                | "in"
                | "on"
                | "it"
                | "he"
                | "she"
                | "they"
                | "but"
                | "after"
                | "according"
                | "president"
                | "minister"
                | "secretary"
                | "foreign"
                | "state"
                | "mr"
                | "ms"
        ) {
            continue;
        }
        out.insert(l);
    }
    out
}

fn jaccard<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count() as f32;
    let union = a.union(b).count() as f32;
    inter / union
}

fn number_set(text: &str) -> BTreeSet<String> {
    guards::number_values(text)
        .into_iter()
        .map(|v| format!("{v}"))
        .collect()
}

/// The scalar features of a pair, with the guard hits they came from.
pub fn scalar_features(a: &str, b: &str, cos: f32) -> ([f32; 13], Vec<GuardHit>) {
    let hits = guards::check(a, b);
    let tf1 = claimbench_score::token_f1(a, b) as f32;
    let num = jaccard(&number_set(a), &number_set(b));
    let (na, nb) = (name_set(a), name_set(b));
    let name_j = jaccard(&na, &nb);
    let mismatch =
        (na.difference(&nb).next().is_some() && nb.difference(&na).next().is_some()) as u8 as f32;
    let (ca, cb) = (content_words(a), content_words(b));
    let inter = ca.intersection(&cb).count() as f32;
    let cov_a = if ca.is_empty() {
        1.0
    } else {
        inter / ca.len() as f32
    };
    let cov_b = if cb.is_empty() {
        1.0
    } else {
        inter / cb.len() as f32
    };
    let (la, lb) = (
        a.split_whitespace().count() as f32,
        b.split_whitespace().count() as f32,
    );
    let len_ratio = if la.max(lb) > 0.0 {
        la.min(lb) / la.max(lb)
    } else {
        1.0
    };
    let g = |k: GuardKind| hits.iter().any(|h| h.kind == k) as u8 as f32;
    (
        [
            cos,
            tf1,
            num,
            name_j,
            mismatch,
            cov_a.min(cov_b),
            cov_a.max(cov_b),
            len_ratio,
            g(GuardKind::Number),
            g(GuardKind::Date),
            g(GuardKind::Negation),
            g(GuardKind::Polarity),
            g(GuardKind::Roles),
        ],
        hits,
    )
}

/// The feature vector of a pair given its scalar features and both embeddings, in `a`, `b` order.
pub fn feature_vector(set: FeatureSet, scalars: &[f32; 13], u: &[f32], v: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(set.len(u.len()));
    out.extend_from_slice(scalars);
    if set == FeatureSet::Full {
        out.extend_from_slice(u);
        out.extend_from_slice(v);
    }
    if set != FeatureSet::Scalar {
        out.extend(u.iter().zip(v).map(|(x, y)| (x - y).abs()));
        out.extend(u.iter().zip(v).map(|(x, y)| x * y));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_reflect_guards_and_overlap() {
        let (f, hits) = scalar_features("87 people died", "89 people died", 0.9);
        assert_eq!(f[0], 0.9);
        assert_eq!(f[8], 1.0, "number guard indicator");
        assert_eq!(f[2], 0.0, "number jaccard");
        assert_eq!(hits.len(), 1);
        let (g, hits) = scalar_features("Putin met Tillerson", "Putin met Tillerson", 1.0);
        assert!(hits.is_empty());
        assert!((g[1] - 1.0).abs() < 1e-6 && g[4] == 0.0 && (g[5] - 1.0).abs() < 1e-6);
        let (h, _) = scalar_features("Lavrov met Tillerson", "Peskov met Tillerson", 1.0);
        assert_eq!(h[4], 1.0, "name mismatch");
        let (h, _) = scalar_features(
            "Strikes hit the al-Shayrat airbase",
            "Strikes hit the Khan Sheikhoun airbase",
            1.0,
        );
        assert_eq!(h[4], 1.0, "hyphenated name");
    }

    #[test]
    fn vector_layout() {
        let s = [0.0f32; 13];
        let u = [1.0, 2.0];
        let v = [3.0, -1.0];
        assert_eq!(feature_vector(FeatureSet::Scalar, &s, &u, &v).len(), 13);
        let c = feature_vector(FeatureSet::Compact, &s, &u, &v);
        assert_eq!(&c[13..], &[2.0, 3.0, 3.0, -2.0]);
        assert_eq!(FeatureSet::Full.len(2), 21);
        assert_eq!(feature_vector(FeatureSet::Full, &s, &u, &v).len(), 21);
    }
}
