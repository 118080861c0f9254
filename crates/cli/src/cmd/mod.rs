//! One module per subcommand.

pub mod calibrate;
pub mod compare;
pub mod diff;
pub mod embed;
pub mod eval;
pub mod gate;
pub mod gold;
pub mod judged;
pub mod merge;
pub mod models;
pub mod report;
pub mod score;
pub mod similarity;

use std::path::PathBuf;

use claimbench_harness::run::RunFile;
use claimbench_harness::{Plan, RunOutput, Saved};

use crate::board::{self, Row};

/// What `eval` and `score` print after an evaluation that was not a shard's.
pub struct Finished {
    /// The run.
    pub file: RunFile,
    /// Its leaderboard.
    pub rows: Vec<Row>,
    /// Where it was saved, if the plan had a run directory.
    pub dir: Option<PathBuf>,
}

/// Evaluate `plan` and save it when it has a run directory; a shard's part (saved, or kept from an earlier run with
/// the same inputs) is reported here and gives None.
pub fn evaluate_and_save(plan: &Plan<'_>, json: bool) -> anyhow::Result<Option<Finished>> {
    let evaluated = match claimbench_harness::evaluate(plan)? {
        RunOutput::PartKept {
            path,
            shard,
            documents,
        } => {
            merge::report_part(&path, shard, documents, true, json)?;
            return Ok(None);
        }
        RunOutput::Run(e) => e,
    };
    let rows = board::rows(&evaluated.file, Some(&evaluated.timings));
    let file = evaluated.file.clone();
    if evaluated.out().is_none() {
        return Ok(Some(Finished {
            file,
            rows,
            dir: None,
        }));
    }
    match evaluated.save()? {
        Saved::Part {
            path,
            shard,
            documents,
        } => {
            merge::report_part(&path, shard, documents, false, json)?;
            Ok(None)
        }
        Saved::Run(dir) => Ok(Some(Finished {
            file,
            rows,
            dir: Some(dir),
        })),
    }
}
