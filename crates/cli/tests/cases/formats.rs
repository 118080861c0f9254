//! `claimbench formats`: every example it prints is read by the command that reads that format.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::*;

/// The example lines of `claimbench formats`, by section (GOLD, PREDICTIONS, PAIRS, COMMAND).
fn examples() -> BTreeMap<String, Vec<String>> {
    let r = cb(["formats"]).run();
    r.ok();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut section = String::new();
    for line in r.stdout.lines() {
        if let Some(head) = line.split_whitespace().next() {
            if !line.starts_with(' ')
                && head.chars().all(|c| c.is_ascii_uppercase())
                && head.len() > 3
            {
                section = head.to_string();
            }
        }
        if let Some(ex) = line.strip_prefix("  {") {
            out.entry(section.clone())
                .or_default()
                .push(format!("{{{ex}"));
        }
    }
    out
}

#[test]
fn every_example_of_formats_is_read_by_its_command() {
    let ex = examples();
    assert_eq!(
        ex.keys().collect::<Vec<_>>(),
        ["COMMAND", "GOLD", "PAIRS", "PREDICTIONS"]
    );
    // Gold: the example is the built-in gold's first claim.
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(repo().join("gold/000.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ex["GOLD"][0]).unwrap(),
        first
    );

    // Predictions: score reads it (strictly: no unknown field) as one false alarm in document 000.
    let r = cb([
        "score",
        "--matcher",
        "exact",
        "--bootstrap",
        "0",
        "--strict",
        "--json",
        "--pred",
        "-",
    ])
    .stdin(format!("{}\n", ex["PREDICTIONS"][0]))
    .run();
    let v = r.ok().json();
    assert_eq!(counts(&v["systems"]["stdin"]), (0, 1, 260), "{v}");

    // Pairs: calibrate reads it (one labelled pair).
    let t = tmp();
    let pairs = t.path().join("pairs.jsonl");
    write(&pairs, format!("{}\n", ex["PAIRS"][0]));
    let r = cb(["calibrate", "--matcher", "token-f1", "--json", "--pairs"])
        .arg_path(&pairs)
        .run();
    let f = r.ok().json();
    assert_eq!(
        (f["pairs"].as_u64(), f["positives"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(f["groups"][1]["group"], "paraphrase");

    // Command: the input is an object with doc and text; a program printing the output example is read for every
    // article, none failing.
    let [input, output] = &ex["COMMAND"][..] else {
        panic!("two command examples: {:?}", ex["COMMAND"])
    };
    let input: Value = serde_json::from_str(input).unwrap();
    assert!(input["doc"].is_string() && input["text"].is_string());
    let claims = t.path().join("claims.jsonl");
    write(&claims, format!("{output}\n"));
    let run = t.path().join("run");
    cb(["eval", "--matcher", "exact", "--bootstrap", "0", "--out"])
        .arg_path(&run)
        .arg("--extractor")
        .arg(format!("x=command:cat '{}'", claims.display()))
        .run()
        .ok();
    let v = read_json(&run.join("run.json"));
    let system = &v["systems"]["x"];
    assert_eq!(system["skipped"], Value::Array(vec![]), "{v}");
    assert_eq!(counts(system).1, 5, "one claim per article: {v}");
}
