//! `claimbench report RUN --csv FILE --jsonl FILE`: one row per (system, document, gold claim or false alarm),
//! with exact counts and rows on a run of the seeds.

use serde_json::Value;

use crate::common::*;

#[test]
fn report_csv_and_jsonl_have_a_row_per_gold_claim_and_false_alarm() {
    let t = tmp();
    let run = t.path().join("run");
    cb(["score", "--matcher", "exact", "--bootstrap", "0", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    let (csv, jsonl) = (t.path().join("rows.csv"), t.path().join("rows.jsonl"));
    let r = cb(["report"])
        .arg_path(&run)
        .arg("--csv")
        .arg_path(&csv)
        .arg("--jsonl")
        .arg_path(&jsonl)
        .run();
    // preds_small under exact: TP 17, FP 16, FN 243 (make_fixtures.py): 260 gold rows and 16 false alarms.
    r.ok().stdout_has("276 rows written to");
    assert!(!t.path().join("report.html").exists());

    let rows: Vec<Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 276);
    let count = |s: &str| rows.iter().filter(|r| r["status"] == s).count();
    assert_eq!((count("tp"), count("fn"), count("fp")), (17, 243, 16));
    assert!(rows.iter().all(|r| r["system"] == "preds_small"));
    assert_eq!(
        rows.iter()
            .filter(|r| r["check_worthy"] == true && r["status"] != "fp")
            .count(),
        read_json(&run.join("run.json"))["systems"]["preds_small"]["results"]["check_worthy"]
            ["gold"]
            .as_u64()
            .unwrap() as usize
    );
    let g = gold_texts();
    // Document 000: the first gold claim verbatim (prediction 0), the second lowercased with tripled spaces
    // (prediction 3, equal under exact-match normalisation), the third with a word dropped (a miss, and its
    // prediction a false alarm), then the two junk claims.
    assert_eq!(rows[0]["gold_id"], "000-001");
    assert_eq!(rows[0]["status"], "tp");
    assert_eq!(rows[0]["prediction"], 0);
    assert_eq!(rows[0]["similarity"], 1.0);
    assert_eq!(rows[0]["category"], "event");
    assert_eq!(rows[1]["gold_id"], "000-002");
    assert_eq!(rows[1]["prediction"], 3);
    assert_eq!(rows[2]["gold_id"], "000-003");
    assert_eq!(rows[2]["status"], "fn");
    assert_eq!(rows[2]["prediction"], Value::Null);
    let alarms: Vec<(&Value, &Value)> = rows
        .iter()
        .filter(|r| r["doc"] == "000" && r["status"] == "fp")
        .map(|r| (&r["prediction"], &r["prediction_text"]))
        .collect();
    assert_eq!(alarms.len(), 3);
    assert_eq!(alarms[0].0, 4);
    assert_eq!(
        alarms[2].1,
        "A local bakery introduced a new kind of sourdough bread."
    );

    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 277, "a header and 276 rows");
    assert_eq!(
        lines[0],
        "system,doc,status,gold_id,gold_text,prediction,prediction_text,similarity,category,check_worthy,\
         nearest,nearest_id,nearest_score,why,why_detail,relation"
    );
    let first = &g["000"][0];
    assert_eq!(
        lines[1],
        format!("preds_small,000,tp,000-001,{first},0,{first},1,event,true,,,,,,")
    );
    // A false alarm: its nearest gold claim, their similarity and why they did not match (why_detail and relation empty).
    let bakery =
        "preds_small,000,fp,,,6,A local bakery introduced a new kind of sourdough bread.,,,,";
    let line = lines
        .iter()
        .find(|l| l.starts_with(bakery))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(",below,,"), "{line}");
}
