//! Line-based files (JSONL): lines with their place in the file, and one JSON object per line.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{BufRead, Read};

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where a line sits in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAt {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset of the line's first byte.
    pub offset: u64,
    /// Length of the line in bytes, line end included.
    pub len: u64,
}

/// A line that is not valid UTF-8: its number and the file byte offset of the first bad byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid UTF-8 at byte offset {offset}")]
pub struct BadUtf8 {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset in the file of the first invalid byte.
    pub offset: u64,
}

/// The text of one raw line (line `line`, starting at file byte `offset`), without a leading BOM on line 1
/// and without its line end (LF or CRLF).
pub fn decode_line(raw: &[u8], line: usize, offset: u64) -> Result<&str, BadUtf8> {
    let mut bytes = raw;
    let mut offset = offset;
    if line == 1 && bytes.starts_with(BOM) {
        bytes = &bytes[BOM.len()..];
        offset += BOM.len() as u64;
    }
    bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| BadUtf8 {
        line,
        offset: offset + e.valid_up_to() as u64,
    })
}

/// The lines of a whole file in memory, each with its place and its decoded text.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (LineAt, Result<&str, BadUtf8>)> + '_ {
    lines_at(bytes, 1, 0)
}

/// The lines of part of a file in memory whose first line is `first_line`, starting at file byte `first_offset`.
pub fn lines_at(
    bytes: &[u8],
    first_line: usize,
    first_offset: u64,
) -> impl Iterator<Item = (LineAt, Result<&str, BadUtf8>)> + '_ {
    let mut next = (first_line, first_offset);
    bytes.split_inclusive(|&b| b == b'\n').map(move |raw| {
        let at = LineAt {
            line: next.0,
            offset: next.1,
            len: raw.len() as u64,
        };
        next = (at.line + 1, at.offset + at.len);
        (at, decode_line(raw, at.line, at.offset))
    })
}

/// Reads a line-based file of any size one line at a time, each with its place and its decoded text; a line
/// longer than [`crate::MAX_LINE_BYTES`] is an error.
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    lines: usize,
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader of the lines of `reader`, which starts at line 1, byte 0.
    pub fn new(reader: R) -> Self {
        LineReader {
            reader,
            buf: Vec::new(),
            lines: 0,
            offset: 0,
        }
    }

    /// The next line, or `None` at the end of the input.
    #[allow(clippy::type_complexity)]
    pub fn next_line(&mut self) -> std::io::Result<Option<(LineAt, Result<&str, BadUtf8>)>> {
        self.buf.clear();
        let limit = crate::MAX_LINE_BYTES as u64 + 1;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.lines += 1;
        if n > crate::MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {} bytes, the most a line may have (is this a JSONL file?)",
                    self.lines,
                    crate::MAX_LINE_BYTES
                ),
            ));
        }
        let at = LineAt {
            line: self.lines,
            offset: self.offset,
            len: n as u64,
        };
        self.offset += n as u64;
        Ok(Some((at, decode_line(&self.buf, at.line, at.offset))))
    }

    /// How many lines have been read.
    pub fn lines_read(&self) -> usize {
        self.lines
    }
}

/// The name of a JSON value's type, with its article (`a string`, `an array`, `null`).
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One JSON object as written: its entries in order, and every key that appears twice in one object.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonObject {
    /// The top-level entries in file order, a key given twice appearing twice.
    pub entries: Vec<(String, Value)>,
    /// The path of each repeated key at any depth (`text`, `evidence[0].start`), in file order.
    pub duplicates: Vec<String>,
}

impl JsonObject {
    /// The object as a map, keeping the last value of a repeated key (as `serde_json` does).
    pub fn into_map(self) -> Map<String, Value> {
        self.entries.into_iter().collect()
    }
}

/// Why a line is not one JSON object.
#[derive(Debug, thiserror::Error)]
pub enum NotJsonObject {
    /// Not valid JSON (or something after the value).
    #[error("invalid JSON: {0}")]
    Json(serde_json::Error),
    /// Valid JSON of another type; the type's name, as [`json_type`] gives it.
    #[error("expected a JSON object, found {0}")]
    Other(&'static str),
}

/// Parse `text` as exactly one JSON object, keeping its entries in order and finding repeated keys.
pub fn parse_object(text: &str) -> Result<JsonObject, NotJsonObject> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut duplicates = Vec::new();
    let top = Top {
        out: &mut duplicates,
    }
    .deserialize(&mut de)
    .and_then(|top| de.end().map(|()| top))
    .map_err(NotJsonObject::Json)?;
    match top {
        Ok(entries) => Ok(JsonObject {
            entries,
            duplicates,
        }),
        Err(found) => Err(NotJsonObject::Other(found)),
    }
}

/// Where a value sits in the object, to name a repeated key; formatted only when one is found.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The top-level value: the entries of an object, or the type name of anything else.
struct Top<'o> {
    out: &'o mut Vec<String>,
}

type TopValue = Result<Vec<(String, Value)>, &'static str>;

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = TopValue;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<TopValue, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = TopValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_bool<E>(self, _: bool) -> Result<TopValue, E> {
        Ok(Err("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<TopValue, E> {
        Ok(Err("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<TopValue, E> {
        Ok(Err("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<TopValue, E> {
        Ok(Err("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<TopValue, E> {
        Ok(Err("a string"))
    }

    fn visit_unit<E>(self) -> Result<TopValue, E> {
        Ok(Err("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopValue, A::Error> {
        let mut entries = Vec::new();
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(&Path::Root, &key);
            if seen.contains(&key) {
                self.out.push(path.to_string());
            }
            let value = map.next_value_seed(Node {
                path: &path,
                out: &mut *self.out,
            })?;
            seen.insert(key.clone());
            entries.push((key, value));
        }
        Ok(Ok(entries))
    }
}

/// A nested value, built as `serde_json` builds a [`Value`], noting repeated keys.
struct Node<'p, 'o> {
    path: &'p Path<'p>,
    out: &'o mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Number::from_f64(x).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let path = Path::Index(self.path, items.len());
            let seed = Node {
                path: &path,
                out: &mut *self.out,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &key);
            if obj.contains_key(&key) {
                self.out.push(path.to_string());
            }
            let value = map.next_value_seed(Node {
                path: &path,
                out: &mut *self.out,
            })?;
            obj.insert(key, value);
        }
        Ok(Value::Object(obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<(LineAt, Result<String, BadUtf8>)> {
        lines(bytes)
            .map(|(at, t)| (at, t.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn bom_crlf_and_a_last_line_without_end() {
        let got = all(b"\xEF\xBB\xBFa\r\n\nb");
        let texts: Vec<_> = got.iter().map(|(_, t)| t.clone().unwrap()).collect();
        assert_eq!(texts, ["a", "", "b"]);
        let places: Vec<_> = got
            .iter()
            .map(|(at, _)| (at.line, at.offset, at.len))
            .collect();
        assert_eq!(places, [(1, 0, 6), (2, 6, 1), (3, 7, 1)]);
    }

    #[test]
    fn a_bom_counts_only_on_line_one() {
        let got = all(b"x\n\xEF\xBB\xBFy\n");
        assert_eq!(got[1].1.clone().unwrap(), "\u{feff}y");
    }

    #[test]
    fn invalid_utf8_names_the_file_offset() {
        let bytes = b"ok\n\xEF\xBB\xBFab\xffc\n";
        let got = all(bytes);
        assert_eq!(got[1].1, Err(BadUtf8 { line: 2, offset: 8 }));
        assert_eq!(
            got[1].1.clone().unwrap_err().to_string(),
            "invalid UTF-8 at byte offset 8"
        );
        let first = all(b"\xEF\xBB\xBFab\xff");
        assert_eq!(first[0].1, Err(BadUtf8 { line: 1, offset: 5 }));
    }

    #[test]
    fn the_reader_and_the_slice_agree() {
        let bytes: &[u8] = b"\xEF\xBB\xBF{}\r\n\n{\"a\": \xfe}\nlast";
        let mut r = LineReader::new(bytes);
        let mut streamed = Vec::new();
        while let Some((at, text)) = r.next_line().unwrap() {
            streamed.push((at, text.map(str::to_owned)));
        }
        assert_eq!(streamed, all(bytes));
        assert_eq!(r.lines_read(), 4);
        let tail: Vec<_> = lines_at(&bytes[8..], 3, 8).collect();
        assert_eq!(tail[0].0, streamed[2].0);
    }

    #[test]
    fn objects_keep_order_and_repeated_keys_at_any_depth() {
        let o = parse_object(
            r#"{"b": 1, "a": [{"x": 1, "x": 2}], "b": {"c": {"d": 1, "d": 2}}, "e": [[{"f":1,"f":2}]]}"#,
        )
        .unwrap();
        let keys: Vec<&str> = o.entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b", "e"]);
        assert_eq!(o.duplicates, ["a[0].x", "b", "b.c.d", "e[0][0].f"]);
        let map = o.into_map();
        assert_eq!(map["b"], serde_json::json!({"c": {"d": 2}}));
        assert_eq!(map["a"], serde_json::json!([{"x": 2}]));
    }

    #[test]
    fn values_are_what_serde_json_builds() {
        let text = r#"{"n": -3, "u": 18446744073709551615, "f": 0.1, "s": "é\"", "z": null, "t": true, "a": []}"#;
        let want: Value = serde_json::from_str(text).unwrap();
        assert_eq!(Value::Object(parse_object(text).unwrap().into_map()), want);
    }

    #[test]
    fn other_json_and_bad_json_are_told_apart() {
        for (text, found) in [
            ("[1, 2]", "an array"),
            ("\"s\"", "a string"),
            ("3", "a number"),
            ("null", "null"),
            ("true", "a boolean"),
        ] {
            match parse_object(text) {
                Err(NotJsonObject::Other(f)) => assert_eq!(f, found),
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in ["{\"a\": 1", "{} x", "[1, 2", "nul"] {
            let Err(NotJsonObject::Json(e)) = parse_object(text) else {
                panic!("{text}")
            };
            let want = serde_json::from_str::<Value>(text).unwrap_err();
            assert_eq!(e.to_string(), want.to_string(), "{text}");
        }
    }
}
