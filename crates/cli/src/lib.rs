//! The `claimbench` command: wires gold, models, extractors and scoring into eval, score, compare and gate.
//!
//! The binary (`src/main.rs`) and the Python package's `claimbench` command both call [`run_from_args`]; the
//! Python API parses its keyword options as this command's options ([`score_settings`], [`similarity`],
//! [`compare_json`]), so that both validate, name and report them the same way.
//!
//! Exit codes: 0 ok, 1 a gate failed, 2 bad input or usage, 3 `merge` refused parts that are not one complete,
//! consistent run, 4 `eval --stop-after-failures N` stopped after N failed articles (what was done is kept for
//! `eval --resume`; every error is one line on stderr). A panic is a bug: reported as `error: internal error ...
//! (please report)` with what was being read, exit 2, never a backtrace ([`panic::catch`]).

mod args;
mod board;
mod cmd;
mod config;
mod output;
pub mod panic;
mod report;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use crate::args::{Cli, Command};

pub use claimbench_harness::similarity::Decision;

/// What a command asks `main` to exit with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed.
    Ok,
    /// A gate failed (exit 1).
    GateFailed,
}

/// What `claimbench formats` prints: every input format with one example.
pub const FORMATS: &str = include_str!("formats.txt");

/// Exit code of bad input or usage.
pub const USAGE_EXIT: u8 = 2;

/// Run the command on `args` (the program name first, as `std::env::args_os` gives them) and give its exit code;
/// output goes to stdout and stderr as the binary's does.
pub fn run_from_args<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let code = match Cli::try_parse_from(args) {
        Ok(cli) => match panic::catch(|| dispatch(cli)).unwrap_or_else(|f| Err(f.into())) {
            Ok(Outcome::Ok) => 0,
            Ok(Outcome::GateFailed) => 1,
            Err(e) if is_broken_pipe(&e) => 0,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {}", one_line(&e));
                if is_merge_refused(&e) {
                    claimbench_harness::shard::MERGE_REFUSED_EXIT
                } else if is_stopped(&e) {
                    claimbench_harness::journal::STOPPED_EXIT
                } else {
                    USAGE_EXIT
                }
            }
        },
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                USAGE_EXIT
            } else {
                0
            }
        }
    };
    // A process that embeds the command (Python) outlives this call: nothing may stay in stdout's buffer.
    let _ = std::io::stdout().flush();
    code
}

/// Why a call of the library failed: what the command prints after `error: ` (clap's own text for a bad option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure(one_line(&e))
    }
}

impl From<claimbench_harness::Error> for Failure {
    fn from(e: claimbench_harness::Error) -> Failure {
        Failure(e.one_line())
    }
}

/// Parse `claimbench SUBCOMMAND ARGS`, a usage error as clap words it (without its `Usage:` lines).
fn parse(subcommand: &str, args: Vec<OsString>) -> Result<Command, Failure> {
    let argv = [OsString::from("claimbench"), OsString::from(subcommand)]
        .into_iter()
        .chain(args);
    match Cli::try_parse_from(argv) {
        Ok(cli) => Ok(cli.command),
        Err(e) => {
            let text = e.render().to_string();
            let text = text.trim_start_matches("error: ");
            let first = text.split("\n\nUsage:").next().unwrap_or(text);
            Err(Failure(first.trim_end().to_string()))
        }
    }
}

/// The settings and gold directory that `claimbench score --pred FILE --out DIR ARGS` scores with (a saved run:
/// each system gets its threshold sweep); `args` are score's options other than `--pred`, `--name` and `--out`.
pub fn score_settings(
    args: Vec<OsString>,
) -> Result<(claimbench_harness::Settings, Option<PathBuf>), Failure> {
    let mut argv = vec![OsString::from("--pred"), OsString::from("-")];
    argv.extend(args);
    let Command::Score(score) = parse("score", argv)? else {
        unreachable!("parse(\"score\") gives a score command")
    };
    if !score.name.is_empty() || score.out.is_some() || score.pred.len() != 1 {
        return Err(Failure(
            "--pred, --name and --out are not options here: give the predictions and the name as arguments"
                .into(),
        ));
    }
    if score.shard.shard.is_some() || score.shard.shard_from_env {
        return Err(Failure(
            "--shard writes a part of a saved run: use the command (`claimbench score --shard`)"
                .into(),
        ));
    }
    let mut settings = cmd::score::settings(&score)?;
    settings.sweep = true;
    Ok((settings, score.scoring.gold))
}

/// The decision `claimbench similarity ARGS -- A B --json` prints (`args`: its options, such as `--matcher`).
pub fn similarity(a: &str, b: &str, args: Vec<OsString>) -> Result<Decision, Failure> {
    let mut argv = args;
    argv.extend([OsString::from("--"), a.into(), b.into()]);
    let Command::Similarity(sim) = parse("similarity", argv)? else {
        unreachable!("parse(\"similarity\") gives a similarity command")
    };
    Ok(cmd::similarity::decider(&sim)?.decide(a, b)?)
}

/// What `claimbench compare ARGS --json` prints (`args`: the run directories and its options).
pub fn compare_json(args: Vec<OsString>) -> Result<serde_json::Value, Failure> {
    let Command::Compare(compare) = parse("compare", args)? else {
        unreachable!("parse(\"compare\") gives a compare command")
    };
    Ok(cmd::compare::json(&compare)?)
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
        Command::Judged(a) => cmd::judged::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Calibrate(a) => cmd::calibrate::run(a),
        Command::Formats => {
            output::emit(FORMATS)?;
            Ok(Outcome::Ok)
        }
    }
}

/// The error and its causes on one line, each cause once (library errors often already quote their source).
pub(crate) fn one_line(e: &anyhow::Error) -> String {
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

/// Whether `eval` stopped after `--stop-after-failures` failed articles somewhere in the error's chain (exit 4).
fn is_stopped(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<claimbench_harness::Error>()
            .is_some_and(claimbench_harness::Error::is_stopped)
    })
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
