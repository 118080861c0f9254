//! One claimbench evaluation as a library: a gold set, the systems to score and the settings in; the run record
//! (results, manifest, and timings kept apart) out.
//!
//! The command (`claimbench eval`, `claimbench score`), the benches and the Python package all go through
//! [`evaluate`]: it reads or runs each system ([`SystemSpec`]), loads the embedding model when something needs it,
//! scores document by document in bounded chunks ([`pipeline::score_system`]), and returns a [`RunOutput`] that
//! [`RunOutput::save`] writes as a run directory (or, for a shard, as a part that `merge` assembles).
//!
//! ```
//! use claimbench_harness::{evaluate, Plan, RunOutput, Settings, SystemSpec};
//! use claimbench_score::MatcherKind;
//!
//! let gold = claimbench_harness::gold::load(None)?;
//! let systems = vec![SystemSpec::parse("sentences")?];
//! let settings = Settings { matcher: MatcherKind::TokenF1, bootstrap: 0, ..Settings::default() };
//! let RunOutput::Run(run) = evaluate(&Plan::new(&gold, systems, settings))? else { unreachable!("no shard") };
//! let sentences = &run.file.systems["sentences"];
//! assert_eq!(sentences.results.micro.gold, 260);
//! assert!(sentences.results.micro.rates.f1 > 0.0);
//! # Ok::<(), claimbench_harness::Error>(())
//! ```

pub mod calibrate;
pub mod claims;
pub mod compare;
pub mod diff;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod files;
pub mod gate;
pub mod gold;
pub mod integrity;
pub mod journal;
pub mod judged;
pub mod pairs;
pub mod pipeline;
pub mod progress;
pub mod run;
pub mod rundir;
pub mod settings;
pub mod shard;
pub mod similarity;
pub mod systems;

pub use error::{Context, Error, Result};
pub use evaluate::{evaluate, Plan, RunOutput, Saved};
pub use settings::{ModelOptions, Settings};
pub use systems::{Source, SystemSpec};
