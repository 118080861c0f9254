//! One writer at a time: an advisory lock on a file that names its holder.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("{}: another claimbench (pid {}) is writing here; wait for it to finish", path.display(), pid.map_or_else(|| "unknown".to_string(), |p| p.to_string()))]
    Held {
        /// The lock file.
        path: PathBuf,
        /// The holder's process id, as it wrote it.
        pid: Option<u32>,
    },
    /// The lock file could not be made or locked.
    #[error(transparent)]
    Io(#[from] crate::Error),
}

/// An exclusive lock held until dropped; the lock file holds the holder's pid and is removed on release.
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
    file: std::fs::File,
}

impl LockFile {
    /// Takes the lock at `path` without waiting: [`LockError::Held`] (with the holder's pid) when another process
    /// has it. The lock dies with its process, so a killed holder never blocks the next one.
    pub fn acquire(path: &Path) -> Result<LockFile, LockError> {
        let at = |source| crate::Error {
            path: path.to_path_buf(),
            source,
        };
        // A holder removes the file while it still holds it: retry until the file we locked is the one at `path`.
        for _ in 0..100 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(at)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(LockError::Held {
                        path: path.to_path_buf(),
                        pid: text.trim().parse().ok(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(at(e).into()),
            }
            if !same_file(&file, path) {
                continue;
            }
            // The pid is for the message of a refused writer only: a full disk does not stop the lock.
            let _ = file
                .set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| write!(file, "{}", std::process::id()))
                .and_then(|()| file.flush());
            return Ok(LockFile {
                path: path.to_path_buf(),
                file,
            });
        }
        Err(at(std::io::Error::other("the lock file keeps being replaced")).into())
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::File, path: &Path) -> bool {
    path.exists()
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Removed while still locked, so a waiter that opened it retries on a fresh file.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_and_the_file_goes_with_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".x.lock");
        let first = LockFile::acquire(&p).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            std::process::id().to_string()
        );
        match LockFile::acquire(&p) {
            Err(LockError::Held { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("not refused: {other:?}"),
        }
        drop(first);
        assert!(!p.exists());
        let again = LockFile::acquire(&p).unwrap();
        assert_eq!(again.path(), p);
    }
}
