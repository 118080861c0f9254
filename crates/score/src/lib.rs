//! Scoring for claimbench: matchers, one-to-one assignment, P/R/F1 (micro, macro, per category, check-worthy),
//! groundedness, error analysis (splits, merges, duplicates, suspect matches), bootstrap intervals, paired
//! significance tests, threshold tools and the run manifest.
//!
//! Pure: no file IO, no model runtime, no other claimbench crate. Work is per document, so any number of documents
//! can be streamed through a [`Scorer`].

pub mod agreement;
pub mod assign;
pub mod bootstrap;
pub mod counts;
pub mod error;
pub mod manifest;
pub mod matchers;
pub mod matrix;
pub mod metrics;
pub mod slices;
pub mod stats;
pub mod suspect;
pub mod text;
pub mod threshold;

pub use assign::{assign, linear_sum_assignment, soft_sums, Assignment, Pair, SoftSums};
pub use bootstrap::{bootstrap, BootstrapConfig, Interval, Intervals, Resample};
pub use counts::{Counts, Rates};
pub use error::{Error, Result};
pub use manifest::{Manifest, MatcherRef, ModelRef, RunRecord};
pub use matchers::{
    cosine, cosine_matrix_cpu, encode_each, identity_key, rouge_l, same_text, token_f1,
    token_f1_of, CosineMatcher, DirectionScores, ExactMatcher, IdentityFloor, Matcher, MatcherKind,
    RougeLMatcher, RougeScore, Scores, TextEncoder, TokenF1Matcher, ALIGN_DEFAULT_THRESHOLD,
    BLEND_DEFAULT_THRESHOLD, COSINE_DEFAULT_THRESHOLD, COVER_DEFAULT_THRESHOLD,
    CROSS_DEFAULT_THRESHOLD, PAIR_DEFAULT_THRESHOLD,
};
pub use matrix::SimMatrix;
pub use metrics::{
    aggregate, evaluate, score_document, DocInput, DocResult, Duplicate, ErrorSummary, EvalResult,
    GoldItem, Groundedness, MatchedPair, Merge, MicroScore, Nearest, Packaging, PackagingSums,
    PredItem, Relation, ScoreConfig, Scorer, SoftScore, Split, SubsetCounts, SubsetScore,
    Unmatched, DEFAULT_GROUNDING_THRESHOLD, GUARD_TEXT_LIMIT,
};
pub use slices::{compare_slices, slices, GoldLabel, GoldLabels, Slice, SliceBy, SliceComparison};
pub use stats::{
    compare, compare_counts, paired_claim_units, paired_counts, CompareConfig, Comparison,
};
pub use suspect::{no_suspects, GuardHit, GuardKind, SuspectCheck};
pub use text::normalize_exact;
pub use threshold::{
    choose_threshold, choose_threshold_near, cohen_kappa, grid, reliability, roc_auc, sweep,
    threshold_interval, ReliabilityBin, SweepPoint, ThresholdChoice,
};
