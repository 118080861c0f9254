//! [`EmbeddingEncoder`]: a [`claimbench_model::Embedder`] as a [`claimbench_score::TextEncoder`].

use std::path::Path;
use std::sync::Arc;

use claimbench_model::{registry, Embedder, EmbedderOptions, TokenVectors};
use claimbench_score::TextEncoder;

use crate::error::Result;

/// The registered name of the default embedding model.
pub const DEFAULT_MODEL: &str = "all-minilm-l6-v2";

/// A sentence-embedding model used as a text encoder, consulting a [`Memo`] of vectors embedded ahead of time.
#[derive(Clone)]
pub struct EmbeddingEncoder {
    embedder: Arc<Embedder>,
    memo: Option<Arc<Memo>>,
}

/// Vectors embedded ahead of time in large batches (e.g. one chunk of documents), shared by the matchers that
/// would otherwise embed a few texts per document; a text's vector is the same either way.
///
/// A memo made with [`Memo::with_tokens`] also holds each text's contextual token vectors (for the `align`
/// matcher); its sentence vectors are the same bits either way.
#[derive(Debug, Default)]
pub struct Memo {
    vectors: std::sync::RwLock<std::collections::HashMap<String, Arc<[f32]>>>,
    tokens: Option<std::sync::RwLock<std::collections::HashMap<String, Arc<TokenVectors>>>>,
}

impl Memo {
    /// An empty memo.
    pub fn new() -> Memo {
        Memo::default()
    }

    /// An empty memo that also holds token vectors.
    pub fn with_tokens() -> Memo {
        Memo {
            vectors: Default::default(),
            tokens: Some(Default::default()),
        }
    }

    /// The token vectors of `text`, if held.
    pub fn tokens(&self, text: &str) -> Option<Arc<TokenVectors>> {
        let held = self.tokens.as_ref()?;
        held.read()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
            .cloned()
    }

    /// Embed the texts not yet held, in one call (length-sorted batches), and hold their vectors; `progress`
    /// gets `(done, total)` of the texts embedded. Returns how many of them the model truncated.
    pub fn fill(
        &self,
        embedder: &Embedder,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let mut missing: Vec<&str> = {
            let held = self.read();
            texts
                .iter()
                .copied()
                .filter(|t| !held.contains_key(*t))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(0);
        }
        if let Some(tokens) = &self.tokens {
            let all = embedder.embed_tokens(&missing, progress)?;
            let truncated = all.iter().filter(|t| t.truncated).count();
            let mut held = self.write();
            let mut held_tokens = tokens.write().unwrap_or_else(|e| e.into_inner());
            for (t, v) in missing.iter().zip(all) {
                held.insert((*t).to_string(), v.sentence.clone().into());
                held_tokens.insert((*t).to_string(), Arc::new(v));
            }
            return Ok(truncated);
        }
        let e = embedder.embed_with_progress(&missing, progress)?;
        let mut held = self.write();
        for (t, v) in missing.iter().zip(e.vectors) {
            held.insert((*t).to_string(), v.into());
        }
        Ok(e.truncated)
    }

    /// The vector of `text`, if held.
    pub fn get(&self, text: &str) -> Option<Arc<[f32]>> {
        self.read().get(text).cloned()
    }

    /// How many texts are held.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drop every vector.
    pub fn clear(&self) {
        self.write().clear();
        if let Some(tokens) = &self.tokens {
            tokens.write().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    fn read(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, std::collections::HashMap<String, Arc<[f32]>>> {
        self.vectors.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, std::collections::HashMap<String, Arc<[f32]>>> {
        self.vectors.write().unwrap_or_else(|e| e.into_inner())
    }
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
            memo: None,
        }
    }

    /// Look texts up in `memo` before running the model.
    pub fn with_memo(mut self, memo: Arc<Memo>) -> EmbeddingEncoder {
        self.memo = Some(memo);
        self
    }

    /// One vector per text: from the memo where held, the rest embedded in one call.
    pub fn vectors(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let Some(memo) = &self.memo else {
            return Ok(self.embedder.embed(texts)?.vectors);
        };
        held_or_computed(
            texts,
            |t| memo.get(t).map(|v| v.to_vec()),
            |missing| Ok(self.embedder.embed(missing)?.vectors),
            "vectors",
        )
    }

    /// Contextual token vectors of each text: from the memo where held (when it holds tokens), the rest
    /// computed in one call.
    pub fn token_vectors(&self, texts: &[&str]) -> Result<Vec<Arc<TokenVectors>>> {
        held_or_computed(
            texts,
            |t| self.memo.as_ref().and_then(|m| m.tokens(t)),
            |missing| {
                Ok(self
                    .embedder
                    .embed_tokens(missing, &mut |_, _| {})?
                    .into_iter()
                    .map(Arc::new)
                    .collect())
            },
            "token sets",
        )
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
        self.vectors(texts).map_err(|e| e.to_string())
    }

    /// On a GPU, one matrix product there (f32); on the CPU, the default f64 loop (bit-stable across machines).
    fn cosine_matrix(
        &self,
        pred: &[&[f32]],
        gold: &[&[f32]],
    ) -> std::result::Result<Vec<f32>, String> {
        let device = self.embedder.device();
        if device.is_cpu() || pred.is_empty() || gold.is_empty() {
            return Ok(claimbench_score::cosine_matrix_cpu(pred, gold));
        }
        device_cosine_matrix(device, pred, gold)
            .map_err(|e| format!("cosine matrix on the GPU: {e}"))
    }
}

/// `pred` by `gold` dot products as one matrix product on `device`, row-major.
pub fn device_cosine_matrix(
    device: &candle_core::Device,
    pred: &[&[f32]],
    gold: &[&[f32]],
) -> candle_core::Result<Vec<f32>> {
    use candle_core::Tensor;
    let dim = pred.first().or(gold.first()).map_or(0, |v| v.len());
    let upload = |rows: &[&[f32]]| {
        let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_vec(flat, (rows.len(), dim), device)
    };
    let (p, g) = (upload(pred)?, upload(gold)?);
    p.matmul(&g.t()?)?
        .clamp(-1f32, 1f32)?
        .flatten_all()?
        .to_vec1::<f32>()
}

/// One value per text, in order: `held` where it has one, the others from one call of `compute` on the texts it
/// lacks (in order); `what` names the values when `compute` returns too few.
fn held_or_computed<T>(
    texts: &[&str],
    held: impl Fn(&str) -> Option<T>,
    compute: impl FnOnce(&[&str]) -> Result<Vec<T>>,
    what: &str,
) -> Result<Vec<T>> {
    let held: Vec<Option<T>> = texts.iter().map(|t| held(t)).collect();
    let missing: Vec<&str> = texts
        .iter()
        .zip(&held)
        .filter(|(_, h)| h.is_none())
        .map(|(t, _)| *t)
        .collect();
    let mut fresh = if missing.is_empty() {
        Vec::new()
    } else {
        compute(&missing)?
    }
    .into_iter();
    held.into_iter()
        .map(|h| match h {
            Some(v) => Ok(v),
            None => fresh.next().ok_or_else(|| {
                crate::Error::Encoder(format!("the model returned fewer {what} than texts"))
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_matrix_agrees_with_the_cpu_loop() {
        // The GPU code path, run on candle's CPU device: same values as the f64 loop, row-major.
        let unit = |v: [f32; 3]| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.map(|x| x / n)
        };
        let p = [unit([1.0, 2.0, 3.0]), unit([-1.0, 0.5, 0.0])];
        let g = [
            unit([1.0, 2.0, 3.0]),
            unit([0.0, 0.0, 1.0]),
            unit([3.0, -1.0, 2.0]),
        ];
        let pr: Vec<&[f32]> = p.iter().map(|v| v.as_slice()).collect();
        let gr: Vec<&[f32]> = g.iter().map(|v| v.as_slice()).collect();
        let want = claimbench_score::cosine_matrix_cpu(&pr, &gr);
        let got = device_cosine_matrix(&candle_core::Device::Cpu, &pr, &gr).unwrap();
        assert_eq!(got.len(), 6);
        assert!((want[0] - 1.0).abs() < 1e-6, "{want:?}");
        assert!((want[1] - 3.0 / 14f32.sqrt()).abs() < 1e-6, "{want:?}");
        for (a, b) in want.iter().zip(&got) {
            assert!((a - b).abs() < 1e-6, "{want:?} vs {got:?}");
        }
    }
}
