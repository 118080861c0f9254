//! What the matcher's model tests share: all-MiniLM-L6-v2 from `<workspace>/models` (fetched on first use).

use std::path::PathBuf;

use claimbench_matcher::{EmbeddingEncoder, DEFAULT_MODEL};
use claimbench_model::EmbedderOptions;

/// The default model's encoder.
pub fn default_encoder() -> EmbeddingEncoder {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    EmbeddingEncoder::load_registered(
        DEFAULT_MODEL,
        &models,
        &EmbedderOptions::default(),
        &mut |_| {},
    )
    .expect("the default model loads (fetched on first use)")
}
