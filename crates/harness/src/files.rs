//! Files written whole or not at all, through `claimbench_io`'s temp file and rename.

use std::io::Write;
use std::path::Path;

use crate::error::{Context, Result};

pub use claimbench_io::{atomic_write, is_temp_name, AtomicFile};

/// Serialise `value` as pretty JSON with a final newline, atomically.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut file, value)
        .map_err(std::io::Error::from)
        .and_then(|()| file.write_all(b"\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(file.commit()?)
}
