//! Per-document scoring and aggregation into an [`EvalResult`].
//!
//! Conventions (no figure is ever NaN):
//! - precision = TP / (TP + FP), 0 when there are no predictions; recall = TP / (TP + FN), 0 when there is no gold;
//!   F1 = 2 TP / (2 TP + FP + FN), 0 when TP = 0. An empty prediction therefore scores P = R = F1 = 0.
//! - micro figures pool the counts of all documents; macro figures are the unweighted mean of the per-document
//!   figures over all documents (a document with neither gold nor predictions counts as 0).
//! - category and check-worthy subsets report recall only (matched gold claims of the subset over its gold claims):
//!   a false alarm has no gold claim, so it cannot be attributed to a category ([`crate::slices`] builds the rows of
//!   `--by` on these counts).
//! - duplicates: predictions of one document with the same [`normalize_exact`] text form a group; only the first
//!   (lowest index) takes part in the assignment, so the others are always false alarms, and are reported.
//! - splits: a matched gold claim that also has similarity >= threshold to unmatched, non-duplicate predictions;
//!   those extra predictions are false alarms explained by splitting. merges: a matched prediction that also has
//!   similarity >= threshold to unmatched gold claims; those gold claims are misses explained by merging.
//! - suspect: a matched pair on which the caller's [`SuspectCheck`] (the guards of `claimbench_matcher::guards`:
//!   numbers, negation, dates, roles) found a disagreement. It still counts as a match; it is flagged for people to
//!   check.
//! - ties: the assignment sees predictions in normalised-text order and gold claims in id order, so which of two
//!   equally good pairs is kept does not depend on the order of the input lists.
//! - groundedness: for each predicted claim the caller gives its best cosine to any sentence of its article; the
//!   figures are the mean and the share below `grounding_threshold`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::assign::{assign, soft_sums, Assignment};
use crate::bootstrap::{bootstrap, BootstrapConfig, Intervals};
use crate::counts::{ratio, Counts, Rates};
use crate::error::{Error, Result};
use crate::matchers::DirectionScores;
use crate::matrix::SimMatrix;
use crate::suspect::{GuardHit, SuspectCheck};
use crate::text::normalize_exact;

/// Default threshold below which a prediction counts as not grounded in its article.
pub const DEFAULT_GROUNDING_THRESHOLD: f32 = 0.5;

/// One gold claim as the scorer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldItem {
    /// Claim id, unique within the document.
    pub id: String,
    /// Claim text.
    pub text: String,
    /// Category name (e.g. `event`).
    pub category: String,
    /// Whether the claim is check-worthy.
    pub check_worthy: bool,
    /// Spans of the article that support it (code points, end exclusive); empty when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<(usize, usize)>,
}

/// One predicted claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredItem {
    /// Claim text.
    pub text: String,
    /// The extractor's confidence, when it gives one (not used in the figures).
    pub score: Option<f32>,
    /// Spans of the article it was read from (code points, end exclusive); empty when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<(usize, usize)>,
}

/// Everything needed to score one document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocInput {
    /// Document id.
    pub doc: String,
    /// Gold claims.
    pub gold: Vec<GoldItem>,
    /// Predicted claims.
    pub pred: Vec<PredItem>,
    /// `pred.len()` by `gold.len()` similarities.
    pub sim: SimMatrix,
    /// Per predicted claim, its best cosine to any sentence of the article (None when not computed).
    pub grounding: Option<Vec<f32>>,
    /// Both directions of every pair, from a directional matcher (None for the others).
    pub directions: Option<DirectionScores>,
}

/// How to score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreConfig {
    /// Pairs with similarity at or above this count as matches.
    pub threshold: f32,
    /// Optimal or greedy assignment.
    pub assignment: Assignment,
    /// Bootstrap settings for the intervals.
    pub bootstrap: BootstrapConfig,
    /// Predictions whose grounding is below this count as unsupported by the article.
    pub grounding_threshold: f32,
}

impl ScoreConfig {
    /// Defaults (optimal assignment, 1000 document resamples, seed 42) with the given threshold.
    pub fn with_threshold(threshold: f32) -> ScoreConfig {
        ScoreConfig {
            threshold,
            assignment: Assignment::Optimal,
            bootstrap: BootstrapConfig::default(),
            grounding_threshold: DEFAULT_GROUNDING_THRESHOLD,
        }
    }

    /// An error when a value is out of range.
    pub fn validate(&self) -> Result<()> {
        if !self.threshold.is_finite() {
            return Err(Error::Config {
                field: "threshold".into(),
                message: format!("{} is not finite", self.threshold),
            });
        }
        if !self.grounding_threshold.is_finite() {
            return Err(Error::Config {
                field: "grounding_threshold".into(),
                message: format!("{} is not finite", self.grounding_threshold),
            });
        }
        Ok(())
    }
}

/// A matched (predicted, gold) pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedPair {
    /// Index of the predicted claim in the document's predictions.
    pub pred: usize,
    /// Gold claim id.
    pub gold: String,
    /// Their similarity.
    pub similarity: f32,
    /// Guard disagreements; non-empty means the match is suspect.
    pub suspect: Vec<GuardHit>,
    /// Whether the prediction's evidence overlaps the gold claim's (absent when either has none): a
    /// match outside the gold claim's evidence is a cheap alarm for a matcher gone wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_overlap: Option<bool>,
}

/// A gold claim covered by several predictions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// The gold claim.
    pub gold: String,
    /// The prediction matched to it.
    pub matched_pred: usize,
    /// Unmatched predictions that also reach the threshold against it.
    pub extra_preds: Vec<usize>,
}

/// A prediction covering several gold claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// The prediction.
    pub pred: usize,
    /// The gold claim matched to it.
    pub matched_gold: String,
    /// Unmatched gold claims it also reaches the threshold against.
    pub extra_gold: Vec<String>,
}

/// Predictions of one document with the same normalised text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// The normalised text.
    pub text: String,
    /// Indices of the predictions, ascending; only the first takes part in matching.
    pub preds: Vec<usize>,
}

/// Why a missed gold claim or a false alarm did not count with its nearest counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmatched {
    /// Their similarity is below the threshold.
    Below,
    /// Their similarity reaches the threshold, but the one-to-one assignment gave the counterpart to another.
    Taken,
    /// The prediction repeats an earlier one of its document, which took part in the assignment in its place.
    Duplicate,
}

/// How the nearest pair's content relates, read from a directional matcher's two directions at their threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The prediction states all of the gold claim and the gold claim does not state all of it (a bundle).
    Bundles,
    /// The gold claim states all of the prediction and the prediction does not state all of it (a part).
    Part,
}

impl Relation {
    /// `bundles` or `part`.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Bundles => "bundles",
            Relation::Part => "part",
        }
    }

    /// The relation of prediction `i` and gold claim `j`: None when both directions or neither reach the threshold.
    pub fn of(d: &DirectionScores, i: usize, j: usize) -> Option<Relation> {
        let t = d.threshold;
        match (
            d.pred_states_gold.get(i, j) >= t,
            d.gold_states_pred.get(i, j) >= t,
        ) {
            (true, false) => Some(Relation::Bundles),
            (false, true) => Some(Relation::Part),
            _ => None,
        }
    }
}

impl Unmatched {
    /// `below`, `taken` or `duplicate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unmatched::Below => "below",
            Unmatched::Taken => "taken",
            Unmatched::Duplicate => "duplicate",
        }
    }
}

/// The nearest counterpart, by the matcher's similarity, of a missed gold claim (a prediction) or of a false alarm
/// (a gold claim), and why the two did not count as a match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nearest {
    /// Index of the prediction in the document's predictions.
    pub pred: usize,
    /// Gold claim id.
    pub gold: String,
    /// Their similarity.
    pub similarity: f32,
    /// Why they are not a match.
    pub why: Unmatched,
    /// When `why` is `below`: the disagreements the suspect check finds between them (either way round), which
    /// a guarded matcher (`align`, `pair`) turns into a veto.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<GuardHit>,
    /// When the matcher is directional: whether the prediction states the gold claim and more (a bundle) or only
    /// part of it; None for symmetric matchers, and when both directions or neither reach their threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
}

/// Gold claims of a subset and how many were matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubsetCounts {
    /// Gold claims in the subset.
    pub gold: usize,
    /// Of which matched.
    pub matched: usize,
}

impl SubsetCounts {
    fn add(&mut self, other: SubsetCounts) {
        self.gold += other.gold;
        self.matched += other.matched;
    }
}

/// Recall on a subset of the gold claims.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubsetScore {
    /// Gold claims in the subset.
    pub gold: usize,
    /// Of which matched.
    pub matched: usize,
    /// matched / gold, 0 for an empty subset.
    pub recall: f64,
}

impl From<SubsetCounts> for SubsetScore {
    fn from(c: SubsetCounts) -> SubsetScore {
        SubsetScore {
            gold: c.gold,
            matched: c.matched,
            recall: ratio(c.matched, c.gold),
        }
    }
}

/// Grounding sums of one document.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GroundingSums {
    /// Predictions with a grounding value.
    pub scored: usize,
    /// Sum of their values.
    pub sum: f64,
    /// How many are below the grounding threshold.
    pub below: usize,
}

/// How a document's predictions package its gold claims, read from a directional matcher: which gold claims
/// some prediction states (in any packaging), which predictions the gold states, and the partial relations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PackagingSums {
    /// Gold claims.
    pub gold: usize,
    /// Predictions.
    pub pred: usize,
    /// Gold claims that some prediction states all of.
    pub covered: usize,
    /// Predictions that some gold claim states all of.
    pub focused: usize,
    /// Predictions that state all of a gold claim and more (a bundle).
    pub bundling: usize,
    /// Predictions that state only part of a gold claim.
    pub partial: usize,
}

impl PackagingSums {
    /// The sums of one document from both directions' scores at their threshold.
    pub fn of(d: &DirectionScores) -> PackagingSums {
        let (n, m, t) = (
            d.pred_states_gold.rows,
            d.pred_states_gold.cols,
            d.threshold,
        );
        let pg = |i: usize, j: usize| d.pred_states_gold.get(i, j) >= t;
        let gp = |i: usize, j: usize| d.gold_states_pred.get(i, j) >= t;
        PackagingSums {
            gold: m,
            pred: n,
            covered: (0..m).filter(|&j| (0..n).any(|i| pg(i, j))).count(),
            focused: (0..n).filter(|&i| (0..m).any(|j| gp(i, j))).count(),
            bundling: (0..n)
                .filter(|&i| (0..m).any(|j| pg(i, j) && !gp(i, j)))
                .count(),
            partial: (0..n)
                .filter(|&i| (0..m).any(|j| gp(i, j) && !pg(i, j)))
                .count(),
        }
    }

    /// Adds another document's sums.
    pub fn add(&mut self, o: PackagingSums) {
        self.gold += o.gold;
        self.pred += o.pred;
        self.covered += o.covered;
        self.focused += o.focused;
        self.bundling += o.bundling;
        self.partial += o.partial;
    }

    /// Share of gold claims that some prediction states, in any packaging.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered, self.gold)
    }

    /// Share of predictions whose content some gold claim states.
    pub fn focus(&self) -> f64 {
        ratio(self.focused, self.pred)
    }
}

/// Coverage and focus of a run (FEVERFact-style), with the partial counts, from a directional matcher.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Packaging {
    /// The sums they come from.
    #[serde(flatten)]
    pub sums: PackagingSums,
    /// Share of gold claims that some prediction states, in any packaging.
    pub coverage: f64,
    /// Share of predictions whose content some gold claim states.
    pub focus: f64,
}

impl From<PackagingSums> for Packaging {
    fn from(sums: PackagingSums) -> Packaging {
        Packaging {
            sums,
            coverage: sums.coverage(),
            focus: sums.focus(),
        }
    }
}

/// Everything about one scored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocResult {
    /// Document id.
    pub doc: String,
    /// Gold claims.
    pub gold: usize,
    /// Predicted claims.
    pub pred: usize,
    /// TP, FP, FN.
    pub counts: Counts,
    /// Precision, recall, F1.
    pub rates: Rates,
    /// BERTScore-style soft precision (mean best similarity of each prediction, clamped to [0, 1]).
    pub soft_precision: f64,
    /// BERTScore-style soft recall (mean best similarity of each gold claim, clamped to [0, 1]).
    pub soft_recall: f64,
    /// Matched pairs, by prediction index.
    pub matches: Vec<MatchedPair>,
    /// Unmatched gold claim ids, in gold order.
    pub misses: Vec<String>,
    /// Unmatched prediction indices, ascending.
    pub false_alarms: Vec<usize>,
    /// Gold claims covered by several predictions.
    pub splits: Vec<Split>,
    /// Predictions covering several gold claims.
    pub merges: Vec<Merge>,
    /// Groups of identical predictions.
    pub duplicates: Vec<Duplicate>,
    /// Per missed gold claim, in `misses` order, its nearest prediction (none when the document has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nearest_predictions: Vec<Nearest>,
    /// Per false alarm, in `false_alarms` order, its nearest gold claim (none when the document has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nearest_gold: Vec<Nearest>,
    /// Recall counts per gold category.
    pub categories: BTreeMap<String, SubsetCounts>,
    /// Recall counts on check-worthy gold claims.
    pub check_worthy: SubsetCounts,
    /// Grounding sums, when grounding was given.
    pub grounding: Option<GroundingSums>,
    /// Packaging sums, from a directional matcher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging: Option<PackagingSums>,
}

impl DocResult {
    /// The document's gold claim ids (matched and missed), sorted.
    pub fn gold_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .matches
            .iter()
            .map(|m| m.gold.as_str())
            .chain(self.misses.iter().map(String::as_str))
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// Checks that a document's parts fit together.
fn check_input(input: &DocInput) -> Result<()> {
    let (p, g) = (input.pred.len(), input.gold.len());
    if input.sim.rows != p || input.sim.cols != g || !input.sim.is_consistent() {
        return Err(Error::MatrixMismatch {
            doc: input.doc.clone(),
            rows: input.sim.rows,
            cols: input.sim.cols,
            pred: p,
            gold: g,
        });
    }
    if let Some(k) = input.sim.data.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            doc: input.doc.clone(),
            row: k / g,
            col: k % g,
            value: input.sim.data[k],
        });
    }
    let mut seen = BTreeSet::new();
    for item in &input.gold {
        if !seen.insert(item.id.as_str()) {
            return Err(Error::DuplicateGoldId {
                doc: input.doc.clone(),
                id: item.id.clone(),
            });
        }
    }
    if let Some(gr) = &input.grounding {
        if gr.len() != p {
            return Err(Error::GroundingLength {
                doc: input.doc.clone(),
                got: gr.len(),
                pred: p,
            });
        }
    }
    Ok(())
}

/// Duplicate groups by normalised text, per prediction whether it takes part in matching, and the normalised texts.
fn duplicates(pred: &[PredItem]) -> (Vec<Duplicate>, Vec<bool>, Vec<String>) {
    let norms: Vec<String> = pred.iter().map(|p| normalize_exact(&p.text)).collect();
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in norms.iter().enumerate() {
        groups.entry(n.as_str()).or_default().push(i);
    }
    let mut usable = vec![true; pred.len()];
    let mut out: Vec<Duplicate> = groups
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(text, preds)| {
            for &i in &preds[1..] {
                usable[i] = false;
            }
            Duplicate {
                text: text.to_string(),
                preds,
            }
        })
        .collect();
    out.sort_by_key(|d| d.preds[0]);
    (out, usable, norms)
}

/// The matching of one document, before reporting.
pub(crate) struct Matching {
    pub(crate) pairs: Vec<crate::assign::Pair>,
    pub(crate) usable: Vec<bool>,
    pub(crate) duplicates: Vec<Duplicate>,
}

/// A validated document with its matrix in canonical order, ready to be assigned at any threshold.
pub(crate) struct Prepared {
    rows: Vec<usize>,
    cols: Vec<usize>,
    canonical: SimMatrix,
    canonical_usable: Vec<bool>,
    usable: Vec<bool>,
    duplicates: Vec<Duplicate>,
    doc: String,
}

impl Prepared {
    /// Validates a document and puts its matrix in a canonical order (predictions by normalised text, then raw
    /// text, then index; gold claims by id), so ties are broken the same way whatever the input order.
    pub(crate) fn new(input: &DocInput) -> Result<Prepared> {
        check_input(input)?;
        let (duplicates, usable, norms) = duplicates(&input.pred);
        let mut rows: Vec<usize> = (0..input.pred.len()).collect();
        rows.sort_by(|&a, &b| {
            norms[a]
                .cmp(&norms[b])
                .then_with(|| input.pred[a].text.cmp(&input.pred[b].text))
                .then(a.cmp(&b))
        });
        let mut cols: Vec<usize> = (0..input.gold.len()).collect();
        cols.sort_by(|&a, &b| input.gold[a].id.cmp(&input.gold[b].id));
        let canonical = SimMatrix::from_fn(rows.len(), cols.len(), |a, b| {
            input.sim.get(rows[a], cols[b])
        });
        let canonical_usable: Vec<bool> = rows.iter().map(|&i| usable[i]).collect();
        Ok(Prepared {
            rows,
            cols,
            canonical,
            canonical_usable,
            usable,
            duplicates,
            doc: input.doc.clone(),
        })
    }

    /// The pairs at `threshold`, in input indices, sorted by prediction.
    pub(crate) fn pairs(
        &self,
        threshold: f32,
        method: Assignment,
    ) -> Result<Vec<crate::assign::Pair>> {
        let mut pairs = assign(
            &self.canonical,
            threshold,
            method,
            Some(&self.canonical_usable),
        )
        .map_err(|e| match e {
            Error::Assignment { message, .. } => Error::Assignment {
                doc: self.doc.clone(),
                message,
            },
            other => other,
        })?;
        for p in &mut pairs {
            p.row = self.rows[p.row];
            p.col = self.cols[p.col];
        }
        pairs.sort_by_key(|p| p.row);
        Ok(pairs)
    }
}

/// Validates a document and assigns its pairs at `threshold`.
pub(crate) fn match_document(
    input: &DocInput,
    threshold: f32,
    method: Assignment,
) -> Result<Matching> {
    let prepared = Prepared::new(input)?;
    let pairs = prepared.pairs(threshold, method)?;
    Ok(Matching {
        pairs,
        usable: prepared.usable,
        duplicates: prepared.duplicates,
    })
}

/// Whether any span of `pred` overlaps any span of `gold`; `None` when either has no span.
pub fn evidence_overlap(pred: &[(usize, usize)], gold: &[(usize, usize)]) -> Option<bool> {
    if pred.is_empty() || gold.is_empty() {
        return None;
    }
    Some(
        pred.iter()
            .any(|&(ps, pe)| gold.iter().any(|&(gs, ge)| ps < ge && gs < pe)),
    )
}

/// The most of a text the guards read when the scorer asks them about a pair: the most a model reads (256
/// positions of at most 64 bytes), so a 5 MB claim costs what a claim the model truncates costs.
pub const GUARD_TEXT_LIMIT: usize = 256 * 64;

/// The prefix of `text` the guards read: at most [`GUARD_TEXT_LIMIT`] bytes, cut at a character boundary.
fn guard_prefix(text: &str) -> &str {
    if text.len() <= GUARD_TEXT_LIMIT {
        return text;
    }
    let mut end = GUARD_TEXT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Scores one document, with `check` deciding which matched pairs are suspect (`check(pred_text, gold_text)`).
pub fn score_document(
    input: &DocInput,
    config: &ScoreConfig,
    check: &SuspectCheck,
) -> Result<DocResult> {
    config.validate()?;
    let Matching {
        pairs,
        usable,
        duplicates,
    } = match_document(input, config.threshold, config.assignment)?;
    let (np, ng) = (input.pred.len(), input.gold.len());
    let t = config.threshold;
    if let Some(d) = &input.directions {
        if (d.pred_states_gold.rows, d.pred_states_gold.cols) != (np, ng)
            || (d.gold_states_pred.rows, d.gold_states_pred.cols) != (np, ng)
        {
            return Err(Error::MatrixMismatch {
                doc: input.doc.clone(),
                rows: d.pred_states_gold.rows,
                cols: d.pred_states_gold.cols,
                pred: np,
                gold: ng,
            });
        }
    }
    let mut pred_match: Vec<Option<usize>> = vec![None; np];
    let mut gold_match: Vec<Option<usize>> = vec![None; ng];
    for p in &pairs {
        pred_match[p.row] = Some(p.col);
        gold_match[p.col] = Some(p.row);
    }
    let matches: Vec<MatchedPair> = pairs
        .iter()
        .map(|p| MatchedPair {
            pred: p.row,
            gold: input.gold[p.col].id.clone(),
            similarity: p.sim,
            suspect: check(
                guard_prefix(&input.pred[p.row].text),
                guard_prefix(&input.gold[p.col].text),
            ),
            evidence_overlap: evidence_overlap(
                &input.pred[p.row].evidence,
                &input.gold[p.col].evidence,
            ),
        })
        .collect();
    let misses: Vec<String> = (0..ng)
        .filter(|&j| gold_match[j].is_none())
        .map(|j| input.gold[j].id.clone())
        .collect();
    let false_alarms: Vec<usize> = (0..np).filter(|&i| pred_match[i].is_none()).collect();
    let mut splits = Vec::new();
    let mut merges = Vec::new();
    for p in &pairs {
        let extra_preds: Vec<usize> = (0..np)
            .filter(|&q| usable[q] && pred_match[q].is_none() && input.sim.get(q, p.col) >= t)
            .collect();
        if !extra_preds.is_empty() {
            splits.push(Split {
                gold: input.gold[p.col].id.clone(),
                matched_pred: p.row,
                extra_preds,
            });
        }
        let extra_gold: Vec<String> = (0..ng)
            .filter(|&h| gold_match[h].is_none() && input.sim.get(p.row, h) >= t)
            .map(|h| input.gold[h].id.clone())
            .collect();
        if !extra_gold.is_empty() {
            merges.push(Merge {
                pred: p.row,
                matched_gold: input.gold[p.col].id.clone(),
                extra_gold,
            });
        }
    }
    splits.sort_by(|a, b| a.gold.cmp(&b.gold));
    let why_unmatched = |i: usize, j: usize| -> (Unmatched, Vec<GuardHit>) {
        if input.sim.get(i, j) < t {
            let (p, g) = (
                guard_prefix(&input.pred[i].text),
                guard_prefix(&input.gold[j].text),
            );
            let mut hits = check(p, g);
            if hits.is_empty() {
                hits = check(g, p);
            }
            (Unmatched::Below, hits)
        } else if usable[i] {
            (Unmatched::Taken, Vec::new())
        } else {
            (Unmatched::Duplicate, Vec::new())
        }
    };
    // Nearest by similarity; ties go to the lower prediction index or the lower gold id. A missed gold claim's
    // nearest is among the predictions that took part in the assignment (a duplicate's first copy stands for it).
    let nearest = |i: usize, j: usize| {
        let (why, guards) = why_unmatched(i, j);
        Nearest {
            pred: i,
            gold: input.gold[j].id.clone(),
            similarity: input.sim.get(i, j),
            why,
            guards,
            relation: input
                .directions
                .as_ref()
                .and_then(|d| Relation::of(d, i, j)),
        }
    };
    let nearest_predictions: Vec<Nearest> = (0..ng)
        .filter(|&j| gold_match[j].is_none())
        .filter_map(|j| {
            // strictly greater only: ties keep the lower index
            let mut best: Option<usize> = None;
            for i in (0..np).filter(|&i| usable[i]) {
                if best.is_none_or(|b| input.sim.get(i, j) > input.sim.get(b, j)) {
                    best = Some(i);
                }
            }
            best.map(|i| nearest(i, j))
        })
        .collect();
    let nearest_gold: Vec<Nearest> = false_alarms
        .iter()
        .filter_map(|&i| {
            let mut best: Option<usize> = None;
            for j in 0..ng {
                let better = |b: usize| {
                    let (sj, sb) = (input.sim.get(i, j), input.sim.get(i, b));
                    sj > sb || (sj == sb && input.gold[j].id < input.gold[b].id)
                };
                if best.is_none_or(better) {
                    best = Some(j);
                }
            }
            best.map(|j| nearest(i, j))
        })
        .collect();
    let mut categories: BTreeMap<String, SubsetCounts> = BTreeMap::new();
    let mut check_worthy = SubsetCounts::default();
    for (j, g) in input.gold.iter().enumerate() {
        let hit = usize::from(gold_match[j].is_some());
        let c = categories.entry(g.category.clone()).or_default();
        c.gold += 1;
        c.matched += hit;
        if g.check_worthy {
            check_worthy.gold += 1;
            check_worthy.matched += hit;
        }
    }
    let grounding = match &input.grounding {
        None => None,
        Some(values) => {
            let mut s = GroundingSums::default();
            for (i, v) in values.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::NonFinite {
                        doc: input.doc.clone(),
                        row: i,
                        col: 0,
                        value: *v,
                    });
                }
                s.scored += 1;
                s.sum += *v as f64;
                s.below += usize::from(*v < config.grounding_threshold);
            }
            Some(s)
        }
    };
    let counts = Counts {
        tp: pairs.len(),
        fp: np - pairs.len(),
        fn_: ng - pairs.len(),
    };
    let soft = soft_sums(&input.sim);
    let packaging = input.directions.as_ref().map(PackagingSums::of);
    Ok(DocResult {
        doc: input.doc.clone(),
        gold: ng,
        pred: np,
        counts,
        rates: counts.rates(),
        soft_precision: if np == 0 {
            0.0
        } else {
            soft.row_max / np as f64
        },
        soft_recall: if ng == 0 {
            0.0
        } else {
            soft.col_max / ng as f64
        },
        matches,
        misses,
        false_alarms,
        splits,
        merges,
        duplicates,
        nearest_predictions,
        nearest_gold,
        categories,
        check_worthy,
        grounding,
        packaging,
    })
}

/// Micro figures with their bootstrap intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MicroScore {
    /// Gold claims.
    pub gold: usize,
    /// Predicted claims.
    pub pred: usize,
    /// Pooled counts.
    pub counts: Counts,
    /// Pooled precision, recall, F1.
    pub rates: Rates,
    /// Percentile bootstrap 95% intervals (None when the bootstrap has 0 samples).
    pub intervals: Option<Intervals>,
}

/// Soft precision and recall over all claims.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SoftScore {
    /// Mean over all predictions of their best similarity.
    pub precision: f64,
    /// Mean over all gold claims of their best similarity.
    pub recall: f64,
}

/// Groundedness of the predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Groundedness {
    /// Predictions with a grounding value.
    pub scored: usize,
    /// Mean grounding (0 when none is scored).
    pub mean: f64,
    /// Predictions below the threshold.
    pub below: usize,
    /// below / scored (0 when none is scored).
    pub share_below: f64,
    /// The grounding threshold.
    pub threshold: f32,
}

/// Counts of each kind of error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorSummary {
    /// Unmatched gold claims.
    pub misses: usize,
    /// Unmatched predictions.
    pub false_alarms: usize,
    /// Split gold claims.
    pub splits: usize,
    /// Extra predictions in splits.
    pub split_preds: usize,
    /// Merging predictions.
    pub merges: usize,
    /// Extra gold claims in merges.
    pub merged_gold: usize,
    /// Duplicate predictions beyond the first of each group.
    pub duplicates: usize,
    /// Matched pairs flagged by a guard.
    pub suspect: usize,
    /// Matched pairs whose prediction and gold claim both carry evidence spans.
    #[serde(default)]
    pub evidence_checked: usize,
    /// Of those, the pairs whose spans do not overlap (the match is outside the gold claim's evidence).
    #[serde(default)]
    pub off_evidence: usize,
}

/// The scores of one system on one gold set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResult {
    /// Threshold used.
    pub threshold: f32,
    /// Assignment used.
    pub assignment: Assignment,
    /// Bootstrap settings used.
    pub bootstrap: BootstrapConfig,
    /// Number of documents.
    pub documents_scored: usize,
    /// Pooled figures.
    pub micro: MicroScore,
    /// Means of the per-document figures.
    #[serde(rename = "macro")]
    pub macro_: Rates,
    /// Soft precision and recall.
    pub soft: SoftScore,
    /// Recall per gold category.
    pub categories: BTreeMap<String, SubsetScore>,
    /// Recall on check-worthy gold claims.
    pub check_worthy: SubsetScore,
    /// Groundedness (None when no document had grounding values).
    pub groundedness: Option<Groundedness>,
    /// Coverage, focus and the partial counts, from a directional matcher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging: Option<Packaging>,
    /// Error counts.
    pub errors: ErrorSummary,
    /// Per-document results, sorted by document id.
    pub documents: Vec<DocResult>,
}

/// Collects per-document results one at a time (so documents can be streamed) and aggregates them.
#[derive(Debug, Clone)]
pub struct Scorer {
    config: ScoreConfig,
    docs: Vec<DocResult>,
    seen: BTreeSet<String>,
}

impl Scorer {
    /// A scorer with the given configuration (an error when it is invalid).
    pub fn new(config: ScoreConfig) -> Result<Scorer> {
        config.validate()?;
        Ok(Scorer {
            config,
            docs: Vec::new(),
            seen: BTreeSet::new(),
        })
    }

    /// Scores one document, flagging suspect matches with `check`, and keeps its result.
    pub fn add(&mut self, input: &DocInput, check: &SuspectCheck) -> Result<&DocResult> {
        if self.seen.contains(&input.doc) {
            return Err(Error::DuplicateDocument {
                doc: input.doc.clone(),
            });
        }
        let r = score_document(input, &self.config, check)?;
        self.seen.insert(input.doc.clone());
        self.docs.push(r);
        Ok(&self.docs[self.docs.len() - 1])
    }

    /// Keeps a document's stored result (e.g. from a shard's partial run) as if it had been scored here.
    pub fn add_result(&mut self, result: DocResult) -> Result<()> {
        if !self.seen.insert(result.doc.clone()) {
            return Err(Error::DuplicateDocument { doc: result.doc });
        }
        self.docs.push(result);
        Ok(())
    }

    /// Aggregates everything added into an [`EvalResult`].
    pub fn finish(self) -> EvalResult {
        aggregate(self.docs, &self.config)
    }
}

/// Scores every document, flagging suspect matches with `check`, and aggregates (document ids must be distinct).
pub fn evaluate(
    docs: &[DocInput],
    config: &ScoreConfig,
    check: &SuspectCheck,
) -> Result<EvalResult> {
    let mut s = Scorer::new(*config)?;
    for d in docs {
        s.add(d, check)?;
    }
    Ok(s.finish())
}

/// Aggregates per-document results (sorted here by document id) into an [`EvalResult`].
pub fn aggregate(mut docs: Vec<DocResult>, config: &ScoreConfig) -> EvalResult {
    docs.sort_by(|a, b| a.doc.cmp(&b.doc));
    let mut counts = Counts::default();
    let (mut gold, mut pred) = (0usize, 0usize);
    let (mut soft_p, mut soft_r) = (0.0f64, 0.0f64);
    let mut macro_sum = Rates::default();
    let mut categories: BTreeMap<String, SubsetCounts> = BTreeMap::new();
    let mut check_worthy = SubsetCounts::default();
    let mut grounding: Option<GroundingSums> = None;
    let mut packaging: Option<PackagingSums> = None;
    let mut errors = ErrorSummary::default();
    for d in &docs {
        counts.add(d.counts);
        gold += d.gold;
        pred += d.pred;
        soft_p += d.soft_precision * d.pred as f64;
        soft_r += d.soft_recall * d.gold as f64;
        macro_sum.precision += d.rates.precision;
        macro_sum.recall += d.rates.recall;
        macro_sum.f1 += d.rates.f1;
        for (k, v) in &d.categories {
            categories.entry(k.clone()).or_default().add(*v);
        }
        check_worthy.add(d.check_worthy);
        if let Some(p) = d.packaging {
            packaging.get_or_insert_with(PackagingSums::default).add(p);
        }
        if let Some(g) = d.grounding {
            let acc = grounding.get_or_insert_with(GroundingSums::default);
            acc.scored += g.scored;
            acc.sum += g.sum;
            acc.below += g.below;
        }
        errors.misses += d.misses.len();
        errors.false_alarms += d.false_alarms.len();
        errors.splits += d.splits.len();
        errors.split_preds += d
            .splits
            .iter()
            .flat_map(|s| &s.extra_preds)
            .collect::<BTreeSet<_>>()
            .len();
        errors.merges += d.merges.len();
        errors.merged_gold += d
            .merges
            .iter()
            .flat_map(|m| &m.extra_gold)
            .collect::<BTreeSet<_>>()
            .len();
        errors.duplicates += d
            .duplicates
            .iter()
            .map(|g| g.preds.len() - 1)
            .sum::<usize>();
        errors.suspect += d.matches.iter().filter(|m| !m.suspect.is_empty()).count();
        errors.evidence_checked += d
            .matches
            .iter()
            .filter(|m| m.evidence_overlap.is_some())
            .count();
        errors.off_evidence += d
            .matches
            .iter()
            .filter(|m| m.evidence_overlap == Some(false))
            .count();
    }
    let n = docs.len();
    let mean = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    let per_doc: Vec<Counts> = docs.iter().map(|d| d.counts).collect();
    let intervals = bootstrap(&per_doc, &config.bootstrap);
    EvalResult {
        threshold: config.threshold,
        assignment: config.assignment,
        bootstrap: config.bootstrap,
        documents_scored: n,
        micro: MicroScore {
            gold,
            pred,
            counts,
            rates: counts.rates(),
            intervals,
        },
        macro_: Rates {
            precision: mean(macro_sum.precision),
            recall: mean(macro_sum.recall),
            f1: mean(macro_sum.f1),
        },
        soft: SoftScore {
            precision: if pred == 0 { 0.0 } else { soft_p / pred as f64 },
            recall: if gold == 0 { 0.0 } else { soft_r / gold as f64 },
        },
        categories: categories.into_iter().map(|(k, v)| (k, v.into())).collect(),
        check_worthy: check_worthy.into(),
        groundedness: grounding.map(|g| Groundedness {
            scored: g.scored,
            mean: if g.scored == 0 {
                0.0
            } else {
                g.sum / g.scored as f64
            },
            below: g.below,
            share_below: ratio(g.below, g.scored),
            threshold: config.grounding_threshold,
        }),
        packaging: packaging.map(Packaging::from),
        errors,
        documents: docs,
    }
}
