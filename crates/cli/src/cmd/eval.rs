//! `claimbench eval`: run extractors (built in, a local T5, a predictions file, a program) on the gold set, score
//! them, save the run, print the leaderboard.

use anyhow::{bail, Result};
use claimbench_harness::{Plan, SystemSpec};

use crate::args::EvalArgs;
use crate::board;
use crate::output::{emit, print_json};
use crate::Outcome;

/// Run `eval`.
pub fn run(args: EvalArgs) -> Result<Outcome> {
    let mut settings = crate::config::settings(&args.scoring, &args.model)?;
    settings.worthy_threshold = args.worthy_threshold;
    settings.command_timeout = std::time::Duration::from_secs(args.command_timeout);
    settings.read = crate::config::read_options(args.lenient, args.strict, &args.bounds)?;
    settings.intervals = !args.no_intervals;
    // eval always reports groundedness, which needs the embedding model
    settings.always_load_model = true;
    let systems = args
        .extractor
        .iter()
        .map(|s| SystemSpec::parse(s))
        .collect::<claimbench_harness::Result<Vec<_>>>()?;
    let shard = crate::config::shard(&args.shard)?;
    if shard.is_some() && args.name.is_none() && args.out.is_none() {
        bail!("--shard: give --name NAME or --out DIR (every shard writes its part into RUNS_DIR/NAME or DIR, then: claimbench merge DIR --out RUN)");
    }
    settings.validate()?;
    let gold = claimbench_harness::gold::load(args.scoring.gold.as_deref())?;
    // Without a name, a new folder of its own: the time, with a suffix when that folder exists.
    let (dir, reserved) = match (&args.resume, &args.out, &args.name) {
        (Some(run), _, _) => {
            if !run.is_dir() {
                bail!("--resume {}: no such run directory", run.display());
            }
            (run.clone(), false)
        }
        (None, Some(out), _) => (out.clone(), false),
        (None, None, Some(name)) => (args.runs_dir.join(name), false),
        (None, None, None) => (claimbench_harness::run::new_run_dir(&args.runs_dir)?, true),
    };
    let plan = Plan {
        gold_dir: args.scoring.gold.clone(),
        out: Some(dir.clone()),
        force: args.force,
        shard,
        resume: args.resume.is_some(),
        stop_after_failures: args.stop_after_failures,
        ..Plan::new(&gold, systems, settings)
    };
    let finished = crate::cmd::evaluate_and_save(&plan, args.output.json);
    // (a run stopped by --stop-after-failures keeps its folder: its articles are there for --resume)
    if reserved && finished.is_err() {
        // the empty folder reserved for the run (remove_dir leaves it if anything is in it)
        let _ = std::fs::remove_dir(&dir);
    }
    let Some(crate::cmd::Finished {
        file,
        rows,
        dir: Some(dir),
    }) = finished?
    else {
        return Ok(Outcome::Ok);
    };
    if args.output.json {
        print_json(&serde_json::json!({
            "run": dir, "signature": file.manifest.signature(), "leaderboard": rows,
        }))?;
    } else {
        emit(&format!(
            "{}\n{}\n{}\nrun saved in {} (report: claimbench report {} --html report.html)",
            board::render(&rows),
            board::error_lines(&file),
            file.manifest.signature(),
            dir.display(),
            dir.display()
        ))?;
    }
    Ok(Outcome::Ok)
}
