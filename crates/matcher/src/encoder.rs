//! [`EmbeddingEncoder`]: a [`claimbench_model::Embedder`] as a [`claimbench_score::TextEncoder`].

use std::path::Path;
use std::sync::Arc;

use claimbench_model::{registry, Embedder, EmbedderOptions};
use claimbench_score::TextEncoder;

use crate::error::Result;

/// The registered name of the default embedding model.
pub const DEFAULT_MODEL: &str = "all-minilm-l6-v2";

/// A sentence-embedding model used as a text encoder.
pub struct EmbeddingEncoder {
    embedder: Arc<Embedder>,
}

impl std::fmt::Debug for EmbeddingEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingEncoder")
            .field("model", &self.embedder.model_name())
            .finish()
    }
}

impl EmbeddingEncoder {
    /// Wrap a loaded embedder (owned, or shared with other users through an `Arc`).
    pub fn new(embedder: impl Into<Arc<Embedder>>) -> EmbeddingEncoder {
        EmbeddingEncoder {
            embedder: embedder.into(),
        }
    }

    /// Make sure the registered model `name` is in `models_dir` (fetching it on first use) and load it.
    pub fn load_registered(
        name: &str,
        models_dir: &Path,
        opts: &EmbedderOptions,
        progress: &mut dyn FnMut(&str),
    ) -> Result<EmbeddingEncoder> {
        let dir = registry::ensure(name, models_dir, progress)?;
        Ok(EmbeddingEncoder::new(Embedder::load(&dir, opts)?))
    }

    /// The wrapped embedder.
    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    /// Embed with a progress callback `(done, total)`.
    pub fn encode_with_progress(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Vec<f32>>> {
        Ok(self.embedder.embed_with_progress(texts, progress)?.vectors)
    }
}

impl TextEncoder for EmbeddingEncoder {
    fn encode(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
        self.embedder
            .embed(texts)
            .map(|e| e.vectors)
            .map_err(|e| e.to_string())
    }
}
