//! End-to-end tests of the `claimbench` binary: one test crate, one module per area.
//!
//! Run with `cargo test -p claimbench-cli --release` (the embedding model is slow in debug builds). The model is
//! fetched once into `<repo>/models` (`CLAIMBENCH_MODELS_DIR`); every test runs the binary in a temp dir.

mod common;

#[path = "cases/bounds.rs"]
mod bounds;
#[path = "cases/calibrate.rs"]
mod calibrate;
#[path = "cases/closed.rs"]
mod closed;
#[path = "cases/crash.rs"]
mod crash;
#[path = "cases/determinism.rs"]
mod determinism;
#[path = "cases/diff.rs"]
mod diff;
#[path = "cases/eval.rs"]
mod eval;
#[path = "cases/export.rs"]
mod export;
#[path = "cases/extractors.rs"]
mod extractors;
#[path = "cases/formats.rs"]
mod formats;
#[path = "cases/fuzz.rs"]
mod fuzz;
#[path = "cases/gate.rs"]
mod gate;
#[path = "cases/gate_files.rs"]
mod gate_files;
#[path = "cases/gold.rs"]
mod gold;
#[path = "cases/hostile.rs"]
mod hostile;
#[path = "cases/invariants.rs"]
mod invariants;
#[path = "cases/judged.rs"]
mod judged;
#[path = "cases/lenient.rs"]
mod lenient;
#[path = "cases/model.rs"]
mod model;
#[path = "cases/nothing_lost.rs"]
mod nothing_lost;
#[path = "cases/packaging.rs"]
mod packaging;
#[path = "cases/resume.rs"]
mod resume;
#[path = "cases/run_dir.rs"]
mod run_dir;
#[path = "cases/score.rs"]
mod score;
#[path = "cases/shard.rs"]
mod shard;
#[path = "cases/slices.rs"]
mod slices;
#[path = "cases/why.rs"]
mod why;
