//! The pair head: standardised features into a logistic regression or a one-hidden-layer MLP,
//! trained full-batch with AdamW through candle, seeded and deterministic; weights as safetensors.
//!
//! Training runs through candle's autograd; inference is plain Rust (a few hundred multiply-adds
//! per pair), so a decision never needs a device.

use std::collections::{BTreeMap, HashMap};

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};

use crate::error::{CandleContext, Error, Result};
use crate::features::FeatureSet;

/// How to train a pair head.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Seed of the weight initialisation.
    pub seed: u64,
    /// Full-batch passes over the training pairs.
    pub epochs: usize,
    /// AdamW learning rate.
    pub lr: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Hidden units; 0 for a logistic regression.
    pub hidden: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 20170412,
            epochs: 300,
            lr: 0.01,
            weight_decay: 0.01,
            hidden: 32,
        }
    }
}

/// Shape and feature description stored with the weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadConfig {
    /// Which features the head reads.
    pub feature_set: FeatureSet,
    /// Embedding dimension the features were built from.
    pub dim: usize,
    /// Hidden units (0: logistic regression).
    pub hidden: usize,
}

/// A trained pair head.
#[derive(Debug, Clone, PartialEq)]
pub struct PairHead {
    config: HeadConfig,
    mean: Vec<f32>,
    std: Vec<f32>,
    /// `[inputs, hidden]` row-major (or `[inputs, 1]` for a logistic regression).
    w1: Vec<f32>,
    b1: Vec<f32>,
    /// `[hidden]` (empty for a logistic regression).
    w2: Vec<f32>,
    b2: f32,
}

const META_KEY: &str = "claimbench_pair_head";

impl PairHead {
    /// What the head reads.
    pub fn config(&self) -> &HeadConfig {
        &self.config
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.mean.len()
    }

    /// The logit that the pair with feature vector `x` states the same fact.
    pub fn logit(&self, x: &[f32]) -> Result<f32> {
        let d = self.inputs();
        if x.len() != d {
            return Err(Error::Weights {
                source_label: "pair head".into(),
                message: format!("{} features for a head with {d} inputs", x.len()),
            });
        }
        let z: Vec<f64> = x
            .iter()
            .zip(&self.mean)
            .zip(&self.std)
            .map(|((v, m), s)| ((*v - *m) / *s) as f64)
            .collect();
        if self.config.hidden == 0 {
            let mut acc = self.b1.first().copied().unwrap_or(0.0) as f64;
            for (zi, wi) in z.iter().zip(&self.w1) {
                acc += zi * *wi as f64;
            }
            return Ok(acc as f32);
        }
        let h = self.config.hidden;
        let mut hidden: Vec<f64> = self.b1.iter().map(|b| *b as f64).collect();
        for (i, zi) in z.iter().enumerate() {
            let row = &self.w1[i * h..(i + 1) * h];
            for (acc, w) in hidden.iter_mut().zip(row) {
                *acc += zi * *w as f64;
            }
        }
        let mut out = self.b2 as f64;
        for (a, w) in hidden.iter().zip(&self.w2) {
            out += a.max(0.0) * *w as f64;
        }
        Ok(out as f32)
    }

    /// Serialise to safetensors bytes (deterministic: one metadata entry, tensors sorted by name).
    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let d = self.inputs();
        let h = self.config.hidden.max(1);
        let mut tensors: BTreeMap<&str, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
        tensors.insert("mean", (vec![d], bytes(&self.mean)));
        tensors.insert("std", (vec![d], bytes(&self.std)));
        tensors.insert("w1", (vec![d, h], bytes(&self.w1)));
        tensors.insert("b1", (vec![h], bytes(&self.b1)));
        tensors.insert("w2", (vec![self.w2.len()], bytes(&self.w2)));
        tensors.insert("b2", (vec![1], bytes(&[self.b2])));
        let mut views = Vec::new();
        for (name, (shape, data)) in &tensors {
            let view =
                TensorView::new(Dtype::F32, shape.clone(), data).map_err(|e| Error::Weights {
                    source_label: "serialise".into(),
                    message: format!("{name}: {e}"),
                })?;
            views.push((name.to_string(), view));
        }
        let meta = serde_json::to_string(&self.config).map_err(|e| Error::Weights {
            source_label: "serialise".into(),
            message: e.to_string(),
        })?;
        let mut info = HashMap::new();
        info.insert(META_KEY.to_string(), meta);
        safetensors::tensor::serialize(views, Some(info)).map_err(|e| Error::Weights {
            source_label: "serialise".into(),
            message: e.to_string(),
        })
    }

    /// Read a head from safetensors bytes; `label` names the source in errors.
    pub fn from_safetensors(bytes: &[u8], label: &str) -> Result<PairHead> {
        let err = |message: String| Error::Weights {
            source_label: label.to_string(),
            message,
        };
        if bytes.is_empty() {
            return Err(err(
                "empty file: train the head with `cargo run -p claimbench-matcher --example train_pair --release`"
                    .into(),
            ));
        }
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| err(e.to_string()))?;
        let config: HeadConfig = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get(META_KEY))
            .ok_or_else(|| err(format!("no {META_KEY} metadata")))
            .and_then(|s| serde_json::from_str(s).map_err(|e| err(e.to_string())))?;
        let st = SafeTensors::deserialize(bytes).map_err(|e| err(e.to_string()))?;
        let get = |name: &str| -> Result<Vec<f32>> {
            let t = st.tensor(name).map_err(|e| err(format!("{name}: {e}")))?;
            if t.dtype() != Dtype::F32 {
                return Err(err(format!("{name}: dtype {:?}, expected F32", t.dtype())));
            }
            Ok(t.data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        };
        let mean = get("mean")?;
        let std = get("std")?;
        let w1 = get("w1")?;
        let b1 = get("b1")?;
        let w2 = get("w2")?;
        let b2 = get("b2")?;
        let d = config.feature_set.len(config.dim);
        let h = config.hidden.max(1);
        if mean.len() != d || std.len() != d || w1.len() != d * h || b1.len() != h {
            return Err(err(format!(
                "shapes do not fit {} features of dimension {} with {} hidden units",
                config.feature_set.name(),
                config.dim,
                config.hidden
            )));
        }
        if (config.hidden > 0 && w2.len() != config.hidden) || b2.len() != 1 {
            return Err(err("output layer shape".into()));
        }
        if std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(err("non-positive standard deviation".into()));
        }
        Ok(PairHead {
            config,
            mean,
            std,
            w1,
            b1,
            w2,
            b2: b2[0],
        })
    }
}

fn to_vec(t: &Tensor, what: &str) -> Result<Vec<f32>> {
    t.flatten_all().and_then(|t| t.to_vec1::<f32>()).ctx(what)
}

/// Train a head on feature vectors `x` with labels `y` (true: same fact). Classes are weighted to
/// balance. Deterministic for a given input and config.
pub fn train(
    x: &[Vec<f32>],
    y: &[bool],
    config: HeadConfig,
    train: &TrainConfig,
) -> Result<PairHead> {
    let n = x.len();
    let d = config.feature_set.len(config.dim);
    let bad = |message: String| Error::Weights {
        source_label: "training".into(),
        message,
    };
    if n == 0 || y.len() != n {
        return Err(bad(format!("{n} feature rows for {} labels", y.len())));
    }
    if let Some(k) = x.iter().position(|r| r.len() != d) {
        return Err(bad(format!(
            "row {k} has {} features, expected {d}",
            x[k].len()
        )));
    }
    if config.hidden != train.hidden {
        return Err(bad(
            "hidden units differ between head and training config".into()
        ));
    }
    // standardise
    let mut mean = vec![0f64; d];
    for r in x {
        for (m, v) in mean.iter_mut().zip(r) {
            *m += *v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut var = vec![0f64; d];
    for r in x {
        for ((s, v), m) in var.iter_mut().zip(r).zip(&mean) {
            *s += (*v as f64 - m).powi(2);
        }
    }
    let std: Vec<f32> = var
        .iter()
        .map(|s| {
            let sd = (s / n as f64).sqrt();
            if sd > 1e-6 {
                sd as f32
            } else {
                1.0
            }
        })
        .collect();
    let mean: Vec<f32> = mean.iter().map(|m| *m as f32).collect();
    let flat: Vec<f32> = x
        .iter()
        .flat_map(|r| r.iter().zip(&mean).zip(&std).map(|((v, m), s)| (v - m) / s))
        .collect();
    let dev = Device::Cpu;
    let xs = Tensor::from_vec(flat, (n, d), &dev).ctx("features tensor")?;
    let positives = y.iter().filter(|v| **v).count();
    let negatives = n - positives;
    if positives == 0 || negatives == 0 {
        return Err(bad(format!(
            "{positives} positive and {negatives} negative pairs: need both"
        )));
    }
    let wp = n as f32 / (2.0 * positives as f32);
    let wn = n as f32 / (2.0 * negatives as f32);
    let ys = Tensor::from_vec(
        y.iter().map(|v| *v as u8 as f32).collect::<Vec<f32>>(),
        (n, 1),
        &dev,
    )
    .ctx("labels tensor")?;
    let ws = Tensor::from_vec(
        y.iter()
            .map(|v| if *v { wp } else { wn })
            .collect::<Vec<f32>>(),
        (n, 1),
        &dev,
    )
    .ctx("weights tensor")?;

    let mut rng = StdRng::seed_from_u64(train.seed);
    let h = config.hidden;
    let mut uniform = |len: usize, fan_in: usize| -> Vec<f32> {
        let bound = (1.0 / fan_in as f64).sqrt() as f32;
        (0..len).map(|_| rng.gen_range(-bound..bound)).collect()
    };
    let out_cols = h.max(1);
    let w1 = Var::from_tensor(
        &Tensor::from_vec(uniform(d * out_cols, d), (d, out_cols), &dev).ctx("w1")?,
    )
    .ctx("w1 var")?;
    let b1 =
        Var::from_tensor(&Tensor::zeros((out_cols,), DType::F32, &dev).ctx("b1")?).ctx("b1 var")?;
    let (w2, b2) = if h > 0 {
        (
            Some(
                Var::from_tensor(&Tensor::from_vec(uniform(h, h), (h, 1), &dev).ctx("w2")?)
                    .ctx("w2 var")?,
            ),
            Some(
                Var::from_tensor(&Tensor::zeros((1,), DType::F32, &dev).ctx("b2")?)
                    .ctx("b2 var")?,
            ),
        )
    } else {
        (None, None)
    };
    let mut vars = vec![w1.clone(), b1.clone()];
    if let (Some(a), Some(b)) = (&w2, &b2) {
        vars.push(a.clone());
        vars.push(b.clone());
    }
    let mut opt = AdamW::new(
        vars,
        ParamsAdamW {
            lr: train.lr,
            weight_decay: train.weight_decay,
            ..ParamsAdamW::default()
        },
    )
    .ctx("optimizer")?;
    let forward = |xs: &Tensor| -> candle_core::Result<Tensor> {
        let z = xs.matmul(w1.as_tensor())?.broadcast_add(b1.as_tensor())?;
        match (&w2, &b2) {
            (Some(w2), Some(b2)) => z
                .relu()?
                .matmul(w2.as_tensor())?
                .broadcast_add(b2.as_tensor()),
            _ => Ok(z),
        }
    };
    for _ in 0..train.epochs {
        let z = forward(&xs).ctx("forward")?;
        // stable BCE with logits: max(z,0) - z*y + log(1 + exp(-|z|))
        let loss = (z.relu().ctx("loss")? - (&z * &ys).ctx("loss")?).ctx("loss")?;
        let soft = z
            .abs()
            .and_then(|a| a.neg())
            .and_then(|a| a.exp())
            .and_then(|a| a.affine(1.0, 1.0))
            .and_then(|a| a.log())
            .ctx("loss")?;
        let loss = (loss + soft)
            .and_then(|l| l * &ws)
            .and_then(|l| l.mean_all())
            .ctx("loss")?;
        opt.backward_step(&loss).ctx("backward")?;
    }
    let w1v = to_vec(w1.as_tensor(), "w1")?;
    let b1v = to_vec(b1.as_tensor(), "b1")?;
    let (w2v, b2v) = match (&w2, &b2) {
        (Some(w2), Some(b2)) => (
            to_vec(w2.as_tensor(), "w2")?,
            to_vec(b2.as_tensor(), "b2")?[0],
        ),
        _ => (Vec::new(), 0.0),
    };
    // a logistic regression keeps its bias in b1
    Ok(PairHead {
        config,
        mean,
        std,
        w1: w1v,
        b1: b1v,
        w2: w2v,
        b2: b2v,
    })
}

/// The logistic function.
pub fn sigmoid(z: f32) -> f32 {
    (1.0 / (1.0 + (-(z as f64)).exp())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<Vec<f32>>, Vec<bool>) {
        let mut rng = StdRng::seed_from_u64(1);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..200 {
            let row: Vec<f32> = (0..13).map(|_| rng.gen_range(-1.0..1.0)).collect();
            y.push(row[0] + 0.5 * row[1] > 0.1);
            x.push(row);
        }
        (x, y)
    }

    fn config(hidden: usize) -> (HeadConfig, TrainConfig) {
        (
            HeadConfig {
                feature_set: FeatureSet::Scalar,
                dim: 4,
                hidden,
            },
            TrainConfig {
                hidden,
                epochs: 200,
                ..TrainConfig::default()
            },
        )
    }

    #[test]
    fn training_is_byte_identical_across_runs() {
        let (x, y) = toy();
        for hidden in [0, 8] {
            let (hc, tc) = config(hidden);
            let a = train(&x, &y, hc.clone(), &tc)
                .expect("train")
                .to_safetensors()
                .expect("ser");
            let b = train(&x, &y, hc, &tc)
                .expect("train")
                .to_safetensors()
                .expect("ser");
            assert_eq!(a, b, "hidden {hidden}");
        }
    }

    #[test]
    fn learns_a_linear_rule_and_round_trips() {
        let (x, y) = toy();
        for hidden in [0, 8] {
            let (hc, tc) = config(hidden);
            let head = train(&x, &y, hc, &tc).expect("train");
            let correct = x
                .iter()
                .zip(&y)
                .filter(|(r, l)| (head.logit(r).expect("logit") > 0.0) == **l)
                .count();
            assert!(correct >= 190, "hidden {hidden}: {correct}/200");
            let bytes = head.to_safetensors().expect("ser");
            let back = PairHead::from_safetensors(&bytes, "test").expect("de");
            assert_eq!(back, head);
        }
    }

    #[test]
    fn rejects_bad_weights() {
        assert!(PairHead::from_safetensors(&[], "empty").is_err());
        assert!(PairHead::from_safetensors(&[1, 2, 3], "junk").is_err());
        let (x, y) = toy();
        let (hc, tc) = config(0);
        let head = train(&x, &y, hc, &tc).expect("train");
        assert!(head.logit(&[0.0; 3]).is_err());
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-7);
    }
}
