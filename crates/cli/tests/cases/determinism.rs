//! Determinism (issue 9): byte-identical `run.json` across two runs, across `RAYON_NUM_THREADS=1` and `2`, and
//! with the embedding cache cold, warm, corrupted or off.

use std::path::{Path, PathBuf};

use crate::common::*;

/// `score --out` into `<t>/<name>`, returning the bytes of its run.json.
fn score_run(t: &Path, name: &str, matcher: &str, env: &[(&str, &str)], extra: &[&str]) -> Vec<u8> {
    let out = t.join(name);
    let mut c = cb(["score", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .args(["--matcher", matcher, "--bootstrap", "200", "--out"])
        .arg_path(&out)
        .args(extra);
    for (k, v) in env {
        c = c.env(k, v);
    }
    c.run().ok();
    std::fs::read(out.join("run.json")).expect("run.json")
}

#[test]
fn lexical_runs_are_byte_identical_across_runs_and_threads() {
    let t = tmp();
    for matcher in ["exact", "token-f1", "rouge-l"] {
        let a = score_run(t.path(), &format!("{matcher}-a"), matcher, &[], &[]);
        let b = score_run(t.path(), &format!("{matcher}-b"), matcher, &[], &[]);
        let one = score_run(
            t.path(),
            &format!("{matcher}-1"),
            matcher,
            &[("RAYON_NUM_THREADS", "1")],
            &[],
        );
        let two = score_run(
            t.path(),
            &format!("{matcher}-2"),
            matcher,
            &[("RAYON_NUM_THREADS", "2")],
            &[],
        );
        assert!(a == b, "{matcher}: two runs differ");
        assert!(
            a == one && a == two,
            "{matcher}: RAYON_NUM_THREADS changes run.json"
        );
        // The --json output agrees too, but for the wall-clock `seconds` of the leaderboard rows.
        let j = |threads: &str| {
            let r = cb(["score", "--pred"])
                .arg_path(&data("preds_small.jsonl"))
                .args(["--matcher", matcher, "--bootstrap", "200", "--json"])
                .env("RAYON_NUM_THREADS", threads)
                .run();
            let mut v = r.json();
            for row in v["leaderboard"].as_array_mut().expect("leaderboard") {
                row.as_object_mut().expect("row").remove("seconds");
            }
            v.to_string()
        };
        assert_eq!(
            j("1"),
            j("2"),
            "{matcher}: --json differs across thread counts"
        );
    }
}

/// Every `.emb` file under `dir`.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "emb"))
        .collect()
}

#[test]
fn cosine_runs_agree_cold_and_warm_and_across_threads() {
    ensure_model();
    let t = tmp();
    let cache = t.path().join("cache");
    let c = cache.to_str().unwrap();
    let cold = score_run(
        t.path(),
        "cold",
        "cosine",
        &[("CLAIMBENCH_CACHE_DIR", c), ("RAYON_NUM_THREADS", "2")],
        &[],
    );
    let files = cache_files(&cache);
    assert!(
        files.len() >= 32 + 260,
        "the cold run cached {} vectors",
        files.len()
    );
    let warm = score_run(
        t.path(),
        "warm",
        "cosine",
        &[("CLAIMBENCH_CACHE_DIR", c), ("RAYON_NUM_THREADS", "1")],
        &[],
    );
    assert!(cold == warm, "a warm cache (and 1 thread) changes run.json");
}

/// A cache that holds only some of the vectors (a killed run, an earlier run on other predictions) or corrupted
/// files, and no cache at all, must give the same bytes as a cold cache: a vector may not depend on which other
/// texts were embedded in its batch.
#[test]
fn cosine_runs_agree_with_a_partial_or_corrupted_cache_and_without_one() {
    ensure_model();
    let t = tmp();
    let cache = t.path().join("cache");
    let c = cache.to_str().unwrap();
    let cold = score_run(
        t.path(),
        "cold",
        "cosine",
        &[("CLAIMBENCH_CACHE_DIR", c)],
        &[],
    );
    let off = score_run(t.path(), "off", "cosine", &[], &["--no-cache"]);
    // Truncate a third of the files, flip a byte in another third: they must be recomputed, never trusted.
    for (i, f) in cache_files(&cache).iter().enumerate() {
        let mut b = std::fs::read(f).unwrap();
        match i % 3 {
            0 => b.truncate(b.len() / 2),
            1 => {
                let mid = b.len() / 2;
                b[mid] ^= 0x40;
            }
            _ => continue,
        }
        std::fs::write(f, b).unwrap();
    }
    let corrupted = score_run(
        t.path(),
        "corrupted",
        "cosine",
        &[("CLAIMBENCH_CACHE_DIR", c)],
        &[],
    );
    let same = |a: &[u8], b: &[u8]| a == b;
    assert!(
        same(&cold, &off) && same(&cold, &corrupted),
        "run.json differs: cold vs --no-cache {}, cold vs partly corrupted cache {}",
        if same(&cold, &off) {
            "same"
        } else {
            "DIFFERENT"
        },
        if same(&cold, &corrupted) {
            "same"
        } else {
            "DIFFERENT"
        }
    );
}

/// Documents are embedded and scored in chunks; the chunk size changes which texts share a batch and when the
/// memo is dropped, never the bytes of run.json (pair matcher and groundedness, both read the memo).
#[test]
fn chunk_size_does_not_change_run_json() {
    ensure_model();
    let t = tmp();
    let whole = score_run(t.path(), "whole", "pair", &[], &["--no-cache"]);
    for n in ["1", "40"] {
        let chunked = score_run(
            t.path(),
            &format!("chunks-{n}"),
            "pair",
            &[],
            &["--no-cache", "--chunk-texts", n],
        );
        assert!(whole == chunked, "--chunk-texts {n} changes run.json");
    }
    let run: serde_json::Value = serde_json::from_slice(&whole).unwrap();
    let grounded = &run["systems"]["preds_small"]["results"]["groundedness"];
    assert!(grounded.is_object(), "groundedness was scored: {grounded}");
}
