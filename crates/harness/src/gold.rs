//! Loading a gold set for scoring: the built-in one or a user's directory, refused when it has errors.

use std::path::Path;

use claimbench_gold::{GoldSet, LoadReport};

use crate::bail;
use crate::error::Result;

/// How a gold directory is named in messages (`built-in gold` for the built-in set).
pub fn label(dir: Option<&Path>) -> String {
    dir.map_or_else(|| "built-in gold".to_string(), |d| d.display().to_string())
}

/// Read a gold set with every problem found (built-in when `dir` is None).
pub fn read(dir: Option<&Path>) -> Result<LoadReport> {
    Ok(match dir {
        None => GoldSet::read_builtin(),
        Some(d) => GoldSet::read_dir(d)?,
    })
}

/// Load a gold set for scoring, giving each warning and each error line to `notify` first; an error when the set
/// has any error.
pub fn load_with(dir: Option<&Path>, notify: &dyn Fn(&str)) -> Result<GoldSet> {
    let report = read(dir)?;
    for w in report.warnings() {
        notify(&format!("warning: {w}"));
    }
    if report.has_errors() {
        for p in report.errors() {
            notify(&p.to_string());
        }
        bail!(
            "{} is not valid: {} error(s), listed above (run `claimbench gold validate` for details)",
            label(dir),
            report.errors().count()
        );
    }
    Ok(report.set)
}

/// [`load_with`] printing its warnings and errors on stderr.
pub fn load(dir: Option<&Path>) -> Result<GoldSet> {
    load_with(dir, &crate::progress::to_stderr)
}
