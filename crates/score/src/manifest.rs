//! The run manifest: everything needed to reproduce a result, and its one-line signature.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::assign::Assignment;
use crate::bootstrap::Resample;
use crate::metrics::EvalResult;

/// A model by name and weights hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    /// Registry name (e.g. `all-minilm-l6-v2`).
    pub name: String,
    /// SHA-256 of the weights file, hex.
    pub weights_sha256: String,
}

/// The matcher by name, with its weights hash when it has weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatcherRef {
    /// Matcher name (`exact`, `token-f1`, `rouge-l`, `cosine`, `pair`).
    pub name: String,
    /// SHA-256 of its weights (embedding model or pair classifier), when it has any.
    pub weights_sha256: Option<String>,
}

/// What produced a result (filled by the CLI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// claimbench version.
    pub tool_version: String,
    /// Hash of the gold set.
    pub gold_hash: String,
    /// SHA-256 of each seed article, by document id.
    pub seed_hashes: BTreeMap<String, String>,
    /// The extraction model, when one was used.
    pub model: Option<ModelRef>,
    /// Device label (`cpu`, `cuda:0`, ...).
    pub device: String,
    /// Precision (`f32`, `f16`, `bf16`).
    pub dtype: String,
    /// The matcher.
    pub matcher: MatcherRef,
    /// Match threshold.
    pub threshold: f32,
    /// Assignment.
    pub assignment: Assignment,
    /// Bootstrap resamples.
    pub bootstrap_samples: usize,
    /// Bootstrap unit.
    pub bootstrap_unit: Resample,
    /// RNG seed.
    pub seed: u64,
    /// sha256 of the calibration file (`claimbench calibrate --out`) that set the threshold, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    /// The documents the run was restricted to (`--doc`), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
}

fn short(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
}

impl Manifest {
    /// One line in the style of sacrebleu's signature, e.g.
    /// `claimbench:0.1.0|gold:ab12cd34|matcher:cosine@0.72|assign:optimal|model:all-minilm-l6-v2#53aa5117|dev:cpu|f32|boot:1000docs|seed:42`
    /// (a matcher with weights adds `#hash8` after its name; no model gives `model:none`; a threshold set by a
    /// calibration file adds `|cal:hash8`, a run restricted to some documents `|docs:ID+ID` at the end).
    pub fn signature(&self) -> String {
        let calibration = self
            .calibration
            .as_ref()
            .map_or_else(String::new, |h| format!("|cal:{}", short(h)));
        let documents = self
            .documents
            .as_ref()
            .map_or_else(String::new, |d| format!("|docs:{}", d.join("+")));
        let matcher = match &self.matcher.weights_sha256 {
            Some(h) => format!("{}#{}", self.matcher.name, short(h)),
            None => self.matcher.name.clone(),
        };
        let model = match &self.model {
            Some(m) => format!("{}#{}", m.name, short(&m.weights_sha256)),
            None => "none".to_string(),
        };
        let unit = match self.bootstrap_unit {
            Resample::Documents => "docs",
            Resample::Claims => "claims",
        };
        format!(
            "claimbench:{}|gold:{}|matcher:{}@{}|assign:{}|model:{}|dev:{}|{}|boot:{}{}|seed:{}{}{}",
            self.tool_version,
            short(&self.gold_hash),
            matcher,
            self.threshold,
            self.assignment,
            model,
            self.device,
            self.dtype,
            self.bootstrap_samples,
            unit,
            self.seed,
            calibration,
            documents
        )
    }
}

/// A result with its manifest: what a run saves (no timings, so it is byte-stable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// How the result was produced.
    pub manifest: Manifest,
    /// The result.
    pub results: EvalResult,
}

impl RunRecord {
    /// Pretty, stable JSON (struct field order, sorted maps), ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parses [`RunRecord::to_json`] output.
    pub fn from_json(text: &str) -> std::result::Result<RunRecord, serde_json::Error> {
        serde_json::from_str(text)
    }
}
