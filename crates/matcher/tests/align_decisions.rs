//! The default matcher's decisions, pinned: `tests/data/align_decisions.tsv` holds the `align` matcher's decision
//! and score (rounded to 4 decimals) on every tuning and evaluation pair (`gold/pairs.jsonl`, `gold/tuning/*.jsonl`,
//! `gold/eval/*.jsonl`), and this test compares them exactly, so a change of the matcher that moves one decision
//! fails until the file is regenerated in the same commit (the diff shows which decisions moved):
//!
//! ```text
//! CLAIMBENCH_BLESS=1 cargo test --release -p claimbench-matcher --test align_decisions
//! ```
//!
//! The model runs in int16, whose integer products give the same bits on every CPU (AMX, VNNI, AVX2 or the scalar
//! kernel), so the file does not depend on the machine that checks it.

use std::fmt::Write as _;
use std::path::PathBuf;

use claimbench_matcher::data::{
    frozen_pairs, hand_pairs, tuning_neighbours, tuning_numbers, tuning_written, LabelledPair,
};
use claimbench_matcher::{AlignMatcher, EmbeddingEncoder, DEFAULT_MODEL};
use claimbench_model::{EmbedderOptions, Precision};

const PINNED: &str = "tests/data/align_decisions.tsv";

/// Non-blank lines of the pair files, read directly: every line must come back as a pair.
fn pair_lines() -> usize {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../gold");
    [
        "pairs.jsonl",
        "tuning/neighbours.jsonl",
        "tuning/written.jsonl",
        "tuning/numbers.jsonl",
        "eval/neighbours.jsonl",
        "eval/written.jsonl",
    ]
    .iter()
    .map(|f| {
        std::fs::read_to_string(root.join(f))
            .unwrap_or_else(|e| panic!("gold/{f}: {e}"))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count()
    })
    .sum()
}

fn render() -> String {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let options = EmbedderOptions {
        precision: Precision::Int16,
        ..EmbedderOptions::default()
    };
    let enc = EmbeddingEncoder::load_registered(DEFAULT_MODEL, &models, &options, &mut |_| {})
        .expect("the default model loads (fetched on first use)");
    let matcher = AlignMatcher::new(enc).expect("committed calibration loads");
    let sets: [(&str, Vec<LabelledPair>); 5] = [
        ("pairs", hand_pairs().expect("gold/pairs.jsonl")),
        (
            "tuning/neighbours",
            tuning_neighbours().expect("neighbours"),
        ),
        ("tuning/written", tuning_written().expect("written")),
        ("tuning/numbers", tuning_numbers().expect("numbers")),
        ("eval", frozen_pairs().expect("gold/eval")),
    ];
    let total: usize = sets.iter().map(|(_, p)| p.len()).sum();
    assert_eq!(total, pair_lines(), "a line of the pair files was not read");
    let mut out = String::from(
        "# The align matcher's decisions (int16; see tests/align_decisions.rs). Regenerate with\n\
         # CLAIMBENCH_BLESS=1 cargo test --release -p claimbench-matcher --test align_decisions\n\
         # set\tid\tlabel\tdecision\tscore\n",
    );
    for (set, pairs) in &sets {
        let texts: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
        let decisions = matcher.decide_pairs(&texts).expect("decide");
        for (p, d) in pairs.iter().zip(&decisions) {
            let word = |same: bool| if same { "same" } else { "different" };
            let _ = writeln!(
                out,
                "{set}\t{}\t{}\t{}\t{:.4}",
                p.id,
                word(p.same),
                word(d.same),
                d.score
            );
        }
    }
    out
}

#[test]
fn align_decisions_match_the_pinned_file() {
    let got = render();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(PINNED);
    if std::env::var_os("CLAIMBENCH_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &got).expect("write the pinned decisions");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{PINNED}: {e} (CLAIMBENCH_BLESS=1 writes it)"));
    let moved: Vec<String> = want
        .lines()
        .zip(got.lines())
        .filter(|(w, g)| w != g)
        .take(20)
        .map(|(w, g)| format!("  pinned: {w}\n  now:    {g}"))
        .collect();
    assert!(
        moved.is_empty() && want.lines().count() == got.lines().count(),
        "the align matcher's decisions moved ({} lines pinned, {} now; CLAIMBENCH_BLESS=1 regenerates {PINNED}):\n{}",
        want.lines().count(),
        got.lines().count(),
        moved.join("\n")
    );
}
