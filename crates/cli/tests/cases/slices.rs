//! `--by category|doc|check-worthy` and `--doc ID`: slice rows with intervals in the table, run.json, `compare`
//! and the report, on runs of the seeds (exact matcher, no model).

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// `score --matcher exact` of a fixture into `run`, with more arguments.
fn score(pred: &str, run: &Path, more: &[&str]) {
    cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data(pred))
        .arg("--out")
        .arg_path(run)
        .args(more)
        .run()
        .ok();
}

fn system<'a>(run: &'a Value, name: &str) -> &'a Value {
    &run["systems"][name]
}

/// (by, name, tp, fp, fn) of each slice row.
fn slice_counts(system: &Value) -> Vec<(String, String, u64, u64, u64)> {
    system["slices"]
        .as_array()
        .expect("a slices section")
        .iter()
        .map(|s| {
            (
                s["by"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
                s["counts"]["tp"].as_u64().unwrap(),
                s["counts"]["fp"].as_u64().unwrap(),
                s["counts"]["fn"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn by_doc_rows_sum_to_the_overall_counts_and_by_category_splits_the_gold() {
    let t = tmp();
    let run = t.path().join("run");
    score(
        "preds_small.jsonl",
        &run,
        &["--by", "doc,category", "--by", "check-worthy"],
    );
    let j = read_json(&run.join("run.json"));
    let s = system(&j, "preds_small");
    let rows = slice_counts(s);
    // preds_small under exact: TP 17, FP 16, FN 243 (make_fixtures.py).
    assert_eq!(counts(s), (17, 16, 243));
    let row = |by: &str, name: &str, c: (u64, u64, u64)| {
        (by.to_string(), name.to_string(), c.0, c.1, c.2)
    };
    assert_eq!(
        rows,
        [
            row("doc", "000", (4, 3, 39)),
            row("doc", "001", (3, 4, 28)),
            row("doc", "002", (3, 3, 47)),
            row("doc", "003", (4, 3, 57)),
            row("doc", "004", (3, 3, 72)),
            row("category", "background", (2, 0, 34)),
            row("category", "event", (7, 0, 65)),
            row("category", "position", (3, 0, 12)),
            row("category", "quantity", (0, 0, 20)),
            row("category", "statement", (5, 0, 112)),
            row("check-worthy", "no", (2, 0, 25)),
            row("check-worthy", "yes", (15, 0, 218)),
        ]
    );
    // The F1 intervals of two rows (seed 42, 1000 resamples: claims within document 000, documents for event).
    let f1_ci = |k: usize| {
        let i = &s["slices"][k]["intervals"]["f1"];
        (
            (f(&i["low"]) * 1000.0).round() / 1000.0,
            (f(&i["high"]) * 1000.0).round() / 1000.0,
        )
    };
    assert_eq!(f1_ci(0), (0.043, 0.281));
    assert_eq!(f1_ci(6), (0.108, 0.269));
    let docs: Vec<_> = rows.iter().filter(|r| r.0 == "doc").collect();
    assert_eq!(
        docs.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["000", "001", "002", "003", "004"]
    );
    let sum = |rows: &[&(String, String, u64, u64, u64)]| {
        rows.iter()
            .fold((0, 0, 0), |a, r| (a.0 + r.2, a.1 + r.3, a.2 + r.4))
    };
    assert_eq!(sum(&docs), (17, 16, 243));
    // Each doc row is that document's own result.
    for (k, d) in s["results"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert_eq!(d["doc"], docs[k].1.as_str());
        assert_eq!(
            (
                d["counts"]["tp"].as_u64(),
                d["counts"]["fp"].as_u64(),
                d["counts"]["fn"].as_u64()
            ),
            (Some(docs[k].2), Some(docs[k].3), Some(docs[k].4))
        );
    }
    // Categories and check-worthiness partition the gold claims; false alarms are in no such row.
    let cats: Vec<_> = rows.iter().filter(|r| r.0 == "category").collect();
    assert_eq!(sum(&cats), (17, 0, 243));
    let stored: Vec<(String, u64, u64)> = s["results"]["categories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v["matched"].as_u64().unwrap(),
                v["gold"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cats.iter()
            .map(|r| (r.1.clone(), r.2, r.2 + r.4))
            .collect::<Vec<_>>(),
        stored,
        "the category rows are the recall per category run.json already had"
    );
    let worthy: Vec<_> = rows.iter().filter(|r| r.0 == "check-worthy").collect();
    assert_eq!(
        worthy.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["no", "yes"]
    );
    assert_eq!(sum(&worthy), (17, 0, 243));
    let cw = &s["results"]["check_worthy"];
    assert_eq!(worthy[1].2, cw["matched"].as_u64().unwrap());
    assert_eq!(worthy[1].2 + worthy[1].4, cw["gold"].as_u64().unwrap());
    // Rows come in the order --by named them; every row has intervals around [0, 1] with low <= high.
    let order: Vec<&str> = s["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["by"].as_str().unwrap())
        .collect();
    assert_eq!(order.first(), Some(&"doc"));
    assert_eq!(order.last(), Some(&"check-worthy"));
    for r in s["slices"].as_array().unwrap() {
        for rate in ["precision", "recall", "f1"] {
            let i = &r["intervals"][rate];
            assert!(
                0.0 <= f(&i["low"]) && f(&i["low"]) <= f(&i["high"]) && f(&i["high"]) <= 1.0,
                "{r}"
            );
        }
        // A category row has no false alarms: precision 1 with a match.
        if r["by"] == "category" && r["counts"]["tp"].as_u64() > Some(0) {
            assert_eq!(f(&r["rates"]["precision"]), 1.0);
        }
    }
}

#[test]
fn doc_restricts_a_run_to_the_slice_of_that_document() {
    let t = tmp();
    let (all, one) = (t.path().join("all"), t.path().join("one"));
    score(
        "preds_small.jsonl",
        &all,
        &["--by", "doc", "--resample", "claims"],
    );
    let r = cb([
        "score",
        "--matcher",
        "exact",
        "--resample",
        "claims",
        "--pred",
    ])
    .arg_path(&data("preds_small.jsonl"))
    .args(["--doc", "001", "--out"])
    .arg_path(&one)
    .run();
    r.ok().stdout_has("|docs:001");
    let a = read_json(&all.join("run.json"));
    let o = read_json(&one.join("run.json"));
    assert_eq!(o["manifest"]["documents"], serde_json::json!(["001"]));
    assert!(a["manifest"].get("documents").is_none());
    let slice = a["systems"]["preds_small"]["slices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "001")
        .unwrap()
        .clone();
    let micro = &o["systems"]["preds_small"]["results"]["micro"];
    // The same counts, rates and (the same seeded bootstrap of the same claims) intervals.
    assert_eq!(micro["counts"], slice["counts"]);
    assert_eq!(micro["rates"], slice["rates"]);
    assert_eq!(micro["intervals"], slice["intervals"]);
    assert_eq!(micro["gold"], slice["gold"]);
    let docs = o["systems"]["preds_small"]["results"]["documents"]
        .as_array()
        .unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["doc"], "001");
    // Without --by, run.json has no slices section; the restricted run is read back by report and compare.
    assert!(o["systems"]["preds_small"].get("slices").is_none());
    cb(["report", "--json"]).arg_path(&one).run().ok();
    cb(["compare"]).arg_path(&one).arg_path(&one).run().ok();
}

#[test]
fn doc_that_names_no_document_is_an_error_listing_the_ids() {
    let t = tmp();
    let r = cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--doc", "001", "--doc", "009", "--out"])
        .arg_path(&t.path().join("run"))
        .run();
    r.code(2).stderr_has(
        "--doc 009: no such document in the gold set (its documents: 000, 001, 002, 003, 004)",
    );
    assert!(!t.path().join("run").exists());
    // A shard scores every document's share: --doc and --by are for whole runs.
    cb([
        "score",
        "--matcher",
        "exact",
        "--shard",
        "0/2",
        "--by",
        "doc",
        "--pred",
    ])
    .arg_path(&data("preds_small.jsonl"))
    .arg("--out")
    .arg_path(&t.path().join("parts"))
    .run()
    .code(2)
    .stderr_has("--by and --doc are for a whole run");
}

#[test]
fn by_rows_are_in_the_table_indented_and_run_json_is_byte_identical() {
    let t = tmp();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let args = ["--by", "category", "--seed", "7"];
    for run in [&a, &b] {
        score("preds_small.jsonl", run, &args);
    }
    let text = std::fs::read(a.join("run.json")).unwrap();
    assert_eq!(text, std::fs::read(b.join("run.json")).unwrap());
    let r = cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--by", "check-worthy"])
        .run();
    r.ok();
    let out = r.stdout.clone();
    let lines: Vec<&str> = out.lines().collect();
    let sys = lines
        .iter()
        .position(|l| l.trim_start().starts_with("preds_small"))
        .expect("the system's row");
    assert!(lines[sys + 1].contains("  check-worthy: no"), "{out}");
    assert!(lines[sys + 2].contains("  check-worthy: yes"), "{out}");
    // Aligned: the F1 interval ends in the same column on the system's row and its slice rows.
    let ends: Vec<usize> = (sys..sys + 3)
        .map(|k| lines[k].match_indices(']').nth(2).map(|(i, _)| i).unwrap())
        .collect();
    assert!(ends.windows(2).all(|w| w[0] == w[1]), "{out}");
}

#[test]
fn compare_by_doc_tests_each_document_with_the_paired_test() {
    let t = tmp();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    score("preds_small.jsonl", &a, &[]);
    cb([
        "score",
        "--matcher",
        "exact",
        "--name",
        "preds_small",
        "--pred",
    ])
    .arg_path(&data("preds_worse.jsonl"))
    .arg("--out")
    .arg_path(&b)
    .run()
    .ok();
    let r = cb(["compare", "--json", "--by", "doc,category"])
        .arg_path(&a)
        .arg_path(&b)
        .run();
    r.ok();
    let j = r.json();
    let pair = &j["slice_pairs"][0];
    assert_eq!(pair["a"], "a/preds_small");
    assert_eq!(pair["b"], "b/preds_small");
    let slices = pair["slices"].as_array().unwrap();
    // Each row's ΔF1 is the difference of the two systems' slice F1s (their rows in `systems`).
    let rows = j["systems"].as_array().unwrap();
    let f1_of = |k: usize, by: &str, name: &str| {
        rows[k]["slices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["by"] == by && s["name"] == name)
            .map(|s| f(&s["rates"]["f1"]))
            .unwrap()
    };
    assert_eq!(slices.iter().filter(|s| s["by"] == "doc").count(), 5);
    for s in slices {
        let (by, name) = (s["by"].as_str().unwrap(), s["name"].as_str().unwrap());
        let c = &s["comparison"];
        let want = f1_of(0, by, name) - f1_of(1, by, name);
        assert!((f(&c["delta"]) - want).abs() < 1e-12, "{s}");
        assert!(f(&c["interval"]["low"]) <= f(&c["interval"]["high"]), "{s}");
        assert!(0.0 < f(&c["p_randomization"]) && f(&c["p_randomization"]) <= 1.0);
        assert_eq!(c["config"]["unit"], "claims");
    }
    let text = cb(["compare", "--by", "doc"])
        .arg_path(&a)
        .arg_path(&b)
        .run();
    text.ok()
        .stdout_has("paired tests per slice")
        .stdout_has("doc: 004");
}

#[test]
fn report_has_a_slice_table() {
    let t = tmp();
    let run = t.path().join("run");
    score("preds_small.jsonl", &run, &[]);
    let html = t.path().join("r.html");
    cb(["report"])
        .arg_path(&run)
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<table class=\"slices\">"));
    assert!(page.contains("category: event"));
    assert!(page.contains("check-worthy: yes"));
    assert!(!page.contains("doc: 000"));
    cb(["report", "--by", "doc"])
        .arg_path(&run)
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("doc: 000"));
    assert!(!page.contains("category: event"));
}
