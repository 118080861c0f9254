//! Writing a run directory so that nothing is lost: only what claimbench owns is replaced, one writer at a time,
//! and a replaced run stays whole until the new one is complete.
//!
//! A run directory holds [`MARKER`], the list of the files its run wrote. [`RunWriter::begin`] takes the lock
//! (`.NAME.claimbench-lock` beside the directory), refuses a directory that holds anything else (unless
//! `force`), and opens a staging directory beside it (`.NAME.claimbench-new-PID`). The run is written there
//! whole, marker last; [`RunWriter::commit`] then exchanges it with the old directory in one step and removes
//! the old one. With `force` into a directory holding other files, the run is written in place beside them:
//! nothing of theirs is deleted, and a file of theirs at a path the run writes is refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use claimbench_io::{is_temp_name, test_hook, LockFile};
use serde::{Deserialize, Serialize};

use crate::bail;
use crate::error::{Context, Error, Result};
use crate::files::atomic_write;
use crate::run::{GOLD_COPY, RUN_FILE};

/// The run's folder of per-article extractor outputs ([`crate::journal`]).
pub const JOURNAL_DIR: &str = "articles";

/// The file that marks a directory as a claimbench run and lists the files the run wrote.
pub const MARKER: &str = ".claimbench-run";

#[derive(Serialize, Deserialize)]
struct Marker {
    /// What wrote it.
    claimbench_run: u32,
    /// The run's files, relative to its directory, `/`-separated.
    files: BTreeSet<String>,
}

/// How the run reaches its directory.
enum Mode {
    /// Written whole in a staging directory, then put in place of the old one.
    Swap { staging: PathBuf },
    /// Written into the directory beside files that are not the run's (`--force`); `owned` are the old run's
    /// (after [`RunWriter::prepare`]: the new run's), `gold` whether the run writes a gold copy.
    InPlace { owned: BTreeSet<String>, gold: bool },
}

/// A run directory being written: holds the lock until committed or dropped (a drop removes the staging).
pub struct RunWriter {
    target: PathBuf,
    mode: Mode,
    _lock: LockFile,
    done: bool,
    /// Whether the run keeps its articles' journal (`articles/`, written in the run directory as they arrive).
    journal: bool,
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| {
        Error::File(claimbench_io::Error {
            path: path.to_path_buf(),
            source,
        })
    }
}

impl RunWriter {
    /// Lock `target` and check what it holds. `writes` are the run's predictions files (relative paths) and,
    /// for a run on a user's gold set, `gold-copy/`: with `force`, a file at one of them that the old run did not
    /// write is refused, so an input is never replaced.
    pub fn begin(target: &Path, force: bool, writes: &[String]) -> Result<RunWriter> {
        let abs = std::path::absolute(target).with_context(|| format!("{}", target.display()))?;
        let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
            bail!(
                "{}: a run needs a folder of its own, not a root",
                target.display()
            );
        };
        let name = name.to_string_lossy().into_owned();
        std::fs::create_dir_all(parent).map_err(at(parent))?;
        let lock = LockFile::acquire(&parent.join(format!(".{name}.claimbench-lock")))
            .map_err(|e| Error::msg(format!("{}: {e}", target.display())))?;
        recover(parent, &name, &abs)?;
        let meta = std::fs::symlink_metadata(target);
        let mode = match meta {
            Err(_) => None,
            Ok(m) if m.is_dir() => Some(survey(target)?),
            Ok(_) => bail!(
                "{}: --out must be a folder, and this is a file",
                target.display()
            ),
        };
        let mode = match mode {
            Some((owned, foreign)) if !foreign.is_empty() => {
                if !force {
                    bail!(
                        "{}: holds files claimbench did not write ({}){}; give a new or empty folder, or --force to write the run beside them (nothing of theirs is deleted)",
                        target.display(),
                        listing(&foreign),
                        if target.join(MARKER).exists() { "" } else { " and no .claimbench-run marker" }
                    );
                }
                let mut mine: BTreeSet<String> = writes.iter().cloned().collect();
                mine.extend([RUN_FILE.to_string(), "timings.json".to_string()]);
                let clash: Vec<String> = foreign
                    .iter()
                    .filter(|f| {
                        owns(&mine, f) || (f.as_str() == GOLD_COPY && owns(&mine, "gold-copy/x"))
                    })
                    .cloned()
                    .collect();
                if !clash.is_empty() {
                    bail!(
                        "{}: the run would replace {} that claimbench did not write (an input?); choose another --out, or another --name",
                        target.display(),
                        listing(&clash)
                    );
                }
                Mode::InPlace {
                    owned,
                    gold: writes.iter().any(|w| w == &format!("{GOLD_COPY}/")),
                }
            }
            _ => {
                let staging = parent.join(format!(".{name}.claimbench-new-{}", std::process::id()));
                std::fs::create_dir(&staging).map_err(at(&staging))?;
                Mode::Swap { staging }
            }
        };
        Ok(RunWriter {
            target: target.to_path_buf(),
            mode,
            _lock: lock,
            done: false,
            journal: false,
        })
    }

    /// The run directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where the run's files are written now (the staging directory, or the run directory itself).
    pub fn dir(&self) -> &Path {
        match &self.mode {
            Mode::Swap { staging } => staging,
            Mode::InPlace { .. } => &self.target,
        }
    }

    /// Make the journal folder (`articles/`, see [`crate::journal`]) the run's own before anything is written
    /// in it: the run directory is created when new, and its marker lists the folder (beside the old run's
    /// files), so a kill from here on leaves a folder that the next writer, and `--resume`, take for the run's.
    pub(crate) fn claim_journal(&mut self) -> Result<()> {
        std::fs::create_dir_all(&self.target).map_err(at(&self.target))?;
        let mut files = owned_by_run(&self.target);
        files.insert(format!("{JOURNAL_DIR}/"));
        write_marker(&self.target, &files)?;
        if let Mode::InPlace { owned, .. } = &mut self.mode {
            owned.insert(format!("{JOURNAL_DIR}/"));
        }
        self.journal = true;
        Ok(())
    }

    /// Before the run's files are committed (`keep`: its predictions files): in place, the marker claims the
    /// old run's files and the new ones, so a kill from here on leaves nothing the next writer would take for
    /// someone else's; then the old `run.json` and the old run's files this run does not rewrite are removed.
    pub(crate) fn prepare(&mut self, keep: &[String]) -> Result<()> {
        let Mode::InPlace { owned, gold } = &self.mode else {
            return Ok(());
        };
        let gold = *gold;
        let mut keep: BTreeSet<String> = keep.iter().cloned().collect();
        keep.extend([RUN_FILE.to_string(), "timings.json".to_string()]);
        if self.journal {
            keep.insert(format!("{JOURNAL_DIR}/"));
        }
        if gold {
            keep.insert(format!("{GOLD_COPY}/"));
        }
        let claim: BTreeSet<String> = owned.union(&keep).cloned().collect();
        write_marker(&self.target, &claim)?;
        for f in std::iter::once(&RUN_FILE.to_string()).chain(owned.difference(&keep)) {
            let p = self.target.join(f);
            let removed = if f.ends_with('/') {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
            match removed {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(at(&p)(e)),
                _ => {}
            }
        }
        // An old gold copy goes whole: the new one is written fresh.
        if gold && owned.contains(&format!("{GOLD_COPY}/")) {
            let p = self.target.join(GOLD_COPY);
            match std::fs::remove_dir_all(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(at(&p)(e)),
                _ => {}
            }
        }
        self.mode = Mode::InPlace { owned: keep, gold };
        Ok(())
    }

    /// Finish: in place, mark the new run's files; otherwise mark the staging directory, then put it in place of
    /// the old run in one step and remove the old one.
    pub(crate) fn commit(mut self) -> Result<()> {
        match &self.mode {
            Mode::InPlace { owned, .. } => write_marker(&self.target, owned)?,
            Mode::Swap { staging } => {
                if self.journal {
                    copy_tree(&self.target.join(JOURNAL_DIR), &staging.join(JOURNAL_DIR))?;
                }
                let mut files: BTreeSet<String> = files_of(staging)?
                    .into_iter()
                    .filter(|f| !f.starts_with(&format!("{JOURNAL_DIR}/")))
                    .collect();
                if self.journal {
                    files.insert(format!("{JOURNAL_DIR}/"));
                }
                write_marker(staging, &files)?;
                test_hook("staged").map_err(at(staging))?;
                let parent = staging.parent().unwrap_or(Path::new("."));
                let name = self
                    .target
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy();
                if std::fs::symlink_metadata(&self.target).is_ok() {
                    let aside =
                        parent.join(format!(".{name}.claimbench-old-{}", std::process::id()));
                    let old = claimbench_io::exchange_dirs(staging, &self.target, &aside)?;
                    test_hook("swapped").map_err(at(&self.target))?;
                    std::fs::remove_dir_all(old).map_err(at(old))?;
                } else {
                    std::fs::rename(staging, &self.target).map_err(at(&self.target))?;
                }
            }
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        if let (false, Mode::Swap { staging }) = (self.done, &self.mode) {
            let _ = std::fs::remove_dir_all(staging);
        }
    }
}

/// A killed writer's leftovers beside `target`: an old run moved aside with nothing in its place goes back;
/// staging directories and old runs already replaced are removed.
fn recover(parent: &Path, name: &str, target: &Path) -> Result<()> {
    let new = format!(".{name}.claimbench-new-");
    let old = format!(".{name}.claimbench-old-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !(n.starts_with(&new) || n.starts_with(&old)) {
            continue;
        }
        let p = e.path();
        if n.starts_with(&old) && std::fs::symlink_metadata(target).is_err() {
            std::fs::rename(&p, target).map_err(at(target))?;
        } else if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&p).map_err(at(&p))?;
        }
    }
    Ok(())
}

/// Copy the files under `from` to `to` (hard links where the file system allows, temp files skipped).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    std::fs::create_dir_all(to).map_err(at(to))?;
    for e in entries {
        let e = e.map_err(at(from))?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().map_err(at(&src))?.is_dir() {
            copy_tree(&src, &dst)?;
        } else if !is_temp_name(&e.file_name().to_string_lossy())
            && std::fs::hard_link(&src, &dst).is_err()
        {
            std::fs::copy(&src, &dst).map_err(at(&dst))?;
        }
    }
    Ok(())
}

/// Every file under `dir` (not directories), relative and `/`-separated, but the marker and temp files.
fn files_of(dir: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(at(&d))? {
            let e = e.map_err(at(&d))?;
            let n = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                n.clone()
            } else {
                format!("{rel}/{n}")
            };
            if e.file_type().map_err(at(&e.path()))?.is_dir() {
                stack.push((e.path(), r));
            } else if n != MARKER && !is_temp_name(&n) {
                out.insert(r);
            }
        }
    }
    Ok(out)
}

/// What a directory holds: the old run's files (its marker's, or an older claimbench's run.json's), and
/// everything else (files, and folders with nothing of the run's in them).
fn survey(dir: &Path) -> Result<(BTreeSet<String>, Vec<String>)> {
    let owned = owned_by_run(dir);
    let mut foreign = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        let mut any = false;
        for e in std::fs::read_dir(&d).map_err(at(&d))? {
            let e = e.map_err(at(&d))?;
            any = true;
            let n = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                n.clone()
            } else {
                format!("{rel}/{n}")
            };
            if e.file_type().map_err(at(&e.path()))?.is_dir() {
                stack.push((e.path(), r));
            } else if !(owns(&owned, &r) || is_temp_name(&n) || (rel.is_empty() && n == MARKER)) {
                foreign.push(r);
            }
        }
        let sub = format!("{rel}/");
        if !any
            && !rel.is_empty()
            && !owns(&owned, &sub)
            && !owned.iter().any(|o| o.starts_with(&sub))
        {
            foreign.push(format!("{rel}/"));
        }
    }
    foreign.sort();
    Ok((owned, foreign))
}

/// The files the run in `dir` wrote: its marker's list, or for a run of an older claimbench (no marker) what
/// its `run.json` names (itself, `timings.json`, its predictions files, its gold copy).
fn owned_by_run(dir: &Path) -> BTreeSet<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join(MARKER)) {
        if let Ok(m) = serde_json::from_str::<Marker>(&text) {
            return m.files;
        }
    }
    let Ok(text) = std::fs::read_to_string(dir.join(RUN_FILE)) else {
        return BTreeSet::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return BTreeSet::new();
    };
    let mut out: BTreeSet<String> = [RUN_FILE.to_string(), "timings.json".to_string()].into();
    if let Some(systems) = v["systems"].as_object() {
        out.extend(
            systems
                .values()
                .filter_map(|s| s["predictions"].as_str().map(str::to_string)),
        );
    }
    if v["gold"].as_str() == Some(GOLD_COPY) {
        out.insert(format!("{GOLD_COPY}/"));
    }
    out
}

/// Whether the run's list names `rel` (a `dir/` entry owns everything under it).
fn owns(owned: &BTreeSet<String>, rel: &str) -> bool {
    owned.contains(rel)
        || owned
            .iter()
            .any(|o| o.ends_with('/') && rel.starts_with(o.as_str()))
}

fn write_marker(dir: &Path, files: &BTreeSet<String>) -> Result<()> {
    let mut text = serde_json::to_string_pretty(&Marker {
        claimbench_run: 1,
        files: files.clone(),
    })?;
    text.push('\n');
    Ok(atomic_write(&dir.join(MARKER), text.as_bytes())?)
}

/// `a, b, c` (the first ten, then how many more).
fn listing(paths: &[String]) -> String {
    let mut s = paths
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > 10 {
        s.push_str(&format!(" and {} more", paths.len() - 10));
    }
    s
}
