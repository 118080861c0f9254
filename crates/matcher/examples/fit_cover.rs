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

use claimbench_gold::judged::JudgedSet;
use claimbench_gold::GoldSet;
use claimbench_io::{atomic_write, sha256_hex};
use claimbench_matcher::align::{fit_monotone_logistic, prepare, score_aligned, Aligned, Features};
use claimbench_matcher::cover::{directional_features, directions, Directions, COVER_FEATURES};
use claimbench_matcher::data::{
    hand_pairs, judged_docs, tuning_neighbours, tuning_numbers, tuning_written, LabelledPair,
};
use claimbench_matcher::{AlignParams, DEFAULT_MODEL};
use claimbench_score::agreement::{AgreementSums, DocLinks};
use claimbench_score::{assign, same_text, Assignment, SimMatrix};
use serde_json::json;

#[path = "common/mod.rs"]
mod common;

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
        direction_threshold: None,
        aliases: false,
        name_veto: false,
        name_guard: false,
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
    let root = common::repo_root();
    let encoder = common::default_encoder(&root)?;
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
    for d in judged_docs(&judged, &gold) {
        let m = d.gold.len();
        let rows = d
            .preds
            .iter()
            .enumerate()
            .map(|(i, p)| {
                d.gold
                    .iter()
                    .enumerate()
                    .map(|(j, g)| Cell {
                        pred: p.clone(),
                        gold: g.clone(),
                        pred_states_gold: d.truth[i * m + j].0,
                        gold_states_pred: d.truth[i * m + j].1,
                    })
                    .collect()
            })
            .collect();
        cells.insert((d.system.clone(), d.doc.clone()), rows);
        links.insert((d.system, d.doc), d.links);
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
                    directional_features(pp, pg, MATCH_COSINE, false),
                    c.pred_states_gold,
                ),
                (
                    directional_features(pg, pp, MATCH_COSINE, false),
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
            directional_features(pa, pb, MATCH_COSINE, false),
            directional_features(pb, pa, MATCH_COSINE, false),
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

    // held out by document: each (system, document)'s directions under the fold without it, and align's scores
    let align = AlignParams::builtin()?;
    let mut held: BTreeMap<(String, String), (Vec<Directions>, Vec<f32>)> = BTreeMap::new();
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
            let mut dirs = Vec::new();
            let mut al = Vec::new();
            for c in per_pred.iter().flatten() {
                let (pa, pb) = (&prep[&c.pred], &prep[&c.gold]);
                dirs.push(directions(&params, &c.pred, &c.gold, pa, pb));
                al.push(score_aligned(&align, &c.pred, &c.gold, pa, pb));
            }
            held.insert((name.clone(), d.clone()), (dirs, al));
        }
    }
    let systems: Vec<String> = judged.systems.keys().cloned().collect();
    // figures of one system: `same` gives each pair's score, `dir` whether each direction holds
    let figures = |name: &str,
                   same: &dyn Fn(&Directions, f32) -> f32,
                   threshold: f32,
                   dir: f32|
     -> Res<SystemFigures> {
        let mut f = SystemFigures::default();
        for doc in DOCS {
            let key = (name.to_string(), doc.to_string());
            let dl = &links[&key];
            let (dirs, al) = &held[&key];
            let (n, m) = (dl.same.len(), dl.gold);
            let scores: Vec<f32> = dirs.iter().zip(al).map(|(d, a)| same(d, *a)).collect();
            let matrix = SimMatrix::new(n, m, scores)?;
            let mut assigned = vec![None; n];
            for p in assign(&matrix, threshold, Assignment::Optimal, None)? {
                assigned[p.row] = Some(p.col);
            }
            f.sums.add(dl, &assigned)?;
            f.covered += (0..m)
                .filter(|j| (0..n).any(|i| dirs[i * m + j].a_states_b >= dir))
                .count();
            f.focused += (0..n)
                .filter(|i| (0..m).any(|j| dirs[i * m + j].b_states_a >= dir))
                .count();
        }
        Ok(f)
    };
    let cover_same = |d: &Directions, _: f32| d.same();
    let align_same = |_: &Directions, a: f32| a;
    // the grid of cover-b's thresholds (CANDIDATES.md)
    let grid: Vec<f32> = (2..=10).map(|k| k as f32 * 0.05).collect();
    let mut sweep = Vec::new();
    let mut best_same: Option<(f64, f64, f32)> = None; // (mean gap, -mean links, -threshold)
    let mut best_dir: Option<(f64, f32)> = None;
    println!("cover at each threshold, held out by document (tuning data only)\n");
    println!("| threshold | system | matcher F1 | abs gap | links agree | coverage (person) | focus (person) |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for &t in &grid {
        let (mut gap, mut agree, mut dirloss) = (0.0, 0.0, 0.0);
        for name in &systems {
            let f = figures(name, &cover_same, t, t)?;
            let s = &f.sums;
            let (cov, foc) = (share(f.covered, s.gold), share(f.focused, s.pred));
            gap += s.f1_gap() / systems.len() as f64;
            agree += s.link_agreement() / systems.len() as f64;
            dirloss +=
                ((cov - s.coverage()).abs() + (foc - s.focus()).abs()) / systems.len() as f64;
            println!(
                "| {t:.2} | {name} | {:.3} | {:.3} | {:.3} | {cov:.3} ({:.3}) | {foc:.3} ({:.3}) |",
                s.matcher().f1,
                s.f1_gap(),
                s.link_agreement(),
                s.coverage(),
                s.focus()
            );
            sweep.push(json!({
                "threshold": round(f64::from(t)), "system": name,
                "matcher_f1": round(s.matcher().f1), "f1_gap": round(s.f1_gap()),
                "link_agreement": round(s.link_agreement()),
                "coverage": round(cov), "focus": round(foc),
                "person_f1": round(s.person().f1),
                "person_coverage": round(s.coverage()), "person_focus": round(s.focus()),
            }));
        }
        let key = (round(gap), -round(agree), -t);
        if best_same.is_none_or(|b| key.0 < b.0 || (key.0 == b.0 && (key.1, key.2) < (b.1, b.2))) {
            best_same = Some(key);
        }
        let key = (round(dirloss), -t);
        if best_dir.is_none_or(|b| key < b) {
            best_dir = Some(key);
        }
    }
    let threshold = -best_same.ok_or("empty grid")?.2;
    let direction_threshold = -best_dir.ok_or("empty grid")?.1;
    println!("\nchosen: threshold {threshold:.2}, direction_threshold {direction_threshold:.2}\n");
    println!("| system | matcher | person F1 | matcher F1 | abs gap | links agree |");
    println!("|---|---|---:|---:|---:|---:|");
    let mut held_out = Vec::new();
    for name in &systems {
        for (label, f) in [
            ("align", figures(name, &align_same, align.threshold, 2.0)?),
            (
                "cover",
                figures(name, &cover_same, threshold, direction_threshold)?,
            ),
        ] {
            let s = &f.sums;
            println!(
                "| {name} | {label} | {:.3} | {:.3} | {:.3} | {:.3} |",
                s.person().f1,
                s.matcher().f1,
                s.f1_gap(),
                s.link_agreement()
            );
            held_out.push(json!({
                "system": name, "matcher": label,
                "person_f1": round(s.person().f1), "matcher_f1": round(s.matcher().f1),
                "f1_gap": round(s.f1_gap()), "link_agreement": round(s.link_agreement()),
                "coverage": (label == "cover").then(|| round(share(f.covered, s.gold))),
                "focus": (label == "cover").then(|| round(share(f.focused, s.pred))),
                "person_coverage": round(s.coverage()), "person_focus": round(s.focus()),
            }));
        }
    }

    let all: Vec<&Row> = rows.iter().collect();
    let mut params = fit(&all);
    // fitted behind the content guards; the matcher runs the name guard on top (CANDIDATES.md)
    params.name_guard = true;
    params.threshold = threshold;
    params.direction_threshold = Some(direction_threshold);
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
        "threshold_sweep": sweep,
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

fn share(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
