//! Tests of the `cross` matcher with the real MiniLM model (fetched into `<workspace>/models` on first use): the
//! lower-layer states it reads, symmetry and identity over a whole document, the guards' veto, agreement of its
//! pair and matrix paths, decisions a person would make, and the committed model's size.

mod common;

use std::sync::OnceLock;

use claimbench_gold::GoldSet;
use claimbench_matcher::cross::{StateEncoder, LOWER_LAYERS};
use claimbench_matcher::{CoverMatcher, CrossMatcher, EmbeddingEncoder};
use claimbench_score::Matcher;

fn matcher() -> &'static CrossMatcher<EmbeddingEncoder> {
    static M: OnceLock<CrossMatcher<EmbeddingEncoder>> = OnceLock::new();
    M.get_or_init(|| {
        let cover = CoverMatcher::new(common::default_encoder()).expect("cover loads");
        CrossMatcher::builtin(cover).expect("the committed cross model loads")
    })
}

#[test]
fn states_after_every_layer_are_the_token_vectors_before_normalising() {
    let enc = common::default_encoder();
    let text = "Rex Tillerson met Vladimir Putin in the Kremlin on Wednesday.";
    let states = enc.layer_states(&[text], 6).expect("states");
    let tv = enc.token_vectors(&[text]).expect("token vectors");
    let (s, tv) = (&states[0], &tv[0]);
    let h = tv.sentence.len();
    // [CLS] and [SEP] are among the states, not among the token vectors
    assert_eq!(s.len, tv.tokens.len() + 2);
    for (k, row) in s
        .rows
        .chunks_exact(h)
        .skip(1)
        .take(tv.tokens.len())
        .enumerate()
    {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        for (a, b) in row.iter().zip(tv.row(k)) {
            assert!(
                (a / norm - b).abs() < 1e-5,
                "token {k}: {a} / {norm} against {b}"
            );
        }
    }
    // fewer layers give other states
    let lower = enc.layer_states(&[text], LOWER_LAYERS).expect("states");
    assert_eq!(lower[0].len, s.len);
    assert_ne!(lower[0].rows, s.rows);
}

#[test]
fn a_document_against_itself_is_symmetric_with_a_diagonal_of_one() {
    let gold = GoldSet::builtin().expect("gold");
    let texts: Vec<&str> = gold.claims_for("001").map(|c| c.text.as_str()).collect();
    let n = texts.len();
    let s = matcher().scores(&texts, &texts).expect("scores");
    let d = s.directions.expect("cross is directional");
    for i in 0..n {
        assert_eq!(s.sim.get(i, i), 1.0);
        for j in 0..n {
            assert_eq!(
                s.sim.get(i, j).to_bits(),
                s.sim.get(j, i).to_bits(),
                "{i} {j}"
            );
            assert_eq!(
                d.pred_states_gold.get(i, j).to_bits(),
                d.gold_states_pred.get(j, i).to_bits(),
                "{i} {j}"
            );
        }
    }
}

#[test]
fn the_pair_path_gives_the_matrix_paths_directions() {
    let (a, b) = (
        "Rex Tillerson met Vladimir Putin in the Kremlin for nearly two hours.",
        "Rex Tillerson met Vladimir Putin in the Kremlin.",
    );
    let m = matcher();
    let pair = m.directions_pairs(&[(a, b)]).expect("pair")[0];
    let cell = m.directions_matrix(&[a], &[b]).expect("matrix")[0];
    assert_eq!(pair, cell);
}

#[test]
fn a_guard_veto_keeps_covers_scaled_directions() {
    let (a, b) = (
        "Russia vetoed the UN Security Council resolution on Wednesday.",
        "Russia vetoed the UN Security Council resolution on Thursday.",
    );
    let m = matcher();
    let d = m.directions_pairs(&[(a, b)]).expect("pair")[0];
    let cover = CoverMatcher::new(common::default_encoder()).expect("cover");
    let c = cover.directions_pairs(&[(a, b)]).expect("cover")[0];
    assert!(d.vetoed);
    assert_eq!(d, c);
    assert!(!m.decide(a, b).expect("decide").same);
}

#[test]
fn the_committed_trained_parameters_fit_the_budget() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("weights");
    let mut total = 0;
    for entry in std::fs::read_dir(&dir).expect("weights dir") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "safetensors") {
            total += std::fs::metadata(&p).expect("size").len();
        }
    }
    assert!(
        total > 6_000_000,
        "the cross model's two layers are in: {total}"
    );
    assert!(
        total <= 10_000_000,
        "trained parameters over 10 MB: {total}"
    );
}

#[test]
fn the_candle_forward_gives_the_fast_forwards_lower_states() {
    use claimbench_model::{Embedder, EmbedderOptions, Forward, ModelOverrides};
    let models = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let dir =
        claimbench_model::registry::ensure(claimbench_matcher::DEFAULT_MODEL, &models, &mut |_| {})
            .expect("model");
    let load = |f| {
        Embedder::load_with_forward(
            &dir,
            &EmbedderOptions::default(),
            &ModelOverrides::default(),
            f,
        )
        .expect("loads")
    };
    let (fast, candle) = (load(Forward::Fast), load(Forward::Candle));
    let texts = [
        "Rex Tillerson met Vladimir Putin.",
        "Russia vetoed a UN Security Council resolution condemning the chemical attack in Syria.",
    ];
    let a = fast.layer_states(&texts, LOWER_LAYERS).expect("fast");
    let b = candle.layer_states(&texts, LOWER_LAYERS).expect("candle");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.len, y.len);
        let worst = x
            .rows
            .iter()
            .zip(&y.rows)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-3, "largest difference {worst}");
    }
}
