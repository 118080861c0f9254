//! Fit the `cover` matcher's calibration (one monotone logistic model of "a states all of b") on the
//! tuning data, print its figures held out by document beside align's, and write
//! `crates/matcher/weights/cover.json`. The procedure and its rules were written into
//! `crates/matcher/CANDIDATES.md` before the tuning labels existed.
//!
//! ```text
//! cargo run -p claimbench-matcher --example fit_cover --release             # fit, evaluate, write
//! cargo run -p claimbench-matcher --example fit_cover --release -- --check  # fit, compare, write nothing
//! ```
//!
//! Tuning data only: `gold/tuning/judged/` (people's labels of `sentences` and `person2`) and the
//! symmetric tuning pairs (`gold/pairs.jsonl`, `gold/tuning/*.jsonl`). No frozen set is read here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use claimbench_gold::judged::{JudgedSet, Stated};
use claimbench_gold::GoldSet;
use claimbench_io::{atomic_write, sha256_hex};
use claimbench_matcher::align::{fit_monotone_logistic, prepare, score_aligned, Aligned, Features};
use claimbench_matcher::cover::{directional_features, directions, COVER_FEATURES};
use claimbench_matcher::data::{
    hand_pairs, tuning_neighbours, tuning_numbers, tuning_written, LabelledPair,
};
use claimbench_matcher::{AlignParams, EmbeddingEncoder, DEFAULT_MODEL};
use claimbench_model::EmbedderOptions;
use claimbench_score::agreement::{AgreementSums, DocLinks};
use claimbench_score::{assign, same_text, Assignment, SimMatrix};
use serde_json::json;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const COMMAND: &str = "cargo run -p claimbench-matcher --example fit_cover --release";
/// L2 penalty, as align's.
const L2: f64 = 1e-3;
/// Decision threshold of each direction, fixed before fitting.
const THRESHOLD: f32 = 0.5;
/// align's `match_cosine`, kept.
const MATCH_COSINE: f32 = 0.7;
const DOCS: [&str; 5] = ["000", "001", "002", "003", "004"];

type Prepared = HashMap<String, Arc<Aligned>>;

/// One training row: features of "a states all of b", the label, and the documents it belongs to.
struct Row {
    x: Features,
    y: bool,
    docs: Vec<String>,
}

/// One judged prediction against one gold claim of its document.
struct Cell {
    pred: String,
    gold: String,
    /// The prediction states all of the gold claim (`same` or `bundles`).
    pred_states_gold: bool,
    /// The gold claim states all of the prediction (`same` or `part_of`).
    gold_states_pred: bool,
}

fn usable(prep: &Prepared, a: &str, b: &str) -> bool {
    let (pa, pb) = (&prep[a], &prep[b]);
    !same_text(a, b)
        && claimbench_matcher::guards::check(pa.read(), pb.read()).is_empty()
        && claimbench_matcher::guards::check(pb.read(), pa.read()).is_empty()
}

fn fit(rows: &[&Row]) -> AlignParams {
    let x: Vec<Features> = rows.iter().map(|r| r.x).collect();
    let y: Vec<bool> = rows.iter().map(|r| r.y).collect();
    let (bias, weights) = fit_monotone_logistic(&x, &y, L2);
    AlignParams {
        bias,
        weights,
        match_cosine: MATCH_COSINE,
        threshold: THRESHOLD,
        fitted: serde_json::Value::Null,
    }
}

/// Figures of one system's predictions scored by `score` (pred, gold) -> (pred states gold, gold states pred).
#[derive(Default)]
struct SystemFigures {
    sums: AgreementSums,
    /// Gold claims some prediction states all of, by the matcher.
    covered: usize,
    /// Predictions some gold claim states all of, by the matcher.
    focused: usize,
}

fn main() -> Res<()> {
    let check = std::env::args().any(|a| a == "--check");
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir.join("../..");
    let models_dir = std::env::var_os("CLAIMBENCH_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models"));
    let encoder = EmbeddingEncoder::load_registered(
        DEFAULT_MODEL,
        &models_dir,
        &EmbedderOptions::default(),
        &mut |m| eprintln!("{m}"),
    )?;
    let gold = GoldSet::builtin()?;
    let judged_dir = root.join("gold/tuning/judged");
    let judged = JudgedSet::load(&judged_dir, &gold)?;
    let mut pairs: Vec<LabelledPair> = Vec::new();
    for set in [
        hand_pairs()?,
        tuning_neighbours()?,
        tuning_written()?,
        tuning_numbers()?,
    ] {
        pairs.extend(set.into_iter().filter(|p| p.kind != "partial"));
    }

    // every judged prediction against every gold claim of its document
    let mut cells: BTreeMap<(String, String), Vec<Vec<Cell>>> = BTreeMap::new(); // (system, doc) -> per pred
    let mut links: BTreeMap<(String, String), DocLinks> = BTreeMap::new();
    for (name, sys) in &judged.systems {
        for doc in DOCS {
            let g: Vec<_> = gold.claims_for(doc).collect();
            let index: HashMap<&str, usize> = g
                .iter()
                .enumerate()
                .map(|(k, c)| (c.id.as_str(), k))
                .collect();
            let mut rows = Vec::new();
            let mut dl = DocLinks {
                gold: g.len(),
                ..DocLinks::default()
            };
            for (p, l) in sys
                .predictions
                .iter()
                .zip(&sys.labels)
                .filter(|(p, _)| p.doc == doc)
            {
                let has = |v: &[String], id: &str| v.iter().any(|x| x == id);
                rows.push(
                    g.iter()
                        .map(|c| Cell {
                            pred: p.text.clone(),
                            gold: c.text.clone(),
                            pred_states_gold: has(&l.same, &c.id) || has(&l.bundles, &c.id),
                            gold_states_pred: has(&l.same, &c.id) || has(&l.part_of, &c.id),
                        })
                        .collect(),
                );
                dl.same
                    .push(l.same.iter().map(|i| index[i.as_str()]).collect());
                dl.bundles
                    .push(l.bundles.iter().map(|i| index[i.as_str()]).collect());
                dl.stated_all.push(l.stated == Stated::All);
            }
            cells.insert((name.clone(), doc.to_string()), rows);
            links.insert((name.clone(), doc.to_string()), dl);
        }
    }

    let mut texts: BTreeSet<&str> = BTreeSet::new();
    for rows in cells.values() {
        for c in rows.iter().flatten() {
            texts.insert(&c.pred);
            texts.insert(&c.gold);
        }
    }
    for p in &pairs {
        texts.insert(&p.a);
        texts.insert(&p.b);
    }
    let texts: Vec<&str> = texts.into_iter().collect();
    eprintln!("token vectors of {} texts", texts.len());
    let tvs = encoder.token_vectors(&texts)?;
    let prep: Prepared = texts
        .iter()
        .zip(&tvs)
        .map(|(t, tv)| (t.to_string(), Arc::new(prepare(t, tv))))
        .collect();

    // training rows, both directions
    let mut rows: Vec<Row> = Vec::new();
    let mut counts: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    for ((_, doc), per_pred) in &cells {
        for c in per_pred.iter().flatten() {
            if !usable(&prep, &c.pred, &c.gold) {
                continue;
            }
            let (pp, pg) = (&prep[&c.pred], &prep[&c.gold]);
            for (x, y) in [
                (
                    directional_features(pp, pg, MATCH_COSINE),
                    c.pred_states_gold,
                ),
                (
                    directional_features(pg, pp, MATCH_COSINE),
                    c.gold_states_pred,
                ),
            ] {
                counts.entry("judged").or_default()[usize::from(y)] += 1;
                rows.push(Row {
                    x,
                    y,
                    docs: vec![doc.clone()],
                });
            }
        }
    }
    for p in &pairs {
        if !usable(&prep, &p.a, &p.b) {
            continue;
        }
        let (pa, pb) = (&prep[&p.a], &prep[&p.b]);
        for x in [
            directional_features(pa, pb, MATCH_COSINE),
            directional_features(pb, pa, MATCH_COSINE),
        ] {
            counts.entry("pairs").or_default()[usize::from(p.same)] += 1;
            rows.push(Row {
                x,
                y: p.same,
                docs: p.docs.clone(),
            });
        }
    }
    eprintln!("rows: {counts:?}");

    // held out by document
    let align = AlignParams::builtin()?;
    let mut figures: BTreeMap<(String, &str), SystemFigures> = BTreeMap::new();
    for doc in DOCS {
        let train: Vec<&Row> = rows
            .iter()
            .filter(|r| !r.docs.iter().any(|d| d == doc))
            .collect();
        let params = fit(&train);
        eprintln!(
            "fold {doc}: bias {:.3} weights {:?}",
            params.bias, params.weights
        );
        for ((name, d), per_pred) in &cells {
            if d != doc {
                continue;
            }
            let dl = &links[&(name.clone(), d.clone())];
            for (label, score) in [("cover", true), ("align", false)] {
                let n = per_pred.len();
                let m = dl.gold;
                let mut same = vec![0f32; n * m];
                let mut pg = vec![false; n * m];
                let mut gp = vec![false; n * m];
                for (i, row) in per_pred.iter().enumerate() {
                    for (j, c) in row.iter().enumerate() {
                        let (pa, pb) = (&prep[&c.pred], &prep[&c.gold]);
                        if score {
                            let dir = directions(&params, &c.pred, &c.gold, pa, pb);
                            same[i * m + j] = dir.same();
                            pg[i * m + j] = dir.a_states_b >= THRESHOLD;
                            gp[i * m + j] = dir.b_states_a >= THRESHOLD;
                        } else {
                            same[i * m + j] = score_aligned(&align, &c.pred, &c.gold, pa, pb);
                        }
                    }
                }
                let matrix = SimMatrix::new(n, m, same)?;
                let threshold = if score { THRESHOLD } else { align.threshold };
                let mut assigned = vec![None; n];
                for p in assign(&matrix, threshold, Assignment::Optimal, None)? {
                    assigned[p.row] = Some(p.col);
                }
                let f = figures.entry((name.clone(), label)).or_default();
                f.sums.add(dl, &assigned)?;
                f.covered += (0..m).filter(|j| (0..n).any(|i| pg[i * m + j])).count();
                f.focused += (0..n).filter(|i| (0..m).any(|j| gp[i * m + j])).count();
            }
        }
    }
    let mut held_out = Vec::new();
    println!("held out by document (tuning data only)\n");
    println!("| system | matcher | person F1 | matcher F1 | abs gap | links agree | coverage (person) | focus (person) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for ((name, label), f) in &figures {
        let s = &f.sums;
        let (cov, foc) = if *label == "cover" {
            (
                format!(
                    "{:.3} ({:.3})",
                    f.covered as f64 / s.gold as f64,
                    s.coverage()
                ),
                format!("{:.3} ({:.3})", f.focused as f64 / s.pred as f64, s.focus()),
            )
        } else {
            (
                format!("- ({:.3})", s.coverage()),
                format!("- ({:.3})", s.focus()),
            )
        };
        println!(
            "| {name} | {label} | {:.3} | {:.3} | {:.3} | {:.3} | {cov} | {foc} |",
            s.person().f1,
            s.matcher().f1,
            s.f1_gap(),
            s.link_agreement()
        );
        held_out.push(json!({
            "system": name, "matcher": label,
            "person_f1": round(s.person().f1), "matcher_f1": round(s.matcher().f1),
            "f1_gap": round(s.f1_gap()), "link_agreement": round(s.link_agreement()),
            "coverage": (*label == "cover").then(|| round(f.covered as f64 / s.gold as f64)),
            "focus": (*label == "cover").then(|| round(f.focused as f64 / s.pred as f64)),
            "person_coverage": round(s.coverage()), "person_focus": round(s.focus()),
        }));
    }

    let all: Vec<&Row> = rows.iter().collect();
    let mut params = fit(&all);
    params.fitted = json!({
        "command": COMMAND,
        "features": COVER_FEATURES,
        "embedding_model": DEFAULT_MODEL,
        "embedding_weights_sha256": encoder.embedder().weights_sha256(),
        "gold_hash": gold.hash(),
        "tuning_judged_sha256sums": sha256_hex(&std::fs::read(judged_dir.join("SHA256SUMS"))?),
        "rows": counts,
        "l2": L2,
        "held_out_by_document": held_out,
    });
    let text = serde_json::to_string_pretty(&params)? + "\n";
    let out = crate_dir.join("weights/cover.json");
    if check {
        let committed = std::fs::read_to_string(&out)?;
        if committed != text {
            return Err(format!("{} differs from what the fit gives", out.display()).into());
        }
        eprintln!("{} reproduced byte for byte", out.display());
    } else {
        atomic_write(&out, text.as_bytes())?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
