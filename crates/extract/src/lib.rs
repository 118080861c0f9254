//! Claim extractors for claimbench.
//!
//! A [`ClaimExtractor`] takes an article ([`Document`]) and returns the claims it finds
//! ([`PredictedClaim`]: text, and where the model has them an evidence span and a score).
//! Built in: [`sentences`] (every body sentence, the recall baseline), [`worthy`]
//! (`minilm-worthy`: MiniLM embeddings + a logistic-regression head trained leave-one-document-out),
//! [`t5`] (any T5-family seq2seq model from a local Hugging Face directory), [`file`]
//! (predictions JSONL) and [`command`] (any external program speaking JSONL).
//! Every extractor's output can be saved with [`write_predictions`] and read back with
//! [`file::read_predictions`], so a run can be scored again without the model.

pub mod clauses;
pub mod command;
mod error;
pub mod file;
pub mod sentences;
pub mod t5;
pub mod worthy;

pub use claimbench_gold::{Document, Span};
pub use error::{Error, LineProblem, Result};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A claim found by an extractor.
///
/// Serialised as one line of a predictions file:
/// `{"doc": "000", "text": "...", "score": 0.9, "evidence": [{"start": 10, "end": 52}]}`
/// (`score` and `evidence` omitted when absent; any other field of the line is kept in `extra`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictedClaim {
    /// The document id.
    pub doc: String,
    /// The claim text.
    pub text: String,
    /// The model's confidence, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Evidence spans in the article (code points, end exclusive), when the model has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Span>,
    /// Fields of the predictions line that claimbench does not define (`id`, `model`, ...): kept, written back
    /// with the claim, and ignored by scoring.
    #[serde(flatten)]
    pub extra: std::collections::BTreeMap<String, serde_json::Value>,
}

/// An article in, claims out.
pub trait ClaimExtractor {
    /// The extractor's name (as in the registry, or a user-given label).
    fn name(&self) -> &str;
    /// The claims found in one article, in a deterministic order.
    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>>;
    /// The claims found in every article, in document order.
    fn extract_all(&self, docs: &[Document]) -> Result<Vec<PredictedClaim>> {
        let mut out = Vec::new();
        for d in docs {
            out.extend(self.extract(d)?);
        }
        Ok(out)
    }
}

/// Serialise claims as predictions JSONL (one object a line, `\n` line ends).
pub fn predictions_jsonl(claims: &[PredictedClaim]) -> String {
    let mut out = String::new();
    for c in claims {
        // Serialising a struct of strings, finite-or-null floats and integers cannot fail;
        // a NaN score is written as null by serde_json.
        if let Ok(line) = serde_json::to_string(c) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Write claims to `path` as a predictions file, atomically (temp file in the same dir, then rename).
pub fn write_predictions(path: &Path, claims: &[PredictedClaim]) -> Result<()> {
    Ok(claimbench_io::atomic_write(
        path,
        predictions_jsonl(claims).as_bytes(),
    )?)
}

/// The closed registry of extractor names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExtractorKind {
    /// `sentences`: every body sentence.
    Sentences,
    /// `clauses`: every body sentence, split into clauses and attributions by rules.
    Clauses,
    /// `minilm-worthy`: MiniLM + logistic regression, leave-one-document-out.
    MinilmWorthy,
    /// `t5`: a local T5-family seq2seq model.
    T5,
    /// `file`: a predictions JSONL file.
    File,
    /// `command`: an external program.
    Command,
}

impl ExtractorKind {
    /// Every kind, in registry order.
    pub const ALL: [ExtractorKind; 6] = [
        ExtractorKind::Sentences,
        ExtractorKind::Clauses,
        ExtractorKind::MinilmWorthy,
        ExtractorKind::T5,
        ExtractorKind::File,
        ExtractorKind::Command,
    ];

    /// The registry name.
    pub fn name(self) -> &'static str {
        match self {
            ExtractorKind::Sentences => "sentences",
            ExtractorKind::Clauses => "clauses",
            ExtractorKind::MinilmWorthy => "minilm-worthy",
            ExtractorKind::T5 => "t5",
            ExtractorKind::File => "file",
            ExtractorKind::Command => "command",
        }
    }

    /// A one-line description.
    pub fn description(self) -> &'static str {
        match self {
            ExtractorKind::Sentences => "every body sentence is a claim (recall baseline)",
            ExtractorKind::Clauses => {
                "body sentences split by rules into clauses, the speaker kept with what was said"
            }
            ExtractorKind::MinilmWorthy => {
                "MiniLM embeddings + logistic regression picking check-worthy sentences (leave-one-document-out)"
            }
            ExtractorKind::T5 => "a T5-family seq2seq model from a local Hugging Face directory",
            ExtractorKind::File => "claims read from a predictions JSONL file",
            ExtractorKind::Command => "claims from an external program (JSON on stdin, JSONL on stdout)",
        }
    }

    /// Does it need no model and no user input (runs out of the box)?
    pub fn is_builtin_model_free(self) -> bool {
        matches!(self, ExtractorKind::Sentences | ExtractorKind::Clauses)
    }
}

impl fmt::Display for ExtractorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ExtractorKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        if let Some(k) = ExtractorKind::ALL.iter().find(|k| k.name() == wanted) {
            return Ok(*k);
        }
        let suggestion = ExtractorKind::ALL
            .iter()
            .map(|k| (strsim::levenshtein(&wanted, k.name()), k.name()))
            .filter(|(d, name)| *d <= 2.max(name.len() / 3))
            .min()
            .map(|(_, n)| n.to_string());
        Err(Error::UnknownExtractor {
            name: s.to_string(),
            suggestion,
            known: ExtractorKind::ALL.map(|k| k.name()).join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_round_trips_and_suggests() {
        for k in ExtractorKind::ALL {
            assert_eq!(k.name().parse::<ExtractorKind>().unwrap(), k);
        }
        assert_eq!(
            "MiniLM_Worthy".parse::<ExtractorKind>().unwrap(),
            ExtractorKind::MinilmWorthy
        );
        match "sentense".parse::<ExtractorKind>() {
            Err(Error::UnknownExtractor { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("sentences"))
            }
            other => panic!("{other:?}"),
        }
        match "minilm-worty".parse::<ExtractorKind>() {
            Err(e) => assert!(
                e.to_string().contains("did you mean `minilm-worthy`?"),
                "{e}"
            ),
            Ok(k) => panic!("{k}"),
        }
        match "gpt4".parse::<ExtractorKind>() {
            Err(Error::UnknownExtractor {
                suggestion, known, ..
            }) => {
                assert_eq!(suggestion, None);
                assert_eq!(
                    known,
                    "sentences, clauses, minilm-worthy, t5, file, command"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn extractors_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<sentences::SentencesExtractor>();
        check::<clauses::ClausesExtractor>();
        check::<worthy::MinilmWorthy>();
        check::<t5::T5Extractor>();
        check::<file::FileExtractor>();
        check::<command::CommandExtractor>();
        check::<Error>();
    }

    #[test]
    fn claim_serialises_in_the_predictions_format() {
        let c = PredictedClaim {
            doc: "000".into(),
            text: "Putin met Tillerson.".into(),
            score: Some(0.5),
            evidence: vec![Span { start: 10, end: 52 }],
            extra: Default::default(),
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"doc":"000","text":"Putin met Tillerson.","score":0.5,"evidence":[{"start":10,"end":52}]}"#
        );
        let bare = PredictedClaim {
            doc: "001".into(),
            text: "x".into(),
            score: None,
            evidence: vec![],
            extra: Default::default(),
        };
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"doc":"001","text":"x"}"#
        );
    }

    #[test]
    fn write_predictions_is_atomic_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let claims = vec![
            PredictedClaim {
                doc: "000".into(),
                text: "a".into(),
                score: Some(0.25),
                evidence: vec![Span { start: 0, end: 3 }],
                extra: Default::default(),
            },
            PredictedClaim {
                doc: "001".into(),
                text: "b \"q\"".into(),
                score: None,
                evidence: vec![],
                extra: Default::default(),
            },
        ];
        write_predictions(&path, &claims).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let back: Vec<PredictedClaim> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, claims);
        // No temp file left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("p.jsonl")]);
        // A missing directory is created; a path under a file fails with the path in the error.
        let nested = dir.path().join("new").join("p.jsonl");
        write_predictions(&nested, &claims).unwrap();
        assert_eq!(std::fs::read_to_string(&nested).unwrap(), text);
        let bad = path.join("q.jsonl");
        let err = write_predictions(&bad, &claims).unwrap_err();
        assert!(err.to_string().contains("p.jsonl"), "{err}");
    }
}
