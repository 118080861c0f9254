//! The `claimbench` command: wires gold, models, extractors and scoring into eval, score, compare and gate.
//!
//! Exit codes: 0 ok, 1 a gate failed, 2 bad input or usage, 3 `merge` refused parts that are not one complete,
//! consistent run (every error is one line on stderr).

mod args;
mod board;
mod cmd;
mod config;
mod output;
mod report;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// What a command asks `main` to exit with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed.
    Ok,
    /// A gate failed (exit 1).
    GateFailed,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match dispatch(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::GateFailed) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if is_merge_refused(&e) => {
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&e));
            ExitCode::from(claimbench_harness::shard::MERGE_REFUSED_EXIT)
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Eval(a) => cmd::eval::run(a),
        Command::Score(a) => cmd::score::run(a),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Gate(a) => cmd::gate::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Gold(a) => cmd::gold::run(a),
        Command::Models(a) => cmd::models::run(a),
        Command::Embed(a) => cmd::embed::run(a),
        Command::Similarity(a) => cmd::similarity::run(a),
        Command::Merge(a) => cmd::merge::run(a),
    }
}

/// The error and its causes on one line, each cause once (library errors often already quote their source).
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Whether `merge` refused its parts somewhere in the error's chain (exit 3).
fn is_merge_refused(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<claimbench_harness::Error>()
            .is_some_and(claimbench_harness::Error::is_merge_refused)
    })
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
