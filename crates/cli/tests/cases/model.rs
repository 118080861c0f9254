//! Commands that run the embedding model: `embed`, `similarity`, `models list`, `score --matcher cosine` with a
//! claim of 20,000 tokens. Kept few and small: the model forward is the slow part of the suite.

use serde_json::Value;

use crate::common::*;

/// A claim of 20,000 words (each one token or more).
fn huge_claim() -> String {
    let words = [
        "apple",
        "violin",
        "quartz",
        "pancake",
        "glacier",
        "umbrella",
        "saxophone",
        "tulip",
    ];
    (0..20_000)
        .map(|i| words[i % words.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn models_list_shows_the_default_model() {
    ensure_model();
    let r = cb(["models", "list", "--json"]).run();
    r.ok().stdout_has("all-minilm-l6-v2");
}

#[test]
fn embed_truncates_and_counts_a_20000_token_claim() {
    ensure_model();
    let t = tmp();
    let f = t.path().join("texts.txt");
    write(
        &f,
        format!("A short claim.\n{}\nAnother short claim.\n", huge_claim()),
    );
    let r = cb(["embed", "--file"]).arg_path(&f).run();
    r.ok()
        .stderr_has("1 of 3 texts were longer than 256 tokens");
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSONL"))
        .collect();
    assert_eq!(lines.len(), 3, "{r}");
    for l in &lines {
        let v = l["embedding"].as_array().expect("embedding");
        assert_eq!(v.len(), 384);
        let norm: f64 = v
            .iter()
            .map(|x| x.as_f64().unwrap().powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "not normalised: {norm}");
    }
    assert_eq!(lines[0]["text"].as_str(), Some("A short claim."));
    // Input order kept: the same text embedded alone gives the same vector.
    let alone = cb(["embed", "A short claim."]).run();
    alone.ok();
    let a: Value = serde_json::from_str(alone.stdout.lines().next().unwrap()).unwrap();
    let (x, y) = (
        a["embedding"].as_array().unwrap(),
        lines[0]["embedding"].as_array().unwrap(),
    );
    let max_diff = x
        .iter()
        .zip(y)
        .map(|(p, q)| (p.as_f64().unwrap() - q.as_f64().unwrap()).abs())
        .fold(0.0, f64::max);
    assert!(max_diff < 1e-5, "batching changed a vector by {max_diff}");
}

#[test]
fn embed_rejects_invalid_utf8_with_the_byte_offset() {
    let t = tmp();
    let f = t.path().join("texts.txt");
    write(&f, b"fine\nbad \xC3\x28 here\n");
    let r = cb(["embed", "--file"]).arg_path(&f).run();
    r.code(2);
    let line = r.error_line();
    assert!(line.contains("texts.txt") && line.contains("byte 9"), "{r}");
}

#[test]
fn score_cosine_with_a_20000_token_claim() {
    ensure_model();
    let t = tmp();
    let p = t.path().join("huge.jsonl");
    let gold = gold_texts();
    let body = [
        serde_json::json!({"doc": "000", "text": huge_claim()}).to_string(),
        serde_json::json!({"doc": "001", "text": gold["001"][0]}).to_string(),
    ]
    .join("\n");
    write(&p, body);
    let out = t.path().join("run");
    let r = cb(["score", "--pred"])
        .arg_path(&p)
        .args([
            "--matcher",
            "cosine",
            "--bootstrap",
            "20",
            "--json",
            "--out",
        ])
        .arg_path(&out)
        .run();
    r.ok();
    let v = r.json();
    let s = &v["systems"]["huge"];
    let (tp, fp, fn_) = counts(s);
    // The verbatim claim matches (cosine 1); the huge one matches nothing.
    assert_eq!((tp, fp, fn_), (1, 1, 259), "{r}");
    let run = read_json(&out.join("run.json"));
    assert_eq!(
        run["systems"]["huge"]["truncated"].as_u64(),
        Some(1),
        "the truncated claim is not counted in run.json"
    );
}

#[test]
fn similarity_of_two_claims() {
    let r = cb([
        "similarity",
        "Putin met Tillerson.",
        "Putin met Tillerson!",
        "--matcher",
        "exact",
        "--json",
    ])
    .run();
    r.ok();
    let v = r.json();
    let d = if v.is_array() { v[0].clone() } else { v };
    assert_eq!(d["score"].as_f64(), Some(1.0), "{d}");
    assert_eq!(d["same"].as_bool(), Some(true));
}

#[test]
fn similarity_pairs_file_with_a_bad_line() {
    let t = tmp();
    let p = t.path().join("pairs.jsonl");
    write(
        &p,
        "{\"a\": \"x y\", \"b\": \"x y\"}\n{\"a\": \"only a\"}\n",
    );
    let r = cb(["similarity", "--pairs"])
        .arg_path(&p)
        .args(["--matcher", "token-f1"])
        .run();
    r.code(2);
    assert!(
        r.stderr.contains("pairs.jsonl:2") || r.stderr.contains("pairs.jsonl line 2"),
        "{r}"
    );
}
