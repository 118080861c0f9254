//! On-disk embedding cache.
//!
//! Layout: `<cache_dir>/<key>/<h[..2]>/<h>.emb`, where `key` names the weights (first 16 hex
//! digits of their sha256), pooling, normalisation, maximum sequence length and precision, and
//! `h` is the sha256 of the text. A file holds a magic tag, the dimension, the f32 vector
//! (little endian) and a sha256 over key, text and vector: a short, corrupted or misplaced
//! file fails the check and is recomputed, never trusted. Writes go to a temp file in the same
//! directory, then are renamed into place, so a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use claimbench_io::AtomicFile;
use sha2::{Digest, Sha256};

use crate::error::{io_err, Error, Result};

const MAGIC: &[u8; 8] = b"CBEMB001";

/// A directory of cached vectors for one (weights, pooling, normalisation, length, precision).
#[derive(Debug, Clone)]
pub struct EmbeddingCache {
    dir: PathBuf,
    key: String,
}

fn text_hash(text: &str) -> String {
    claimbench_io::sha256_hex(text.as_bytes())
}

impl EmbeddingCache {
    /// Open (creating if needed) the cache for `key` under `cache_dir`.
    pub fn open(cache_dir: &Path, key: &str) -> Result<Self> {
        let dir = cache_dir.join(key);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(Self {
            dir,
            key: key.to_string(),
        })
    }

    /// The directory of this cache.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds (or would hold) the vector of `text`.
    pub fn path_for(&self, text: &str) -> PathBuf {
        let h = text_hash(text);
        self.dir.join(&h[..2]).join(format!("{h}.emb"))
    }

    fn checksum(&self, text: &str, payload: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.key.as_bytes());
        hasher.update([0u8]);
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
        hasher.update(payload);
        hasher.finalize().into()
    }

    /// The cached vector of `text`, if present, of dimension `dim` and intact.
    pub fn get(&self, text: &str, dim: usize) -> Option<Vec<f32>> {
        let bytes = std::fs::read(self.path_for(text)).ok()?;
        let expected_len = 12 + 4 * dim + 32;
        if bytes.len() != expected_len || &bytes[..8] != MAGIC {
            return None;
        }
        let stored_dim = u32::from_le_bytes(bytes[8..12].try_into().ok()?) as usize;
        if stored_dim != dim {
            return None;
        }
        let payload = &bytes[12..12 + 4 * dim];
        if self.checksum(text, payload)[..] != bytes[12 + 4 * dim..] {
            return None;
        }
        Some(
            payload
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    /// Store the vector of `text` atomically (temp file, then rename).
    pub fn put(&self, text: &str, vector: &[f32]) -> Result<()> {
        let path = self.path_for(text);
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let mut payload = Vec::with_capacity(4 * vector.len());
        for x in vector {
            payload.extend_from_slice(&x.to_le_bytes());
        }
        let dim = u32::try_from(vector.len()).map_err(|_| Error::Option {
            field: "dim",
            message: format!("vector of {} components is too long to cache", vector.len()),
        })?;
        let mut bytes = Vec::with_capacity(12 + payload.len() + 32);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&dim.to_le_bytes());
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(&self.checksum(text, &payload));
        // Not synced: a file cut short by a crash fails the checksum and is recomputed.
        let mut file = AtomicFile::create(&path)?;
        file.write_all(&bytes).map_err(io_err(&path))?;
        Ok(file.commit_unsynced()?)
    }
}
