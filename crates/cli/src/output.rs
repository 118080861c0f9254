//! Terminal output: aligned tables, numbers as printed, stdout that survives a closed pipe.

use std::io::Write;

use anyhow::Result;
use comfy_table::{presets, CellAlignment, ContentArrangement, Table, TableComponent};

pub use claimbench_harness::compare::pvalue;

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
}
