//! Crash safety (issue 9): runs killed with SIGKILL at several points leave nothing a later command reads as
//! valid; the embedding cache survives kills (a later run gives byte-identical results).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::*;

/// After a kill, `dir` is either a complete run identical to `reference`, or not a run at all.
fn check_killed_run(dir: &Path, reference: &Path, what: &str) -> bool {
    let run = dir.join("run.json");
    if run.exists() {
        let (a, b) = (
            std::fs::read(&run).unwrap(),
            std::fs::read(reference.join("run.json")).unwrap(),
        );
        assert!(
            a == b,
            "{what}: a run.json exists but is not the complete one"
        );
        for p in walk(&reference.join("predictions")) {
            let rel = p.strip_prefix(reference).unwrap();
            assert_eq!(
                std::fs::read(dir.join(rel)).ok(),
                std::fs::read(&p).ok(),
                "{what}: {} differs",
                rel.display()
            );
        }
        cb(["compare"])
            .arg_path(dir)
            .arg_path(reference)
            .args(["--permutations", "100"])
            .run()
            .ok();
        return true;
    }
    // Not a run: every reader says so in one line, exit 2, and writes nothing.
    let html = dir.with_extension("html");
    let r = cb(["report"])
        .arg_path(dir)
        .arg("--html")
        .arg_path(&html)
        .run();
    r.code(2);
    assert!(r.error_line().contains("run.json"), "{what}:{r}");
    assert!(!html.exists(), "{what}: report wrote {}", html.display());
    let r = cb(["compare"]).arg_path(dir).arg_path(reference).run();
    r.code(2);
    assert!(r.error_line().contains("not a complete run"), "{what}:{r}");
    let r = cb(["gate", "--run"])
        .arg_path(dir)
        .args(["--min-f1", "0"])
        .run();
    r.code(2);
    // Whatever else is there is complete (written by rename) or a hidden temp file.
    for p in walk(dir) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if name == "timings.json" {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "{what}: torn timings.json"
            );
        } else {
            let rel = p.strip_prefix(dir).unwrap();
            assert_eq!(
                std::fs::read(&p).ok(),
                std::fs::read(reference.join(rel)).ok(),
                "{what}: torn {}",
                rel.display()
            );
        }
    }
    false
}

#[test]
fn score_killed_at_any_point_leaves_no_half_run() {
    let t = tmp();
    let gold_dir = t.path().join("gold");
    let gold = synth_gold(&gold_dir, 400, 8, 7);
    let preds = t.path().join("preds.jsonl");
    synth_preds(&preds, &gold, 100, 8);
    let reference = t.path().join("reference");
    let args = |out: &Path| {
        cb(["score", "--pred"])
            .arg_path(&preds)
            .arg("--gold")
            .arg_path(&gold_dir)
            .args(["--matcher", "token-f1", "--bootstrap", "100", "--out"])
            .arg_path(out)
    };
    let start = Instant::now();
    args(&reference).run().ok();
    let full = start.elapsed();
    let mut complete = 0;
    let mut incomplete = 0;
    for (i, frac) in [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95, 1.1]
        .iter()
        .enumerate()
    {
        let dir = t.path().join(format!("killed-{i}"));
        let mut child = args(&dir).spawn();
        std::thread::sleep(full.mul_f64(*frac));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if check_killed_run(
            &dir,
            &reference,
            &format!("killed after {:.0}% of a full run", frac * 100.0),
        ) {
            complete += 1;
        } else {
            incomplete += 1;
        }
    }
    // The early kills must have left incomplete runs (the check above proved they are not read as runs).
    assert!(
        incomplete >= 1,
        "no kill landed before the end ({complete} complete runs)"
    );
}

#[test]
fn embedding_cache_survives_kills() {
    ensure_model();
    let t = tmp();
    let mut rng = Rng::new(11);
    let texts: Vec<String> = (0..300)
        .map(|i| format!("{} Number {i}.", sentence(&mut rng, 8 + i % 10)))
        .collect();
    let file = t.path().join("texts.txt");
    write(&file, texts.join("\n") + "\n");
    let cache = t.path().join("cache");
    let start = Instant::now();
    let reference = cb(["embed", "--no-cache", "--file"]).arg_path(&file).run();
    reference.ok();
    let full = start.elapsed().max(Duration::from_millis(200));
    for frac in [0.3, 0.6, 0.9] {
        let mut child = cb(["embed", "--file"])
            .arg_path(&file)
            .env("CLAIMBENCH_CACHE_DIR", &cache)
            .spawn();
        std::thread::sleep(full.mul_f64(frac));
        let _ = child.kill();
        let _ = child.wait();
    }
    // Every vector file in the cache is whole (the same size); half-written ones would be shorter.
    let sizes: std::collections::BTreeSet<u64> = walk(&cache)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "emb"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .collect();
    assert!(sizes.len() <= 1, "cache files of several sizes: {sizes:?}");
    let again = cb(["embed", "--file"])
        .arg_path(&file)
        .env("CLAIMBENCH_CACHE_DIR", &cache)
        .run();
    again.ok();
    assert!(
        again.stdout == reference.stdout,
        "after kills, the cached run differs from the uncached one"
    );
    let warm = cb(["embed", "--file"])
        .arg_path(&file)
        .env("CLAIMBENCH_CACHE_DIR", &cache)
        .run();
    assert!(
        warm.stdout == reference.stdout,
        "a fully warm cache differs from the uncached run"
    );
}
