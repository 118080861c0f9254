//! All criterion benches in one binary: one module per topic. To add a topic, write
//! `benches/<topic>.rs` with a `pub fn benches(c: &mut Criterion)` (or several), declare it
//! below and list its functions in `criterion_group!`.
//!
//! Run: `cargo bench -p claimbench-benches` (all), or `cargo bench -p claimbench-benches -- embed`.

// criterion_group!/criterion_main! generate undocumented functions
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main};

mod embed;
mod fast;

criterion_group!(benches, embed::benches, fast::benches);
criterion_main!(benches);
