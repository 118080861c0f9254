//! Fits the `blend` matcher (`weights/blend.json`): on each candidate pair, a monotone logistic model
//! of one direction ("a states all of b") over cover's direction, the committed cross model's
//! direction and align's score, and the threshold that brings the judged systems' F1 closest to the
//! people's.
//!
//! Fitted on sets that none of the three was trained on (`gold/judged2/`, `gold/judged3/`,
//! `gold/judged6/`, `gold/judged7/`, `gold/balanced6/`, `gold/balanced7/`: each has judged earlier
//! decisions and is tuning data now), so the cross model's readings there are not in-sample. The
//! procedure is in `crates/matcher/CANDIDATES.md` ("a blend of the three", "the cross model
//! retrained").
//!
//!     cargo run -p claimbench-matcher --example fit_blend --release            # write blend.json
//!     cargo run -p claimbench-matcher --example fit_blend --release -- --check # compare with it

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use claimbench_gold::judged::JudgedSet;
use claimbench_gold::GoldSet;
use claimbench_io::{atomic_write, sha256_hex};
use claimbench_matcher::align::{fit_monotone_logistic, score_aligned, AlignParams, NF};
use claimbench_matcher::cover::{self, CoverMatcher, Directions};
use claimbench_matcher::cross::{
    self, Blend, CrossModel, CrossParams, StateEncoder, BUILTIN_CROSS, LOWER_LAYERS,
};
use claimbench_matcher::data::{judged_docs, parse_pairs, JudgedDoc, LabelledPair};
use claimbench_matcher::sweep::{self, round};
use claimbench_matcher::DEFAULT_MODEL;
use claimbench_model::LayerStates;
use serde_json::json;

#[path = "common/mod.rs"]
mod common;

type Res<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const COMMAND: &str = "cargo run -p claimbench-matcher --example fit_blend --release";
/// Each prediction's and gold claim's best pairs by cover that the blend reads (as `cross`).
const CANDIDATES: usize = 1;
/// The L2 penalty of the logistic fit.
const L2: f64 = 1e-4;
const JUDGED: [&str; 4] = [
    "gold/judged2",
    "gold/judged3",
    "gold/judged6",
    "gold/judged7",
];
const PAIRS: [&str; 2] = ["gold/balanced6/pairs.jsonl", "gold/balanced7/pairs.jsonl"];

fn read(path: &Path) -> Res<String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// What the blend reads of one judged document: cover's directions and align's score of every cell,
/// and the cross model's directions of the candidate cells.
struct DocReading {
    dirs: Vec<Directions>,
    align: Vec<f32>,
    cross: Vec<(usize, [f32; 2])>,
}

/// The directions the blend gives a document's cells.
fn blended(r: &DocReading, b: &Blend) -> Vec<Directions> {
    let mut d = r.dirs.clone();
    cross::apply(&mut d, &r.cross, Some((b, &r.align)));
    d
}

fn main() -> Res<()> {
    let check = std::env::args().any(|a| a == "--check");
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = common::repo_root();
    let encoder = common::default_encoder(&root)?;
    let gold = GoldSet::builtin()?;
    // the readings as the calibrations were fitted, behind the content guards: the matcher runs the
    // name guard on top of the blend (CANDIDATES.md)
    let mut cover_params = cover::builtin_params()?;
    cover_params.name_guard = false;
    let cover = CoverMatcher::with_params(encoder.clone(), cover_params.clone(), String::new());
    let mut align_params = AlignParams::builtin()?;
    align_params.name_guard = false;
    let model = CrossModel::from_bytes(BUILTIN_CROSS, 384, 1536)?;

    let mut docs: Vec<JudgedDoc> = Vec::new();
    for dir in JUDGED {
        docs.extend(judged_docs(
            &JudgedSet::load(&root.join(dir), &gold)?,
            &gold,
        ));
    }
    let mut pairs: Vec<LabelledPair> = Vec::new();
    for file in PAIRS {
        pairs.extend(parse_pairs(&read(&root.join(file))?, file)?);
    }

    // every text's lower-layer states, once
    let mut texts: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.preds.iter().chain(&d.gold))
        .chain(pairs.iter().flat_map(|p| [&p.a, &p.b]))
        .map(String::as_str)
        .collect();
    texts.sort_unstable();
    texts.dedup();
    eprintln!("lower-layer states of {} texts", texts.len());
    let states: HashMap<&str, LayerStates> = texts
        .iter()
        .copied()
        .zip(encoder.layer_states(&texts, LOWER_LAYERS)?)
        .collect();

    // what the blend reads: judged documents (candidate cells) and pairs
    let mut x: Vec<[f32; NF]> = Vec::new();
    let mut y: Vec<bool> = Vec::new();
    let mut counts: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    let row =
        |i: [f32; 3]| -> [f32; NF] { std::array::from_fn(|k| if k < 3 { i[k] } else { 0.0 }) };
    let mut readings = Vec::new();
    for d in &docs {
        let p: Vec<&str> = d.preds.iter().map(String::as_str).collect();
        let g: Vec<&str> = d.gold.iter().map(String::as_str).collect();
        let (dirs, align): (Vec<Directions>, Vec<f32>) = cover
            .aligner()
            .cells(&p, &g, |a, b, pa, pb| {
                (
                    cover::directions(&cover_params, a, b, pa, pb),
                    score_aligned(&align_params, a, b, pa, pb),
                )
            })?
            .into_iter()
            .unzip();
        let rows: Vec<LayerStates> = p.iter().map(|t| states[t].clone()).collect();
        let cols: Vec<LayerStates> = g.iter().map(|t| states[t].clone()).collect();
        let cross = if p.is_empty() || g.is_empty() {
            Vec::new()
        } else {
            cross::read_candidates(&model, &dirs, (&rows, &cols), CANDIDATES)?
        };
        for &(c, [ab, ba]) in &cross {
            let (pg, gp) = d.truth[c];
            for (v, yv) in [
                (Blend::inputs(dirs[c].a_states_b, ab, align[c]), pg),
                (Blend::inputs(dirs[c].b_states_a, ba, align[c]), gp),
            ] {
                x.push(row(v));
                y.push(yv);
                counts.entry("judged").or_default()[usize::from(yv)] += 1;
            }
        }
        readings.push(DocReading { dirs, align, cross });
    }
    let pair_refs: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
    let pair_dirs = cover.directions_pairs(&pair_refs)?;
    let prepared = cover.aligner().prepare_all(
        &pair_refs
            .iter()
            .flat_map(|(a, b)| [*a, *b])
            .collect::<Vec<_>>(),
    )?;
    let mut pair_inputs: Vec<Option<(f32, [f32; 2])>> = Vec::new();
    for (p, d) in pairs.iter().zip(&pair_dirs) {
        if d.vetoed || (d.a_states_b == 1.0 && d.b_states_a == 1.0) {
            pair_inputs.push(None);
            continue;
        }
        let (sa, sb) = (&states[p.a.as_str()], &states[p.b.as_str()]);
        let two = model.probabilities(&[(sa, sb), (sb, sa)], 2)?;
        let align = score_aligned(&align_params, &p.a, &p.b, &prepared[&p.a], &prepared[&p.b]);
        pair_inputs.push(Some((align, [two[0], two[1]])));
        // a partial pair states one direction, and which one is not labelled
        if p.kind != "partial" {
            for v in [
                Blend::inputs(d.a_states_b, two[0], align),
                Blend::inputs(d.b_states_a, two[1], align),
            ] {
                x.push(row(v));
                y.push(p.same);
                counts.entry("pairs").or_default()[usize::from(p.same)] += 1;
            }
        }
    }
    eprintln!("rows (negative, positive): {counts:?}");
    let (bias, w) = fit_monotone_logistic(&x, &y, L2);
    let blend = Blend {
        bias: round(bias),
        weights: [round(w[0]), round(w[1]), round(w[2])],
    };
    println!(
        "blend: bias {:.4}, weights cover {:.4}, cross {:.4}, align {:.4}",
        blend.bias, blend.weights[0], blend.weights[1], blend.weights[2]
    );

    // the threshold: the smallest mean gap over the judged systems, then the higher pair accuracy,
    // then the higher threshold (sweep::sweep)
    let dirs: Vec<Vec<Directions>> = readings.iter().map(|r| blended(r, &blend)).collect();
    let pair_blended: Vec<Directions> = pair_dirs
        .iter()
        .zip(&pair_inputs)
        .map(|(d, i)| {
            let mut one = [*d];
            if let Some((align, two)) = i {
                cross::apply(&mut one, &[(0, *two)], Some((&blend, &[*align])));
            }
            one[0]
        })
        .collect();
    println!("\nblend at each threshold, on the fitting sets (tuning data)\n");
    let found = sweep::sweep(&docs, &dirs, &pairs, &pair_blended, "pairs_accuracy")?;
    print!("{}", found.table);
    let (threshold, sweep) = (found.threshold, found.rows);
    let kinds = found.by_kind;
    println!("\nchosen threshold {threshold:.2}; pairs by kind:");
    for (k, [r, n]) in &kinds {
        println!("  {k:<14} {:.3} ({r}/{n})", *r as f64 / *n as f64);
    }
    let params = CrossParams {
        threshold,
        direction_threshold: threshold,
        candidates: CANDIDATES,
        blend: Some(blend),
        fitted: json!({
            "command": COMMAND,
            "model": DEFAULT_MODEL,
            "cross_weights_sha256": sha256_hex(BUILTIN_CROSS),
            "judged": JUDGED, "pairs": PAIRS, "l2": L2,
            "rows": counts.iter().map(|(k, v)| (k.to_string(), json!({"negative": v[0], "positive": v[1]}))).collect::<BTreeMap<_, _>>(),
            "sweep": sweep,
            "pairs_by_kind": kinds.iter().map(|(k, [r, n])| (k.to_string(), round(*r as f64 / *n as f64))).collect::<BTreeMap<_, _>>(),
        }),
    };
    let text = serde_json::to_string_pretty(&params)? + "\n";
    let out = crate_dir.join("weights/blend.json");
    if check {
        if read(&out)? == text {
            println!("check: weights/blend.json reproduced byte for byte");
        } else {
            return Err("check: the fitted blend differs from weights/blend.json".into());
        }
    } else {
        atomic_write(&out, text.as_bytes())?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
