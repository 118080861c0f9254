//! Terminal output: aligned tables, progress bars on stderr, atomic file writes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use comfy_table::{presets, CellAlignment, ContentArrangement, Table, TableComponent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// An aligned table: text columns left, numeric columns right.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = Table::new();
    // No borders, one rule under the header.
    t.load_preset(presets::NOTHING)
        .set_style(TableComponent::HeaderLines, '─')
        .set_style(TableComponent::MiddleHeaderIntersections, '─')
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().copied());
    for row in rows {
        t.add_row(row.iter().cloned());
    }
    for (i, col) in t.column_iter_mut().enumerate() {
        let numeric = rows.iter().all(|r| {
            r.get(i).is_none_or(|c| {
                let c = c.trim_start_matches(['+', '-', '<', '±', ' ']);
                c.is_empty() || c == "-" || c.starts_with(|ch: char| ch.is_ascii_digit())
            })
        });
        if numeric && i > 0 {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn progress(len: u64, message: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr_with_hz(8)
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(len), target);
    pb.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(message.to_string());
    pb.enable_steady_tick(Duration::from_millis(250));
    pb
}

/// A spinner on stderr for work of unknown length, drawn only when stderr is a terminal.
pub fn spinner(message: &str) -> ProgressBar {
    let pb = progress(0, message);
    pb.set_length(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb
}

/// Write `bytes` to `path` through a temp file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    file.commit()
}

/// A file being written: a temp file beside `path` that takes its place only on [`AtomicFile::commit`]
/// (dropped uncommitted, it is removed, and `path` is untouched).
pub struct AtomicFile {
    path: PathBuf,
    out: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Start writing `path` (its directory is created if needed).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(".claimbench-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temp file in {}", dir.display()))?;
        #[cfg(unix)]
        {
            // Temp files are created private (0600); what we write is meant to be read like any other file.
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: std::io::BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// The file it will become.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flush, sync, and rename over the target.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", path.display()))?;
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("writing {}", path.display()))?;
        tmp.persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("writing {}", path.display()))?;
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

/// Serialise `value` as pretty JSON with a final newline, atomically.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut file, value)
        .map_err(std::io::Error::from)
        .and_then(|()| file.write_all(b"\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    file.commit()
}

/// Write `text` and a newline to stdout; a closed pipe comes back as an error that `main` keeps quiet.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Print pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    // Written straight to stdout, never built in memory first: a large run's JSON can be hundreds of MB.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// A rate as a fixed-width string.
pub fn f3(x: f64) -> String {
    format!("{x:.3}")
}

/// A p-value with enough digits to read against any usual level: four decimals, `< 0.0001` below that.
pub fn pvalue(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

/// A 95% interval as `[lo, hi]`.
pub fn interval(lo: f64, hi: f64) -> String {
    format!("[{lo:.3}, {hi:.3}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_numbers_right() {
        let t = table(
            &["model", "F1"],
            &[
                vec!["sentences".into(), "0.5".into()],
                vec!["x".into(), "0.123".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().filter(|l| l.contains("0.")).collect();
        assert_eq!(lines.len(), 2);
        // Right-aligned: both numbers end in the same column.
        let end0 = lines[0].find("0.5").map(|i| i + 3);
        let end1 = lines[1].find("0.123").map(|i| i + 5);
        assert_eq!(end0, end1);
    }

    #[test]
    fn write_atomic_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.json");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("a"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
