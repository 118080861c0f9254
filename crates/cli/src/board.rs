//! The leaderboard: one row per system, shared by eval, score, compare and the HTML report.

use claimbench_score::{EvalResult, Interval, Slice};
use serde::Serialize;

use crate::output::{f3, interval, table};
use crate::report::BoardRow;

/// One system's headline figures, as printed and as `--json` emits them.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// System label.
    pub system: String,
    /// Predicted claims.
    pub predicted: usize,
    /// Gold claims.
    pub gold: usize,
    /// Documents of the gold set.
    pub documents: usize,
    /// Documents with at least one prediction (the others' gold claims all count as misses).
    pub documents_with_predictions: usize,
    /// True positives.
    pub tp: usize,
    /// Micro precision.
    pub precision: f64,
    /// Micro recall.
    pub recall: f64,
    /// Micro F1.
    pub f1: f64,
    /// 95% bootstrap intervals of P, R and F1 (low, high), when computed.
    pub intervals: Option<[[f64; 2]; 3]>,
    /// Macro F1.
    pub macro_f1: f64,
    /// Soft precision.
    pub soft_precision: f64,
    /// Soft recall.
    pub soft_recall: f64,
    /// Recall on check-worthy gold claims.
    pub check_worthy_recall: f64,
    /// Mean best cosine of predictions to their article's sentences, when computed.
    pub grounding_mean: Option<f64>,
    /// Share of predictions below the grounding threshold, when computed.
    pub ungrounded_share: Option<f64>,
    /// Share of gold claims some prediction states in any packaging, from a directional matcher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// Share of predictions whose content some gold claim states, from a directional matcher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<f64>,
    /// Seconds the system took (extraction and scoring), when known.
    pub seconds: Option<f64>,
    /// Its rows per slice (`--by`), printed indented under it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slices: Vec<Slice>,
}

impl Row {
    /// The row of one result.
    pub fn new(system: &str, r: &EvalResult, seconds: Option<f64>) -> Row {
        let m = &r.micro;
        let coverage = claimbench_harness::run::Coverage::of(r);
        // No scored prediction has no groundedness (not 100% grounded).
        let grounded = r.groundedness.filter(|g| g.scored > 0);
        Row {
            system: system.to_string(),
            predicted: m.pred,
            gold: m.gold,
            documents: coverage.documents,
            documents_with_predictions: coverage.with_predictions,
            tp: m.counts.tp,
            precision: m.rates.precision,
            recall: m.rates.recall,
            f1: m.rates.f1,
            intervals: m.intervals.map(|i| {
                [
                    [i.precision.low, i.precision.high],
                    [i.recall.low, i.recall.high],
                    [i.f1.low, i.f1.high],
                ]
            }),
            macro_f1: r.macro_.f1,
            soft_precision: r.soft.precision,
            soft_recall: r.soft.recall,
            check_worthy_recall: r.check_worthy.recall,
            grounding_mean: grounded.map(|g| g.mean),
            ungrounded_share: grounded.map(|g| g.share_below),
            coverage: r.packaging.map(|p| p.coverage),
            focus: r.packaging.map(|p| p.focus),
            seconds,
            slices: Vec::new(),
        }
    }

    /// The row with these slice rows under it.
    pub fn with_slices(self, slices: Vec<Slice>) -> Row {
        Row { slices, ..self }
    }

    fn ci(&self, k: usize) -> String {
        self.intervals
            .map_or_else(|| "-".to_string(), |i| interval(i[k][0], i[k][1]))
    }

    /// Cells for the HTML report (after the name), matching `report::board_headers(packaged)`: coverage and
    /// focus (`-` for a system without them) only when `packaged`.
    pub fn html_row(&self, packaged: bool) -> BoardRow {
        let mut cells = vec![
            f3(self.precision),
            self.ci(0),
            f3(self.recall),
            self.ci(1),
            f3(self.f1),
            self.ci(2),
            f3(self.soft_precision),
            f3(self.soft_recall),
            self.ungrounded_share
                .map_or_else(|| "-".into(), |s| format!("{:.1}%", 100.0 * (1.0 - s))),
        ];
        if packaged {
            let pick = |v: Option<f64>| v.map_or_else(|| "-".into(), f3);
            cells.splice(
                crate::report::PACKAGING_AT..crate::report::PACKAGING_AT,
                [pick(self.coverage), pick(self.focus)],
            );
        }
        BoardRow {
            system: self.system.clone(),
            cells,
        }
    }
}

/// The leaderboard as an aligned table, best F1 first.
pub fn render(rows: &[Row]) -> String {
    let mut rows: Vec<&Row> = rows.iter().collect();
    rows.sort_by(|a, b| b.f1.total_cmp(&a.f1).then_with(|| a.system.cmp(&b.system)));
    // coverage and focus only when a directional matcher gave them
    let packaged = rows.iter().any(|r| r.coverage.is_some());
    let mut cells: Vec<Vec<String>> = Vec::new();
    for r in rows {
        let mut row = vec![
            r.system.clone(),
            format!("{}/{}", r.documents_with_predictions, r.documents),
            r.predicted.to_string(),
            f3(r.precision),
            r.ci(0),
            f3(r.recall),
            r.ci(1),
            f3(r.f1),
            r.ci(2),
            format!("{}/{}", f3(r.soft_precision), f3(r.soft_recall)),
            r.ungrounded_share
                .map_or_else(|| "-".into(), |s| format!("{:.1}%", 100.0 * (1.0 - s))),
            r.seconds.map_or_else(|| "-".into(), |s| format!("{s:.1}s")),
        ];
        if packaged {
            let pick = |v: Option<f64>| v.map_or_else(|| "-".into(), f3);
            row.insert(10, pick(r.focus));
            row.insert(10, pick(r.coverage));
        }
        cells.push(row);
        cells.extend(r.slices.iter().map(|s| {
            let mut c = slice_cells(s);
            if packaged {
                c.insert(10.min(c.len()), String::new());
                c.insert(10.min(c.len()), String::new());
            }
            c
        }));
    }
    let mut headers = vec![
        "model", "docs", "claims", "P", "95% CI", "R", "95% CI", "F1", "95% CI", "soft P/R",
        "grounded", "time",
    ];
    if packaged {
        headers.insert(10, "focus");
        headers.insert(10, "coverage");
    }
    table(&headers, &cells)
}

/// A slice's interval cell (`-` without intervals).
fn slice_ci(s: &Slice, pick: fn(&claimbench_score::Intervals) -> Interval) -> String {
    s.intervals.map_or_else(
        || "-".to_string(),
        |i| interval(pick(&i).low, pick(&i).high),
    )
}

/// The label of a slice row: `category: event`, `doc: 001`, `check-worthy: yes`.
pub fn slice_label(s: &Slice) -> String {
    format!("{}: {}", s.by, s.name)
}

/// A slice's row of the leaderboard, indented under its system: its predictions, P, R, F1 and intervals.
fn slice_cells(s: &Slice) -> Vec<String> {
    [
        format!("  {}", slice_label(s)),
        String::new(),
        s.pred.to_string(),
    ]
    .into_iter()
    .chain(slice_rates(s))
    .chain([String::new(), String::new(), String::new()])
    .collect()
}

/// A slice's P, R and F1, each followed by its interval.
fn slice_rates(s: &Slice) -> [String; 6] {
    [
        f3(s.rates.precision),
        slice_ci(s, |i| i.precision),
        f3(s.rates.recall),
        slice_ci(s, |i| i.recall),
        f3(s.rates.f1),
        slice_ci(s, |i| i.f1),
    ]
}

/// A slice's cells in the HTML report, matching `report::SLICE_HEADERS`.
pub fn slice_html_cells(s: &Slice) -> Vec<String> {
    [slice_label(s), s.gold.to_string(), s.pred.to_string()]
        .into_iter()
        .chain(slice_rates(s))
        .chain([format!("{}/{}/{}", s.counts.tp, s.counts.fp, s.counts.fn_)])
        .collect()
}

/// One line per system: misses, false alarms, splits, merges, duplicates, suspect matches, skipped lines.
pub fn error_lines(file: &claimbench_harness::run::RunFile) -> String {
    file.systems
        .iter()
        .map(|(name, rec)| {
            let e = &rec.results.errors;
            format!(
                "{name}: {} misses, {} false alarms, {} splits, {} merges, {} duplicates, {} suspect matches{}{}",
                e.misses,
                e.false_alarms,
                e.splits,
                e.merges,
                e.duplicates,
                e.suspect,
                if e.evidence_checked == 0 {
                    String::new()
                } else {
                    format!(", {} of {} matches outside the gold claim's evidence", e.off_evidence, e.evidence_checked)
                },
                skipped(rec)
            ) + &rec.results.packaging.map_or_else(String::new, |p| {
                format!(
                    "; {} predictions bundle a gold claim with more, {} state only part of one",
                    p.sums.bundling, p.sums.partial
                )
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a system's skipped entries were: articles its command failed on, or bad lines `--lenient` skipped.
fn skipped(rec: &claimbench_harness::run::SystemRecord) -> String {
    let n = rec.skipped.len();
    match n {
        0 => String::new(),
        _ if rec.source.starts_with("command:") => format!(
            ", the command failed on {n} article{} (counted as misses)",
            if n == 1 { "" } else { "s" }
        ),
        _ => format!(", {n} bad lines skipped"),
    }
}

/// The leaderboard rows of a run, with each system's seconds when the timings are known.
pub fn rows(
    file: &claimbench_harness::run::RunFile,
    timings: Option<&claimbench_harness::run::Timings>,
) -> Vec<Row> {
    file.systems
        .iter()
        .map(|(name, rec)| {
            let secs = timings
                .and_then(|t| t.systems.get(name))
                .map(|t| t.values().sum::<f64>());
            Row::new(name, &rec.results, secs).with_slices(rec.slices.clone())
        })
        .collect()
}
