//! Reading a pairs file (`gold/PAIRS.md`: one `{"id", "a", "b", "same", "kind"}` object a line): every problem
//! kept with its file, line and field. The one reader behind `claimbench similarity --pairs` and
//! `claimbench calibrate`.

use std::io::BufRead;
use std::path::Path;

use crate::error::{Context, Result};

/// One pair of a pairs file.
#[derive(Debug, Clone, PartialEq)]
pub struct PairLine {
    /// Line number, from 1.
    pub line: usize,
    /// `id`, a string or a number, when given.
    pub id: Option<serde_json::Value>,
    /// First claim.
    pub a: String,
    /// Second claim.
    pub b: String,
    /// `same`, the label, when given.
    pub same: Option<bool>,
    /// `kind`, when given.
    pub kind: Option<String>,
}

/// What reading a pairs file found.
#[derive(Debug, Default)]
pub struct PairsRead {
    /// The pairs, in file order.
    pub pairs: Vec<PairLine>,
    /// Blank lines (skipped).
    pub blank: Vec<usize>,
    /// Every bad line, as `file:line: field: what`.
    pub problems: Vec<String>,
}

/// Parse one non-blank line: `a` and `b` (non-empty strings) are required; `id` (a string or a number), `same` (a
/// boolean) and `kind` (a string) are optional; any other field (`doc`, ...) is ignored.
pub fn parse_pair(text: &str, line: usize) -> std::result::Result<PairLine, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(obj) = v else {
        return Err("not a JSON object (expected {\"a\": ..., \"b\": ...})".into());
    };
    let text_field = |name: &str| -> std::result::Result<String, String> {
        match obj.get(name) {
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
                Err(format!("{name}: empty text"))
            }
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{name}: expected a string")),
            None => Err(format!("{name}: missing")),
        }
    };
    let a = text_field("a")?;
    let b = text_field("b")?;
    let id = match obj.get("id") {
        None | Some(serde_json::Value::Null) => None,
        Some(v @ (serde_json::Value::String(_) | serde_json::Value::Number(_))) => Some(v.clone()),
        Some(_) => return Err("id: expected a string or a number".into()),
    };
    let same = match obj.get("same") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Bool(x)) => Some(*x),
        Some(_) => return Err("same: expected true or false".into()),
    };
    let kind = match obj.get("kind") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("kind: expected a string".into()),
    };
    Ok(PairLine {
        line,
        id,
        a,
        b,
        same,
        kind,
    })
}

/// Read every line of a pairs file (BOM and CRLF allowed), keeping every problem (not just the first) and the
/// blank lines; `label` names the file in messages.
pub fn read_pairs(mut reader: impl BufRead, label: &Path) -> Result<PairsRead> {
    let mut out = PairsRead::default();
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {}", label.display()))?;
        if n == 0 {
            break;
        }
        line += 1;
        let mut bytes = &buf[..];
        if line == 1 && bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            bytes = &bytes[3..];
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(format!(
                    "{}:{line}: invalid UTF-8 at byte {} of the line",
                    label.display(),
                    e.valid_up_to()
                ));
                continue;
            }
        };
        if text.trim().is_empty() {
            out.blank.push(line);
            continue;
        }
        match parse_pair(text, line) {
            Ok(p) => out.pairs.push(p),
            Err(e) => out
                .problems
                .push(format!("{}:{line}: {e}", label.display())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_with_its_line_and_field() {
        let text = "\u{feff}{\"id\": \"p1\", \"a\": \"x\", \"b\": \"y\", \"same\": true, \"kind\": \"k\"}\r\n\n{\"a\": \"x\"}\n{\"a\": \"x\", \"b\": \"y\", \"same\": \"yes\"}\n{\"a\": \"x\", \"b\": \"y\", \"kind\": 3}\n";
        let r = read_pairs(text.as_bytes(), Path::new("p.jsonl")).unwrap();
        assert_eq!(r.pairs.len(), 1);
        assert_eq!(r.pairs[0].same, Some(true));
        assert_eq!(r.pairs[0].kind.as_deref(), Some("k"));
        assert_eq!(r.blank, [2]);
        assert_eq!(
            r.problems,
            [
                "p.jsonl:3: b: missing",
                "p.jsonl:4: same: expected true or false",
                "p.jsonl:5: kind: expected a string"
            ]
        );
    }
}
