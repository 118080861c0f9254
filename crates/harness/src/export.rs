//! A run as a table, one row per (system, document, gold claim or false alarm), for pandas, polars or a
//! spreadsheet: CSV (RFC 4180) or JSON Lines. The rows are [`crate::claims::rows`]'s.

use std::path::Path;

use crate::claims::ClaimRow;
use crate::error::{Context, Result};
use crate::files::atomic_write;

/// The CSV header: the columns, in order.
pub const COLUMNS: [&str; 16] = [
    "system",
    "doc",
    "status",
    "gold_id",
    "gold_text",
    "prediction",
    "prediction_text",
    "similarity",
    "category",
    "check_worthy",
    "nearest",
    "nearest_id",
    "nearest_score",
    "why",
    "why_detail",
    "relation",
];

/// One CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows as CSV: a header, then one line per row (an absent value is an empty field), CRLF line ends.
pub fn csv(rows: &[ClaimRow]) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            field(&r.system),
            field(&r.doc),
            r.status.as_str().to_string(),
            r.gold_id.as_deref().map(field).unwrap_or_default(),
            r.gold_text.as_deref().map(field).unwrap_or_default(),
            r.prediction.map(|p| p.to_string()).unwrap_or_default(),
            r.prediction_text.as_deref().map(field).unwrap_or_default(),
            r.similarity.map(|s| s.to_string()).unwrap_or_default(),
            r.category.as_deref().map(field).unwrap_or_default(),
            r.check_worthy.map(|c| c.to_string()).unwrap_or_default(),
            r.nearest.as_deref().map(field).unwrap_or_default(),
            r.nearest_id.as_deref().map(field).unwrap_or_default(),
            r.nearest_score.map(|s| s.to_string()).unwrap_or_default(),
            r.why.map(|w| w.as_str().to_string()).unwrap_or_default(),
            r.why_detail.as_deref().map(field).unwrap_or_default(),
            r.relation
                .map(|w| w.as_str().to_string())
                .unwrap_or_default(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The rows as JSON Lines: one object a row, with every column (null when absent).
pub fn jsonl(rows: &[ClaimRow]) -> Result<String> {
    let mut out = String::new();
    for r in rows {
        out.push_str(&serde_json::to_string(r)?);
        out.push('\n');
    }
    Ok(out)
}

/// Write `text` to `path` (atomically).
pub fn write(path: &Path, text: &str) -> Result<()> {
    atomic_write(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Status;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let rows = vec![ClaimRow {
            system: "s".into(),
            doc: "000".into(),
            status: Status::Tp,
            gold_id: Some("000-001".into()),
            gold_text: Some("He said \"no\", twice.".into()),
            prediction: Some(2),
            prediction_text: Some("plain".into()),
            similarity: Some(0.75),
            category: Some("statement".into()),
            check_worthy: Some(false),
            nearest: None,
            nearest_id: None,
            nearest_score: None,
            why: None,
            why_detail: None,
            relation: None,
        }];
        assert_eq!(
            csv(&rows),
            format!(
                "{}\r\ns,000,tp,000-001,\"He said \"\"no\"\", twice.\",2,plain,0.75,statement,false,,,,,,\r\n",
                COLUMNS.join(",")
            )
        );
        let line = jsonl(&rows).unwrap();
        assert!(
            line.starts_with("{\"system\":\"s\",\"doc\":\"000\",\"status\":\"tp\""),
            "{line}"
        );
    }
}
