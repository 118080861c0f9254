//! Coverage and focus (a directional matcher's packaging) beyond run.json: the HTML report's leaderboard and its
//! why texts, the claim rows' `relation`, and `compare`'s pairs. The gate's floors are in `gate.rs`.

use serde_json::Value;

use crate::common::*;

/// The rows of `report RUN --jsonl`.
fn rows(t: &std::path::Path, run: &std::path::Path) -> Vec<Value> {
    let out = t.join("rows.jsonl");
    cb(["report"])
        .arg_path(run)
        .arg("--jsonl")
        .arg_path(&out)
        .run()
        .ok();
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The HTML report of a run.
fn html(t: &std::path::Path, run: &std::path::Path) -> String {
    let out = t.join("report.html");
    cb(["report"])
        .arg_path(run)
        .arg("--html")
        .arg_path(&out)
        .run()
        .ok();
    std::fs::read_to_string(&out).unwrap()
}

const BUNDLE: &str = "; the prediction states this gold claim and more (a bundle)";
const PART: &str = "; the prediction states only part of this gold claim";

#[test]
fn the_report_of_a_cover_run_shows_coverage_focus_and_bundles_in_the_why() {
    let runs = judged_runs();
    let t = tmp();
    let rows = rows(t.path(), &runs.cover_clauses);
    // Each miss's and false alarm's relation to its nearest, from the two directions.
    let count = |why: &str, relation: &str| {
        rows.iter()
            .filter(|r| r["why"] == why && r["relation"] == relation)
            .count()
    };
    let (bundles, parts) = (count("below", "bundles"), count("below", "part"));
    assert!(bundles > 0 && parts > 0, "{bundles} bundles, {parts} parts");
    assert!(rows.iter().all(|r| r["relation"].is_null()
        || (r["nearest"].is_string() && (r["relation"] == "bundles" || r["relation"] == "part"))));
    let html = html(t.path(), &runs.cover_clauses);
    assert!(
        html.contains("<th>soft R</th><th>coverage</th><th>focus</th><th>grounded</th>"),
        "{html}"
    );
    // The leaderboard row: coverage 216 / 260, focus 95 / 163.
    assert!(
        html.contains("<td class=\"num\">0.831</td><td class=\"num\">0.583</td>"),
        "{html}"
    );
    assert!(html.contains(
        "<li><b>clauses</b>: 216 of 260 gold claims covered, 95 of 163 predictions focused; 66 predictions bundle \
         a gold claim with more, 20 state only part of one</li>"
    ));
    // A below-threshold pair says which it is; a vetoed or taken one keeps its own reason.
    assert_eq!(html.matches(BUNDLE).count(), bundles, "{html}");
    assert_eq!(html.matches(PART).count(), parts, "{html}");
    // The report's JSON carries the relation with the nearest.
    let r = cb(["report", "--json"]).arg_path(&runs.cover_clauses).run();
    r.ok();
    let v = r.json();
    let near: Vec<&Value> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["gold"].as_array().unwrap())
        .filter_map(|g| g["nearest"].get("clauses"))
        .collect();
    let misses = rows
        .iter()
        .filter(|r| r["status"] == "fn" && r["nearest"].is_string());
    assert_eq!(near.len(), misses.clone().count());
    assert_eq!(
        near.iter().filter(|n| n["relation"] == "bundles").count(),
        misses.filter(|r| r["relation"] == "bundles").count()
    );
}

#[test]
fn the_report_of_a_symmetric_run_has_no_packaging() {
    let runs = judged_runs();
    let t = tmp();
    assert!(rows(t.path(), &runs.align_clauses)
        .iter()
        .all(|r| r["relation"].is_null()));
    let html = html(t.path(), &runs.align_clauses);
    assert!(html.contains("<th>soft R</th><th>grounded</th>"), "{html}");
    assert!(!html.contains("coverage"), "{html}");
    assert!(
        !html.contains("(a bundle)") && !html.contains(PART),
        "{html}"
    );
}

/// Coverage and focus of a run's only system, from its run.json.
fn packaging(run: &std::path::Path) -> (f64, f64) {
    let v = read_json(&run.join("run.json"));
    let (_, rec) = v["systems"].as_object().unwrap().iter().next().unwrap();
    let p = &rec["results"]["packaging"];
    (
        p["coverage"].as_f64().unwrap(),
        p["focus"].as_f64().unwrap(),
    )
}

#[test]
fn compare_gives_each_pair_of_cover_runs_its_coverage_and_focus_deltas() {
    let runs = judged_runs();
    let (a, b) = (
        packaging(&runs.cover_clauses),
        packaging(&runs.cover_worthy),
    );
    // clauses 216 / 260 and 95 / 163, minilm-worthy 197 / 260 and 64 / 126.
    assert_eq!(a, (216.0 / 260.0, 95.0 / 163.0));
    assert_eq!(b, (197.0 / 260.0, 64.0 / 126.0));
    let r = cb(["compare", "--json", "--permutations", "100"])
        .arg_path(&runs.cover_clauses)
        .arg_path(&runs.cover_worthy)
        .run();
    r.ok();
    let pair = &r.json()["pairs"][0];
    assert_eq!(pair["coverage_delta"].as_f64(), Some(a.0 - b.0), "{pair}");
    assert_eq!(pair["focus_delta"].as_f64(), Some(a.1 - b.1), "{pair}");
    let r = cb(["compare", "--permutations", "100"])
        .arg_path(&runs.cover_clauses)
        .arg_path(&runs.cover_worthy)
        .run();
    r.ok();
    let header = r
        .stdout
        .lines()
        .find(|l| l.contains("ΔF1"))
        .unwrap_or_default();
    assert!(
        header.contains("p AR") && header.contains("Δcoverage") && header.contains("Δfocus"),
        "{}",
        r.stdout
    );
    r.stdout_has(" +0.073 ").stdout_has(" +0.075 ");
}

#[test]
fn compare_gives_no_deltas_to_symmetric_or_incomparable_pairs() {
    let runs = judged_runs();
    let r = cb(["compare", "--json", "--permutations", "100"])
        .arg_path(&runs.align_clauses)
        .arg_path(&runs.align_worthy)
        .arg_path(&runs.cover_clauses)
        .run();
    r.ok();
    let v = r.json();
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    // align against align: compared, no packaging; align against cover: not comparable.
    assert!(pairs[0]["comparison"].is_object(), "{v}");
    assert!(pairs[1]["not_comparable"].is_string(), "{v}");
    for p in pairs {
        assert!(
            p.get("coverage_delta").is_none() && p.get("focus_delta").is_none(),
            "{p}"
        );
    }
    let r = cb(["compare", "--permutations", "100"])
        .arg_path(&runs.align_clauses)
        .arg_path(&runs.align_worthy)
        .run();
    r.ok();
    assert!(!r.stdout.contains("Δcoverage"), "{}", r.stdout);
}
