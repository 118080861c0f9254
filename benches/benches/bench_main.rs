//! All criterion benches in one binary: one module per topic. To add a topic, write
//! `benches/<topic>.rs` with a `pub fn benches(c: &mut Criterion)` (or several), declare it
//! below and list its functions in `criterion_group!`.
//!
//! Topics: `matching/` (token F1, ROUGE-L, cosine matrices), `assign/` (optimal, greedy, dense
//! lsap), `embed/` (the embedder at several batch sizes), `fast/` (the fast forward against
//! candle-transformers), `kernels/` (the int16 matrix product against f32 gemm), `job/` (embed
//! 500 x 500 claims, match, assign). None is a test.
//!
//! Run: `cargo bench -p claimbench-benches` (all), or `cargo bench -p claimbench-benches -- embed`;
//! `-- --quick` for a short check that each bench runs.

// criterion_group!/criterion_main! generate undocumented functions
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main};

mod assign;
mod embed;
mod fast;
mod job;
mod kernels;
mod matching;

criterion_group!(
    benches,
    matching::benches,
    assign::benches,
    embed::benches,
    fast::benches,
    kernels::benches,
    job::benches
);
criterion_main!(benches);
