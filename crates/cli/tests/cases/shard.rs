//! Sharded scoring and `merge` (issue 17): the merged run is byte-identical to a single run for N = 1, 3 and 8,
//! reruns keep valid parts, and every bad set of parts is refused with exit 3 and a message naming the problem.

use std::path::{Path, PathBuf};

use crate::common::*;

/// The synthetic gold set of `tests/data/shard` (24 documents; shards of 3 and 8 all have documents).
fn gold() -> PathBuf {
    data("shard/gold")
}

/// Its predictions (480 lines).
fn preds() -> PathBuf {
    data("shard/predictions.jsonl")
}

/// `score` of the shard data with the test settings (two systems: the file twice), plus `extra`.
fn score(extra: &[&str]) -> Cb {
    score_with("token-f1", extra)
}

/// [`score`] with another matcher.
fn score_with(matcher: &str, extra: &[&str]) -> Cb {
    cb(["score", "--pred"])
        .arg_path(&preds())
        .arg("--pred")
        .arg_path(&preds())
        .arg("--gold")
        .arg_path(&gold())
        .args(["--matcher", matcher, "--bootstrap", "200"])
        .args(extra)
}

/// Score every shard of `n` into `<t>/parts-<n>`, returning that directory.
fn shards(t: &Path, n: u32, extra: &[&str]) -> PathBuf {
    let dir = t.join(format!("parts-{n}"));
    for i in 0..n {
        score(extra)
            .args(["--shard", &format!("{i}/{n}"), "--out"])
            .arg_path(&dir)
            .run()
            .ok()
            .stdout_has(&format!("shard {i}/{n}:"));
    }
    dir
}

fn part(dir: &Path, i: u32, n: u32) -> PathBuf {
    dir.join(format!("shard-{i:05}-of-{n:05}.json"))
}

fn merge(parts: &[&Path], out: &Path) -> Ran {
    let mut c = cb(["merge"]);
    for p in parts {
        c = c.arg_path(p);
    }
    c.arg("--out").arg_path(out).run()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn merged_run_is_byte_identical_to_a_single_run_for_1_3_and_8_shards() {
    let t = tmp();
    let single = t.path().join("single");
    score(&["--out"]).arg_path(&single).run().ok();
    let run_json = read(&single.join("run.json"));
    let v: serde_json::Value = serde_json::from_slice(&run_json).expect("run.json");
    assert_eq!(
        v["systems"]["predictions"]["results"]["documents_scored"],
        24
    );
    assert_eq!(v["systems"]["predictions"]["results"]["micro"]["pred"], 480);
    for n in [1u32, 3, 8] {
        let parts = shards(t.path(), n, &[]);
        let merged = t.path().join(format!("merged-{n}"));
        merge(&[&parts], &merged)
            .ok()
            .stdout_has(&format!("merged {n} shards (24 documents)"));
        assert!(
            read(&merged.join("run.json")) == run_json,
            "N = {n}: merged run.json differs from the single run's"
        );
        for sys in ["predictions", "predictions-2"] {
            let p = format!("predictions/{sys}.jsonl");
            assert!(
                read(&merged.join(&p)) == read(&single.join(&p)),
                "N = {n}: merged {p} differs"
            );
        }
    }
    // compare and gate read a merged run like any other.
    let merged = t.path().join("merged-3");
    let g = cb(["gate", "--run"])
        .arg_path(&merged)
        .arg("--baseline")
        .arg_path(&single)
        .args(["--permutations", "200", "--json"])
        .run();
    g.ok();
    let c = cb(["compare"])
        .arg_path(&single)
        .arg_path(&merged)
        .args(["--permutations", "200"])
        .run();
    c.ok().stdout_has("predictions");
}

/// Environment variables to set.
type Vars = &'static [(&'static str, &'static str)];

#[test]
fn shard_from_env_reads_each_scheduler() {
    let t = tmp();
    let schedulers: [(Vars, &[&str]); 4] = [
        (
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            &[],
        ),
        (&[("JOB_COMPLETION_INDEX", "1")], &["--num-shards", "3"]),
        (
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
            ],
            &[],
        ),
        (&[("BATCH_TASK_INDEX", "1"), ("BATCH_TASK_COUNT", "3")], &[]),
    ];
    let mut bytes = Vec::new();
    for (k, (vars, extra)) in schedulers.iter().enumerate() {
        let dir = t.path().join(format!("env-{k}"));
        let mut c = score(&["--shard-from-env"])
            .args(*extra)
            .arg("--out")
            .arg_path(&dir);
        for (name, value) in *vars {
            c = c.env(name, value);
        }
        let r = c.arg("--json").run();
        let j = r.ok().json();
        assert_eq!(j["shard"], "1/3");
        assert_eq!(j["documents"], 5);
        assert_eq!(j["kept_existing"], false);
        bytes.push(read(&part(&dir, 1, 3)));
    }
    assert!(
        bytes.iter().all(|b| *b == bytes[0]),
        "parts differ by scheduler"
    );
    // None set, or inconsistent: exit 2 with the reason.
    let none = score(&["--shard-from-env", "--out"]).arg_path(&t.path().join("none"));
    none.run()
        .code(2)
        .stderr_has("--shard-from-env: none of SLURM_ARRAY_TASK_ID");
    score(&["--shard-from-env", "--out"])
        .arg_path(&t.path().join("bad"))
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .run()
        .code(2)
        .stderr_has(
            "SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=3: shard index 3 is not below N = 3",
        );
    score(&["--shard-from-env", "--out"])
        .arg_path(&t.path().join("k8s"))
        .env("JOB_COMPLETION_INDEX", "0")
        .run()
        .code(2)
        .stderr_has("JOB_COMPLETION_INDEX is set but N is not: give --num-shards N");
    score(&["--shard", "3/3", "--out"])
        .arg_path(&t.path().join("x"))
        .run()
        .code(2)
        .stderr_has("--shard: shard index 3 is not below N = 3");
    score(&["--shard", "0/3"])
        .run()
        .code(2)
        .stderr_has("--shard writes a part: give --out DIR");
}

#[test]
fn a_rerun_keeps_a_valid_part_and_redoes_a_stale_or_damaged_one() {
    let t = tmp();
    let dir = t.path().join("parts");
    let run = |extra: &[&str]| {
        score(extra)
            .args(["--shard", "2/3", "--json", "--out"])
            .arg_path(&dir)
            .run()
    };
    assert_eq!(run(&[]).ok().json()["kept_existing"], false);
    let first = read(&part(&dir, 2, 3));
    assert_eq!(run(&[]).ok().json()["kept_existing"], true);
    assert!(read(&part(&dir, 2, 3)) == first);
    // Other settings: scored again, and the part says so.
    let r = run(&["--threshold", "0.9"]);
    assert_eq!(r.ok().json()["kept_existing"], false);
    r.stderr_has(
        "is stale (scored from other inputs or settings): scoring shard 2/3 again and replacing it",
    );
    assert!(read(&part(&dir, 2, 3)) != first);
    // Damaged: scored again.
    std::fs::write(part(&dir, 2, 3), &first[..first.len() / 2]).expect("truncate");
    let r = run(&[]);
    assert_eq!(r.ok().json()["kept_existing"], false);
    r.stderr_has("truncated after");
    assert!(read(&part(&dir, 2, 3)) == first);
}

/// Parts 0/3, 1/3, 2/3 in `<t>/parts-3`.
fn three(t: &Path) -> (PathBuf, [PathBuf; 3]) {
    let dir = shards(t, 3, &[]);
    let p = [part(&dir, 0, 3), part(&dir, 1, 3), part(&dir, 2, 3)];
    (dir, p)
}

#[test]
fn merge_refuses_missing_duplicated_and_truncated_parts() {
    let t = tmp();
    let (_, [p0, p1, p2]) = three(t.path());
    let out = t.path().join("out");
    merge(&[&p0, &p2], &out)
        .code(3)
        .stderr_has("merge refused: missing shard 1 of 3 (given: 0, 2)");
    let dup = t.path().join("copy-of-0.json");
    std::fs::copy(&p0, &dup).expect("copy");
    let r = merge(&[&p0, &p1, &p2, &dup], &out);
    r.code(3).stderr_has("shard 0/3 is given twice");
    assert!(r.error_line().contains("copy-of-0.json"), "{r}");
    // Cut short (a kill while copying it, a full disk): named with where it ends.
    let bytes = read(&p1);
    let cut = t.path().join("cut.json");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let r = merge(&[&p0, &cut, &p2], &out);
    r.code(3).stderr_has(&format!(
        "cut.json:1: truncated after {} bytes",
        bytes.len() * 2 / 3
    ));
    // No run was written by any refused merge.
    assert!(!out.join("run.json").exists());
    // A kill while a shard writes leaves only its temp file, which a directory merge does not pick up.
    let dir = t.path().join("parts-3");
    std::fs::write(dir.join(".claimbench-x.tmp"), b"{\"format\":").expect("write");
    merge(&[&dir], &out).ok();
}

#[test]
fn merge_refuses_parts_of_different_gold_sets_matchers_or_n() {
    let t = tmp();
    let (_, [p0, p1, _]) = three(t.path());
    let out = t.path().join("out");
    // Shard 2/3 with another matcher.
    let other = t.path().join("rouge");
    score_with("rouge-l", &["--shard", "2/3", "--out"])
        .arg_path(&other)
        .run()
        .ok();
    merge(&[&p0, &p1, &part(&other, 2, 3)], &out)
        .code(3)
        .stderr_has("are from different runs: field manifest.matcher is {\"name\":\"token-f1\"");
    // Shard 2/3 with another threshold.
    let thr = t.path().join("thr");
    score(&["--shard", "2/3", "--threshold", "0.9", "--out"])
        .arg_path(&thr)
        .run()
        .ok();
    merge(&[&p0, &p1, &part(&thr, 2, 3)], &out)
        .code(3)
        .stderr_has("field manifest.threshold is 0.5 in the first and 0.9 in the second");
    // Shard 2/3 against a gold set without document s00023 (and predictions without it).
    let g2 = t.path().join("gold2");
    for sub in ["seeds", "gold"] {
        std::fs::create_dir_all(g2.join(sub)).expect("mkdir");
        for e in std::fs::read_dir(gold().join(sub)).expect("ls").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with("s00023") {
                std::fs::copy(e.path(), g2.join(sub).join(&name)).expect("copy");
            }
        }
    }
    let text = std::fs::read_to_string(preds()).expect("preds");
    let p2 = t.path().join("predictions.jsonl");
    let kept: String = text
        .lines()
        .filter(|l| !l.contains("\"s00023\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&p2, kept).expect("write");
    let gd = t.path().join("gd");
    cb(["score", "--pred"])
        .arg_path(&p2)
        .arg("--pred")
        .arg_path(&p2)
        .arg("--gold")
        .arg_path(&g2)
        .args([
            "--matcher",
            "token-f1",
            "--bootstrap",
            "200",
            "--shard",
            "2/3",
            "--out",
        ])
        .arg_path(&gd)
        .run()
        .ok();
    merge(&[&p0, &p1, &part(&gd, 2, 3)], &out)
        .code(3)
        .stderr_has("are from different runs: field manifest.gold_hash is");
    // The same gold set under another path: run.json would record another label.
    let label = t.path().join("label");
    cb(["score", "--pred"])
        .arg_path(&preds())
        .arg("--pred")
        .arg_path(&preds())
        .arg("--gold")
        .arg_path(&gold().join("."))
        .args([
            "--matcher",
            "token-f1",
            "--bootstrap",
            "200",
            "--shard",
            "2/3",
            "--out",
        ])
        .arg_path(&label)
        .run()
        .ok();
    merge(&[&p0, &p1, &part(&label, 2, 3)], &out)
        .code(3)
        .stderr_has("field gold is")
        .stderr_has("give every shard the same path");
    // N changed between parts: 0/3 and 1/3 with the shards of 8.
    let eight = shards(t.path(), 8, &[]);
    let r = merge(&[&p0, &p1, &part(&eight, 2, 8)], &out);
    r.code(3).stderr_has("N changed between parts");
    assert!(
        r.error_line()
            .contains("shard-00002-of-00008.json is shard 2/8"),
        "{r}"
    );
    assert!(!out.join("run.json").exists());
}

#[test]
fn merge_refuses_a_part_whose_documents_are_not_its_shards() {
    let t = tmp();
    let (_, [p0, p1, p2]) = three(t.path());
    let out = t.path().join("out");
    // A part edited to lose one document.
    let mut v: serde_json::Value = serde_json::from_slice(&read(&p1)).expect("part");
    let docs = v["documents"].as_array_mut().expect("documents");
    let dropped = docs.remove(0);
    std::fs::write(&p1, serde_json::to_vec(&v).expect("json")).expect("write");
    let r = merge(&[&p0, &p1, &p2], &out);
    r.code(3)
        .stderr_has("field documents: shard 1/3 should hold");
    assert!(
        r.error_line().contains(&format!("lacking [{dropped}]")),
        "{r}"
    );
}

#[test]
fn sharded_eval_merges_to_the_single_eval_byte_for_byte() {
    ensure_model();
    let t = tmp();
    let eval = |name: &str, extra: &[&str]| {
        cb(["eval", "--matcher", "token-f1", "--gold"])
            .arg_path(&gold())
            .arg("--runs-dir")
            .arg_path(t.path())
            .args(["--name", name])
            .args(extra)
            .run()
    };
    eval("single", &[]).ok();
    for i in 0..3 {
        eval("parts", &["--shard", &format!("{i}/3")])
            .ok()
            .stdout_has(&format!("shard {i}/3:"));
    }
    let merged = t.path().join("merged");
    merge(&[&t.path().join("parts")], &merged).ok();
    let single = t.path().join("single");
    let v: serde_json::Value =
        serde_json::from_slice(&read(&single.join("run.json"))).expect("run.json");
    let systems: Vec<&String> = v["systems"].as_object().expect("systems").keys().collect();
    assert_eq!(systems, ["clauses", "minilm-worthy", "sentences"]);
    assert!(
        v["systems"]["sentences"]["results"]["groundedness"]["scored"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "no groundedness in the eval run"
    );
    assert!(
        read(&merged.join("run.json")) == read(&single.join("run.json")),
        "merged eval run.json differs from the single eval's"
    );
    for sys in ["clauses", "minilm-worthy", "sentences"] {
        let p = format!("predictions/{sys}.jsonl");
        assert!(
            read(&merged.join(&p)) == read(&single.join(&p)),
            "{p} differs"
        );
    }
    cb([
        "eval",
        "--matcher",
        "token-f1",
        "--shard",
        "0/3",
        "--runs-dir",
    ])
    .arg_path(t.path())
    .run()
    .code(2)
    .stderr_has("--shard: give --name NAME");
}

#[test]
fn empty_shards_merge_too() {
    // The built-in gold's five documents in 8 shards: shards 0, 4, 5 and 6 hold none.
    let t = tmp();
    let run = |extra: &[&str]| {
        cb(["score", "--pred"])
            .arg_path(&data("preds_small.jsonl"))
            .args(["--matcher", "exact", "--bootstrap", "100"])
            .args(extra)
            .run()
    };
    let single = t.path().join("single");
    run(&["--out", &single.to_string_lossy()]).ok();
    let parts = t.path().join("parts");
    let mut documents = Vec::new();
    for i in 0..8 {
        let j = run(&[
            "--shard",
            &format!("{i}/8"),
            "--json",
            "--out",
            &parts.to_string_lossy(),
        ]);
        documents.push(j.ok().json()["documents"].as_u64().expect("documents"));
    }
    assert_eq!(documents, [0, 1, 1, 1, 0, 0, 0, 2]);
    let merged = t.path().join("merged");
    merge(&[&parts], &merged)
        .ok()
        .stdout_has("merged 8 shards (5 documents)");
    assert!(read(&merged.join("run.json")) == read(&single.join("run.json")));
}

#[test]
fn embedding_matcher_shards_merge_byte_for_byte() {
    // The model path: embedded chunks, cosine matrices and groundedness per shard.
    ensure_model();
    let t = tmp();
    let single = t.path().join("single");
    score_with("cosine", &["--out"])
        .arg_path(&single)
        .run()
        .ok();
    let dir = t.path().join("parts");
    for i in 0..3 {
        score_with("cosine", &["--shard", &format!("{i}/3"), "--out"])
            .arg_path(&dir)
            .run()
            .ok();
    }
    let merged = t.path().join("merged");
    merge(&[&dir], &merged).ok();
    let run_json = read(&single.join("run.json"));
    let v: serde_json::Value = serde_json::from_slice(&run_json).expect("run.json");
    assert_eq!(
        v["systems"]["predictions"]["results"]["groundedness"]["scored"],
        480
    );
    assert!(read(&merged.join("run.json")) == run_json);
}

/// A `command:` extractor script printing one claim per article, `version` in its text.
fn write_script(path: &Path, version: &str) {
    write(
        path,
        format!("cat >/dev/null\necho '{{\"text\": \"The claim of version {version}.\"}}'\n"),
    );
}

/// `eval` of the shard data's gold with only `mine=command:sh SCRIPT`, shard `i` of 2, into `<runs>/<name>`.
fn eval_command_shard(runs: &Path, name: &str, script: &Path, i: u32, extra: &[&str]) -> Ran {
    cb([
        "eval",
        "--matcher",
        "token-f1",
        "--bootstrap",
        "200",
        "--json",
        "--gold",
    ])
    .arg_path(&gold())
    .arg("--extractor")
    .arg(format!("mine=command:sh {}", script.display()))
    .arg("--runs-dir")
    .arg_path(runs)
    .args(["--name", name, "--shard", &format!("{i}/2")])
    .args(extra)
    .run()
}

#[test]
fn an_edited_command_extractor_is_scored_again_and_a_merge_of_both_versions_is_refused() {
    // Issue 35: shard 0 was kept ("already done") after the script changed, and merge mixed both versions.
    let t = tmp();
    let script = t.path().join("x.sh");
    write_script(&script, "one");
    let runs = t.path().join("runs");
    let r = eval_command_shard(&runs, "parts", &script, 0, &[]);
    assert_eq!(r.ok().json()["kept_existing"], false);
    let v1 = read(&part(&runs.join("parts"), 0, 2));
    // The same script again: kept; with --force: scored again (the same bytes).
    assert_eq!(
        eval_command_shard(&runs, "parts", &script, 0, &[])
            .ok()
            .json()["kept_existing"],
        true
    );
    assert_eq!(
        eval_command_shard(&runs, "parts", &script, 0, &["--force"])
            .ok()
            .json()["kept_existing"],
        false
    );
    assert!(read(&part(&runs.join("parts"), 0, 2)) == v1);
    // Shard 1 with version one, then the script is edited: a merge of the parts of both versions is refused.
    eval_command_shard(&runs, "parts", &script, 1, &[]).ok();
    let mixed = t.path().join("mixed");
    std::fs::copy(part(&runs.join("parts"), 0, 2), t.path().join("old-0.json")).expect("copy");
    write_script(&script, "two");
    let r = eval_command_shard(&runs, "parts", &script, 0, &[]);
    assert_eq!(r.ok().json()["kept_existing"], false);
    r.stderr_has("is stale (scored from other predictions of mine): scoring shard 0/2 again and replacing it");
    let v2 = read(&part(&runs.join("parts"), 0, 2));
    assert!(v2 != v1);
    assert!(String::from_utf8_lossy(&v2).contains("version two"));
    merge(
        &[
            &part(&runs.join("parts"), 0, 2),
            &part(&runs.join("parts"), 1, 2),
        ],
        &mixed,
    )
    .code(3)
    .stderr_has(
        "field systems.mine.extractor_sha256 differs (the extractor changed between shards",
    );
    // Shard 1 rerun with version two: the merge goes through, and holds version two only.
    assert_eq!(
        eval_command_shard(&runs, "parts", &script, 1, &[])
            .ok()
            .json()["kept_existing"],
        false
    );
    let merged = t.path().join("merged");
    merge(&[&runs.join("parts")], &merged).ok();
    let preds = String::from_utf8(read(&merged.join("predictions/mine.jsonl"))).expect("utf-8");
    assert_eq!(preds.lines().count(), 24);
    assert!(preds.lines().all(|l| l.contains("version two")), "{preds}");
    // The old shard 0 with the new shard 1: refused too.
    merge(
        &[
            &t.path().join("old-0.json"),
            &part(&runs.join("parts"), 1, 2),
        ],
        &t.path().join("mixed2"),
    )
    .code(3)
    .stderr_has("extractor_sha256 differs");
}

#[test]
fn default_matcher_shards_merge_byte_for_byte() {
    // The default matcher (align): token vectors, guards and its calibration per shard.
    ensure_model();
    let t = tmp();
    let single = t.path().join("single");
    score_with("align", &["--out"]).arg_path(&single).run().ok();
    let dir = t.path().join("parts");
    for i in 0..3 {
        score_with("align", &["--shard", &format!("{i}/3"), "--out"])
            .arg_path(&dir)
            .run()
            .ok();
    }
    let merged = t.path().join("merged");
    merge(&[&dir], &merged).ok();
    let run_json = read(&single.join("run.json"));
    let v: serde_json::Value = serde_json::from_slice(&run_json).expect("run.json");
    assert_eq!(
        v["manifest"]["matcher"]["name"], "align",
        "{}",
        v["manifest"]
    );
    assert!(read(&merged.join("run.json")) == run_json);
}
