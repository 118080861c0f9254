//! What the trainers share: the repository root and the default model loaded from its registry.

use std::path::{Path, PathBuf};

use claimbench_matcher::{EmbeddingEncoder, DEFAULT_MODEL};
use claimbench_model::EmbedderOptions;

/// The repository root (the trainers read and write files under it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// all-MiniLM-L6-v2 from `$CLAIMBENCH_MODELS_DIR`, else the repository's `models/` (fetched on first use).
pub fn default_encoder(root: &Path) -> Result<EmbeddingEncoder, Box<dyn std::error::Error>> {
    let models_dir = std::env::var_os("CLAIMBENCH_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models"));
    Ok(EmbeddingEncoder::load_registered(
        DEFAULT_MODEL,
        &models_dir,
        &EmbedderOptions::default(),
        &mut |m| eprintln!("{m}"),
    )?)
}
