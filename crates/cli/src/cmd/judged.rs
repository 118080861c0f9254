//! `claimbench judged RUN`: a run's matches beside a person's judgment of the same predictions (the logic is
//! `claimbench_harness::judged`; this is its output).

use anyhow::Result;

use crate::args::JudgedArgs;
use crate::output::{emit, print_json, table};
use crate::Outcome;
use claimbench_harness::judged::agreement;
use claimbench_harness::run;

/// Run `judged`.
pub fn run(args: JudgedArgs) -> Result<Outcome> {
    let loaded = run::load(&args.run)?;
    let gold = loaded.gold_set()?;
    let rows = agreement(&loaded.file.systems, &args.judged, &gold)?;
    if args.output.json {
        print_json(&rows)?;
        return Ok(Outcome::Ok);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.system.clone(),
                r.predictions.to_string(),
                format!("{:.3}", r.person_f1),
                format!("{:.3}", r.matcher_f1),
                format!("{:.3}", r.f1_gap),
                format!("{:.3}", r.link_agreement),
                format!("{:.3}", r.coverage),
                format!("{:.3}", r.focus),
                r.bundling.to_string(),
                r.partial.to_string(),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "system",
            "preds",
            "person F1",
            "matcher F1",
            "|gap|",
            "links agree",
            "coverage",
            "focus",
            "bundle",
            "part",
        ],
        &cells,
    );
    for r in &rows {
        if let Some(j) = &r.judges {
            out.push_str(&format!(
                "\n{}: two judges on documents {} ({} predictions): F1 {:.3} and {:.3}, links agree {:.3}",
                r.system,
                j.documents.join(", "),
                j.predictions,
                j.first_f1,
                j.second_f1,
                j.link_agreement
            ));
        }
    }
    emit(&out)?;
    Ok(Outcome::Ok)
}
