//! Issue 34: `--out` writes only what it owns, never an input; a replaced run stays whole through a kill at any
//! stage or a full disk; one writer at a time; run names never collide.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Names in `dir` that a killed writer may leave beside a run (`.NAME.claimbench-*`).
fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".claimbench-"))
        .collect()
}

fn score_into(pred: &Path, out: &Path) -> Cb {
    cb(["score", "--matcher", "exact", "--bootstrap", "50", "--pred"])
        .arg_path(pred)
        .arg("--out")
        .arg_path(out)
}

#[test]
fn out_never_deletes_a_users_files_nor_rewrites_the_input() {
    let t = tmp();
    let proj = t.path().join("proj");
    let a = proj.join("predictions/a.jsonl");
    std::fs::create_dir_all(proj.join("predictions")).unwrap();
    std::fs::copy(data("preds_small.jsonl"), &a).unwrap();
    // Not in claimbench's own format: a rewrite would change its bytes.
    let mut input = std::fs::read_to_string(&a).unwrap();
    input = input.replace("\"score\": 0.9", "\"score\":0.90");
    write(&a, &input);
    std::fs::copy(data("preds_gold.jsonl"), proj.join("predictions/b.jsonl")).unwrap();
    write(&proj.join("gold-copy/notes.txt"), "mine");
    let before = snapshot(&proj);

    let r = score_into(&a, &proj).run();
    r.code(2);
    let line = r.error_line();
    for name in ["predictions/b.jsonl", "gold-copy/notes.txt", "--force"] {
        assert!(line.contains(name), "the refusal does not name {name}:{r}");
    }
    assert_eq!(
        snapshot(&proj),
        before,
        "a refused write changed the folder"
    );

    // --force writes beside the user's files, but never over one: the run's copy of `a` would replace the input.
    let r = score_into(&a, &proj).arg("--force").run();
    r.code(2);
    assert!(r.error_line().contains("predictions/a.jsonl"), "{r}");
    assert_eq!(
        snapshot(&proj),
        before,
        "a refused write changed the folder"
    );

    score_into(&a, &proj)
        .args(["--force", "--name", "mine"])
        .run()
        .ok();
    let after = snapshot(&proj);
    for (rel, bytes) in &before {
        assert_eq!(after.get(rel), Some(bytes), "{rel} changed or went");
    }
    assert!(after.contains_key("run.json") && after.contains_key("predictions/mine.jsonl"));
    cb(["report", "--json"]).arg_path(&proj).run().ok();

    // A second forced run replaces the first one's files only.
    score_into(&a, &proj)
        .args(["--force", "--name", "other"])
        .run()
        .ok();
    let again = snapshot(&proj);
    assert!(
        !again.contains_key("predictions/mine.jsonl"),
        "the old run's copy stayed"
    );
    for (rel, bytes) in &before {
        assert_eq!(again.get(rel), Some(bytes), "{rel} changed or went");
    }
}

#[test]
fn a_run_of_claimbench_is_replaced_but_a_file_put_into_it_is_not_deleted() {
    let t = tmp();
    let run = t.path().join("run");
    score_into(&data("preds_small.jsonl"), &run).run().ok();
    score_into(&data("preds_gold.jsonl"), &run).run().ok();
    let names: Vec<String> = snapshot(&run).into_keys().collect();
    assert_eq!(
        names,
        [
            ".claimbench-run",
            "predictions/preds_gold.jsonl",
            "run.json",
            "timings.json"
        ]
    );
    write(&run.join("report.html"), "<html>mine</html>");
    let r = score_into(&data("preds_small.jsonl"), &run).run();
    r.code(2);
    assert!(r.error_line().contains("report.html"), "{r}");
    assert_eq!(
        std::fs::read_to_string(run.join("report.html")).unwrap(),
        "<html>mine</html>"
    );
}

#[test]
fn a_replaced_run_stays_whole_when_killed_at_any_stage() {
    let t = tmp();
    let old_ref = t.path().join("old-ref");
    let new_ref = t.path().join("new-ref");
    score_into(&data("preds_small.jsonl"), &old_ref).run().ok();
    score_into(&data("preds_gold.jsonl"), &new_ref).run().ok();
    let (old, new) = (snapshot(&old_ref), snapshot(&new_ref));
    let without_timings = |s: &BTreeMap<String, Vec<u8>>| {
        let mut s = s.clone();
        s.remove("timings.json");
        s
    };
    let work = t.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let run = work.join("run");
    for stage in ["predictions-written", "run-json", "staged", "swapped"] {
        score_into(&data("preds_small.jsonl"), &run).run().ok();
        let r = score_into(&data("preds_gold.jsonl"), &run)
            .env("CLAIMBENCH_TEST_HOOK", format!("{stage}:abort"))
            .run();
        assert_ne!(r.code, Some(0), "{stage}: the writer was not stopped:{r}");
        let now = without_timings(&snapshot(&run));
        let whole = if stage == "swapped" { &new } else { &old };
        assert!(
            now == without_timings(whole),
            "{stage}: the run folder is not the {} run: {:?}",
            if stage == "swapped" { "new" } else { "old" },
            now.keys().collect::<Vec<_>>()
        );
        cb(["report", "--json"]).arg_path(&run).run().ok();
    }
    // The next writer clears what the killed ones left beside the run.
    score_into(&data("preds_small.jsonl"), &run).run().ok();
    assert_eq!(leftovers(&work), Vec::<String>::new());
}

#[test]
fn a_full_disk_while_the_run_is_written_leaves_the_old_run() {
    let t = tmp();
    let run = t.path().join("run");
    score_into(&data("preds_small.jsonl"), &run).run().ok();
    let before = snapshot(&run);
    for stage in ["predictions-written", "run-json", "staged"] {
        let r = score_into(&data("preds_gold.jsonl"), &run)
            .env("CLAIMBENCH_TEST_HOOK", format!("{stage}:enospc"))
            .run();
        r.code(2);
        assert_eq!(snapshot(&run), before, "{stage}: the old run changed");
        assert_eq!(leftovers(t.path()), Vec::<String>::new(), "{stage}");
    }
}

/// A real full disk: a 4 MiB tmpfs, filled (root only; skipped with a reason elsewhere).
#[test]
fn a_real_full_disk_leaves_the_old_run() {
    let t = tmp();
    let mnt = t.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mnt)
        .output();
    if !mounted.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): {mounted:?}"
        );
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let run = mnt.join("run");
    score_into(&data("preds_small.jsonl"), &run).run().ok();
    let before = snapshot(&run);
    // Fill the disk to the last byte.
    let _ = std::fs::write(mnt.join("filler"), vec![0u8; 8 << 20]);
    let r = score_into(&data("preds_gold.jsonl"), &run).run();
    r.code(2);
    assert_eq!(snapshot(&run), before, "the old run changed:{r}");
    assert_eq!(leftovers(&mnt), Vec::<String>::new());
}

#[test]
fn a_second_writer_is_refused_naming_the_first() {
    let t = tmp();
    let run = t.path().join("run");
    let flag = t.path().join("holding");
    let mut first = score_into(&data("preds_small.jsonl"), &run)
        .env(
            "CLAIMBENCH_TEST_HOOK",
            format!("staged:wait={}", flag.display()),
        )
        .spawn();
    let start = Instant::now();
    while !flag.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the first writer never reached its stage"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = score_into(&data("preds_gold.jsonl"), &run).run();
    r.code(2);
    assert!(
        r.error_line().contains(&format!("pid {}", first.id())),
        "the refusal does not name the holder:{r}"
    );
    std::fs::remove_file(&flag).unwrap();
    assert!(first.wait().unwrap().success());
    let v = read_json(&run.join("run.json"));
    assert!(
        v["systems"]["preds_small"].is_object(),
        "the first run was lost"
    );
    // Released: the next writer goes ahead.
    score_into(&data("preds_gold.jsonl"), &run).run().ok();
    assert_eq!(leftovers(t.path()), Vec::<String>::new());
}

#[test]
fn merge_refuses_a_folder_of_user_files() {
    let t = tmp();
    let parts = t.path().join("parts");
    score_into(&data("preds_small.jsonl"), &parts)
        .args(["--shard", "0/1"])
        .run()
        .ok();
    let out = t.path().join("out");
    write(&out.join("mine.txt"), "mine");
    let r = cb(["merge"])
        .arg_path(&parts)
        .arg("--out")
        .arg_path(&out)
        .run();
    r.code(2);
    assert!(r.error_line().contains("mine.txt"), "{r}");
    cb(["merge"])
        .arg_path(&parts)
        .arg("--out")
        .arg_path(&out)
        .arg("--force")
        .run()
        .ok();
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "mine"
    );
    assert!(out.join("run.json").is_file());
}
