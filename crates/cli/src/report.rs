//! The self-contained HTML report: leaderboard, threshold chart (SVG), the claims changed since a baseline, and
//! each article with its gold evidence, matches, misses (with their nearest prediction), false alarms (with their
//! nearest gold claim), merges and splits. No scripts, no external resources.

use std::fmt::Write as _;

use anyhow::Result;
use claimbench_harness::claims::Why;
use claimbench_harness::diff::{Matched, RunDiff};
use claimbench_score::{PackagingSums, Relation};
use plotters::prelude::*;

/// Everything the report shows, already computed.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// Page title.
    pub title: String,
    /// One-line signature of the run (tool, gold, matcher, model, device, seed).
    pub signature: String,
    /// The manifest as pretty JSON.
    pub manifest_json: String,
    /// Leaderboard rows, one per system (with coverage and focus cells when `packaging` is not empty).
    pub leaderboard: Vec<BoardRow>,
    /// Per system that a directional matcher scored, in leaderboard order: its packaging sums.
    pub packaging: Vec<(String, PackagingSums)>,
    /// Slice rows (system, then cells matching [`SLICE_HEADERS`]), each system's in turn.
    pub slices: Vec<BoardRow>,
    /// Precision/recall/F1 against the threshold, per system.
    pub sweeps: Vec<(String, Vec<SweepPoint>)>,
    /// The threshold the run used.
    pub threshold: f64,
    /// One section per article.
    pub documents: Vec<DocView>,
    /// What was not scored, per system: articles an extractor failed on, lines skipped, documents without
    /// predictions (system, what).
    pub problems: Vec<(String, String)>,
    /// The gold claims gained and lost since a baseline run, when one was given.
    pub diff: Option<RunDiff>,
}

/// One leaderboard row.
#[derive(Debug, Clone)]
pub struct BoardRow {
    /// System name.
    pub system: String,
    /// Cells after the name, already formatted.
    pub cells: Vec<String>,
}

/// One point of a threshold sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepPoint {
    /// Threshold.
    pub threshold: f64,
    /// Micro precision.
    pub precision: f64,
    /// Micro recall.
    pub recall: f64,
}

/// An article with its gold claims and each system's matches.
#[derive(Debug, Clone)]
pub struct DocView {
    /// Document id.
    pub id: String,
    /// Article text.
    pub text: String,
    /// Gold evidence spans (code points) with the claim id each supports.
    pub spans: Vec<(usize, usize, String)>,
    /// Gold claims in order.
    pub gold: Vec<GoldRow>,
    /// Per system: predictions that matched no gold claim.
    pub false_alarms: Vec<(String, Vec<Alarm>)>,
    /// Per system: its merges and splits in this document.
    pub groupings: Vec<(String, Vec<Grouping>)>,
}

/// The nearest counterpart of a miss (a prediction) or of a false alarm (a gold claim), and why the two did not
/// match.
#[derive(Debug, Clone)]
pub struct Near {
    /// Its text.
    pub text: String,
    /// A gold claim's id (None for a prediction).
    pub id: Option<String>,
    /// Their similarity.
    pub score: f64,
    /// Why they did not match.
    pub why: Why,
    /// What the reason rests on (a guard's disagreement, the pair that took the counterpart).
    pub detail: Option<String>,
    /// From a directional matcher: the pair is a bundle or a part.
    pub relation: Option<Relation>,
}

/// A prediction that matched no gold claim.
#[derive(Debug, Clone)]
pub struct Alarm {
    /// The prediction.
    pub text: String,
    /// Its nearest gold claim, when the document has any.
    pub nearest: Option<Near>,
}

/// A prediction that reaches several gold claims (a merge) or a gold claim that several predictions reach (a
/// split).
#[derive(Debug, Clone)]
pub struct Grouping {
    /// True for a merge, false for a split.
    pub merge: bool,
    /// The prediction (merge) or the gold claim as `ID: TEXT` (split).
    pub one: String,
    /// What it was matched to: a gold claim id (merge) or a prediction (split).
    pub matched: String,
    /// What else reaches the threshold against it and so went unmatched: missed gold claim ids (merge) or false
    /// alarms (split).
    pub others: Vec<String>,
}

/// What one system made of one gold claim.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Matched by `prediction` with `similarity`; `overlap` says whether its evidence overlaps the gold claim's
    /// (None when unknown).
    Hit {
        /// The prediction.
        prediction: String,
        /// Their similarity.
        similarity: f64,
        /// Evidence overlap.
        overlap: Option<bool>,
    },
    /// Missed; its nearest prediction when the document has any.
    Miss(Option<Near>),
}

/// A gold claim and, per system, its match.
#[derive(Debug, Clone)]
pub struct GoldRow {
    /// Claim id.
    pub id: String,
    /// Claim text.
    pub text: String,
    /// Category.
    pub category: String,
    /// Per system (same order as the leaderboard): its match or its miss.
    pub matches: Vec<Cell>,
}

/// Escape text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The precision/recall-against-threshold chart as an inline SVG.
pub fn sweep_svg(sweeps: &[(String, Vec<SweepPoint>)], threshold: f64) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        let (lo, hi) = sweeps
            .iter()
            .flat_map(|(_, pts)| pts.iter().map(|p| p.threshold))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
                (a.min(t), b.max(t))
            });
        let (lo, hi) = if lo.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (0.0, 1.0)
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Precision and recall against the match threshold",
                ("sans-serif", 16),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(lo..hi, 0.0f64..1.0f64)
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        chart
            .configure_mesh()
            .x_desc("threshold")
            .y_desc("rate")
            .light_line_style(WHITE)
            .draw()
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        for (i, (name, pts)) in sweeps.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.threshold, p.precision)),
                    color.stroke_width(2),
                ))
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?
                .label(format!("{name} precision"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            let dashed = color.mix(0.55);
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.threshold, p.recall)),
                    dashed.stroke_width(2),
                ))
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?
                .label(format!("{name} recall"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], dashed.stroke_width(2))
                });
        }
        if (lo..=hi).contains(&threshold) {
            chart
                .draw_series(LineSeries::new(
                    vec![(threshold, 0.0), (threshold, 1.0)],
                    BLACK.mix(0.4),
                ))
                .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("chart: {e}"))?;
    }
    Ok(svg)
}

/// The article text with gold evidence spans wrapped in `<mark>`.
pub fn highlight(text: &str, spans: &[(usize, usize, String)]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut cuts: Vec<usize> = vec![0, n];
    for (s, e, _) in spans {
        cuts.push((*s).min(n));
        cuts.push((*e).min(n));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let piece: String = chars[a..b].iter().collect();
        let ids: Vec<&str> = spans
            .iter()
            .filter(|(s, e, _)| *s <= a && b <= *e)
            .map(|(_, _, id)| id.as_str())
            .collect();
        if ids.is_empty() {
            out.push_str(&esc(&piece));
        } else {
            let _ = write!(
                out,
                "<mark title=\"{}\">{}</mark>",
                esc(&ids.join(" ")),
                esc(&piece)
            );
        }
    }
    out
}

/// Render the whole page.
pub fn render(data: &ReportData) -> Result<String> {
    let systems: Vec<&str> = data.leaderboard.iter().map(|r| r.system.as_str()).collect();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n\
         </head>\n<body>\n<h1>{}</h1>\n<p class=\"sig\"><code>{}</code></p>\n",
        esc(&data.title),
        CSS,
        esc(&data.title),
        esc(&data.signature)
    );
    h.push_str("<h2>Leaderboard</h2>\n<table class=\"board\"><thead><tr><th>system</th>");
    for head in board_headers(!data.packaging.is_empty()) {
        let _ = write!(h, "<th>{}</th>", esc(head));
    }
    h.push_str("</tr></thead><tbody>\n");
    for row in &data.leaderboard {
        let _ = write!(h, "<tr><td>{}</td>", esc(&row.system));
        for c in &row.cells {
            let _ = write!(h, "<td class=\"num\">{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&packaging_html(&data.packaging));
    if !data.slices.is_empty() {
        h.push_str("<h2>Slices</h2>\n<table class=\"slices\"><thead><tr><th>system</th>");
        for head in SLICE_HEADERS {
            let _ = write!(h, "<th>{}</th>", esc(head));
        }
        h.push_str("</tr></thead><tbody>\n");
        let mut last: Option<&str> = None;
        for row in &data.slices {
            let first = last != Some(row.system.as_str());
            last = Some(row.system.as_str());
            let _ = write!(
                h,
                "<tr{}><td>{}</td>",
                if first { " class=\"first\"" } else { "" },
                if first {
                    esc(&row.system)
                } else {
                    String::new()
                }
            );
            for (k, c) in row.cells.iter().enumerate() {
                let class = if k == 0 { "slice" } else { "num" };
                let _ = write!(h, "<td class=\"{class}\">{}</td>", esc(c));
            }
            h.push_str("</tr>\n");
        }
        h.push_str(
            "</tbody></table>\n<p class=\"note\">A prediction belongs to the slice of the gold claim it matched; a \
             false alarm counts in its document's row only, so category and check-worthy rows have no false alarms.</p>\n",
        );
    }
    if !data.problems.is_empty() {
        h.push_str("<h2>Not scored</h2>\n<ul class=\"problems\">\n");
        for (system, what) in &data.problems {
            let _ = writeln!(h, "<li><b>{}</b>: {}</li>", esc(system), esc(what));
        }
        h.push_str("</ul>\n");
    }
    if let Some(d) = &data.diff {
        h.push_str(&diff_html(d));
    }
    h.push_str("<h2>Threshold</h2>\n<figure>");
    h.push_str(&sweep_svg(&data.sweeps, data.threshold)?);
    let _ = write!(
        h,
        "<figcaption>Solid: precision; faded: recall. The vertical line is the threshold this run used ({:.3}).</figcaption></figure>",
        data.threshold
    );
    h.push('\n');
    for doc in &data.documents {
        let _ = write!(
            h,
            "<section id=\"doc-{0}\">\n<h2>Article {0}</h2>\n",
            esc(&doc.id)
        );
        let _ = write!(h, "<details><summary>Article text with gold evidence highlighted</summary><div class=\"article\">{}</div></details>", highlight(&doc.text, &doc.spans));
        h.push('\n');
        h.push_str(
            "<table class=\"claims\"><thead><tr><th>id</th><th>gold claim</th><th>category</th>",
        );
        for s in &systems {
            let _ = write!(h, "<th>{}</th>", esc(s));
        }
        h.push_str("</tr></thead><tbody>\n");
        for g in &doc.gold {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td>",
                esc(&g.id),
                esc(&g.text),
                esc(&g.category)
            );
            for m in &g.matches {
                match m {
                    Cell::Hit {
                        prediction,
                        similarity,
                        overlap: Some(false),
                    } => {
                        let _ = write!(
                            h,
                            "<td class=\"hit off\">{} <span class=\"sim\">{:.3}</span> \
                             <span class=\"off\">outside this claim's evidence</span></td>",
                            esc(prediction),
                            similarity
                        );
                    }
                    Cell::Hit {
                        prediction,
                        similarity,
                        ..
                    } => {
                        let _ = write!(
                            h,
                            "<td class=\"hit\">{} <span class=\"sim\">{:.3}</span></td>",
                            esc(prediction),
                            similarity
                        );
                    }
                    Cell::Miss(near) => {
                        h.push_str("<td class=\"miss\">missed");
                        if let Some(n) = near {
                            h.push_str(&near_html(n, "nearest prediction", data.threshold));
                        }
                        h.push_str("</td>");
                    }
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table>\n");
        for (system, groups) in &doc.groupings {
            if groups.is_empty() {
                continue;
            }
            let merges = groups.iter().filter(|g| g.merge).count();
            let splits = groups.len() - merges;
            let _ = write!(
                h,
                "<details class=\"groups\" open><summary>{}: {} merge{}, {} split{}</summary><ul class=\"groups\">",
                esc(system),
                merges,
                plural(merges),
                splits,
                plural(splits)
            );
            for g in groups {
                let others = g
                    .others
                    .iter()
                    .map(|o| format!("<q>{}</q>", esc(o)))
                    .collect::<Vec<_>>()
                    .join(", ");
                if g.merge {
                    let _ = write!(
                        h,
                        "<li class=\"merge\"><b>merge</b>: the prediction <q>{}</q> matched {} and also reaches \
                         {} (missed: one prediction matches one gold claim)</li>",
                        esc(&g.one),
                        esc(&g.matched),
                        others
                    );
                } else {
                    let _ = write!(
                        h,
                        "<li class=\"split\"><b>split</b>: {} was matched by <q>{}</q> and is also reached by \
                         {} (false alarms: one gold claim takes one prediction)</li>",
                        esc(&g.one),
                        esc(&g.matched),
                        others
                    );
                }
            }
            h.push_str("</ul></details>\n");
        }
        for (system, alarms) in &doc.false_alarms {
            let _ = write!(
                h,
                "<details class=\"fa\"><summary>{}: {} false alarm{}</summary><ul class=\"fa\">",
                esc(system),
                alarms.len(),
                plural(alarms.len())
            );
            for a in alarms {
                let _ = write!(h, "<li>{}", esc(&a.text));
                if let Some(n) = &a.nearest {
                    h.push_str(&near_html(n, "nearest gold claim", data.threshold));
                }
                h.push_str("</li>");
            }
            h.push_str("</ul></details>\n");
        }
        h.push_str("</section>\n");
    }
    let _ = write!(
        h,
        "<h2>Manifest</h2>\n<pre class=\"manifest\">{}</pre>\n</body>\n</html>\n",
        esc(&data.manifest_json)
    );
    Ok(h)
}

/// Headers of the slice table's cells after the system.
pub const SLICE_HEADERS: [&str; 10] = [
    "slice",
    "gold",
    "claims",
    "P",
    "P 95% CI",
    "R",
    "R 95% CI",
    "F1",
    "F1 95% CI",
    "TP/FP/FN",
];

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Why a nearest pair did not match, in words.
pub fn why_text(n: &Near, threshold: f64) -> String {
    let detail = n.detail.as_deref().unwrap_or("");
    let relation = match n.relation {
        None => "",
        Some(Relation::Bundles) => "; the prediction states this gold claim and more (a bundle)",
        Some(Relation::Part) => "; the prediction states only part of this gold claim",
    };
    match n.why {
        Why::Below if detail.is_empty() => format!("below the threshold {threshold:.3}{relation}"),
        Why::Below => {
            format!("below the threshold {threshold:.3}{relation}; a guard notes {detail}")
        }
        Why::Vetoed => format!("vetoed by a guard: {detail}"),
        Why::Taken if detail.is_empty() => "taken by another in the one-to-one assignment".into(),
        Why::Taken => format!("taken in the one-to-one assignment: {detail}"),
        Why::Duplicate => "repeats an earlier prediction, which was matched in its place".into(),
    }
}

/// A miss's or a false alarm's nearest counterpart as a `div.near`.
fn near_html(n: &Near, what: &str, threshold: f64) -> String {
    format!(
        "<div class=\"near\">{what}{}: <q>{}</q> <span class=\"sim\">{:.3}</span> \
         <span class=\"why why-{}\">{}</span></div>",
        n.id.as_deref()
            .map(|id| format!(" {}", esc(id)))
            .unwrap_or_default(),
        esc(&n.text),
        n.score,
        n.why.as_str(),
        esc(&why_text(n, threshold))
    )
}

/// The claims changed since the baseline: per system, lost claims first, then gained, then false alarms.
fn diff_html(d: &RunDiff) -> String {
    let mut h = format!(
        "<h2 id=\"changes\">Changes since the baseline</h2>\n<p class=\"sig\">baseline <code>{}</code></p>\n",
        esc(&d.a)
    );
    let matched = |m: &Option<Matched>| match m {
        Some(m) => format!(
            "{} <span class=\"sim\">{:.3}</span>",
            esc(&m.prediction),
            m.similarity
        ),
        None => "missed".into(),
    };
    for s in &d.systems {
        let _ = writeln!(
            h,
            "<h3>{}: {} lost, {} gained, {} new false alarm{}, {} false alarm{} gone</h3>",
            esc(&s.system),
            s.lost.len(),
            s.gained.len(),
            s.new_false_alarms.len(),
            plural(s.new_false_alarms.len()),
            s.fixed_false_alarms.len(),
            plural(s.fixed_false_alarms.len())
        );
        if s.is_empty() {
            continue;
        }
        h.push_str(
            "<table class=\"diff\"><thead><tr><th>change</th><th>doc</th><th>gold id</th><th>claim</th>\
             <th>baseline</th><th>this run</th></tr></thead><tbody>\n",
        );
        for (what, list) in [("lost", &s.lost), ("gained", &s.gained)] {
            for c in list {
                let _ = writeln!(
                    h,
                    "<tr class=\"{what}\"><td>{what}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&c.doc),
                    esc(&c.id),
                    esc(&c.text),
                    matched(&c.before),
                    matched(&c.after)
                );
            }
        }
        for (what, class, list, before, after) in [
            (
                "new false alarm",
                "new-fa",
                &s.new_false_alarms,
                "",
                "false alarm",
            ),
            (
                "false alarm gone",
                "gone-fa",
                &s.fixed_false_alarms,
                "false alarm",
                "",
            ),
        ] {
            for x in list {
                let _ = writeln!(
                    h,
                    "<tr class=\"{class}\"><td>{what}</td><td>{}</td><td></td><td>{}</td><td>{before}</td><td>{after}</td></tr>",
                    esc(&x.doc),
                    esc(&x.text)
                );
            }
        }
        h.push_str("</tbody></table>\n");
    }
    for (which, list) in [("baseline", &d.only_in_a), ("this run", &d.only_in_b)] {
        if !list.is_empty() {
            let _ = writeln!(
                h,
                "<p>Only in the {which} (not compared): {}</p>",
                esc(&list.join(", "))
            );
        }
    }
    h
}

/// Column headers of the leaderboard after the system name.
pub const BOARD_HEADERS: [&str; 9] = [
    "P",
    "P 95% CI",
    "R",
    "R 95% CI",
    "F1",
    "F1 95% CI",
    "soft P",
    "soft R",
    "grounded",
];

/// Where the packaging headers go among [`BOARD_HEADERS`] (before `grounded`, as in the terminal's leaderboard).
pub const PACKAGING_AT: usize = 8;

/// Column headers of the leaderboard after the system name: [`BOARD_HEADERS`], with `coverage` and `focus` before
/// `grounded` when some system has packaging.
pub fn board_headers(packaged: bool) -> Vec<&'static str> {
    let mut headers = BOARD_HEADERS.to_vec();
    if packaged {
        headers.splice(PACKAGING_AT..PACKAGING_AT, ["coverage", "focus"]);
    }
    headers
}

/// The note under the leaderboard on packaging: what coverage and focus are, and each system's bundles and parts
/// (empty when no system has packaging).
fn packaging_html(packaging: &[(String, PackagingSums)]) -> String {
    if packaging.is_empty() {
        return String::new();
    }
    let mut h = String::from(
        "<p class=\"note packaging\">From the directional matcher's two directions: coverage is the share of gold \
         claims that some prediction states all of, in any packaging; focus, the share of predictions whose content \
         some gold claim states.</p>\n<ul class=\"packaging\">\n",
    );
    for (system, p) in packaging {
        let _ = writeln!(
            h,
            "<li><b>{}</b>: {} of {} gold claims covered, {} of {} predictions focused; {} prediction{} bundle{} a \
             gold claim with more, {} state{} only part of one</li>",
            esc(system),
            p.covered,
            p.gold,
            p.focused,
            p.pred,
            p.bundling,
            plural(p.bundling),
            if p.bundling == 1 { "s" } else { "" },
            p.partial,
            if p.partial == 1 { "s" } else { "" },
        );
    }
    h.push_str("</ul>\n");
    h
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums}.board td,.board th{white-space:nowrap}\
td.hit{background:#eef8ee}td.hit.off{background:#fff6dd}.off{color:#960;font-size:.85em}td.miss{background:#fbeaea;color:#900}.sim{color:#666;font-size:.85em}\
mark{background:#fff2a8}.article{white-space:pre-wrap;border:1px solid #eee;padding:1em;background:#fcfcfc}\
.sig code{font-size:.85em;color:#555}pre.manifest{background:#f6f6f6;padding:1em;overflow:auto;font-size:.8em}\
ul.fa li{margin:.2em 0}figure{margin:0}figcaption{color:#666;font-size:.9em}\
.near{font-size:.85em;color:#444;margin-top:.2em}.why{color:#960}ul.groups li{margin:.2em 0}\
tr.lost td{background:#fbeaea}tr.gained td{background:#eef8ee}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_marks_overlapping_spans_and_escapes() {
        let html = highlight("a<b> c d", &[(0, 4, "g1".into()), (2, 6, "g2".into())]);
        assert_eq!(
            html,
            "<mark title=\"g1\">a&lt;</mark><mark title=\"g1 g2\">b&gt;</mark><mark title=\"g2\"> c</mark> d"
        );
    }

    #[test]
    fn highlight_counts_code_points() {
        let html = highlight("héllo wörld", &[(6, 11, "x".into())]);
        assert_eq!(html, "héllo <mark title=\"x\">wörld</mark>");
    }

    #[test]
    fn svg_has_both_series() {
        let pts = vec![
            SweepPoint {
                threshold: 0.1,
                precision: 0.2,
                recall: 0.9,
            },
            SweepPoint {
                threshold: 0.9,
                precision: 0.8,
                recall: 0.3,
            },
        ];
        let svg = sweep_svg(&[("sys".into(), pts)], 0.5).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("sys precision") && svg.contains("sys recall"));
    }
}
