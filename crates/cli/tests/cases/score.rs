//! `claimbench score` on the fixtures, with the lexical matchers (no model needed).

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::common::*;

/// TP of `--matcher exact` re-derived from the fixture and the gold files: predictions equal to a gold claim of
/// their document after normalisation, each gold claim counted once.
fn expected_exact_tp(path: &std::path::Path) -> u64 {
    let gold = gold_texts();
    let mut used = BTreeSet::new();
    let mut tp = 0;
    for (doc, text) in read_preds(path) {
        let key = (doc.clone(), norm_exact(&text));
        if gold[&doc].iter().any(|g| norm_exact(g) == key.1) && used.insert(key) {
            tp += 1;
        }
    }
    tp
}

#[test]
fn exact_matcher_counts_the_verbatim_claims() {
    let pred = data("preds_small.jsonl");
    let r = cb(["score", "--pred"])
        .arg_path(&pred)
        .args(["--matcher", "exact", "--json"])
        .run();
    r.ok();
    let v = r.json();
    let sys = &v["systems"]["preds_small"];
    // 15 verbatim + 2 case/spacing variants; 33 predictions; 260 gold claims.
    assert_eq!(expected_exact_tp(&pred), 17);
    assert_eq!(counts(sys), (17, 16, 243), "{r}");
    let micro = &sys["results"]["micro"];
    assert_eq!(micro["pred"].as_u64(), Some(33));
    assert_eq!(micro["gold"].as_u64(), Some(260));
    let p = micro["rates"]["precision"].as_f64().unwrap();
    let f1 = micro["rates"]["f1"].as_f64().unwrap();
    assert!((p - 17.0 / 33.0).abs() < 1e-12, "{p}");
    assert!((f1 - 34.0 / (34.0 + 16.0 + 243.0)).abs() < 1e-12, "{f1}");
    // The repeated claim of document 001 is one duplicate, counted as a false alarm.
    assert_eq!(
        sys["results"]["errors"]["duplicates"].as_u64(),
        Some(1),
        "{r}"
    );
    assert_eq!(
        sys["results"]["errors"]["false_alarms"].as_u64(),
        Some(16),
        "{r}"
    );
    assert_eq!(v["manifest"]["matcher"]["name"].as_str(), Some("exact"));
    assert_eq!(v["leaderboard"].as_array().map(Vec::len), Some(1));
}

#[test]
fn table_output_shows_the_figures() {
    let r = cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", "exact"])
        .run();
    r.ok()
        .stdout_has("preds_small")
        .stdout_has("0.515") // precision 17/33
        .stdout_has("0.116") // F1 34/293
        .stdout_has("1 duplicates");
}

#[test]
fn every_gold_claim_verbatim_scores_one() {
    let pred = data("preds_gold.jsonl");
    assert_eq!(read_preds(&pred).len(), 260);
    let r = cb(["score", "--pred"])
        .arg_path(&pred)
        .args(["--matcher", "exact", "--json", "--no-intervals"])
        .run();
    r.ok();
    let v = r.json();
    let sys = &v["systems"]["preds_gold"];
    assert_eq!(counts(sys), (260, 0, 0), "{r}");
    assert_eq!(sys["results"]["micro"]["rates"]["f1"].as_f64(), Some(1.0));
    assert!(
        sys["results"]["micro"]["intervals"].is_null(),
        "--no-intervals still computed intervals:{r}"
    );
}

#[test]
fn token_f1_also_matches_the_word_dropped_claims() {
    let pred = data("preds_small.jsonl");
    let r = cb(["score", "--pred"])
        .arg_path(&pred)
        .args(["--matcher", "token-f1", "--json"])
        .run();
    r.ok();
    let (tp, fp, fn_) = counts(&r.json()["systems"]["preds_small"]);
    // 17 exact matches plus the 5 claims with one word dropped (token F1 > 0.9 with their gold claim);
    // the junk claims share no content words with the gold.
    assert!(tp >= 22, "tp {tp}:{r}");
    assert_eq!(tp + fp, 33);
    assert_eq!(tp + fn_, 260);
}

#[test]
fn out_writes_a_complete_run() {
    let t = tmp();
    let out = t.path().join("run");
    let pred = data("preds_small.jsonl");
    cb(["score", "--pred"])
        .arg_path(&pred)
        .args(["--matcher", "exact", "--out"])
        .arg_path(&out)
        .run()
        .ok()
        .stdout_has("run saved in");
    let run = read_json(&out.join("run.json"));
    assert_eq!(run["format"].as_u64(), Some(1));
    assert_eq!(run["gold"].as_str(), Some("builtin"));
    let sys = &run["systems"]["preds_small"];
    assert_eq!(counts(sys), (17, 16, 243));
    // The sweep covers the threshold range; at threshold 0 every prediction can match (one-to-one).
    let sweep = sys["sweep"].as_array().expect("sweep");
    assert!(sweep.len() >= 2);
    // Predictions saved, in the predictions format, and their hash recorded.
    let rel = sys["predictions"].as_str().unwrap();
    let saved = out.join(rel);
    assert_eq!(read_preds(&saved), read_preds(&pred));
    let sha = hex::encode(Sha256::digest(std::fs::read(&saved).unwrap()));
    assert_eq!(sys["predictions_sha256"].as_str(), Some(sha.as_str()));
    let timings = read_json(&out.join("timings.json"));
    assert!(timings["total_s"].as_f64().unwrap() >= 0.0);
    assert!(timings["systems"]["preds_small"].is_object());
    // No temp files left behind.
    for e in walk(&out) {
        assert!(
            !e.to_string_lossy().ends_with(".tmp"),
            "left over: {}",
            e.display()
        );
    }
}

#[test]
fn documents_interleaved_in_the_file_score_as_when_grouped() {
    // Claims are read back one document at a time from the file: the order of documents in the file must not
    // matter, only the order of each document's own lines (which fixes prediction indices).
    let t = tmp();
    let grouped = data("preds_small.jsonl");
    let text = std::fs::read_to_string(&grouped).unwrap();
    let mut by_doc: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let doc = serde_json::from_str::<serde_json::Value>(line).unwrap()["doc"]
            .as_str()
            .unwrap()
            .to_string();
        match by_doc.iter_mut().find(|(d, _)| *d == doc) {
            Some((_, lines)) => lines.push(line),
            None => by_doc.push((doc, vec![line])),
        }
    }
    assert!(by_doc.len() >= 3, "fixture spans several documents");
    // Round-robin over the documents, last document first, with blank lines between rounds.
    let mut interleaved = String::new();
    let longest = by_doc.iter().map(|(_, l)| l.len()).max().unwrap();
    for i in 0..longest {
        for (_, lines) in by_doc.iter().rev() {
            if let Some(l) = lines.get(i) {
                interleaved.push_str(l);
                interleaved.push('\n');
            }
        }
        interleaved.push('\n');
    }
    let mixed = t.path().join("preds_small.jsonl");
    write(&mixed, &interleaved);
    let score = |p: &std::path::Path| {
        let r = cb(["score", "--pred"])
            .arg_path(p)
            .args(["--matcher", "token-f1", "--json"])
            .run();
        r.ok();
        r.json()["systems"]["preds_small"].clone()
    };
    let (a, b) = (score(&grouped), score(&mixed));
    assert!(counts(&a).0 >= 22, "{a}");
    assert_eq!(a["results"], b["results"]);
}

#[test]
fn several_files_are_several_systems() {
    let r = cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .arg("--pred")
        .arg_path(&data("preds_worse.jsonl"))
        .args(["--matcher", "exact", "--json", "--no-intervals"])
        .run();
    r.ok();
    let v = r.json();
    assert_eq!(counts(&v["systems"]["preds_small"]), (17, 16, 243));
    assert_eq!(counts(&v["systems"]["preds_worse"]), (5, 20, 255));
}

#[test]
fn unknown_matcher_is_a_usage_error() {
    let r = cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", "exactly"])
        .run();
    r.code(2);
    assert!(r.error_line().contains("--matcher"), "{r}");
}

#[test]
fn missing_predictions_file_names_it() {
    let r = cb([
        "score",
        "--pred",
        "no-such-file.jsonl",
        "--matcher",
        "exact",
    ])
    .run();
    r.code(2);
    assert!(r.error_line().contains("no-such-file.jsonl"), "{r}");
    assert_eq!(r.stderr.lines().count(), 1, "more than one line:{r}");
}

#[test]
fn compare_two_runs() {
    let t = tmp();
    let (a, b) = (t.path().join("gold-run"), t.path().join("worse-run"));
    cb(["score", "--pred"])
        .arg_path(&data("preds_gold.jsonl"))
        .args(["--matcher", "exact", "--out"])
        .arg_path(&a)
        .run()
        .ok();
    cb(["score", "--pred"])
        .arg_path(&data("preds_worse.jsonl"))
        .args(["--matcher", "exact", "--out"])
        .arg_path(&b)
        .run()
        .ok();
    let r = cb(["compare"])
        .arg_path(&a)
        .arg_path(&b)
        .args(["--permutations", "2000", "--json"])
        .run();
    r.ok();
    let v = r.json();
    assert_eq!(v["systems"].as_array().map(Vec::len), Some(2), "{r}");
    let pairs = v["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 1);
    let c = &pairs[0]["comparison"];
    let delta = c["delta"].as_f64().expect("delta");
    // F1 1.0 against 10/285.
    assert!(
        (delta - (1.0 - 10.0 / 285.0)).abs() < 1e-9,
        "delta {delta}:{r}"
    );
    assert!(c["p_randomization"].as_f64().unwrap() < 0.05, "{r}");
    assert_eq!(pairs[0]["verdict"].as_str(), Some("A better"));
    // The table form names both runs.
    cb(["compare"])
        .arg_path(&a)
        .arg_path(&b)
        .args(["--permutations", "2000"])
        .run()
        .ok()
        .stdout_has("gold-run/preds_gold")
        .stdout_has("worse-run/preds_worse")
        .stdout_has("A better");
}

#[test]
fn compare_needs_two_systems() {
    let t = tmp();
    let a = t.path().join("a");
    cb(["score", "--pred"])
        .arg_path(&data("preds_gold.jsonl"))
        .args(["--matcher", "exact", "--out"])
        .arg_path(&a)
        .run()
        .ok();
    let r = cb(["compare"]).arg_path(&a).run();
    r.code(2);
    r.error_line();
}

#[test]
fn report_writes_self_contained_html() {
    let t = tmp();
    let run = t.path().join("run");
    cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", "exact", "--out"])
        .arg_path(&run)
        .run()
        .ok();
    let html_path = t.path().join("report.html");
    cb(["report"])
        .arg_path(&run)
        .arg("--html")
        .arg_path(&html_path)
        .run()
        .ok();
    let html = std::fs::read_to_string(&html_path).expect("report written");
    assert!(
        html.to_lowercase().starts_with("<!doctype html"),
        "{}",
        &html[..200.min(html.len())]
    );
    assert!(html.contains("<svg"), "no SVG chart");
    assert!(html.contains("preds_small"), "no leaderboard row");
    // Every article is there, with a gold claim and the junk false alarm.
    assert!(html.contains("A local bakery introduced a new kind of sourdough bread."));
    assert!(html.contains("Rex Tillerson and Sergey Lavrov held talks in Moscow on Wednesday."));
    // Self-contained: nothing fetched from elsewhere.
    for bad in ["src=\"http", "href=\"http", "src='http", "@import"] {
        assert!(!html.contains(bad), "external reference {bad}");
    }
}

#[test]
fn fixtures_are_in_sync_with_the_gold() {
    // Every verbatim line of preds_gold is a gold claim of its document, and all of them are there.
    let gold = gold_texts();
    let preds = read_preds(&data("preds_gold.jsonl"));
    let flat: Vec<(String, String)> = gold
        .iter()
        .flat_map(|(d, ts)| ts.iter().map(move |t| (d.clone(), t.clone())))
        .collect();
    assert_eq!(preds, flat, "rerun crates/cli/tests/data/make_fixtures.py");
    // When python3 is there, the generator agrees byte for byte.
    if let Ok(out) = std::process::Command::new("python3")
        .arg(data("make_fixtures.py"))
        .arg("--check")
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_matcher_params_file_is_checked_before_scoring_and_named_in_its_errors() {
    let params = repo().join("crates/matcher/weights/candidates/align-a.json");
    // a matcher that reads no parameters
    let r = cb(["score", "--matcher", "exact", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher-params"])
        .arg_path(&params)
        .run();
    r.code(2);
    assert!(
        r.error_line().contains("align-a.json")
            && r.error_line().contains("only the align and cover"),
        "{r}"
    );
    // a file that is not parameters, and one that does not exist
    let t = tmp();
    let bad = t.path().join("bad.json");
    std::fs::write(&bad, "{\"bias\": 1.0}").unwrap();
    for file in [bad, t.path().join("missing.json")] {
        let r = cb(["score", "--matcher", "align", "--pred"])
            .arg_path(&data("preds_small.jsonl"))
            .args(["--matcher-params"])
            .arg_path(&file)
            .run();
        r.code(2);
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(r.error_line().contains(name), "{r}");
    }
    // cover needs a direction threshold: align's file is refused for it
    let r = cb(["score", "--matcher", "cover", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher-params"])
        .arg_path(&repo().join("crates/matcher/weights/align.json"))
        .run();
    r.code(2);
    assert!(r.error_line().contains("direction_threshold"), "{r}");
}

#[test]
fn the_default_matcher_is_blend_and_refuses_a_parameters_file() {
    // issue 33's fifth sets chose `blend` as the default (crates/matcher/CANDIDATES.md); a parameters file is
    // read by align and cover only, so without --matcher it is refused, naming the matcher in force.
    let r = cb(["score", "--json", "--no-intervals", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .run();
    r.ok();
    let v = r.json();
    assert_eq!(v["manifest"]["matcher"]["name"].as_str(), Some("blend"));
    assert!(
        v["systems"]["preds_small"]["results"]["packaging"].is_object(),
        "{v}"
    );
    let params = repo().join("crates/matcher/weights/candidates/align-a.json");
    let e = cb(["score", "--no-intervals", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher-params"])
        .arg_path(&params)
        .run();
    assert_eq!(e.code, Some(2), "{e}");
    assert!(e.error_line().contains("not blend"), "{e}");
}

#[test]
fn a_matcher_params_file_is_the_matcher_the_manifest_records() {
    let params = repo().join("crates/matcher/weights/candidates/align-a.json");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(&params).unwrap()))
    };
    let r = cb([
        "score",
        "--json",
        "--no-intervals",
        "--matcher",
        "align",
        "--pred",
    ])
    .arg_path(&data("preds_small.jsonl"))
    .args(["--matcher-params"])
    .arg_path(&params)
    .run();
    r.ok();
    let v = r.json();
    assert_eq!(v["manifest"]["matcher"]["name"].as_str(), Some("align"));
    assert_eq!(
        v["manifest"]["matcher"]["weights_sha256"].as_str(),
        Some(sha.as_str())
    );
    let builtin = cb([
        "score",
        "--json",
        "--no-intervals",
        "--matcher",
        "align",
        "--pred",
    ])
    .arg_path(&data("preds_small.jsonl"))
    .run();
    builtin.ok();
    assert_ne!(
        builtin.json()["manifest"]["matcher"]["weights_sha256"],
        v["manifest"]["matcher"]["weights_sha256"],
        "a run under other parameters is not comparable with the committed matcher's"
    );
}
