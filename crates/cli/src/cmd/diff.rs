//! `claimbench diff RUN_A RUN_B`: which gold claims each system gained and lost, and which predictions became or
//! stopped being false alarms (the logic is `claimbench_harness::diff`; this is its output).

use anyhow::Result;
use claimbench_harness::diff::{diff, Matched, RunDiff, SystemDiff};
use claimbench_harness::run;

use crate::args::DiffArgs;
use crate::output::{emit, print_json, table};
use crate::Outcome;

/// Claim texts longer than this are cut (with `…`) in the terminal table; `--json` has them whole.
const TEXT_WIDTH: usize = 40;

/// Run `diff`.
pub fn run(args: DiffArgs) -> Result<Outcome> {
    let a = run::load(&args.run_a)?;
    let b = run::load(&args.run_b)?;
    let d = diff(&a, &b)?;
    if args.output.json {
        print_json(&d)?;
    } else {
        emit(&render(&d))?;
    }
    Ok(Outcome::Ok)
}

/// The diff as terminal text: per system a count line, then its changes in one aligned table.
pub fn render(d: &RunDiff) -> String {
    let mut out = format!("A: {}\nB: {}\n", d.a, d.b);
    for s in &d.systems {
        out.push('\n');
        out.push_str(&system(s));
    }
    for (which, list) in [("A", &d.only_in_a), ("B", &d.only_in_b)] {
        if !list.is_empty() {
            out.push_str(&format!(
                "\nonly in {which} (not diffed): {}\n",
                list.join(", ")
            ));
        }
    }
    out
}

fn system(s: &SystemDiff) -> String {
    let head = format!(
        "{}: {} gained, {} lost, {} new false alarm{}, {} false alarm{} gone\n",
        s.system,
        s.gained.len(),
        s.lost.len(),
        s.new_false_alarms.len(),
        plural(s.new_false_alarms.len()),
        s.fixed_false_alarms.len(),
        plural(s.fixed_false_alarms.len()),
    );
    if s.is_empty() {
        return head;
    }
    let matched = |m: &Option<Matched>| match m {
        Some(m) => format!("{:.3} {}", m.similarity, cut(&m.prediction)),
        None => "-".to_string(),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (what, list) in [("lost", &s.lost), ("gained", &s.gained)] {
        for c in list {
            rows.push(vec![
                what.to_string(),
                c.doc.clone(),
                c.id.clone(),
                cut(&c.text),
                matched(&c.before),
                matched(&c.after),
            ]);
        }
    }
    for (what, list, before, after) in [
        ("new false alarm", &s.new_false_alarms, "-", "false alarm"),
        (
            "false alarm gone",
            &s.fixed_false_alarms,
            "false alarm",
            "-",
        ),
    ] {
        for x in list {
            rows.push(vec![
                what.to_string(),
                x.doc.clone(),
                "-".into(),
                cut(&x.text),
                before.into(),
                after.into(),
            ]);
        }
    }
    format!(
        "{head}{}\n",
        table(
            &["change", "doc", "gold id", "claim", "A: match", "B: match"],
            &rows
        )
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `text` cut to [`TEXT_WIDTH`] characters.
fn cut(text: &str) -> String {
    if text.chars().count() <= TEXT_WIDTH {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(TEXT_WIDTH - 1).collect();
        s.push('…');
        s
    }
}
