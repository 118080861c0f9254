//! Replacing a file all at once: a temp file beside the target, renamed over it.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{Error, Result};

/// How the temp files of [`AtomicFile`] begin.
pub const TEMP_PREFIX: &str = ".claimbench-";
/// How the temp files of [`AtomicFile`] end.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Whether a file name is one of [`AtomicFile`]'s temp files (`.claimbench-*.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error {
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces `path` with `bytes` durably: a reader sees the old file or the new one, never a part.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(at(path))?;
    file.commit()
}

/// A file being written that replaces its target only when committed; dropped uncommitted, it vanishes.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    out: std::io::BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts a file that will replace `path` (its directory is created if needed). The temp file is named
    /// `.claimbench-*.tmp` (see [`is_temp_name`]), so what a killed writer leaves can be found and removed.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(at(dir))?;
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(dir)
            .map_err(at(path))?;
        #[cfg(unix)]
        {
            // Temp files are created private (0600); the file is meant to be read like any other.
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(at(path))?;
        }
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: std::io::BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// The file it will replace.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the target with what was written, once it is on disk.
    pub fn commit(self) -> Result<()> {
        self.finish(true)
    }

    /// Replaces the target with what was written, not waiting for the disk (for caches that check what they read).
    pub fn commit_unsynced(self) -> Result<()> {
        self.finish(false)
    }

    fn finish(self, sync: bool) -> Result<()> {
        let path = self.path;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .map_err(at(&path))?;
        if sync {
            tmp.as_file().sync_all().map_err(at(&path))?;
        }
        tmp.persist(&path).map_err(|e| e.error).map_err(at(&path))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        atomic_write(&p, b"first, longer").unwrap();
        atomic_write(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["out.txt"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[test]
    fn an_uncommitted_file_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        atomic_write(&p, b"old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        assert_eq!(f.path(), p);
        f.write_all(b"new").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out.txt"]);
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new").unwrap();
        f.commit_unsynced().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }

    #[test]
    fn a_missing_directory_is_made_and_a_file_in_the_way_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing").join("out.txt");
        atomic_write(&p, b"x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
        let names: Vec<String> = std::fs::read_dir(dir.path().join("missing"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["out.txt"], "a temp file was left behind");
        // the parent is a file: the error names what could not be made
        let under_file = p.join("x.txt");
        let err = atomic_write(&under_file, b"x").unwrap_err();
        assert_eq!(err.path, p);
        assert!(err.to_string().contains("out.txt"), "{err}");
    }

    #[test]
    fn temp_files_are_named_so_a_killed_writers_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let f = AtomicFile::create(&dir.path().join("run.json")).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1);
        assert!(is_temp_name(&names[0]), "{names:?}");
        assert!(!is_temp_name("run.json") && !is_temp_name(".claimbench-x.json"));
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
