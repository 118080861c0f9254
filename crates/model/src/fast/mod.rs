//! A faster BERT encoder forward for the CPU, for sentence embeddings.
//!
//! Same weights and same arithmetic as candle-transformers' `BertModel` (f32), but laid out so
//! that little time goes anywhere other than the matrix products:
//!
//! - **no padding at all**: the tokens of every sequence in a call are packed into one
//!   `[tokens, hidden]` matrix. The linear layers are per token, so they run on real tokens only;
//!   attention runs per (sequence, head) on that sequence's rows, so no mask is needed;
//! - **one QKV product**: the query, key and value weights are concatenated at load time
//!   (`[hidden, 3 * hidden]`, transposed once) so each layer starts with one matmul instead of three;
//! - **no transposes or `contiguous()` copies** in attention: each (sequence, head) task reads its
//!   Q, K, V columns straight from the QKV product, with the bias added on the fly;
//! - **fused element-wise work**: bias + GELU (erf) in one pass, bias + residual + LayerNorm in
//!   one pass, with branch-free `erf`/`exp` that vectorise (AVX2 + FMA, picked at run time);
//! - **threading for a small machine**: the f32 matrix products go through the `gemm` crate,
//!   rayon-parallel, called as candle calls it (`claimbench_kernels::matmul_f32_into`, the same
//!   bits); the row-wise kernels and attention use the same rayon pool;
//! - **no allocation per product**: every intermediate result has one buffer for the whole
//!   forward, which each layer's products and kernels write over (the activation in place).
//!
//! The matrix products can run in f32 (exact path), f16/bf16 (through candle), or integers
//! ([`Matmul::Int16`]: 10-bit weights quantized once per column, each token's activations to 12
//! bits per row, 16-bit products with 32-bit sums by `claimbench-kernels`, AVX-512 VNNI or AVX2
//! where the CPU has it);
//! activations, LayerNorm, softmax and pooling always stay in f32.

pub mod kernels;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config, HiddenAct};

/// Result of the fast forward (errors are candle's, like the rest of the forward pass).
pub type Result<T> = candle_core::Result<T>;

use kernels::Activation;

/// How the fast forward multiplies matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matmul {
    /// Through candle (gemm) in this dtype: `F32` (exact), `F16` or `BF16`.
    Float(DType),
    /// Integer weights and activations in 16-bit lanes, integer sums, f32 results
    /// (`claimbench-kernels`).
    Int16,
}

impl From<DType> for Matmul {
    fn from(d: DType) -> Matmul {
        Matmul::Float(d)
    }
}

/// A weight matrix `[in, out]` as the matrix products read it.
enum Weight {
    /// f32, row-major `[k, n]`: multiplied by `claimbench_kernels::matmul_f32_into`.
    F32 {
        w: Vec<f32>,
        k: usize,
        n: usize,
    },
    /// f16 or bf16: multiplied through candle.
    Float(Tensor),
    Int16(claimbench_kernels::I16Matrix),
}

struct Layer {
    wqkv: Weight,
    bqkv: Vec<f32>,
    wo: Weight,
    bo: Vec<f32>,
    ln1_w: Vec<f32>,
    ln1_b: Vec<f32>,
    w1: Weight,
    b1: Vec<f32>,
    w2: Weight,
    b2: Vec<f32>,
    ln2_w: Vec<f32>,
    ln2_b: Vec<f32>,
}

/// BERT encoder layers with the fast CPU forward, over packed token rows (no embeddings).
pub struct FastLayers {
    hidden: usize,
    heads: usize,
    intermediate: usize,
    eps: f32,
    act: Activation,
    matmul: Matmul,
    layers: Vec<Layer>,
}

/// BERT encoder (embeddings + layers, no pooler) with the fast CPU forward.
pub struct FastBert {
    vocab: usize,
    max_positions: usize,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type0: Vec<f32>,
    ln_w: Vec<f32>,
    ln_b: Vec<f32>,
    stack: FastLayers,
}

fn to_vec(t: Tensor) -> Result<Vec<f32>> {
    t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()
}

/// Transposed (`[in, out]`), contiguous copy of a `[out, in]` linear weight, for `matmul`.
fn weight_t(w: &Tensor, matmul: Matmul) -> Result<Weight> {
    match matmul {
        Matmul::Float(DType::F32) => {
            let t = w.to_dtype(DType::F32)?.t()?.contiguous()?;
            let (k, n) = t.dims2()?;
            Ok(Weight::F32 {
                w: t.flatten_all()?.to_vec1::<f32>()?,
                k,
                n,
            })
        }
        Matmul::Float(dtype) => Ok(Weight::Float(w.to_dtype(dtype)?.t()?.contiguous()?)),
        Matmul::Int16 => {
            let t = w.to_dtype(DType::F32)?.t()?.contiguous()?;
            let (k, n) = t.dims2()?;
            let v = t.flatten_all()?.to_vec1::<f32>()?;
            claimbench_kernels::I16Matrix::quantize(&v, k, n)
                .map(Weight::Int16)
                .map_err(|e| candle_core::Error::Msg(e.to_string()))
        }
    }
}

fn check_matmul(matmul: Matmul) -> Result<()> {
    if let Matmul::Float(d) = matmul {
        if !matches!(d, DType::F32 | DType::F16 | DType::BF16) {
            candle_core::bail!("fast forward: matmul dtype must be f32, f16 or bf16, not {d:?}");
        }
    }
    Ok(())
}

impl FastLayers {
    /// Load `count` encoder layers, the n-th under `name(n)` in `vb` (BERT's names below it:
    /// `attention.self.query.weight`, …), sized and activated as `config` says.
    pub fn load(
        vb: &VarBuilder,
        config: &Config,
        matmul: impl Into<Matmul>,
        count: usize,
        name: impl Fn(usize) -> String,
    ) -> Result<Self> {
        let matmul = matmul.into();
        check_matmul(matmul)?;
        let h = config.hidden_size;
        let heads = config.num_attention_heads;
        if heads == 0 || !h.is_multiple_of(heads) {
            candle_core::bail!("hidden_size {h} is not a multiple of num_attention_heads {heads}");
        }
        let i = config.intermediate_size;
        let act = match config.hidden_act {
            HiddenAct::Gelu => Activation::GeluErf,
            HiddenAct::GeluApproximate => Activation::GeluTanh,
            HiddenAct::Relu => Activation::Relu,
        };
        let mut layers = Vec::with_capacity(count);
        for n in 0..count {
            let l = vb.pp(name(n));
            let a = l.pp("attention");
            let s = a.pp("self");
            let q = s.get((h, h), "query.weight")?;
            let k = s.get((h, h), "key.weight")?;
            let v = s.get((h, h), "value.weight")?;
            let wqkv = weight_t(&Tensor::cat(&[&q, &k, &v], 0)?, matmul)?;
            let mut bqkv = to_vec(s.get(h, "query.bias")?)?;
            bqkv.extend(to_vec(s.get(h, "key.bias")?)?);
            bqkv.extend(to_vec(s.get(h, "value.bias")?)?);
            let o = a.pp("output");
            layers.push(Layer {
                wqkv,
                bqkv,
                wo: weight_t(&o.get((h, h), "dense.weight")?, matmul)?,
                bo: to_vec(o.get(h, "dense.bias")?)?,
                ln1_w: to_vec(o.get(h, "LayerNorm.weight")?)?,
                ln1_b: to_vec(o.get(h, "LayerNorm.bias")?)?,
                w1: weight_t(&l.get((i, h), "intermediate.dense.weight")?, matmul)?,
                b1: to_vec(l.get(i, "intermediate.dense.bias")?)?,
                w2: weight_t(&l.get((h, i), "output.dense.weight")?, matmul)?,
                b2: to_vec(l.get(h, "output.dense.bias")?)?,
                ln2_w: to_vec(l.get(h, "output.LayerNorm.weight")?)?,
                ln2_b: to_vec(l.get(h, "output.LayerNorm.bias")?)?,
            });
        }
        Ok(Self {
            hidden: h,
            heads,
            intermediate: i,
            eps: config.layer_norm_eps as f32,
            act,
            matmul,
            layers,
        })
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Run the first `count` layers over packed rows `x` (`[tokens, hidden]`, sequence `i` at rows
    /// `offsets[i]..offsets[i + 1]`; attention stays within a sequence), in place.
    pub fn run(&self, x: &mut [f32], offsets: &[usize], count: usize) -> Result<()> {
        let h = self.hidden;
        let tokens = x.len() / h;
        let head_dim = h / self.heads;
        // the intermediate results, in buffers reused by every layer; attention's working
        // space then holds the output projection (both [tokens, hidden])
        let (mut qkv, mut ctx, mut y, mut u) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for l in self.layers.iter().take(count) {
            self.matmul_into(x, tokens, &l.wqkv, &mut qkv)?;
            kernels::attention(
                &qkv, &l.bqkv, offsets, self.heads, head_dim, &mut y, &mut ctx,
            );
            self.matmul_into(&ctx, tokens, &l.wo, &mut y)?;
            kernels::add_bias_residual_layer_norm(x, &y, &l.bo, &l.ln1_w, &l.ln1_b, h, self.eps);
            self.matmul_into(x, tokens, &l.w1, &mut u)?;
            kernels::bias_activation(&mut u, &l.b1, self.intermediate, self.act);
            self.matmul_into(&u, tokens, &l.w2, &mut y)?;
            kernels::add_bias_residual_layer_norm(x, &y, &l.b2, &l.ln2_w, &l.ln2_b, h, self.eps);
        }
        Ok(())
    }

    /// `x [rows, k] @ w [k, n]`, result in f32 written over `out` (resized to `[rows, n]`): in
    /// f32 or integers through `claimbench-kernels`, or through candle in f16/bf16.
    ///
    /// A row's result depends on that row alone, whatever the other rows and the thread count:
    /// the integer sums are exact, and in f32 gemm splits the work over rows and columns, never
    /// over `k` (see `claimbench_kernels::matmul_f32_into`). `out` is reused from layer to layer,
    /// so its pages are faulted in and zeroed once a forward, not once a product.
    fn matmul_into(&self, x: &[f32], rows: usize, w: &Weight, out: &mut Vec<f32>) -> Result<()> {
        match w {
            Weight::F32 { w, k, n } => {
                out.resize(rows * n, 0.0);
                claimbench_kernels::matmul_f32_into(
                    x,
                    rows,
                    w,
                    *k,
                    *n,
                    candle_core::utils::get_num_threads(),
                    out,
                );
            }
            Weight::Int16(q) => claimbench_kernels::matmul_i16_into(x, rows, q, out),
            Weight::Float(w) => {
                let k = w.dim(0)?;
                let d = w.dtype();
                // gemm hands a single row to a matrix-vector kernel with another summation
                // order: it is given a zero row as company
                let mut x = x.to_vec();
                let padded = if rows == 1 { 2 } else { rows };
                x.resize(padded * k, 0.0);
                let y = Tensor::from_vec(x, (padded, k), &Device::Cpu)?
                    .to_dtype(d)?
                    .matmul(w)?
                    .to_dtype(DType::F32)?
                    .narrow(0, 0, rows)?;
                *out = y.flatten_all()?.to_vec1::<f32>()?;
            }
        }
        Ok(())
    }
}

impl FastBert {
    /// Load from a var builder over the model's safetensors (the `bert.`/`<model_type>.` prefix
    /// is detected, as all-MiniLM-L6-v2 has none). `matmul` says how the weight matrices are
    /// stored and multiplied: a dtype (`F32` exact, `F16` or `BF16`) or [`Matmul::Int16`].
    pub fn load(vb: VarBuilder, config: &Config, matmul: impl Into<Matmul>) -> Result<Self> {
        let matmul = matmul.into();
        check_matmul(matmul)?;
        let vb = crate::forward::bert_root(vb, config)?;
        let h = config.hidden_size;
        let e = vb.pp("embeddings");
        let word = to_vec(e.get((config.vocab_size, h), "word_embeddings.weight")?)?;
        let position = to_vec(e.get(
            (config.max_position_embeddings, h),
            "position_embeddings.weight",
        )?)?;
        let token_types =
            to_vec(e.get((config.type_vocab_size, h), "token_type_embeddings.weight")?)?;
        let token_type0 = token_types
            .get(..h)
            .map(<[f32]>::to_vec)
            .unwrap_or_else(|| vec![0.0; h]);
        let ln_w = to_vec(e.get(h, "LayerNorm.weight")?)?;
        let ln_b = to_vec(e.get(h, "LayerNorm.bias")?)?;
        let stack = FastLayers::load(&vb, config, matmul, config.num_hidden_layers, |n| {
            format!("encoder.layer.{n}")
        })?;
        Ok(Self {
            vocab: config.vocab_size,
            max_positions: config.max_position_embeddings,
            word,
            position,
            token_type0,
            ln_w,
            ln_b,
            stack,
        })
    }

    /// Width of the token vectors (and of the pooled embedding).
    pub fn hidden_size(&self) -> usize {
        self.stack.hidden
    }

    /// How the matrix products run.
    pub fn matmul_kind(&self) -> Matmul {
        self.stack.matmul
    }

    /// Token vectors of the last layer for each sequence (token ids, no padding, special
    /// tokens included), packed: `[total tokens, hidden]` row-major, and the row offsets
    /// (`offsets[i]..offsets[i + 1]` are sequence `i`'s rows; one more entry than sequences).
    pub fn forward_packed(&self, seqs: &[&[u32]]) -> Result<(Vec<f32>, Vec<usize>)> {
        self.forward_packed_layers(seqs, self.stack.len())
    }

    /// The number of encoder layers.
    pub fn num_layers(&self) -> usize {
        self.stack.len()
    }

    /// As [`FastBert::forward_packed`], the token vectors after the first `layers` encoder layers
    /// (all of them when `layers` is at least their number).
    pub fn forward_packed_layers(
        &self,
        seqs: &[&[u32]],
        layers: usize,
    ) -> Result<(Vec<f32>, Vec<usize>)> {
        let h = self.stack.hidden;
        let mut offsets = Vec::with_capacity(seqs.len() + 1);
        offsets.push(0usize);
        for s in seqs {
            if s.len() > self.max_positions {
                candle_core::bail!(
                    "sequence of {} tokens is longer than the model's {} positions",
                    s.len(),
                    self.max_positions
                );
            }
            offsets.push(offsets[offsets.len() - 1] + s.len());
        }
        let tokens = offsets[offsets.len() - 1];
        if tokens == 0 {
            return Ok((Vec::new(), offsets));
        }
        // embeddings: word + position + token type 0, then LayerNorm
        let mut x = vec![0.0f32; tokens * h];
        let mut row = 0;
        for s in seqs {
            for (p, &id) in s.iter().enumerate() {
                let id = id as usize;
                if id >= self.vocab {
                    candle_core::bail!("token id {id} outside the vocabulary of {}", self.vocab);
                }
                let dst = &mut x[row * h..(row + 1) * h];
                let w = &self.word[id * h..(id + 1) * h];
                let pe = &self.position[p * h..(p + 1) * h];
                for (((d, &a), &b), &c) in dst.iter_mut().zip(w).zip(pe).zip(&self.token_type0) {
                    *d = a + b + c;
                }
                row += 1;
            }
        }
        kernels::layer_norm(&mut x, &self.ln_w, &self.ln_b, h, self.stack.eps);
        self.stack.run(&mut x, &offsets, layers)?;
        Ok((x, offsets))
    }

    /// Mean-pooled sentence embeddings (L2-normalised when `normalize`), one per sequence,
    /// in input order.
    pub fn embed_mean(&self, seqs: &[&[u32]], normalize: bool) -> Result<Vec<Vec<f32>>> {
        let (x, offsets) = self.forward_packed(seqs)?;
        Ok(kernels::mean_pool(
            &x,
            &offsets,
            self.stack.hidden,
            normalize,
        ))
    }
}
