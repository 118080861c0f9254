//! A saved run's figures must follow from its own counts: `compare`, `gate` and `report` refuse a `run.json`
//! whose precision, recall or F1 (micro, macro, per document, per threshold) or claim totals do not.

use std::path::Path;

use crate::bail;
use crate::error::Result;
use claimbench_score::{Counts, Rates};

use crate::run::{Coverage, RunFile};

/// Rates read back from JSON are the very floats that were computed; anything further off was edited.
const TOLERANCE: f64 = 1e-9;

/// One figure that does not follow from the counts it stands for.
struct Mismatch {
    at: String,
    stored: String,
    expected: String,
    from: String,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE
}

fn counts_text(c: &Counts) -> String {
    format!("TP {}, FP {}, FN {}", c.tp, c.fp, c.fn_)
}

/// The first rate of `stored` that differs from what `counts` give.
fn check_rates(at: &str, stored: &Rates, counts: &Counts) -> Option<Mismatch> {
    let want = counts.rates();
    [
        ("precision", stored.precision, want.precision),
        ("recall", stored.recall, want.recall),
        ("f1", stored.f1, want.f1),
    ]
    .into_iter()
    .find(|(_, s, w)| !close(*s, *w))
    .map(|(name, s, w)| Mismatch {
        at: format!("{at}.{name}"),
        stored: format!("{s}"),
        expected: format!("{w:.6}"),
        from: its_counts(counts),
    })
}

fn its_counts(c: &Counts) -> String {
    format!("its counts ({})", counts_text(c))
}

fn check_total(at: &str, stored: usize, want: usize, from: &str) -> Option<Mismatch> {
    (stored != want).then(|| Mismatch {
        at: at.to_string(),
        stored: stored.to_string(),
        expected: want.to_string(),
        from: from.to_string(),
    })
}

/// The first slice row of a system that is not what its per-document results give (the rows are recomputed, with
/// the same seeded bootstrap, and must be the very same).
fn check_slices(name: &str, rec: &crate::run::SystemRecord) -> Option<Mismatch> {
    if rec.slices.is_empty() {
        return None;
    }
    let by: Vec<claimbench_score::SliceBy> = rec.slices.iter().map(|s| s.by).collect();
    let want = claimbench_score::slices(&rec.results, &by);
    let describe = |s: Option<&claimbench_score::Slice>| {
        s.map_or_else(
            || "no row".to_string(),
            |s| format!("{} {}: {}", s.by, s.name, counts_text(&s.counts)),
        )
    };
    (0..rec.slices.len().max(want.len()))
        .find(|&k| rec.slices.get(k) != want.get(k))
        .map(|k| Mismatch {
            at: format!("systems.{name}.slices[{k}]"),
            stored: describe(rec.slices.get(k)),
            expected: describe(want.get(k)),
            from: "its per-document results".into(),
        })
}

/// The first figure of a run file that does not follow from its counts.
fn first_mismatch(file: &RunFile) -> Option<Mismatch> {
    for (name, rec) in &file.systems {
        let r = &rec.results;
        let at = format!("systems.{name}.results");
        let m = &r.micro;
        let c = &m.counts;
        let found = check_rates(&format!("{at}.micro.rates"), &m.rates, c)
            .or_else(|| {
                check_total(
                    &format!("{at}.micro.pred"),
                    m.pred,
                    c.tp + c.fp,
                    &its_counts(c),
                )
            })
            .or_else(|| {
                check_total(
                    &format!("{at}.micro.gold"),
                    m.gold,
                    c.tp + c.fn_,
                    &its_counts(c),
                )
            })
            .or_else(|| {
                check_total(
                    &format!("{at}.documents_scored"),
                    r.documents_scored,
                    r.documents.len(),
                    "its per-document results",
                )
            });
        if found.is_some() {
            return found;
        }
        let mut sum = Counts::default();
        let mut macro_sum = Rates::default();
        for d in &r.documents {
            let dat = format!("{at}.documents[{}]", d.doc);
            let dc = &d.counts;
            let found = check_rates(&format!("{dat}.rates"), &d.rates, dc)
                .or_else(|| {
                    check_total(
                        &format!("{dat}.pred"),
                        d.pred,
                        dc.tp + dc.fp,
                        &its_counts(dc),
                    )
                })
                .or_else(|| {
                    check_total(
                        &format!("{dat}.gold"),
                        d.gold,
                        dc.tp + dc.fn_,
                        &its_counts(dc),
                    )
                })
                .or_else(|| {
                    check_total(
                        &format!("{dat}.counts.tp"),
                        dc.tp,
                        d.matches.len(),
                        "its matched pairs",
                    )
                })
                .or_else(|| {
                    check_total(
                        &format!("{dat}.counts.fn"),
                        dc.fn_,
                        d.misses.len(),
                        "its misses",
                    )
                });
            if found.is_some() {
                return found;
            }
            sum.add(*dc);
            macro_sum.precision += d.rates.precision;
            macro_sum.recall += d.rates.recall;
            macro_sum.f1 += d.rates.f1;
        }
        if sum != *c {
            return Some(Mismatch {
                at: format!("{at}.micro.counts"),
                stored: counts_text(c),
                expected: counts_text(&sum),
                from: "the sum of the per-document counts".into(),
            });
        }
        let n = r.documents.len().max(1) as f64;
        for (field, stored, total) in [
            ("precision", r.macro_.precision, macro_sum.precision),
            ("recall", r.macro_.recall, macro_sum.recall),
            ("f1", r.macro_.f1, macro_sum.f1),
        ] {
            let want = if r.documents.is_empty() {
                0.0
            } else {
                total / n
            };
            if !close(stored, want) {
                return Some(Mismatch {
                    at: format!("{at}.macro.{field}"),
                    stored: format!("{stored}"),
                    expected: format!("{want:.6}"),
                    from: "the mean of the per-document figures".into(),
                });
            }
        }
        if let Some(i) = &m.intervals {
            for (field, iv) in [
                ("precision", i.precision),
                ("recall", i.recall),
                ("f1", i.f1),
            ] {
                let ok = iv.low.is_finite()
                    && iv.high.is_finite()
                    && 0.0 <= iv.low
                    && iv.low <= iv.high
                    && iv.high <= 1.0;
                if !ok {
                    return Some(Mismatch {
                        at: format!("{at}.micro.intervals.{field}"),
                        stored: format!("[{}, {}]", iv.low, iv.high),
                        expected: "0 <= low <= high <= 1".into(),
                        from: "the definition of a rate's interval".into(),
                    });
                }
            }
        }
        if let Some(found) = check_slices(name, rec) {
            return Some(found);
        }
        for (k, p) in rec.sweep.iter().enumerate() {
            if let Some(found) = check_rates(
                &format!("systems.{name}.sweep[{k}].rates"),
                &p.rates,
                &p.counts,
            ) {
                return Some(found);
            }
        }
        if rec.coverage != Coverage::of(r) && file.sha256.is_some() {
            let want = Coverage::of(r);
            return Some(Mismatch {
                at: format!("systems.{name}.coverage"),
                stored: format!(
                    "{} of {}",
                    rec.coverage.with_predictions, rec.coverage.documents
                ),
                expected: format!("{} of {}", want.with_predictions, want.documents),
                from: "its per-document results".into(),
            });
        }
    }
    None
}

/// An error unless every figure of `file` (read from `path`) follows from its counts.
pub fn verify(path: &Path, file: &RunFile) -> Result<()> {
    if let Some(m) = first_mismatch(file) {
        bail!(
            "{}: {} is {}, but from {} it is {}: the run was edited or damaged after claimbench wrote it; score it again",
            path.display(),
            m.at,
            m.stored,
            m.from,
            m.expected
        );
    }
    Ok(())
}
