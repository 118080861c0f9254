//! Semantic checks over parsed claims: spans, quotes, ids, texts, documents, clusters.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Problem, ProblemKind};
use crate::text::CharIndex;
use crate::{Claim, GoldSet};

/// Which fields of a claim parsed (the others hold placeholders and are not checked).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present {
    pub id: bool,
    pub doc: bool,
    pub text: bool,
    pub evidence: bool,
    pub quote: bool,
    pub cluster: bool,
    /// Every field parsed: the claim is kept.
    pub complete: bool,
}

impl Present {
    /// Every field parsed.
    pub const ALL: Present = Present {
        id: true,
        doc: true,
        text: true,
        evidence: true,
        quote: true,
        cluster: true,
        complete: true,
    };
}

/// A claim with where it was read.
pub(crate) struct Located<'a> {
    pub claim: &'a Claim,
    /// The fields that parsed.
    pub present: Present,
    pub file: String,
    pub line: usize,
    /// The document the file belongs to (the gold file's name).
    pub file_doc: &'a str,
}

impl Located<'_> {
    fn problem(&self, kind: ProblemKind, field: &str, message: impl Into<String>) -> Problem {
        Problem::error(kind, self.file.clone(), message)
            .at_line(self.line)
            .in_field(field)
    }

    fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A short, quoted, escaped preview of `s`.
fn preview(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

/// True when `id` is `<doc>-` followed by three or more ASCII digits.
fn id_matches(id: &str, doc: &str) -> bool {
    id.strip_prefix(doc)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Case- and spacing-insensitive form of a claim text, for duplicate detection.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn control_problem(loc: &Located<'_>, field: &str, value: &str) -> Option<Problem> {
    let mut found = value.chars().enumerate().filter(|(_, c)| c.is_control());
    let (at, c) = found.next()?;
    let more = found.count();
    let extra = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    Some(loc.problem(
        ProblemKind::ControlCharacter,
        field,
        format!(
            "control character U+{:04X} at character {at}{extra}",
            u32::from(c)
        ),
    ))
}

/// Check every claim; `docs` maps document ids to their article index (`None` when the article could not be
/// read, which silences span checks). With `report_unknown_doc`, a claim of a document missing from `docs`
/// is reported (the loader reports the whole file once instead).
pub(crate) fn check_claims(
    docs: &BTreeMap<String, Option<CharIndex<'_>>>,
    claims: &[Located<'_>],
    report_unknown_doc: bool,
    problems: &mut Vec<Problem>,
) {
    let mut ids: BTreeMap<&str, &Located<'_>> = BTreeMap::new();
    let mut texts: BTreeMap<(&str, String), &Located<'_>> = BTreeMap::new();
    let mut clusters: BTreeMap<&str, (BTreeSet<&str>, &Located<'_>)> = BTreeMap::new();
    for loc in claims {
        let c = loc.claim;
        let has = loc.present;
        if has.doc && c.doc != loc.file_doc {
            problems.push(loc.problem(
                ProblemKind::UnknownDoc,
                "doc",
                format!(
                    "doc {:?} does not match the file, which holds document {:?}",
                    c.doc, loc.file_doc
                ),
            ));
        }
        let article = docs.get(loc.file_doc);
        if article.is_none() && report_unknown_doc {
            problems.push(loc.problem(
                ProblemKind::UnknownDoc,
                "doc",
                format!("no seed article for document {:?}", loc.file_doc),
            ));
        }

        if has.id && !id_matches(&c.id, loc.file_doc) {
            problems.push(loc.problem(
                ProblemKind::IdMismatch,
                "id",
                format!(
                    "id {} does not match its document (expected {}-NNN, three or more digits)",
                    preview(&c.id),
                    loc.file_doc
                ),
            ));
        }
        if has.id {
            if let Some(first) = ids.get(c.id.as_str()) {
                problems.push(loc.problem(
                    ProblemKind::DuplicateId,
                    "id",
                    format!("duplicate id {:?} (first at {})", c.id, first.at()),
                ));
            } else {
                ids.insert(&c.id, loc);
            }
        }

        if has.text && c.text.trim().is_empty() {
            problems.push(loc.problem(ProblemKind::EmptyText, "text", "the claim text is empty"));
        } else if has.text {
            problems.extend(control_problem(loc, "text", &c.text));
            let key = (loc.file_doc, normalise(&c.text));
            if let Some(first) = texts.get(&key) {
                problems.push(loc.problem(
                    ProblemKind::DuplicateText,
                    "text",
                    format!(
                        "same text as {} (at {}) in document {}",
                        first.claim.id,
                        first.at(),
                        loc.file_doc
                    ),
                ));
            } else {
                texts.insert(key, loc);
            }
        }

        if let (true, Some(cluster)) = (has.cluster, &c.cluster) {
            if cluster.trim().is_empty() {
                problems.push(loc.problem(
                    ProblemKind::EmptyText,
                    "cluster",
                    "the cluster id is empty (use null for a fact in one article)",
                ));
            } else {
                problems.extend(control_problem(loc, "cluster", cluster));
                clusters
                    .entry(cluster)
                    .or_insert_with(|| (BTreeSet::new(), loc))
                    .0
                    .insert(loc.file_doc);
            }
        }

        if !has.evidence {
            continue;
        }
        if c.evidence.is_empty() {
            problems.push(loc.problem(
                ProblemKind::EmptyEvidence,
                "evidence",
                "at least one span is required",
            ));
        }
        let Some(Some(index)) = article else {
            continue;
        };
        let len = index.char_len();
        for (i, span) in c.evidence.iter().enumerate() {
            if span.start >= span.end {
                problems.push(loc.problem(
                    ProblemKind::EmptySpan,
                    &format!("evidence[{i}]"),
                    format!("span {span} is empty or reversed (start must be less than end)"),
                ));
            } else if span.end > len {
                let which = if span.start > len { "start" } else { "end" };
                problems.push(loc.problem(
                    ProblemKind::SpanOutOfRange,
                    &format!("evidence[{i}].{which}"),
                    format!("span {span} is out of range (article has {len} characters)"),
                ));
            }
        }
        if let (true, Some(first)) = (has.quote, c.evidence.first()) {
            if first.start < first.end {
                if let Some(actual) = index.slice(*first) {
                    if actual != c.quote {
                        problems.push(loc.problem(
                            ProblemKind::QuoteMismatch,
                            "quote",
                            format!(
                                "quote {} is not the text of evidence[0] ({first}), which is {}",
                                preview(&c.quote),
                                preview(actual)
                            ),
                        ));
                    }
                }
            }
        }
    }
    for (cluster, (docs_of, first)) in clusters {
        if docs_of.len() == 1 {
            let mut p = first.problem(
                ProblemKind::LonelyCluster,
                "cluster",
                format!(
                    "cluster {cluster:?} appears in one document only ({}); use null for a fact in one article",
                    docs_of.iter().next().copied().unwrap_or_default()
                ),
            );
            p.severity = crate::Severity::Warning;
            problems.push(p);
        }
    }
}

/// Validation of an in-memory set (see [`crate::validate`]).
pub(crate) fn validate_set(set: &GoldSet) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut docs: BTreeMap<String, Option<CharIndex<'_>>> = BTreeMap::new();
    for d in &set.documents {
        if docs.contains_key(&d.id) {
            problems.push(Problem::error(
                ProblemKind::BadFileName,
                set.source.file_label("seeds", &d.file_name),
                format!("document id {:?} appears twice", d.id),
            ));
        } else {
            docs.insert(d.id.clone(), Some(CharIndex::new(&d.text)));
        }
    }
    let mut ordinal: BTreeMap<&str, usize> = BTreeMap::new();
    let located: Vec<Located<'_>> = set
        .claims
        .iter()
        .map(|c| {
            let n = ordinal.entry(c.doc.as_str()).or_insert(0);
            *n += 1;
            Located {
                claim: c,
                present: Present::ALL,
                file: set.source.file_label("gold", &format!("{}.jsonl", c.doc)),
                line: *n,
                file_doc: &c.doc,
            }
        })
        .collect();
    for d in &set.documents {
        if !ordinal.contains_key(d.id.as_str()) {
            problems.push(Problem::warning(
                ProblemKind::EmptyGold,
                set.source.file_label("gold", &format!("{}.jsonl", d.id)),
                format!("document {:?} has no claims", d.id),
            ));
        }
    }
    check_claims(&docs, &located, true, &mut problems);
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    problems
}
