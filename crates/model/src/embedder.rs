//! The sentence embedder: tokenising, length-sorted batching, the forward pass, pooling and
//! the cache, with results in input order.
//!
//! Two forward passes sit behind it ([`Forward`]): the fast CPU forward of [`crate::fast`]
//! (the default on the CPU in f32 with mean pooling) and candle-transformers' BERT (GPUs,
//! f16/bf16, CLS and max pooling). Either way a text's vector is the same bits whatever the
//! other texts of the call, the batch size, the cache state and the thread count.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::cache::EmbeddingCache;
use crate::config::{read_model_dir, ModelOverrides, ModelSpec, Pooling};
use crate::device::{check_precision, device_label, resolve_device, DeviceSpec, Precision};
use crate::error::{io_err, CandleContext, Error, Result};
use crate::fast::FastBert;
use crate::forward::{Batch, BertForward};
use crate::pooling::{pool, pool_packed};

/// Which forward pass an [`Embedder`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Forward {
    /// [`Forward::Fast`] on the CPU in f32 with mean pooling, [`Forward::Candle`] otherwise.
    #[default]
    Auto,
    /// candle-transformers' BERT, padded length-grouped batches: any device, precision, pooling.
    Candle,
    /// The fast CPU forward ([`crate::fast`]): packed batches without padding; CPU only. In f16
    /// or bf16 only its matrix products run in that precision (no speed-up on CPUs without
    /// native f16/bf16 arithmetic).
    Fast,
}

impl FromStr for Forward {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Forward::Auto),
            "candle" => Ok(Forward::Candle),
            "fast" => Ok(Forward::Fast),
            _ => Err(Error::Option {
                field: "forward",
                message: format!("unknown forward {s:?} (expected auto, candle or fast)"),
            }),
        }
    }
}

impl fmt::Display for Forward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Forward::Auto => "auto",
            Forward::Candle => "candle",
            Forward::Fast => "fast",
        })
    }
}

/// The loaded forward pass.
enum Engine {
    Candle(BertForward),
    Fast(Box<FastBert>),
}

/// How to load and run an embedder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedderOptions {
    /// Where to run.
    pub device: DeviceSpec,
    /// Numeric precision of weights and activations.
    pub precision: Precision,
    /// Inputs per forward pass (after sorting by length).
    pub batch_size: usize,
    /// Directory of the on-disk embedding cache; `None` for no cache.
    pub cache_dir: Option<PathBuf>,
}

/// Bytes of text tokenised per position the model reads: texts are cut to `max_seq_length` times this
/// before tokenising (a WordPiece token is rarely longer than 20 bytes, so the model reads the same tokens).
pub const BYTES_PER_POSITION: usize = 64;

/// The default batch size.
pub const DEFAULT_BATCH_SIZE: usize = 32;

impl Default for EmbedderOptions {
    fn default() -> Self {
        Self {
            device: DeviceSpec::Cpu,
            precision: Precision::F32,
            batch_size: DEFAULT_BATCH_SIZE,
            cache_dir: None,
        }
    }
}

/// Sentence vectors, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// One vector per input text.
    pub vectors: Vec<Vec<f32>>,
    /// How many inputs were longer than `max_seq_length` tokens and were truncated.
    pub truncated: usize,
}

/// One word piece of a text, as the model saw it (special tokens excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word piece (`##` marks a continuation), lowercased as the tokenizer normalised it.
    pub piece: String,
    /// Index of the word it belongs to (pieces of one word share it).
    pub word: u32,
    /// Byte range of the piece in the input text.
    pub span: (usize, usize),
}

/// A text's contextual token vectors from the last layer, with its sentence vector.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenVectors {
    /// The word pieces, in order, without `[CLS]` and `[SEP]`.
    pub tokens: Vec<Token>,
    /// One unit-length row of `dim` values per token, row-major.
    pub vectors: Vec<f32>,
    /// The sentence vector, bit-identical to what [`Embedder::embed`] gives for the text.
    pub sentence: Vec<f32>,
    /// Whether the text was longer than the model reads and was truncated.
    pub truncated: bool,
    /// Byte length of the prefix of the text the model read (the whole text unless truncated).
    pub read_len: usize,
}

/// A text's token states after some of the encoder's layers (special tokens included, not normalised).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStates {
    /// One row of `dim` values per token, row-major, `[CLS]` first and `[SEP]` last.
    pub rows: Vec<f32>,
    /// The number of tokens (rows).
    pub len: usize,
}

impl TokenVectors {
    /// The unit vector of token `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        let dim = self.sentence.len();
        &self.vectors[i * dim..(i + 1) * dim]
    }
}

/// What one forward pass gives per text: the pooled vector, and the token rows when asked for.
type BatchRows = Vec<(Vec<f32>, Option<Vec<f32>>)>;

/// A loaded BERT sentence-embedding model.
pub struct Embedder {
    engine: Engine,
    device: Device,
    tokenizer: Tokenizer,
    spec: ModelSpec,
    weights_sha256: String,
    model_name: String,
    precision: Precision,
    batch_size: usize,
    cache: Option<EmbeddingCache>,
    /// For the candle forward: the model cut to its first layers (how many, and the forward), loaded on first
    /// use by [`Embedder::layer_states`].
    lower: std::sync::Mutex<Option<(usize, std::sync::Arc<BertForward>)>>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("model", &self.model_name)
            .field("device", &self.device_label())
            .field("precision", &self.precision)
            .field("forward", &self.forward())
            .field("pooling", &self.spec.pooling)
            .field("normalize", &self.spec.normalize)
            .field("max_seq_length", &self.spec.max_seq_length)
            .finish()
    }
}

/// How the fast forward multiplies in `precision`.
fn fast_matmul(precision: Precision) -> crate::fast::Matmul {
    match precision {
        Precision::Int16 => crate::fast::Matmul::Int16,
        p => crate::fast::Matmul::Float(p.dtype()),
    }
}

/// Memory-map the safetensors file into a var builder.
#[allow(unsafe_code)]
fn mmap_weights(path: &Path, precision: Precision, device: &Device) -> Result<VarBuilder<'static>> {
    // SAFETY: the file is mapped read-only; candle's mmap requires that it is not modified
    // while mapped. Model directories are written once (fetch and convert write a temp
    // directory and rename it into place) and never rewritten in place by this program.
    unsafe { VarBuilder::from_mmaped_safetensors(&[path], precision.dtype(), device) }.map_err(
        |e| Error::Parse {
            path: path.to_path_buf(),
            message: format!("cannot read safetensors: {e}"),
        },
    )
}

type HashKey = (PathBuf, u64, Option<std::time::SystemTime>);

/// Hashes computed in this process, keyed by (canonical path, size, modification time), so
/// that `registry::ensure` and `Embedder::load` of the same weights hash them once.
static HASHES: std::sync::Mutex<BTreeMap<HashKey, String>> = std::sync::Mutex::new(BTreeMap::new());

/// The sha256 of a file, as lowercase hex (memoised in-process while the file's size and
/// modification time stay the same).
pub fn sha256_file(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(io_err(path))?;
    let canonical = path.canonicalize().map_err(io_err(path))?;
    let key = (canonical, meta.len(), meta.modified().ok());
    if let Some(h) = HASHES.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(h.clone());
    }
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher).map_err(io_err(path))?;
    let h = hex::encode(hasher.finalize());
    HASHES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, h.clone());
    Ok(h)
}

impl Embedder {
    /// Load the model in `model_dir` as its files declare.
    pub fn load(model_dir: &Path, opts: &EmbedderOptions) -> Result<Embedder> {
        Self::load_with_overrides(model_dir, opts, &ModelOverrides::default())
    }

    /// Load the model in `model_dir`, overriding pooling, normalisation or length.
    pub fn load_with_overrides(
        model_dir: &Path,
        opts: &EmbedderOptions,
        overrides: &ModelOverrides,
    ) -> Result<Embedder> {
        Self::load_with_forward(model_dir, opts, overrides, Forward::Auto)
    }

    /// Load the model in `model_dir` with overrides, running the given forward pass
    /// ([`Forward::Fast`] needs the CPU).
    pub fn load_with_forward(
        model_dir: &Path,
        opts: &EmbedderOptions,
        overrides: &ModelOverrides,
        forward: Forward,
    ) -> Result<Embedder> {
        if opts.batch_size == 0 {
            return Err(Error::Option {
                field: "batch_size",
                message: "must be at least 1".to_string(),
            });
        }
        if !model_dir.is_dir() {
            return Err(Error::MissingFile {
                path: model_dir.to_path_buf(),
                hint: "not a directory; fetch a registered model with `claimbench models fetch \
                       NAME` or give a directory with config.json, tokenizer.json and \
                       model.safetensors"
                    .to_string(),
            });
        }
        let spec = read_model_dir(model_dir, overrides)?;
        let device = resolve_device(opts.device)?;
        check_precision(&device, opts.precision)?;

        let mut tokenizer =
            Tokenizer::from_file(&spec.tokenizer_path).map_err(|e| Error::Tokenizer {
                path: spec.tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: spec.max_seq_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| Error::Tokenizer {
                path: spec.tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        tokenizer.with_padding(None);

        if opts.precision == Precision::Int16
            && (forward == Forward::Candle || !device.is_cpu() || spec.pooling != Pooling::Mean)
        {
            return Err(Error::Option {
                field: "dtype",
                message: format!(
                    "int16 runs on the fast forward only (the CPU, mean pooling), not the {} forward on {} with {} pooling",
                    if forward == Forward::Candle { "candle" } else { "auto" },
                    device_label(&device),
                    spec.pooling
                ),
            });
        }
        let fast = match forward {
            Forward::Auto => {
                device.is_cpu()
                    && matches!(opts.precision, Precision::F32 | Precision::Int16)
                    && spec.pooling == Pooling::Mean
            }
            Forward::Candle => false,
            Forward::Fast if device.is_cpu() => true,
            Forward::Fast => {
                return Err(Error::Option {
                    field: "forward",
                    message: format!(
                        "the fast forward runs on the CPU only, not {}",
                        device_label(&device)
                    ),
                })
            }
        };
        let weights_sha256 = sha256_file(&spec.weights_path)?;
        let load_err = |e: candle_core::Error| Error::Unsupported {
            path: spec.weights_path.clone(),
            message: format!("cannot load BERT weights: {e}"),
        };
        let engine = if fast {
            // f32 copies of the small tensors, the weight matrices in the matmul precision
            let vb = mmap_weights(&spec.weights_path, Precision::F32, &device)?;
            Engine::Fast(Box::new(
                FastBert::load(vb, &spec.bert, fast_matmul(opts.precision)).map_err(load_err)?,
            ))
        } else {
            let vb = mmap_weights(&spec.weights_path, opts.precision, &device)?;
            Engine::Candle(BertForward::load(vb, &spec.bert, opts.precision).map_err(load_err)?)
        };
        let model_name = model_dir
            .canonicalize()
            .ok()
            .as_deref()
            .unwrap_or(model_dir)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string());
        let mut embedder = Embedder {
            engine,
            device,
            tokenizer,
            spec,
            weights_sha256,
            model_name,
            precision: opts.precision,
            batch_size: opts.batch_size,
            cache: None,
            lower: std::sync::Mutex::new(None),
        };
        if let Some(dir) = &opts.cache_dir {
            embedder.cache = Some(EmbeddingCache::open(dir, &embedder.cache_key())?);
        }
        Ok(embedder)
    }

    /// The cache key: weights, pooling, normalisation, length, precision and, for the fast
    /// forward, `-fast` (its vectors differ from candle's in the last bits, and a cache must
    /// never mix the two).
    pub fn cache_key(&self) -> String {
        format!(
            "{}-{}-{}-{}-{}{}",
            &self.weights_sha256[..16.min(self.weights_sha256.len())],
            self.spec.pooling,
            if self.spec.normalize { "norm" } else { "raw" },
            self.spec.max_seq_length,
            self.precision,
            match self.engine {
                Engine::Candle(_) => "",
                Engine::Fast(_) => "-fast",
            }
        )
    }

    /// The forward pass in use: [`Forward::Candle`] or [`Forward::Fast`] (never `Auto`).
    pub fn forward(&self) -> Forward {
        match self.engine {
            Engine::Candle(_) => Forward::Candle,
            Engine::Fast(_) => Forward::Fast,
        }
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.spec.bert.hidden_size
    }

    /// sha256 of `model.safetensors`, lowercase hex.
    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// The model's name (its directory's name).
    pub fn model_name(&self) -> &str {
        &self.model_name
    }

    /// The device it runs on: `cpu`, `cuda:N` or `metal:N`.
    pub fn device_label(&self) -> String {
        device_label(&self.device)
    }

    /// The candle device it runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The precision it runs in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Maximum tokens per input, special tokens included; longer inputs are truncated.
    pub fn max_seq_length(&self) -> usize {
        self.spec.max_seq_length
    }

    /// The pooling in use.
    pub fn pooling(&self) -> Pooling {
        self.spec.pooling
    }

    /// Whether outputs are L2-normalised.
    pub fn normalize(&self) -> bool {
        self.spec.normalize
    }

    /// The batch size in use.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The cache directory of this model, if caching.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_ref().map(|c| c.dir())
    }

    /// Number of tokens of `text` after truncation, special tokens included, and whether it
    /// was truncated.
    pub fn token_count(&self, text: &str) -> Result<(usize, bool)> {
        let enc = self.encode(&[text])?;
        Ok(enc
            .first()
            .map(|e| (e.get_ids().len(), self.was_truncated(text, e)))
            .unwrap_or((0, false)))
    }

    /// The prefix of `text` that is tokenised: at most [`BYTES_PER_POSITION`] bytes per position the
    /// model reads (cut at a character boundary), so a huge claim costs no more than the model reads.
    fn cut<'a>(&self, text: &'a str) -> &'a str {
        let mut end = self.spec.max_seq_length.saturating_mul(BYTES_PER_POSITION);
        if text.len() <= end {
            return text;
        }
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    /// Whether the model read less than all of `text` (its tokens overflowed, or it was cut).
    fn was_truncated(&self, text: &str, enc: &tokenizers::Encoding) -> bool {
        !enc.get_overflowing().is_empty() || self.cut(text).len() < text.len()
    }

    fn encode(&self, texts: &[&str]) -> Result<Vec<tokenizers::Encoding>> {
        let cut: Vec<&str> = texts.iter().map(|t| self.cut(t)).collect();
        self.tokenizer
            .encode_batch(cut, true)
            .map_err(|e| Error::Tokenizer {
                path: self.spec.tokenizer_path.clone(),
                message: format!("encoding failed: {e}"),
            })
    }

    /// Embed `texts`; vectors come back in input order.
    pub fn embed(&self, texts: &[&str]) -> Result<Embeddings> {
        self.embed_with_progress(texts, &mut |_, _| {})
    }

    /// Embed `texts`, calling `progress(done, total)` (in inputs) after each batch.
    pub fn embed_with_progress(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Embeddings> {
        let total = texts.len();
        // repeated texts are embedded once
        let mut first: BTreeMap<&str, usize> = BTreeMap::new();
        let mut unique: Vec<&str> = Vec::new();
        let mut multiplicity: Vec<usize> = Vec::new();
        let mut slot: Vec<usize> = Vec::with_capacity(total);
        for &t in texts {
            let u = *first.entry(t).or_insert_with(|| {
                unique.push(t);
                multiplicity.push(0);
                unique.len() - 1
            });
            multiplicity[u] += 1;
            slot.push(u);
        }
        // every input is tokenised, cached or not, so that the truncation count never
        // depends on the cache
        let encodings = self.encode(&unique)?;
        let was_truncated: Vec<bool> = encodings
            .iter()
            .zip(&unique)
            .map(|(e, t)| self.was_truncated(t, e))
            .collect();
        let truncated = slot.iter().filter(|&&u| was_truncated[u]).count();

        let dim = self.dim();
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; unique.len()];
        let mut done = 0usize;
        if let Some(cache) = &self.cache {
            for (u, text) in unique.iter().enumerate() {
                if let Some(v) = cache.get(text, dim) {
                    vectors[u] = Some(v);
                    done += multiplicity[u];
                }
            }
        }
        let mut todo: Vec<usize> = (0..unique.len())
            .filter(|&u| vectors[u].is_none())
            .collect();
        // A text's vector must never depend on which other texts share its batch, so that
        // results are bit-identical whether the cache is cold or warm. Candle pads a batch to its
        // longest text, and padding changes the length of the attention reductions and with them
        // the rounding: its batches hold texts of one token length only. The fast forward packs
        // texts without padding and computes every token row on its own (see `FastBert`), so its
        // batches take the next `batch_size` texts whatever their lengths.
        // Sorted by length, ties by input position.
        todo.sort_by_key(|&u| (encodings[u].get_ids().len(), u));
        progress(done, total);

        let batches = self.batches(&todo, &encodings);
        // The fast forward runs as many batches at once as rayon has threads, one per thread:
        // each batch's matrix products and kernels split into rayon tasks that its own thread
        // mostly runs itself (the other thread steals only when idle), instead of every small
        // operation being handed between threads. A lone batch (the last, or a short call) still
        // spreads over all threads. Vectors do not depend on this (every token row is computed on
        // its own); results, cache writes and progress (once per batch) stay in batch order.
        for group in batches.chunks(self.wave()) {
            let results: Vec<Result<BatchRows>> = match group {
                [one] => vec![self.run_batch_splitting(one, &encodings, false)],
                _ => group
                    .par_iter()
                    .map(|chunk| self.run_batch_splitting(chunk, &encodings, false))
                    .collect(),
            };
            for (chunk, rows) in group.iter().zip(results) {
                for (&u, (row, _)) in chunk.iter().zip(rows?) {
                    if let Some(cache) = &self.cache {
                        cache.put(unique[u], &row)?;
                    }
                    vectors[u] = Some(row);
                    done += multiplicity[u];
                }
                progress(done, total);
            }
        }
        let vectors = slot
            .iter()
            .map(|&u| {
                vectors[u].clone().ok_or_else(|| Error::Option {
                    field: "texts",
                    message: format!("internal: no vector computed for input {u}"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Embeddings { vectors, truncated })
    }

    /// Contextual token vectors (and the sentence vector) of each text, in input order; `progress`
    /// gets `(done, total)` after each batch. The disk cache holds sentence vectors only and is
    /// not consulted. A text's rows do not depend on its batchmates or the thread count.
    pub fn embed_tokens(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<TokenVectors>> {
        let encodings = self.encode(texts)?;
        let mut todo: Vec<usize> = (0..texts.len()).collect();
        todo.sort_by_key(|&u| (encodings[u].get_ids().len(), u));
        let batches = self.batches(&todo, &encodings);
        let mut out: Vec<Option<TokenVectors>> = vec![None; texts.len()];
        let mut done = 0;
        progress(done, texts.len());
        let dim = self.dim();
        for group in batches.chunks(self.wave()) {
            let results: Vec<Result<BatchRows>> = group
                .par_iter()
                .map(|chunk| self.run_batch_splitting(chunk, &encodings, true))
                .collect();
            for (chunk, rows) in group.iter().zip(results) {
                for (&u, (sentence, rows)) in chunk.iter().zip(rows?) {
                    let enc = &encodings[u];
                    let rows = rows.unwrap_or_default();
                    let special = enc.get_special_tokens_mask();
                    let mut tokens = Vec::new();
                    let mut vectors = Vec::new();
                    for (k, row) in rows.chunks_exact(dim).enumerate() {
                        if special.get(k).copied().unwrap_or(0) == 1 {
                            continue;
                        }
                        tokens.push(Token {
                            piece: enc.get_tokens()[k].clone(),
                            word: enc.get_word_ids()[k].unwrap_or(k as u32),
                            span: enc.get_offsets()[k],
                        });
                        let start = vectors.len();
                        vectors.extend_from_slice(row);
                        crate::fast::kernels::l2_normalize(&mut vectors[start..]);
                    }
                    let truncated = self.was_truncated(texts[u], enc);
                    let read_len = if truncated {
                        tokens.last().map_or(0, |t| t.span.1)
                    } else {
                        texts[u].len()
                    };
                    out[u] = Some(TokenVectors {
                        tokens,
                        vectors,
                        sentence,
                        truncated,
                        read_len,
                    });
                    done += 1;
                }
                progress(done, texts.len());
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(u, v)| {
                v.ok_or_else(|| Error::Option {
                    field: "texts",
                    message: format!("internal: no token vectors computed for input {u}"),
                })
            })
            .collect()
    }

    /// The token states of each text after the first `layers` encoder layers, in input order (in f32
    /// whatever the precision; on the candle forward a model cut to those layers is loaded on first use).
    pub fn layer_states(&self, texts: &[&str], layers: usize) -> Result<Vec<LayerStates>> {
        let encodings = self.encode(texts)?;
        let mut out = Vec::with_capacity(texts.len());
        match &self.engine {
            Engine::Fast(fast) => {
                let h = fast.hidden_size();
                for chunk in encodings.chunks(self.batch_size) {
                    let seqs: Vec<&[u32]> = chunk.iter().map(|e| e.get_ids()).collect();
                    let (x, offsets) = fast.forward_packed_layers(&seqs, layers).ctx(&format!(
                        "fast forward pass of {} texts, {layers} layers",
                        seqs.len()
                    ))?;
                    out.extend(offsets.windows(2).map(|w| LayerStates {
                        rows: x[w[0] * h..w[1] * h].to_vec(),
                        len: w[1] - w[0],
                    }));
                }
            }
            Engine::Candle(_) => {
                let forward = self.lower_forward(layers)?;
                let h = self.spec.bert.hidden_size;
                let pad = self.spec.bert.pad_token_id as u32;
                for chunk in encodings.chunks(self.batch_size) {
                    let batch = chunk.len();
                    let seq = chunk
                        .iter()
                        .map(|e| e.get_ids().len())
                        .max()
                        .unwrap_or(1)
                        .max(1);
                    let mut ids = vec![pad; batch * seq];
                    let mut mask = vec![0u32; batch * seq];
                    for (r, e) in chunk.iter().enumerate() {
                        for (c, &id) in e.get_ids().iter().enumerate() {
                            ids[r * seq + c] = id;
                            mask[r * seq + c] = 1;
                        }
                    }
                    let b = Batch {
                        ids,
                        mask,
                        batch,
                        seq,
                    };
                    let context = format!(
                        "forward pass of {batch}x{seq} tokens, {layers} layers, on {}",
                        self.device_label()
                    );
                    let (hidden, _) = forward.forward(&b).ctx(&context)?;
                    let rows = hidden
                        .to_dtype(candle_core::DType::F32)
                        .and_then(|t| t.to_vec3::<f32>())
                        .ctx(&context)?;
                    for (e, rows) in chunk.iter().zip(rows) {
                        let len = e.get_ids().len();
                        let rows: Vec<f32> = rows.into_iter().take(len).flatten().collect();
                        debug_assert_eq!(rows.len(), len * h);
                        out.push(LayerStates { rows, len });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The candle forward of the model's first `layers` layers, loaded once.
    fn lower_forward(&self, layers: usize) -> Result<std::sync::Arc<BertForward>> {
        let mut lower = self.lower.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((n, f)) = lower.as_ref() {
            if *n == layers {
                return Ok(f.clone());
            }
        }
        let mut config = self.spec.bert.clone();
        config.num_hidden_layers = layers.min(config.num_hidden_layers);
        let vb = mmap_weights(&self.spec.weights_path, self.precision, &self.device)?;
        let f =
            std::sync::Arc::new(BertForward::load(vb, &config, self.precision).map_err(|e| {
                Error::Unsupported {
                    path: self.spec.weights_path.clone(),
                    message: format!("cannot load BERT weights: {e}"),
                }
            })?);
        *lower = Some((layers, f.clone()));
        Ok(f)
    }

    /// The model's weights file (`model.safetensors`).
    pub fn weights_path(&self) -> &Path {
        &self.spec.weights_path
    }

    /// The model's BERT configuration.
    pub fn bert_config(&self) -> &candle_transformers::models::bert::Config {
        &self.spec.bert
    }

    /// Batches over `todo` (sorted by length): the fast forward takes the next `batch_size`
    /// texts whatever their lengths; candle's batches hold texts of one token length only.
    fn batches<'a>(
        &self,
        todo: &'a [usize],
        encodings: &[tokenizers::Encoding],
    ) -> Vec<&'a [usize]> {
        let mut batches: Vec<&[usize]> = Vec::new();
        match self.engine {
            Engine::Fast(_) => batches.extend(todo.chunks(self.batch_size)),
            Engine::Candle(_) => {
                for group in todo
                    .chunk_by(|&a, &b| encodings[a].get_ids().len() == encodings[b].get_ids().len())
                {
                    batches.extend(group.chunks(self.batch_size));
                }
            }
        }
        batches
    }

    /// How many batches run at once: one per rayon thread for the fast forward, else one.
    fn wave(&self) -> usize {
        match self.engine {
            Engine::Fast(_) => rayon::current_num_threads().max(1),
            Engine::Candle(_) => 1,
        }
    }

    /// Run one batch; when the device runs out of memory, split it in halves and retry (down to one text).
    fn run_batch_splitting(
        &self,
        chunk: &[usize],
        encodings: &[tokenizers::Encoding],
        with_tokens: bool,
    ) -> Result<BatchRows> {
        match self.run_batch(chunk.iter().map(|&u| &encodings[u]), with_tokens) {
            Err(e) if chunk.len() > 1 && is_out_of_memory(&e) => {
                let (a, b) = chunk.split_at(chunk.len() / 2);
                let mut rows = self.run_batch_splitting(a, encodings, with_tokens)?;
                rows.extend(self.run_batch_splitting(b, encodings, with_tokens)?);
                Ok(rows)
            }
            other => other,
        }
    }

    /// Run the model on a batch of encodings and pool: one f32 vector per encoding, with its
    /// last-layer token rows (`[tokens, dim]`, row-major, special tokens included) when
    /// `with_tokens`.
    fn run_batch<'a>(
        &self,
        encodings: impl ExactSizeIterator<Item = &'a tokenizers::Encoding> + Clone,
        with_tokens: bool,
    ) -> Result<BatchRows> {
        let forward = match &self.engine {
            Engine::Fast(fast) => {
                let seqs: Vec<&[u32]> = encodings.map(|e| e.get_ids()).collect();
                let tokens: usize = seqs.iter().map(|s| s.len()).sum();
                let (x, offsets) = fast.forward_packed(&seqs).ctx(&format!(
                    "fast forward pass of {} texts, {tokens} tokens, in {}",
                    seqs.len(),
                    self.precision
                ))?;
                let h = fast.hidden_size();
                let pooled = pool_packed(&x, &offsets, h, self.spec.pooling, self.spec.normalize);
                return Ok(pooled
                    .into_iter()
                    .zip(offsets.windows(2))
                    .map(|(v, w)| (v, with_tokens.then(|| x[w[0] * h..w[1] * h].to_vec())))
                    .collect());
            }
            Engine::Candle(forward) => forward,
        };
        let lengths: Vec<usize> = encodings.clone().map(|e| e.get_ids().len()).collect();
        let batch = encodings.len();
        let seq = encodings
            .clone()
            .map(|e| e.get_ids().len())
            .max()
            .unwrap_or(0)
            .max(1);
        let pad = self.spec.bert.pad_token_id as u32;
        let mut ids = vec![pad; batch * seq];
        let mut mask = vec![0u32; batch * seq];
        for (r, e) in encodings.enumerate() {
            for (c, (&id, &m)) in e.get_ids().iter().zip(e.get_attention_mask()).enumerate() {
                ids[r * seq + c] = id;
                mask[r * seq + c] = m;
            }
        }
        let b = Batch {
            ids,
            mask,
            batch,
            seq,
        };
        let context = || {
            format!(
                "forward pass of a batch of {batch}x{seq} tokens on {} in {}",
                self.device_label(),
                self.precision
            )
        };
        let (hidden, mask) = forward.forward(&b).ctx(&context())?;
        let pooled: Tensor =
            pool(&hidden, &mask, self.spec.pooling, self.spec.normalize).ctx(&context())?;
        let pooled = pooled.to_vec2::<f32>().ctx(&context())?;
        if !with_tokens {
            return Ok(pooled.into_iter().map(|v| (v, None)).collect());
        }
        let hidden = hidden
            .to_dtype(candle_core::DType::F32)
            .and_then(|h| h.to_vec3::<f32>())
            .ctx(&context())?;
        Ok(pooled
            .into_iter()
            .zip(hidden)
            .zip(lengths)
            .map(|((v, rows), n)| (v, Some(rows.into_iter().take(n).flatten().collect())))
            .collect())
    }
}

/// Whether an error says the device ran out of memory (CUDA's and Metal's wording).
fn is_out_of_memory(e: &Error) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("out of memory") || text.contains("out_of_memory") || text.contains("outofmemory")
}

#[cfg(test)]
mod oom_tests {
    use super::*;

    #[test]
    fn out_of_memory_errors_are_recognised() {
        let oom = Error::Option {
            field: "x",
            message: "DriverError(CUDA_ERROR_OUT_OF_MEMORY, \"out of memory\")".into(),
        };
        assert!(is_out_of_memory(&oom));
        let other = Error::Option {
            field: "x",
            message: "shape mismatch".into(),
        };
        assert!(!is_out_of_memory(&other));
    }
}
