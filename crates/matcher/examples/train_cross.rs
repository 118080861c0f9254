//! Train the `cross` matcher's model (the top layers of all-MiniLM-L6-v2 reading two claims together,
//! `claimbench_matcher::cross`), choose its thresholds, print its figures, and write
//! `crates/matcher/weights/cross.safetensors` and `cross.json`. The procedure and its rules were written
//! into `crates/matcher/CANDIDATES.md` before its first run.
//!
//! ```text
//! cargo run -p claimbench-matcher --example train_cross --release             # train, evaluate, write
//! cargo run -p claimbench-matcher --example train_cross --release -- --check  # train, compare, write nothing
//! cargo run -p claimbench-matcher --example train_cross --release -- --evaluate  # the committed model: validate, rewrite cross.json
//! ```
//!
//! Training data: people's labels of real extractor output (`gold/tuning/judged/`, `gold/judged/`), the
//! symmetric pairs (`gold/pairs.jsonl`, `gold/tuning/*.jsonl`, `gold/eval/`, `gold/balanced/` to
//! `gold/balanced5/`), each direction a row, and those sets' partial pairs, where one direction fails
//! and which one is not labelled, as a loss on both directions together. Validation (the
//! thresholds are chosen on it): `gold/judged6/` and `gold/balanced6/`. No other set is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use claimbench_gold::judged::JudgedSet;
use claimbench_gold::GoldSet;
use claimbench_io::{atomic_write, sha256_hex};
use claimbench_matcher::cover::{CoverMatcher, Directions};
use claimbench_matcher::cross::{self, CrossModel, CrossParams, StateEncoder, LOWER_LAYERS};
use claimbench_matcher::data::{
    balanced_pairs, frozen_pairs, hand_pairs, judged_docs, parse_pairs, tuning_neighbours,
    tuning_numbers, tuning_written, LabelledPair,
};
use claimbench_matcher::sweep::{self, round};
use claimbench_matcher::DEFAULT_MODEL;
use claimbench_model::LayerStates;
use claimbench_score::same_text;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::json;

#[path = "common/mod.rs"]
mod common;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const COMMAND: &str = "cargo run -p claimbench-matcher --example train_cross --release";
const SEED: u64 = 20170412;
const EPOCHS: usize = 3;
const BATCH: usize = 32;
const LR: f64 = 1e-4;
const WEIGHT_DECAY: f64 = 0.01;
/// Each judged prediction's nearest gold claims by sentence cosine taken as training rows, beside its links.
const NEAREST: usize = 5;
/// Each prediction's and gold claim's best pairs by `cover` that the model reads (fixed before training).
const CANDIDATES: usize = 3;

/// One directional training row: "text a states all of text b" (indices into the texts).
struct Row {
    a: usize,
    b: usize,
    y: bool,
}

/// One partial pair (indices into the texts): a and b do not state each other both ways.
struct Partial {
    a: usize,
    b: usize,
}

/// The balanced sets whose pairs are training rows beside `gold/balanced/`.
const TRAIN_BALANCED: [&str; 4] = [
    "gold/balanced2/pairs.jsonl",
    "gold/balanced3/pairs.jsonl",
    "gold/balanced4/pairs.jsonl",
    "gold/balanced5/pairs.jsonl",
];
/// The validation sets: the thresholds are chosen on them.
const VALID_JUDGED: &str = "gold/judged6";
const VALID_PAIRS: &str = "gold/balanced6/pairs.jsonl";

fn read(path: &Path) -> Res<String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// The texts, indexed.
#[derive(Default)]
struct Texts {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Texts {
    fn id(&mut self, t: &str) -> usize {
        if let Some(&k) = self.index.get(t) {
            return k;
        }
        self.list.push(t.to_string());
        self.index.insert(t.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The base model's top layers as trainable variables under the cross model's names, with a zero
/// segment vector and head.
fn init_vars(weights: &Path, device: &Device) -> Res<VarMap> {
    let st = candle_core::safetensors::load(weights, device)?;
    let prefix = if st.contains_key("embeddings.word_embeddings.weight") {
        ""
    } else {
        "bert."
    };
    let varmap = VarMap::new();
    {
        let mut data = varmap.data().lock().map_err(|_| "var map lock")?;
        for name in CrossModel::tensor_names() {
            let t = if let Some(rest) = name.strip_prefix("layer.") {
                let (n, part) = rest.split_once('.').ok_or("bad name")?;
                let layer = LOWER_LAYERS + n.parse::<usize>()?;
                let key = format!("{prefix}encoder.layer.{layer}.{part}");
                st.get(&key)
                    .ok_or_else(|| format!("{}: no tensor {key}", weights.display()))?
                    .to_dtype(DType::F32)?
            } else if name == "segment" {
                Tensor::zeros(384, DType::F32, device)?
            } else if name == "head.weight" {
                Tensor::zeros((1, 384), DType::F32, device)?
            } else {
                Tensor::zeros(1, DType::F32, device)?
            };
            data.insert(name, Var::from_tensor(&t)?);
        }
    }
    Ok(varmap)
}

/// `log(1 + e^z)`, elementwise and stable.
fn softplus(z: &Tensor) -> candle_core::Result<Tensor> {
    z.relu()? + (z.abs()?.neg()?.exp()? + 1.0)?.log()?
}

/// The weighted logistic loss of directional rows, summed: `w · (softplus(z) − y z)`.
fn row_loss(z: &Tensor, y: &Tensor, w: &Tensor) -> candle_core::Result<Tensor> {
    ((softplus(z)? - (y * z)?)? * w)?.sum_all()
}

/// The loss of partial pairs, summed: `−log(1 − σ(z_ab) σ(z_ba))`, "not both directions".
fn partial_loss(ab: &Tensor, ba: &Tensor) -> candle_core::Result<Tensor> {
    let log_both = (softplus(&ab.neg()?)? + softplus(&ba.neg()?)?)?.neg()?;
    (log_both.exp()?.neg()? + 1.0)?
        .clamp(1e-6f32, 1.0f32)?
        .log()?
        .neg()?
        .sum_all()
}

fn train(
    rows: &[Row],
    partials: &[Partial],
    states: &[LayerStates],
    weights: &Path,
    log: &mut Vec<serde_json::Value>,
) -> Res<VarMap> {
    let device = Device::Cpu;
    let varmap = init_vars(weights, &device)?;
    let model = CrossModel::load(
        VarBuilder::from_varmap(&varmap, DType::F32, &device),
        384,
        1536,
    )?;
    let pos = rows.iter().filter(|r| r.y).count();
    let pos_weight = (rows.len() - pos) as f64 / pos.max(1) as f64;
    let mut opt = AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: LR,
            weight_decay: WEIGHT_DECAY,
            ..ParamsAdamW::default()
        },
    )?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let items = rows.len() + partials.len();
    let steps = EPOCHS * items.div_ceil(BATCH);
    let warm = steps / 10;
    let mut step = 0;
    for epoch in 0..EPOCHS {
        let start = Instant::now();
        let mut order: Vec<usize> = (0..items).collect();
        order.shuffle(&mut rng);
        let mut total = 0.0;
        let mut seen = 0usize;
        for chunk in order.chunks(BATCH) {
            let lr = if step < warm {
                LR * (step + 1) as f64 / warm as f64
            } else {
                LR * (steps - step) as f64 / (steps - warm) as f64
            };
            opt.set_learning_rate(lr);
            // the forward passes of the batch: a row's one direction, a partial pair's two
            let mut pairs: Vec<(&LayerStates, &LayerStates)> = Vec::new();
            let (mut at, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
            let (mut ab, mut ba) = (Vec::new(), Vec::new());
            for &k in chunk {
                if let Some(r) = rows.get(k) {
                    at.push(pairs.len() as u32);
                    pairs.push((&states[r.a], &states[r.b]));
                    y.push(f32::from(u8::from(r.y)));
                    w.push(if r.y { pos_weight as f32 } else { 1.0 });
                } else {
                    let p = &partials[k - rows.len()];
                    ab.push(pairs.len() as u32);
                    pairs.push((&states[p.a], &states[p.b]));
                    ba.push(pairs.len() as u32);
                    pairs.push((&states[p.b], &states[p.a]));
                }
            }
            let z = model.logits(&pairs)?;
            let pick = |ix: Vec<u32>| -> candle_core::Result<Tensor> {
                z.index_select(&Tensor::new(ix, &device)?, 0)
            };
            let mut sum = Tensor::zeros((), DType::F32, &device)?;
            if !at.is_empty() {
                sum = (sum
                    + row_loss(
                        &pick(at)?,
                        &Tensor::new(y, &device)?,
                        &Tensor::new(w, &device)?,
                    )?)?;
            }
            if !ab.is_empty() {
                sum = (sum + partial_loss(&pick(ab)?, &pick(ba)?)?)?;
            }
            let l = (sum / chunk.len() as f64)?;
            total += f64::from(l.to_scalar::<f32>()?) * chunk.len() as f64;
            opt.backward_step(&l)?;
            step += 1;
            seen += chunk.len();
            if step % 100 == 0 {
                eprintln!(
                    "  step {step}/{steps}: mean loss of the epoch so far {:.4} ({:.0} s into it)",
                    total / seen as f64,
                    start.elapsed().as_secs_f64()
                );
            }
        }
        let mean = total / items as f64;
        eprintln!(
            "epoch {}: loss {mean:.4} ({:.0} s)",
            epoch + 1,
            start.elapsed().as_secs_f64()
        );
        log.push(json!({"epoch": epoch + 1, "loss": round(mean)}));
    }
    Ok(varmap)
}

/// The model's file: the layers in f16 (half the bytes), the segment vector and head in f32.
fn weights_bytes(varmap: &VarMap) -> Res<Vec<u8>> {
    let data = varmap.data().lock().map_err(|_| "var map lock")?;
    let mut tensors: BTreeMap<String, Tensor> = BTreeMap::new();
    for (name, var) in data.iter() {
        let t = var.as_tensor().clone();
        let t = if name.starts_with("layer.") {
            t.to_dtype(DType::F16)?
        } else {
            t
        };
        tensors.insert(name.clone(), t);
    }
    let dir = tempfile_dir()?;
    let path = dir.join("cross.safetensors");
    candle_core::safetensors::save(&tensors.into_iter().collect(), &path)?;
    let bytes = std::fs::read(&path)?;
    std::fs::remove_file(&path)?;
    Ok(bytes)
}

fn tempfile_dir() -> Res<PathBuf> {
    let d = std::env::temp_dir().join(format!("claimbench-train-cross-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn main() -> Res<()> {
    let check = std::env::args().any(|a| a == "--check");
    let evaluate = std::env::args().any(|a| a == "--evaluate");
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = common::repo_root();
    let encoder = common::default_encoder(&root)?;
    let weights_path = encoder.embedder().weights_path().to_path_buf();
    let gold = GoldSet::builtin()?;
    let mut train_cells = Vec::new();
    for dir in ["gold/tuning/judged", "gold/judged"] {
        train_cells.extend(judged_docs(
            &JudgedSet::load(&root.join(dir), &gold)?,
            &gold,
        ));
    }
    let valid_cells = judged_docs(&JudgedSet::load(&root.join(VALID_JUDGED), &gold)?, &gold);
    let mut train_pairs: Vec<LabelledPair> = Vec::new();
    for set in [
        hand_pairs()?,
        tuning_neighbours()?,
        tuning_written()?,
        tuning_numbers()?,
        frozen_pairs()?,
        balanced_pairs()?,
    ] {
        train_pairs.extend(set);
    }
    for file in TRAIN_BALANCED {
        train_pairs.extend(parse_pairs(&read(&root.join(file))?, file)?);
    }
    let valid_pairs = parse_pairs(&read(&root.join(VALID_PAIRS))?, VALID_PAIRS)?;

    let mut texts = Texts::default();
    for c in train_cells.iter().chain(&valid_cells) {
        for t in c.preds.iter().chain(&c.gold) {
            texts.id(t);
        }
    }
    for p in train_pairs.iter().chain(&valid_pairs) {
        texts.id(&p.a);
        texts.id(&p.b);
    }
    let refs: Vec<&str> = texts.list.iter().map(String::as_str).collect();
    eprintln!(
        "lower-layer states and sentence vectors of {} texts",
        refs.len()
    );
    let states = encoder.layer_states(&refs, LOWER_LAYERS)?;
    let vectors = encoder.vectors(&refs)?;

    // training rows: each judged prediction against its linked and nearest gold claims, both ways
    let mut rows: Vec<Row> = Vec::new();
    let mut counts: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    for c in &train_cells {
        let m = c.gold.len();
        for (i, p) in c.preds.iter().enumerate() {
            let pi = texts.index[p];
            let mut near: Vec<usize> = (0..m).collect();
            near.sort_by(|&x, &y| {
                let s = |j: usize| dot(&vectors[pi], &vectors[texts.index[&c.gold[j]]]);
                s(y).total_cmp(&s(x)).then(x.cmp(&y))
            });
            let mut chosen: BTreeSet<usize> = near.into_iter().take(NEAREST).collect();
            chosen.extend((0..m).filter(|&j| c.truth[i * m + j] != (false, false)));
            for j in chosen {
                if same_text(p, &c.gold[j]) {
                    continue;
                }
                let gj = texts.index[&c.gold[j]];
                let (pg, gp) = c.truth[i * m + j];
                for (a, b, y) in [(pi, gj, pg), (gj, pi, gp)] {
                    counts.entry("judged").or_default()[usize::from(y)] += 1;
                    rows.push(Row { a, b, y });
                }
            }
        }
    }
    let mut partials: Vec<Partial> = Vec::new();
    for p in &train_pairs {
        if same_text(&p.a, &p.b) {
            continue;
        }
        let (a, b) = (texts.index[&p.a], texts.index[&p.b]);
        if p.kind == "partial" {
            counts.entry("partial pairs").or_default()[0] += 1;
            partials.push(Partial { a, b });
            continue;
        }
        for (a, b) in [(a, b), (b, a)] {
            counts.entry("pairs").or_default()[usize::from(p.same)] += 1;
            rows.push(Row { a, b, y: p.same });
        }
    }
    eprintln!("rows (negative, positive): {counts:?}");

    let out_w = crate_dir.join("weights/cross.safetensors");
    let out_p = crate_dir.join("weights/cross.json");
    let (bytes, log) = if evaluate {
        // the committed model and its training log, validated again (the validation code changed, not the model)
        let committed = CrossParams::parse(&read(&out_p)?, "weights/cross.json")?;
        let log = committed.fitted["training"]
            .as_array()
            .cloned()
            .ok_or("weights/cross.json: no training log")?;
        (std::fs::read(&out_w)?, log)
    } else {
        let mut log = Vec::new();
        let varmap = train(&rows, &partials, &states, &weights_path, &mut log)?;
        (weights_bytes(&varmap)?, log)
    };
    // from here on, the model as committed: f16 layers read back in f32
    let model = CrossModel::from_bytes(&bytes, 384, 1536)?;

    // validation: cover's directions of every judged2 cell, rescored by the model on the candidates
    let cover = CoverMatcher::new(encoder.clone())?;
    let mut dirs: Vec<Vec<Directions>> = Vec::new();
    for c in &valid_cells {
        let p: Vec<&str> = c.preds.iter().map(String::as_str).collect();
        let g: Vec<&str> = c.gold.iter().map(String::as_str).collect();
        let mut d = cover.directions_matrix(&p, &g)?;
        let rows: Vec<LayerStates> = p.iter().map(|t| states[texts.index[*t]].clone()).collect();
        let cols: Vec<LayerStates> = g.iter().map(|t| states[texts.index[*t]].clone()).collect();
        cross::rescore(&model, &mut d, (&rows, &cols), CANDIDATES, None)?;
        dirs.push(d);
    }
    let pair_refs: Vec<(&str, &str)> = valid_pairs
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str()))
        .collect();
    let mut pair_dirs = cover.directions_pairs(&pair_refs)?;
    for (p, d) in valid_pairs.iter().zip(pair_dirs.iter_mut()) {
        let mut one = [*d];
        let (a, b) = (&states[texts.index[&p.a]], &states[texts.index[&p.b]]);
        cross::rescore(
            &model,
            &mut one,
            (std::slice::from_ref(a), std::slice::from_ref(b)),
            1,
            None,
        )?;
        *d = one[0];
    }

    println!("cross at each threshold, on the validation sets ({VALID_JUDGED}, {VALID_PAIRS})\n");
    let found = sweep::sweep(
        &valid_cells,
        &dirs,
        &valid_pairs,
        &pair_dirs,
        "balanced6_accuracy",
    )?;
    print!("{}", found.table);
    let (threshold, sweep) = (found.threshold, found.rows);
    println!("\nchosen threshold {threshold:.2}; {VALID_PAIRS} by kind:");
    for (k, [r, n]) in &found.by_kind {
        println!("  {k:<14} {:.3} ({r}/{n})", *r as f64 / *n as f64);
    }
    let params = CrossParams {
        threshold,
        direction_threshold: threshold,
        candidates: CANDIDATES,
        blend: None,
        fitted: json!({
            "command": COMMAND,
            "model": DEFAULT_MODEL,
            "lower_layers": LOWER_LAYERS,
            "seed": SEED, "epochs": EPOCHS, "batch": BATCH, "lr": LR, "weight_decay": WEIGHT_DECAY,
            "nearest": NEAREST,
            "pairs": TRAIN_BALANCED, "validation": [VALID_JUDGED, VALID_PAIRS],
            "rows": counts.iter().map(|(k, v)| (k.to_string(), json!({"negative": v[0], "positive": v[1]}))).collect::<BTreeMap<_, _>>(),
            "training": log,
            "weights_sha256": sha256_hex(&bytes),
            "validation_sweep": sweep,
            "decisions_sha256": sha256_hex(decisions(&pair_dirs, &dirs, threshold).as_bytes()),
        }),
    };
    let json_text = serde_json::to_string_pretty(&params)? + "\n";
    if check {
        let committed = CrossParams::parse(&read(&out_p)?, "weights/cross.json")?;
        let same_bytes = std::fs::read(&out_w).map(|b| b == bytes).unwrap_or(false);
        let want = committed.fitted.get("decisions_sha256").cloned();
        let got = params.fitted.get("decisions_sha256").cloned();
        if same_bytes && committed == params {
            println!("check: weights and parameters reproduced byte for byte");
        } else if want == got && committed.threshold == params.threshold {
            println!(
                "check: every validation decision reproduced (weights differ in the last bits)"
            );
        } else {
            return Err(
                "check: the trained model's decisions differ from the committed ones".into(),
            );
        }
    } else {
        atomic_write(&out_w, &bytes)?;
        atomic_write(&out_p, json_text.as_bytes())?;
        println!("wrote {} and {}", out_w.display(), out_p.display());
    }
    Ok(())
}

/// Every validation decision at `t`, as text (its hash is what `--check` compares).
fn decisions(pairs: &[Directions], cells: &[Vec<Directions>], t: f32) -> String {
    let one = |d: &Directions| if !d.vetoed && d.same() >= t { '1' } else { '0' };
    pairs
        .iter()
        .map(one)
        .chain(cells.iter().flatten().map(one))
        .collect()
}
