//! File helpers shared by the claimbench crates: reading JSONL line by line ([`LineReader`], [`lines`],
//! [`parse_object`]), replacing a file atomically ([`atomic_write`], [`AtomicFile`]), a directory at once
//! ([`exchange_dirs`]), one writer at a time ([`LockFile`]), and [`sha256_hex`].

mod atomic;
mod hook;
mod input;
mod jsonl;
mod lock;
mod swap;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

pub use atomic::{atomic_write, is_temp_name, AtomicFile};
pub use hook::{test_hook, TEST_HOOK};
pub use input::{
    copy_capped, copy_lines_capped, open_input, read_input, MAX_INPUT_BYTES, MAX_LINE_BYTES,
};
pub use jsonl::{
    decode_line, json_type, lines, lines_at, parse_object, BadUtf8, JsonObject, LineAt, LineReader,
    NotJsonObject,
};
pub use lock::{LockError, LockFile};
pub use swap::exchange_dirs;

/// A file operation that failed, with the file it failed on.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct Error {
    /// The file.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Lowercase hex sha256 of a file's content, read in blocks.
pub fn sha256_file(path: &std::path::Path) -> Result<String> {
    let at = |source| Error {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(at)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(at)?;
    Ok(hex::encode(h.finalize()))
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_nothing_and_of_abc() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
