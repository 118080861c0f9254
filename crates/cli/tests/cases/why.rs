//! The report answers "why": each miss's nearest prediction and each false alarm's nearest gold claim (from the
//! matcher's similarity matrix, recorded in run.json) with the reason they did not match, merges and splits, and
//! the gold claims lost since a baseline in the HTML report, the gate's Markdown and its JUnit.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::*;

/// Predictions of document 000 made to show each reason under `token-f1` (threshold 0.5): a number changed in a
/// shortened 000-026 (below the threshold; the number guard notes it, token-f1 does not veto), 000-014 and 000-015
/// in one sentence (a merge), 000-037 in two halves (a split), and a sentence about nothing in the gold.
const PREDS: [&str; 5] = [
    "67% of respondents backed the strike.",
    "Hillary Clinton is a former US Secretary of State and was Donald Trump's Democratic challenger in the presidential election.",
    "The International Syria Support Group comprises about 20 countries",
    "20 countries with interests on both sides of the Syrian conflict",
    "A bakery opened in Moscow.",
];

/// What the matcher and the guards make of them (token-f1 scores; the number guard's words).
const TAKEN_014: f64 = 0.64;
const BELOW_026: f64 = 0.375;
const GUARD_026: &str = "number: 67% (67) vs 66% (66) (token-f1 does not veto)";
const SPLIT_SCORE: f64 = 0.6666667;
const BAKERY_SCORE: f64 = 0.26666668;

/// Score `texts` (all of document 000, as the system `preds`) with token-f1 into `<t>/<name>`.
fn run_of(t: &Path, name: &str, texts: &[String]) -> PathBuf {
    let src = t.join(format!("{name}-in")).join("preds.jsonl");
    let lines: String = texts
        .iter()
        .map(|x| format!("{}\n", json!({ "doc": "000", "text": x })))
        .collect();
    write(&src, lines);
    let out = t.join(name);
    cb(["score", "--pred"])
        .arg_path(&src)
        .args(["--matcher", "token-f1", "--bootstrap", "0", "--out"])
        .arg_path(&out)
        .run()
        .ok();
    out
}

fn current(t: &Path) -> PathBuf {
    run_of(t, "cur", &PREDS.map(String::from))
}

/// The baseline: 17 gold claims of document 000 word for word (000-014, 000-026, 000-001, 000-030..000-043).
fn baseline(t: &Path) -> PathBuf {
    let g = gold_texts();
    let mut idx = vec![13, 25, 0];
    idx.extend(29..43);
    run_of(
        t,
        "base",
        &idx.iter().map(|&i| g["000"][i].clone()).collect::<Vec<_>>(),
    )
}

/// The `report --jsonl` rows of `run`.
fn rows(t: &Path, run: &Path) -> Vec<Value> {
    let path = t.join("rows.jsonl");
    cb(["report"])
        .arg_path(run)
        .arg("--jsonl")
        .arg_path(&path)
        .run()
        .ok();
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `[status, gold_id or prediction text, nearest, nearest_id, nearest_score, why, why_detail]` of a row.
fn why(r: &Value) -> Value {
    let key = if r["status"] == "fp" {
        &r["prediction_text"]
    } else {
        &r["gold_id"]
    };
    json!([
        r["status"],
        key,
        r["nearest"],
        r["nearest_id"],
        r["nearest_score"],
        r["why"],
        r["why_detail"]
    ])
}

#[test]
fn misses_and_false_alarms_name_their_nearest_and_why() {
    let t = tmp();
    let run = current(t.path());
    let g = gold_texts();
    let rows = rows(t.path(), &run);
    let of = |key: &str| {
        rows.iter()
            .find(|r| r["gold_id"] == key || r["prediction_text"] == key)
            .map(why)
            .unwrap_or_else(|| panic!("no row {key}"))
    };
    assert_eq!(
        of("000-014"),
        json!([
            "fn",
            "000-014",
            PREDS[1],
            null,
            TAKEN_014,
            "taken",
            "it matched 000-015"
        ])
    );
    assert_eq!(
        of("000-026"),
        json!(["fn", "000-026", PREDS[0], null, BELOW_026, "below", GUARD_026])
    );
    assert_eq!(
        of(PREDS[2]),
        json!([
            "fp",
            PREDS[2],
            g["000"][36],
            "000-037",
            SPLIT_SCORE,
            "taken",
            format!("000-037 matched: {}", PREDS[3])
        ])
    );
    assert_eq!(
        of(PREDS[4]),
        json!([
            "fp",
            PREDS[4],
            g["000"][11],
            "000-012",
            BAKERY_SCORE,
            "below",
            null
        ])
    );
    // A document without predictions: its misses have no nearest.
    assert_eq!(
        of("001-001"),
        json!(["fn", "001-001", null, null, null, null, null])
    );
    // The same in the CSV's last columns (no relation: token-f1 is symmetric).
    let csv = t.path().join("rows.csv");
    cb(["report"])
        .arg_path(&run)
        .arg("--csv")
        .arg_path(&csv)
        .run()
        .ok();
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(csv.starts_with(
        "system,doc,status,gold_id,gold_text,prediction,prediction_text,similarity,category,check_worthy,nearest,nearest_id,nearest_score,why,why_detail,relation\r\n"
    ));
    assert!(
        csv.contains(&format!(
            ",{},,{TAKEN_014},taken,it matched 000-015,\r\n",
            field(PREDS[1])
        )),
        "{csv}"
    );

    // run.json holds them (as the scorer read them off the matrix), and scoring again gives the same bytes.
    let v = read_json(&run.join("run.json"));
    let d = &v["systems"]["preds"]["results"]["documents"][0];
    assert_eq!(d["doc"], "000");
    assert_eq!(d["nearest_predictions"].as_array().unwrap().len(), 41);
    assert_eq!(d["nearest_gold"].as_array().unwrap().len(), 3);
    let again = run_of(t.path(), "again", &PREDS.map(String::from));
    assert_eq!(
        std::fs::read(run.join("run.json")).unwrap(),
        std::fs::read(again.join("run.json")).unwrap()
    );

    // The report's JSON and HTML: the merge and the split, the nearest items with their reasons.
    let j = cb(["report"]).arg_path(&run).arg("--json").run();
    let j = j.ok().json();
    let doc = &j["documents"][0];
    assert_eq!(
        doc["merges_and_splits"]["preds"],
        json!([
            { "kind": "merge", "one": PREDS[1], "matched": "000-015", "others": ["000-014"] },
            { "kind": "split", "one": format!("000-037: {}", g["000"][36]), "matched": PREDS[3], "others": [PREDS[2]] },
        ])
    );
    assert_eq!(doc["gold"][13]["nearest"]["preds"]["why"], "taken");
    assert_eq!(doc["false_alarms"]["preds"][2]["nearest"]["why"], "below");
    let html = t.path().join("r.html");
    cb(["report"])
        .arg_path(&run)
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    let html = std::fs::read_to_string(&html).unwrap();
    assert_eq!(html.matches("<li class=\"merge\">").count(), 1);
    assert_eq!(html.matches("<li class=\"split\">").count(), 1);
    assert_eq!(html.matches("<div class=\"near\">").count(), 41 + 3);
    assert!(
        html.contains(&format!(
            "below the threshold 0.500; a guard notes {GUARD_026}"
        )),
        "{html}"
    );
    assert!(html.contains("taken in the one-to-one assignment: it matched 000-015"));
    assert!(
        !html.contains("id=\"changes\""),
        "no baseline, no changes section"
    );
}

#[test]
fn report_and_gate_list_the_claims_lost_since_the_baseline() {
    let t = tmp();
    let (run, base) = (current(t.path()), baseline(t.path()));
    let g = gold_texts();

    // The HTML report with --baseline: 16 lost (first), 1 gained.
    let html = t.path().join("r.html");
    cb(["report"])
        .arg_path(&run)
        .arg("--baseline")
        .arg_path(&base)
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(
        html.contains("<h3>preds: 16 lost, 1 gained, 3 new false alarms, 0 false alarms gone</h3>"),
        "{html}"
    );
    assert_eq!(html.matches("<tr class=\"lost\">").count(), 16);
    assert_eq!(html.matches("<tr class=\"gained\">").count(), 1);
    assert!(html.find("<tr class=\"lost\">") < html.find("<tr class=\"gained\">"));
    let j = cb(["report"])
        .arg_path(&run)
        .arg("--baseline")
        .arg_path(&base)
        .arg("--json")
        .run();
    let j = j.ok().json();
    assert_eq!(j["diff"]["systems"][0]["gained"][0]["id"], "000-015");

    // The gate: Markdown lists 10 lost claims, then the count of the rest, then the gained one; JUnit's failure
    // text names the lost claims.
    let (xml, md) = (t.path().join("gate.xml"), t.path().join("gate.md"));
    let r = cb(["gate", "--run"])
        .arg_path(&run)
        .arg("--baseline")
        .arg_path(&base)
        .args(["--min-f1", "0.9", "--permutations", "200", "--junit"])
        .arg_path(&xml)
        .arg("--markdown")
        .arg_path(&md)
        .run();
    r.code(1);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("#### Gold claims changed since the baseline\n\n**preds**: 16 lost, 1 gained, 3 new false alarms, 0 false alarms gone\n\n"), "{md}");
    let listed: Vec<&str> = md.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 12, "{md}");
    assert_eq!(
        listed[0],
        format!(
            "- lost `000-001` {} (was matched by \"{}\", 1.000)",
            g["000"][0], g["000"][0]
        )
    );
    assert!(listed[9].starts_with("- lost `000-036` "), "{md}");
    assert_eq!(listed[10], "- … and 6 more lost");
    assert!(
        listed[11].starts_with(&format!(
            "- gained `000-015` {} (now matched by \"{}\", ",
            g["000"][14], PREDS[1]
        )),
        "{md}"
    );
    let xml = std::fs::read_to_string(&xml).unwrap();
    assert!(
        xml.contains(&format!(
            "16 gold claims lost since the baseline: 000-001 &quot;{}&quot;",
            g["000"][0].replace('\'', "&apos;")
        )),
        "{xml}"
    );
    assert!(xml.contains("and 6 more"), "{xml}");
}

/// A CSV field as `report --csv` writes it.
fn field(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
