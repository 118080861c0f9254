//! [`CrossModel`]: reads two claims together and gives the probability that the first states all of
//! the second.
//!
//! Each claim runs alone through the lower [`LOWER_LAYERS`] layers of all-MiniLM-L6-v2; the two token
//! sequences are then joined (the first's `[CLS]` to `[SEP]`, then the second's tokens after its own
//! `[CLS]`, which carry a learned segment vector) and read by the model's top [`TOP_LAYERS`] layers,
//! fine-tuned, whose attention spans both claims; a linear head over the mean of the joined tokens
//! gives the logit. A claim's lower-layer states are computed once however many pairs it is in, so a
//! pair costs the top layers only. Trained by `examples/train_cross.rs`; the weights are committed in
//! `weights/cross.safetensors` and `weights/cross.json`.

use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config, HiddenAct};
use claimbench_model::fast::FastLayers;
use claimbench_model::LayerStates;
use claimbench_score::{Matcher, Scores, SimMatrix};
use serde::{Deserialize, Serialize};

use std::collections::HashMap;
use std::sync::Arc;

use crate::align::{lookup, score_aligned, AlignParams, Aligned, TokenEncoder};
use crate::cover::{scores_of, CoverMatcher, Directions};
use crate::encoder::EmbeddingEncoder;
use crate::error::{CandleContext, Error, Result};
use crate::pair::{round4, Decision};

/// Encoder layers each claim runs through alone (all-MiniLM-L6-v2's first four).
pub const LOWER_LAYERS: usize = 4;
/// Encoder layers that read the two claims together (the model's last two, fine-tuned).
pub const TOP_LAYERS: usize = 2;
/// Attention heads of all-MiniLM-L6-v2.
pub const HEADS: usize = 12;
/// Layer-norm epsilon of all-MiniLM-L6-v2.
const EPS: f64 = 1e-12;

/// A linear layer, `y = x wᵀ + b`.
struct Linear {
    w: Tensor,
    b: Tensor,
}

impl Linear {
    fn load(vb: &VarBuilder, out: usize, inp: usize, name: &str) -> candle_core::Result<Linear> {
        Ok(Linear {
            w: vb.get((out, inp), &format!("{name}.weight"))?,
            b: vb.get(out, &format!("{name}.bias"))?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.w.t()?)?.broadcast_add(&self.b)
    }
}

/// A layer norm over the last dimension.
struct Norm {
    g: Tensor,
    b: Tensor,
}

impl Norm {
    fn load(vb: &VarBuilder, h: usize, name: &str) -> candle_core::Result<Norm> {
        Ok(Norm {
            g: vb.get(h, &format!("{name}.weight"))?,
            b: vb.get(h, &format!("{name}.bias"))?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
        xc.broadcast_div(&(var + EPS)?.sqrt()?)?
            .broadcast_mul(&self.g)?
            .broadcast_add(&self.b)
    }
}

/// One BERT encoder layer, written with differentiable tensor operations only.
struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ln1: Norm,
    inter: Linear,
    out: Linear,
    ln2: Norm,
}

impl Layer {
    fn load(vb: &VarBuilder, h: usize, inter: usize, p: &str) -> candle_core::Result<Layer> {
        Ok(Layer {
            q: Linear::load(vb, h, h, &format!("{p}.attention.self.query"))?,
            k: Linear::load(vb, h, h, &format!("{p}.attention.self.key"))?,
            v: Linear::load(vb, h, h, &format!("{p}.attention.self.value"))?,
            o: Linear::load(vb, h, h, &format!("{p}.attention.output.dense"))?,
            ln1: Norm::load(vb, h, &format!("{p}.attention.output.LayerNorm"))?,
            inter: Linear::load(vb, inter, h, &format!("{p}.intermediate.dense"))?,
            out: Linear::load(vb, h, inter, &format!("{p}.output.dense"))?,
            ln2: Norm::load(vb, h, &format!("{p}.output.LayerNorm"))?,
        })
    }

    /// `x`: `[batch, seq, hidden]`; `mask`: additive, `[batch, 1, 1, seq]`.
    fn forward(&self, x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        let dh = h / HEADS;
        let flat = x.reshape((b * t, h))?;
        let split = |y: Tensor| -> candle_core::Result<Tensor> {
            y.reshape((b, t, HEADS, dh))?.transpose(1, 2)?.contiguous()
        };
        let q = split(self.q.forward(&flat)?)?;
        let k = split(self.k.forward(&flat)?)?;
        let v = split(self.v.forward(&flat)?)?;
        let att =
            (q.matmul(&k.t()?.contiguous()?)? * (1.0 / (dh as f64).sqrt()))?.broadcast_add(mask)?;
        let max = att.max_keepdim(D::Minus1)?.detach();
        let e = att.broadcast_sub(&max)?.exp()?;
        let att = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
        let ctx = att
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b * t, h))?;
        let a = self.ln1.forward(&(self.o.forward(&ctx)? + &flat)?)?;
        let i = self.inter.forward(&a)?.gelu_erf()?;
        let y = self.ln2.forward(&(self.out.forward(&i)? + &a)?)?;
        y.reshape((b, t, h))
    }
}

/// The top layers, the segment vector and the head: "a states all of b" from both claims' lower states.
pub struct CrossModel {
    layers: Vec<Layer>,
    segment: Tensor,
    head: Linear,
    hidden: usize,
    device: Device,
    /// On the CPU: the same layers, segment vector and head for the fast forward (inference).
    fast: Option<Fast>,
}

/// The model as the fast CPU forward runs it.
struct Fast {
    layers: FastLayers,
    segment: Vec<f32>,
    head: Vec<f32>,
    bias: f32,
}

/// The BERT configuration of the top layers (all-MiniLM-L6-v2's heads, activation and epsilon).
fn top_config(hidden: usize, intermediate: usize) -> Config {
    Config {
        hidden_size: hidden,
        intermediate_size: intermediate,
        num_attention_heads: HEADS,
        num_hidden_layers: TOP_LAYERS,
        hidden_act: HiddenAct::Gelu,
        layer_norm_eps: EPS,
        ..Config::default()
    }
}

impl CrossModel {
    /// Load the weights under the names [`CrossModel::tensor_names`] gives (`hidden`, `intermediate`: the
    /// base model's sizes).
    pub fn load(vb: VarBuilder, hidden: usize, intermediate: usize) -> Result<CrossModel> {
        let err = |e: candle_core::Error| Error::Weights {
            source_label: "cross model".to_string(),
            message: e.to_string(),
        };
        let layers = (0..TOP_LAYERS)
            .map(|n| Layer::load(&vb, hidden, intermediate, &format!("layer.{n}")))
            .collect::<candle_core::Result<Vec<_>>>()
            .map_err(err)?;
        let segment = vb.get(hidden, "segment").map_err(err)?;
        let head = Linear::load(&vb, 1, hidden, "head").map_err(err)?;
        let fast = if vb.device().is_cpu() {
            let flat = |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f32>());
            Some(Fast {
                layers: FastLayers::load(
                    &vb,
                    &top_config(hidden, intermediate),
                    DType::F32,
                    TOP_LAYERS,
                    |n| format!("layer.{n}"),
                )
                .map_err(err)?,
                segment: flat(&segment).map_err(err)?,
                head: flat(&head.w).map_err(err)?,
                bias: flat(&head.b).map_err(err)?[0],
            })
        } else {
            None
        };
        Ok(CrossModel {
            layers,
            segment,
            head,
            hidden,
            device: vb.device().clone(),
            fast,
        })
    }

    /// Without the fast CPU forward (probabilities through the candle layers, as in training).
    pub fn without_fast(mut self) -> CrossModel {
        self.fast = None;
        self
    }

    /// The logits of "a states all of b" for each pair through the fast CPU forward: the joined
    /// sequences packed without padding.
    fn fast_logits(
        &self,
        fast: &Fast,
        pairs: &[(&LayerStates, &LayerStates)],
    ) -> candle_core::Result<Vec<f32>> {
        let h = self.hidden;
        let mut offsets = vec![0usize];
        let mut x = Vec::new();
        for (a, b) in pairs {
            x.extend_from_slice(&a.rows[..a.len * h]);
            for row in b.rows[h..b.len * h].chunks_exact(h) {
                x.extend(row.iter().zip(&fast.segment).map(|(v, s)| v + s));
            }
            offsets.push(x.len() / h);
        }
        fast.layers.run(&mut x, &offsets, TOP_LAYERS)?;
        Ok(offsets
            .windows(2)
            .map(|w| {
                let n = (w[1] - w[0]) as f32;
                let mut z = 0.0f32;
                for (k, &wk) in fast.head.iter().enumerate() {
                    let sum: f32 = (w[0]..w[1]).map(|r| x[r * h + k]).sum();
                    z += wk * sum / n;
                }
                z + fast.bias
            })
            .collect())
    }

    /// A model from the bytes of a safetensors file, on the CPU in f32.
    pub fn from_bytes(bytes: &[u8], hidden: usize, intermediate: usize) -> Result<CrossModel> {
        let vb = VarBuilder::from_buffered_safetensors(bytes.to_vec(), DType::F32, &Device::Cpu)
            .map_err(|e| Error::Weights {
                source_label: "cross model".to_string(),
                message: e.to_string(),
            })?;
        CrossModel::load(vb, hidden, intermediate)
    }

    /// The names of every tensor the model reads: `layer.N.<BERT layer names>` (N from 0, the base
    /// model's layer `LOWER_LAYERS + N`), `segment`, `head.weight` and `head.bias`.
    pub fn tensor_names() -> Vec<String> {
        let mut names = Vec::new();
        for n in 0..TOP_LAYERS {
            for part in [
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "attention.output.LayerNorm",
                "intermediate.dense",
                "output.dense",
                "output.LayerNorm",
            ] {
                for p in ["weight", "bias"] {
                    names.push(format!("layer.{n}.{part}.{p}"));
                }
            }
        }
        names.extend(["segment", "head.weight", "head.bias"].map(String::from));
        names
    }

    /// The logits of "a states all of b" for each pair (`[pairs]`), from the claims' lower-layer states.
    pub fn logits(&self, pairs: &[(&LayerStates, &LayerStates)]) -> candle_core::Result<Tensor> {
        let h = self.hidden;
        let n = pairs.len();
        let len = |a: &LayerStates, b: &LayerStates| a.len + b.len.saturating_sub(1);
        let t = pairs
            .iter()
            .map(|(a, b)| len(a, b))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut x = vec![0.0f32; n * t * h];
        let mut second = vec![0.0f32; n * t];
        let mut mask = vec![0.0f32; n * t];
        for (r, (a, b)) in pairs.iter().enumerate() {
            let base = r * t;
            x[base * h..(base + a.len) * h].copy_from_slice(&a.rows[..a.len * h]);
            let rest = b.len.saturating_sub(1);
            let start = base + a.len;
            x[start * h..(start + rest) * h].copy_from_slice(&b.rows[h..b.len * h]);
            for k in 0..len(a, b) {
                mask[base + k] = 1.0;
            }
            for s in &mut second[start..start + rest] {
                *s = 1.0;
            }
        }
        let dev = &self.device;
        let x = Tensor::from_vec(x, (n, t, h), dev)?;
        let second = Tensor::from_vec(second, (n, t, 1), dev)?;
        let mask = Tensor::from_vec(mask, (n, t), dev)?;
        let mut x = x.broadcast_add(&second.broadcast_mul(&self.segment)?)?;
        let additive = ((1.0 - &mask)? * -1e9)?.unsqueeze(1)?.unsqueeze(1)?;
        for layer in &self.layers {
            x = layer.forward(&x, &additive)?;
        }
        let m = mask.unsqueeze(2)?;
        let pooled = x.broadcast_mul(&m)?.sum(1)?.broadcast_div(&m.sum(1)?)?;
        self.head.forward(&pooled)?.squeeze(1)
    }

    /// The probabilities of "a states all of b" for each pair, in batches of `batch`.
    pub fn probabilities(
        &self,
        pairs: &[(&LayerStates, &LayerStates)],
        batch: usize,
    ) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(pairs.len());
        if let Some(fast) = &self.fast {
            for chunk in pairs.chunks(batch.max(1)) {
                let z = self
                    .fast_logits(fast, chunk)
                    .ctx("cross model fast forward")?;
                out.extend(z.into_iter().map(|z| 1.0 / (1.0 + (-z).exp())));
            }
            return Ok(out);
        }
        for chunk in pairs.chunks(batch.max(1)) {
            let p = self
                .logits(chunk)
                .and_then(|z| candle_nn::ops::sigmoid(&z))
                .and_then(|p| p.to_vec1::<f32>())
                .ctx("cross model forward")?;
            out.extend(p);
        }
        Ok(out)
    }
}

/// The `cross` matcher's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossParams {
    /// "The same fact" where both directions reach it.
    pub threshold: f32,
    /// One direction counts as stated at it (coverage, focus, partial counts).
    pub direction_threshold: f32,
    /// Each prediction's and each gold claim's best pairs by `cover` that the cross model reads.
    pub candidates: usize,
    /// For the `blend` matcher: how a candidate's two directions combine cover's, the cross model's
    /// and align's readings; absent for `cross`, whose directions are the cross model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blend: Option<Blend>,
    /// How the parameters were chosen (not read by the matcher).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub fitted: serde_json::Value,
}

impl CrossParams {
    /// Parse parameters from JSON; `label` names the source in errors.
    pub fn parse(text: &str, label: &str) -> Result<CrossParams> {
        let p: CrossParams = serde_json::from_str(text).map_err(|e| Error::Weights {
            source_label: label.to_string(),
            message: e.to_string(),
        })?;
        let ok = |t: f32| t.is_finite() && (0.0..=1.0).contains(&t);
        if !ok(p.threshold) || !ok(p.direction_threshold) || p.candidates == 0 {
            return Err(Error::Weights {
                source_label: label.to_string(),
                message: "threshold and direction_threshold must lie in [0, 1] and candidates be at least 1"
                    .to_string(),
            });
        }
        if let Some(b) = &p.blend {
            if !b.bias.is_finite() || b.weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
                return Err(Error::Weights {
                    source_label: label.to_string(),
                    message:
                        "blend: bias must be finite and weights finite and non-negative (monotone)"
                            .to_string(),
                });
            }
        }
        Ok(p)
    }
}

/// Probabilities are read as log-odds clamped to `±ln((1 - LOGIT_CLAMP) / LOGIT_CLAMP)`.
pub const LOGIT_CLAMP: f64 = 1e-3;

/// A probability's log-odds, clamped and scaled to [-1, 1].
pub fn scaled_logit(p: f32) -> f32 {
    let limit = ((1.0 - LOGIT_CLAMP) / LOGIT_CLAMP).ln();
    let p = f64::from(p).clamp(LOGIT_CLAMP, 1.0 - LOGIT_CLAMP);
    ((p / (1.0 - p)).ln() / limit) as f32
}

/// The `blend` matcher's combination of one direction: a monotone logistic model over the scaled
/// log-odds of cover's direction, the cross model's direction and align's "same" score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blend {
    /// Intercept.
    pub bias: f64,
    /// Non-negative weights of [`BLEND_INPUTS`], in that order.
    pub weights: [f64; 3],
}

/// What [`Blend`] reads of a direction "a states all of b", in the order of its weights.
pub const BLEND_INPUTS: [&str; 3] = ["cover_a_states_b", "cross_a_states_b", "align_same"];

impl Blend {
    /// The inputs of one direction, scaled as the weights read them.
    pub fn inputs(cover: f32, cross: f32, align: f32) -> [f32; 3] {
        [
            scaled_logit(cover),
            scaled_logit(cross),
            scaled_logit(align),
        ]
    }

    /// The blended probability that a states all of b.
    pub fn probability(&self, cover: f32, cross: f32, align: f32) -> f32 {
        let x = Blend::inputs(cover, cross, align);
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(x)
                .map(|(w, v)| w * f64::from(v))
                .sum::<f64>();
        (1.0 / (1.0 + (-z).exp())) as f32
    }
}

/// The committed weights of the cross model (written by `examples/train_cross.rs`).
pub const BUILTIN_CROSS: &[u8] = include_bytes!("../weights/cross.safetensors");

/// The committed parameters of the `cross` matcher (written by `examples/train_cross.rs`).
pub const BUILTIN_CROSS_PARAMS: &str = include_str!("../weights/cross.json");

/// Something that gives a text's token states after a model's lower layers.
pub trait StateEncoder: TokenEncoder {
    /// The states of each text after the first `layers` layers, in input order.
    fn layer_states(&self, texts: &[&str], layers: usize) -> Result<Vec<LayerStates>>;
}

impl StateEncoder for EmbeddingEncoder {
    fn layer_states(&self, texts: &[&str], layers: usize) -> Result<Vec<LayerStates>> {
        Ok(self.embedder().layer_states(texts, layers)?)
    }
}

/// The flat indices of the `n × m` cells the cross model reads: each row's `k` best columns and each
/// column's `k` best rows by `same` (ties to the lower index), leaving out the cells `skip` names.
pub fn candidates(
    same: &[f32],
    n: usize,
    m: usize,
    k: usize,
    skip: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let mut chosen = std::collections::BTreeSet::new();
    let mut take = |cells: Vec<usize>| {
        let mut cells: Vec<usize> = cells.into_iter().filter(|&c| !skip(c)).collect();
        cells.sort_by(|&x, &y| same[y].total_cmp(&same[x]).then(x.cmp(&y)));
        chosen.extend(cells.into_iter().take(k));
    };
    for i in 0..n {
        take((0..m).map(|j| i * m + j).collect());
    }
    for j in 0..m {
        take((0..n).map(|i| i * m + j).collect());
    }
    chosen.into_iter().collect()
}

/// The candidate cells of an `n × m` matrix (`rows` against `cols`) with the cross model's two
/// directions of each (a states b, b states a); identical texts (both directions 1.0) and vetoed pairs
/// are not candidates.
pub fn read_candidates(
    model: &CrossModel,
    dirs: &[Directions],
    (rows, cols): (&[LayerStates], &[LayerStates]),
    k: usize,
) -> Result<Vec<(usize, [f32; 2])>> {
    let (n, m) = (rows.len(), cols.len());
    let same: Vec<f32> = dirs.iter().map(Directions::same).collect();
    let skip =
        |c: usize| dirs[c].vetoed || (dirs[c].a_states_b == 1.0 && dirs[c].b_states_a == 1.0);
    let cells = candidates(&same, n, m, k, skip);
    let pairs: Vec<(&LayerStates, &LayerStates)> = cells
        .iter()
        .flat_map(|&c| {
            let (a, b) = (&rows[c / m], &cols[c % m]);
            [(a, b), (b, a)]
        })
        .collect();
    let p = model.probabilities(&pairs, BATCH)?;
    Ok(cells
        .into_iter()
        .zip(p.chunks_exact(2))
        .map(|(c, two)| (c, [two[0], two[1]]))
        .collect())
}

/// Replace the directions of the candidate cells of an `n × m` matrix (`rows` against `cols`) with the
/// cross model's or, given a [`Blend`] and align's score of every cell, the blended ones; identical
/// texts (both directions 1.0) and vetoed pairs keep `cover`'s.
pub fn rescore(
    model: &CrossModel,
    dirs: &mut [Directions],
    states: (&[LayerStates], &[LayerStates]),
    k: usize,
    blend: Option<(&Blend, &[f32])>,
) -> Result<()> {
    let read = read_candidates(model, dirs, states, k)?;
    apply(dirs, &read, blend);
    Ok(())
}

/// Put the cross model's two directions of the cells `read` names into `dirs` or, given a [`Blend`] and
/// align's score of every cell, the blended ones (from cover's directions, which `dirs` holds).
pub fn apply(dirs: &mut [Directions], read: &[(usize, [f32; 2])], blend: Option<(&Blend, &[f32])>) {
    for &(c, [ab, ba]) in read {
        let d = &mut dirs[c];
        let (ab, ba) = match blend {
            None => (ab, ba),
            Some((b, align)) => (
                b.probability(d.a_states_b, ab, align[c]),
                b.probability(d.b_states_a, ba, align[c]),
            ),
        };
        d.a_states_b = round4(ab);
        d.b_states_a = round4(ba);
    }
}

/// Pairs per forward pass of the cross model.
pub const BATCH: usize = 128;

/// The committed parameters of the `blend` matcher (written by `examples/fit_blend.rs`).
pub const BUILTIN_BLEND_PARAMS: &str = include_str!("../weights/blend.json");

/// The `cross` matcher: `cover`'s directions, with the cross model reading each prediction's and each
/// gold claim's best candidates; with a [`Blend`] in its parameters, the `blend` matcher, whose
/// candidates' directions combine cover's, the cross model's and align's readings.
pub struct CrossMatcher<E: StateEncoder> {
    cover: CoverMatcher<E>,
    model: CrossModel,
    params: CrossParams,
    /// align's calibration, read by a blend.
    align: AlignParams,
    sha256: String,
}

impl<E: StateEncoder> CrossMatcher<E> {
    /// The matcher over `cover` with a model and parameters (and, for a blend, align's calibration);
    /// `sha256` identifies them in manifests.
    pub fn new(
        cover: CoverMatcher<E>,
        model: CrossModel,
        params: CrossParams,
        align: AlignParams,
        sha256: String,
    ) -> CrossMatcher<E> {
        CrossMatcher {
            cover,
            model,
            params,
            align,
            sha256,
        }
    }

    /// The matcher over `cover` with the committed model and parameters; its sha256 is that of the
    /// weights file followed by the parameters file.
    pub fn builtin(cover: CoverMatcher<E>) -> Result<CrossMatcher<E>> {
        CrossMatcher::builtin_with(
            cover,
            BUILTIN_CROSS_PARAMS,
            "builtin:crates/matcher/weights/cross.json",
        )
    }

    /// The `blend` matcher over `cover` with the committed model, blend and align calibration; its
    /// sha256 is that of the weights file, the blend's parameters and align's, in that order.
    pub fn builtin_blend(cover: CoverMatcher<E>) -> Result<CrossMatcher<E>> {
        CrossMatcher::builtin_with(
            cover,
            BUILTIN_BLEND_PARAMS,
            "builtin:crates/matcher/weights/blend.json",
        )
    }

    fn builtin_with(cover: CoverMatcher<E>, text: &str, label: &str) -> Result<CrossMatcher<E>> {
        let model = CrossModel::from_bytes(BUILTIN_CROSS, 384, 1536)?;
        let params = CrossParams::parse(text, label)?;
        let mut both = BUILTIN_CROSS.to_vec();
        both.extend_from_slice(text.as_bytes());
        if params.blend.is_some() {
            both.extend_from_slice(crate::align::BUILTIN_ALIGN.as_bytes());
        }
        Ok(CrossMatcher::new(
            cover,
            model,
            params,
            AlignParams::builtin()?,
            claimbench_io::sha256_hex(&both),
        ))
    }

    /// Overrides the decision threshold (of both directions).
    pub fn with_threshold(mut self, threshold: f32) -> CrossMatcher<E> {
        self.params.threshold = threshold;
        self
    }

    /// The parameters in force.
    pub fn params(&self) -> &CrossParams {
        &self.params
    }

    /// sha256 of the model and parameters.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Both directions of every (prediction, gold claim) pair, row-major.
    pub fn directions_matrix(&self, pred: &[&str], gold: &[&str]) -> Result<Vec<Directions>> {
        let cp = self.cover.params();
        let (mut dirs, align): (Vec<Directions>, Vec<f32>) = match &self.params.blend {
            None => (self.cover.directions_matrix(pred, gold)?, Vec::new()),
            Some(_) => self
                .cover
                .aligner()
                .cells(pred, gold, |p, g, pa, ga| {
                    (
                        crate::cover::directions(cp, p, g, pa, ga),
                        score_aligned(&self.align, p, g, pa, ga),
                    )
                })?
                .into_iter()
                .unzip(),
        };
        if pred.is_empty() || gold.is_empty() {
            return Ok(dirs);
        }
        let enc = self.cover.encoder();
        let rows = enc.layer_states(pred, LOWER_LAYERS)?;
        let cols = enc.layer_states(gold, LOWER_LAYERS)?;
        let blend = self.params.blend.as_ref().map(|b| (b, align.as_slice()));
        rescore(
            &self.model,
            &mut dirs,
            (&rows, &cols),
            self.params.candidates,
            blend,
        )?;
        Ok(dirs)
    }

    /// Both directions of each pair, in input order (every pair read by the cross model, unless
    /// identical or vetoed).
    pub fn directions_pairs(&self, pairs: &[(&str, &str)]) -> Result<Vec<Directions>> {
        let texts: Vec<&str> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let prepared = self.cover.aligner().prepare_all(&texts)?;
        self.directions_prepared(pairs, &prepared)
    }

    /// [`CrossMatcher::directions_pairs`] over texts already prepared.
    fn directions_prepared(
        &self,
        pairs: &[(&str, &str)],
        prepared: &HashMap<String, Arc<Aligned>>,
    ) -> Result<Vec<Directions>> {
        let cp = self.cover.params();
        let enc = self.cover.encoder();
        let a: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        let b: Vec<&str> = pairs.iter().map(|p| p.1).collect();
        let (sa, sb) = (
            enc.layer_states(&a, LOWER_LAYERS)?,
            enc.layer_states(&b, LOWER_LAYERS)?,
        );
        let mut out = Vec::with_capacity(pairs.len());
        for (k, (a, b)) in pairs.iter().enumerate() {
            let (pa, pb) = (lookup(prepared, a)?, lookup(prepared, b)?);
            let mut one = [crate::cover::directions(cp, a, b, pa, pb)];
            let align = [score_aligned(&self.align, a, b, pa, pb)];
            let blend = self.params.blend.as_ref().map(|x| (x, &align[..]));
            rescore(
                &self.model,
                &mut one,
                (std::slice::from_ref(&sa[k]), std::slice::from_ref(&sb[k])),
                1,
                blend,
            )?;
            out.push(one[0]);
        }
        Ok(out)
    }

    /// Decide whether `a` and `b` state the same fact, with both directions and any guard's reason.
    pub fn decide(&self, a: &str, b: &str) -> Result<Decision> {
        let prepared = self.cover.aligner().prepare_all(&[a, b])?;
        let d = self.directions_prepared(&[(a, b)], &prepared)?[0];
        let (pa, pb) = (lookup(&prepared, a)?, lookup(&prepared, b)?);
        Ok(crate::cover::decision(
            d,
            self.params.threshold,
            self.cover.aligner().params().name_guard,
            a,
            b,
            pa,
            pb,
        ))
    }
}

impl<E: StateEncoder> Matcher for CrossMatcher<E> {
    fn name(&self) -> String {
        if self.params.blend.is_some() {
            "blend"
        } else {
            "cross"
        }
        .to_string()
    }

    fn default_threshold(&self) -> f32 {
        self.params.threshold
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> claimbench_score::Result<SimMatrix> {
        Ok(self.scores(pred, gold)?.sim)
    }

    fn scores(&self, pred: &[&str], gold: &[&str]) -> claimbench_score::Result<Scores> {
        let cells = self
            .directions_matrix(pred, gold)
            .map_err(|e| claimbench_score::Error::Encoder(e.to_string()))?;
        scores_of(
            &cells,
            pred.len(),
            gold.len(),
            self.params.direction_threshold,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarMap;

    /// Random weights at a small width (12 heads of 2) under the model's names, in a var map.
    fn random_vars(h: usize) -> VarMap {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        CrossModel::load(vb, h, 2 * h).expect("model");
        for (k, var) in varmap.all_vars().iter().enumerate() {
            let shape = var.shape().clone();
            let n = shape.elem_count();
            let values: Vec<f32> = (0..n)
                .map(|i| {
                    ((((i + 31 * k) as u32).wrapping_mul(2654435761) % 2000) as f32 / 1000.0 - 1.0)
                        * 0.5
                })
                .collect();
            var.set(&Tensor::from_vec(values, shape, &Device::Cpu).unwrap())
                .unwrap();
        }
        varmap
    }

    /// A model of random weights at a small width, for shape and masking checks.
    fn small_model(h: usize) -> CrossModel {
        let varmap = random_vars(h);
        CrossModel::load(
            VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu),
            h,
            2 * h,
        )
        .expect("model")
    }

    fn states(seed: u32, len: usize, h: usize) -> LayerStates {
        let rows = (0..len * h)
            .map(|k| (((k as u32).wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        LayerStates { rows, len }
    }

    #[test]
    fn a_pair_scores_the_same_alone_and_padded_in_a_batch() {
        let h = 24;
        let m = small_model(h);
        let (a, b) = (states(1, 5, h), states(2, 4, h));
        let (c, d) = (states(3, 11, h), states(4, 9, h));
        let alone = m.logits(&[(&a, &b)]).unwrap().to_vec1::<f32>().unwrap();
        let batched = m
            .logits(&[(&c, &d), (&a, &b)])
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(batched.len(), 2);
        assert!(
            (alone[0] - batched[1]).abs() < 1e-4,
            "{} against {}",
            alone[0],
            batched[1]
        );
    }

    #[test]
    fn the_fast_forward_gives_the_candle_layers_probabilities() {
        let h = 24;
        let varmap = random_vars(h);
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let fast = CrossModel::load(vb.clone(), h, 2 * h).expect("model");
        let slow = CrossModel::load(vb, h, 2 * h)
            .expect("model")
            .without_fast();
        assert!(fast.fast.is_some());
        let s: Vec<LayerStates> = (0..6).map(|k| states(k, 3 + 2 * k as usize, h)).collect();
        let pairs: Vec<(&LayerStates, &LayerStates)> = (0..5).map(|k| (&s[k], &s[5 - k])).collect();
        let a = fast.probabilities(&pairs, 2).unwrap();
        let b = slow.probabilities(&pairs, 3).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{a:?} against {b:?}");
        }
    }

    #[test]
    fn the_two_directions_of_a_pair_are_read_apart() {
        let h = 24;
        let m = small_model(h);
        let (a, b) = (states(5, 6, h), states(6, 8, h));
        let z = m
            .logits(&[(&a, &b), (&b, &a)])
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert!((z[0] - z[1]).abs() > 1e-6, "{z:?}");
    }

    #[test]
    fn candidates_are_each_rows_and_each_columns_best() {
        // 2 × 3: row 0's best is column 2, row 1's is column 0; column 1's best is row 1
        let same = [0.1, 0.2, 0.9, 0.8, 0.3, 0.0];
        assert_eq!(candidates(&same, 2, 3, 1, |_| false), vec![2, 3, 4]);
        // a skipped cell is never chosen, and the next best of its row and column take its place
        assert_eq!(candidates(&same, 2, 3, 1, |c| c == 2), vec![1, 3, 4, 5]);
        // k at least the width: every cell
        assert_eq!(
            candidates(&same, 2, 3, 3, |_| false),
            (0..6).collect::<Vec<_>>()
        );
    }

    #[test]
    fn candidates_of_the_transposed_matrix_are_the_transposed_cells() {
        let (n, m) = (4, 5);
        let same: Vec<f32> = (0..n * m).map(|k| ((k * 37) % 23) as f32 / 23.0).collect();
        let t: Vec<f32> = (0..m * n).map(|k| same[(k % n) * m + k / n]).collect();
        let mut back: Vec<usize> = candidates(&t, m, n, 2, |_| false)
            .into_iter()
            .map(|k| (k % n) * m + k / n)
            .collect();
        back.sort_unstable();
        assert_eq!(candidates(&same, n, m, 2, |_| false), back);
    }

    #[test]
    fn parameters_out_of_range_are_refused_with_the_source() {
        let e = CrossParams::parse(
            r#"{"threshold": 1.5, "direction_threshold": 0.5, "candidates": 3}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("x.json"), "{e}");
        let e = CrossParams::parse(
            r#"{"threshold": 0.5, "direction_threshold": 0.5, "candidates": 0}"#,
            "y.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("candidates"), "{e}");
    }
    #[test]
    fn scaled_log_odds_lie_in_the_unit_interval_and_are_odd() {
        assert_eq!(scaled_logit(0.5), 0.0);
        assert!((scaled_logit(1.0) - 1.0).abs() < 1e-6);
        assert!((scaled_logit(0.0) + 1.0).abs() < 1e-6);
        for p in [0.01f32, 0.2, 0.37, 0.9] {
            assert!(
                (scaled_logit(p) + scaled_logit(1.0 - p)).abs() < 1e-5,
                "{p}"
            );
        }
        assert!(scaled_logit(0.6) < scaled_logit(0.7));
    }

    #[test]
    fn a_blend_never_falls_when_one_reading_rises() {
        let b = Blend {
            bias: -0.3,
            weights: [2.0, 1.5, 0.7],
        };
        let base = b.probability(0.4, 0.5, 0.6);
        assert!(b.probability(0.5, 0.5, 0.6) > base);
        assert!(b.probability(0.4, 0.6, 0.6) > base);
        assert!(b.probability(0.4, 0.5, 0.7) > base);
        // all three at one half: the bias alone
        let half = b.probability(0.5, 0.5, 0.5);
        assert!((half - 1.0 / (1.0 + 0.3f32.exp())).abs() < 1e-6, "{half}");
    }

    #[test]
    fn a_negative_blend_weight_is_refused_with_the_source() {
        let e = CrossParams::parse(
            r#"{"threshold": 0.5, "direction_threshold": 0.5, "candidates": 1,
                "blend": {"bias": 0.0, "weights": [1.0, -0.5, 1.0]}}"#,
            "z.json",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("z.json") && e.to_string().contains("blend"),
            "{e}"
        );
    }

    #[test]
    fn the_committed_parameters_are_a_cross_and_a_blend() {
        let cross = CrossParams::parse(BUILTIN_CROSS_PARAMS, "cross.json").unwrap();
        assert!(cross.blend.is_none());
        let blend = CrossParams::parse(BUILTIN_BLEND_PARAMS, "blend.json").unwrap();
        let b = blend.blend.expect("blend.json has a blend");
        // monotone: no weight below zero; cover's and the cross model's directions both count (align's may
        // be zero: the fit gives it none once the cross model reads what it did)
        assert!(b.weights.iter().all(|w| *w >= 0.0), "{b:?}");
        assert!(b.weights[0] > 0.0 && b.weights[1] > 0.0, "{b:?}");
        assert_eq!(blend.threshold, blend.direction_threshold);
        // the cross parameters serialise without a blend field, so cross.json's bytes (and sha256) stay
        assert!(!serde_json::to_string(&cross).unwrap().contains("blend"));
    }
}
