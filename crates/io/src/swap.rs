//! Putting a finished directory in place of another in one step.

use std::path::Path;

use crate::{Error, Result};

/// Puts `new` at `target`, which must exist: on Linux one atomic exchange (`renameat2(RENAME_EXCHANGE)`), so
/// `target` is always one whole directory, and the old one is left at `new`'s path; elsewhere (or on a file
/// system without the exchange) `target` is renamed to `aside` first, then `new` to `target`. Returns where the
/// old directory now is.
pub fn exchange_dirs<'a>(new: &'a Path, target: &Path, aside: &'a Path) -> Result<&'a Path> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, new, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(new),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => {
                return Err(Error {
                    path: target.to_path_buf(),
                    source: e.into(),
                })
            }
        }
    }
    std::fs::rename(target, aside).map_err(|source| Error {
        path: target.to_path_buf(),
        source,
    })?;
    crate::test_hook("moved-aside").map_err(|source| Error {
        path: target.to_path_buf(),
        source,
    })?;
    std::fs::rename(new, target).map_err(|source| Error {
        path: target.to_path_buf(),
        source,
    })?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_directory_takes_the_targets_place_and_the_old_is_returned() {
        let t = tempfile::tempdir().unwrap();
        let (new, target, aside) = (
            t.path().join("new"),
            t.path().join("run"),
            t.path().join("old"),
        );
        std::fs::create_dir(&new).unwrap();
        std::fs::create_dir(&target).unwrap();
        std::fs::write(new.join("f"), "new").unwrap();
        std::fs::write(target.join("f"), "old").unwrap();
        let old = exchange_dirs(&new, &target, &aside).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("f")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(old.join("f")).unwrap(), "old");
    }
}
