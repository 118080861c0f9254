//! Suspect matches: the disagreements a check finds between a matched prediction and its gold claim.
//!
//! The scorer does not know how to find them: every scoring entry point takes a [`SuspectCheck`]
//! (the default one is `claimbench_matcher::guards::check`, which reads numbers, dates, negation,
//! polarity and roles); [`no_suspects`] flags nothing. A suspect pair still counts as a match; it
//! is reported for people to look at.

use serde::{Deserialize, Serialize};

/// Which kind of disagreement a guard found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuardKind {
    /// The claims state different numbers.
    Number,
    /// The claims state different dates or days.
    Date,
    /// One claim is negated and the other is not.
    Negation,
    /// The claims carry opposite polarity (agreed against refused).
    Polarity,
    /// The claims swap who did what to whom.
    Roles,
    /// Each claim names someone or something the other does not.
    Name,
}

impl GuardKind {
    /// Every guard kind, in a fixed order (used for feature vectors).
    pub const ALL: [GuardKind; 6] = [
        GuardKind::Number,
        GuardKind::Date,
        GuardKind::Negation,
        GuardKind::Polarity,
        GuardKind::Roles,
        GuardKind::Name,
    ];

    /// The lowercase name of the guard ("number", "date", ...).
    pub fn name(self) -> &'static str {
        match self {
            GuardKind::Number => "number",
            GuardKind::Date => "date",
            GuardKind::Negation => "negation",
            GuardKind::Polarity => "polarity",
            GuardKind::Roles => "roles",
            GuardKind::Name => "name",
        }
    }
}

impl std::fmt::Display for GuardKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One disagreement found between two claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardHit {
    /// The guard that fired.
    pub kind: GuardKind,
    /// What differs, for people ("87 vs 89").
    pub detail: String,
}

impl std::fmt::Display for GuardHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

/// A check that flags matched pairs: `check(pred_text, gold_text)` gives the disagreements it finds
/// (none: the match is not suspect).
pub type SuspectCheck = dyn Fn(&str, &str) -> Vec<GuardHit>;

/// The check that flags nothing, for callers that have no guards.
pub fn no_suspects(_pred: &str, _gold: &str) -> Vec<GuardHit> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_hit_serialises_lowercase() {
        let hit = GuardHit {
            kind: GuardKind::Roles,
            detail: "x".into(),
        };
        assert_eq!(
            serde_json::to_string(&hit).ok().as_deref(),
            Some(r#"{"kind":"roles","detail":"x"}"#)
        );
        assert_eq!(hit.to_string(), "roles: x");
        assert!(no_suspects("87", "89").is_empty());
    }
}
