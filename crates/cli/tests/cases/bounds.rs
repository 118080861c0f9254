//! Issue 34: bounded inputs (no device, no endless line, a capped error list, a lenient read that is mostly bad
//! fails), bounded options, predictions copies checked on every read, and small command-line faults.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

fn score(pred: &Path) -> Cb {
    cb(["score", "--matcher", "exact", "--bootstrap", "0", "--pred"]).arg_path(pred)
}

#[cfg(unix)]
#[test]
fn a_device_behind_a_symlink_is_refused_as_input_seed_or_part() {
    let t = tmp();
    let link = t.path().join("preds.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let r = score(&link).run();
    r.code(2);
    let line = r.error_line();
    assert!(
        line.contains(&link.display().to_string()) && line.contains("a character device"),
        "{r}"
    );

    let gold = t.path().join("gold");
    copy_builtin_gold(&gold);
    let seed = std::fs::read_dir(gold.join("seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .unwrap();
    std::fs::remove_file(&seed).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &seed).unwrap();
    let r = cb(["gold", "validate"]).arg_path(&gold).run();
    r.code(2);
    assert!(
        r.stderr.contains("a character device") || r.stdout.contains("a character device"),
        "{r}"
    );

    let parts = t.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::os::unix::fs::symlink("/dev/zero", parts.join("shard-00000-of-00001.json")).unwrap();
    let r = cb(["merge"])
        .arg_path(&parts)
        .arg("--out")
        .arg_path(&t.path().join("run"))
        .run();
    r.code(3);
    assert!(r.error_line().contains("a character device"), "{r}");
}

#[test]
fn an_endless_line_on_stdin_stops_at_the_line_limit() {
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let out = Command::new(bin())
        .args(["score", "--matcher", "exact", "--pred", "-"])
        .env("CLAIMBENCH_CACHE_DIR", shared_cache())
        .stdin(Stdio::from(zero))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: ")
            && err.contains("stdin")
            && err.contains("line 1 is longer than 67108864 bytes"),
        "{err}"
    );
}

/// `n` lines of seeded random bytes (never valid predictions).
fn garbage(path: &Path, n: usize) {
    let mut rng = Rng::new(7);
    let mut bytes = Vec::new();
    for _ in 0..n {
        for _ in 0..40 {
            bytes.push(b'!' + (rng.next() % 90) as u8);
        }
        bytes.push(b'\n');
    }
    write(path, bytes);
}

#[test]
fn at_most_max_errors_bad_lines_are_listed_then_how_many_more() {
    let t = tmp();
    let bad = t.path().join("bad.jsonl");
    garbage(&bad, 5000);
    let listed = |r: &Ran| {
        r.stderr
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains("bad.jsonl:"))
            .count()
    };
    let r = score(&bad).run();
    r.code(2);
    assert!(r.error_line().contains("5000 bad line(s)"), "{r}");
    assert_eq!(listed(&r), 20, "{r}");
    r.stderr_has("\n  and 4980 more");
    let r = score(&bad).args(["--max-errors", "3"]).run();
    r.code(2);
    assert_eq!(listed(&r), 3, "{r}");
    r.stderr_has("\n  and 4997 more");
}

#[test]
fn lenient_fails_when_most_lines_are_bad() {
    let t = tmp();
    let bad = t.path().join("bad.jsonl");
    garbage(&bad, 300);
    let r = score(&bad).arg("--lenient").run();
    r.code(2);
    assert!(
        r.error_line()
            .contains("300 of 300 lines are bad, more than --max-bad-share 0.5"),
        "{r}"
    );
    // A third bad: skipped under the default share, refused under a smaller one.
    let mixed = t.path().join("mixed.jsonl");
    let good = std::fs::read_to_string(data("preds_small.jsonl")).unwrap();
    let n = good.lines().count();
    garbage(&bad, n / 2);
    write(&mixed, good + &std::fs::read_to_string(&bad).unwrap());
    score(&mixed).arg("--lenient").run().ok();
    let r = score(&mixed)
        .args(["--lenient", "--max-bad-share", "0.2"])
        .run();
    r.code(2);
    r.stderr_has("--max-bad-share 0.2");
}

#[test]
fn permutations_have_an_upper_bound() {
    let t = tmp();
    let run = t.path().join("run");
    score(&data("preds_small.jsonl"))
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    for args in [&["gate", "--min-f1", "0"][..], &["compare"][..]] {
        let r = cb(&args[..1])
            .arg_path(&run)
            .args(&args[1..])
            .args(["--permutations", "99999999999"])
            .run();
        r.code(2);
        assert!(
            r.error_line()
                .contains("--permutations: 99999999999 is more than 1000000"),
            "{r}"
        );
    }
}

#[test]
fn an_edited_predictions_copy_is_refused_by_every_reader() {
    let t = tmp();
    let run = t.path().join("run");
    score(&data("preds_small.jsonl"))
        .arg("--out")
        .arg_path(&run)
        .run()
        .ok();
    let copy = run.join("predictions/preds_small.jsonl");
    let text = std::fs::read_to_string(&copy).unwrap();
    write(&copy, text.replacen("Putin", "Medvedev", 1));
    for args in [
        vec!["report", "--json"],
        vec!["compare"],
        vec!["gate", "--min-f1", "0"],
    ] {
        let r = cb(&args[..1]).arg_path(&run).args(&args[1..]).run();
        r.code(2);
        let line = r.error_line();
        assert!(
            line.contains("preds_small.jsonl") && line.contains("predictions_sha256"),
            "{args:?}:{r}"
        );
    }
}

#[test]
fn a_negative_threshold_is_read_as_a_number() {
    let r = cb([
        "similarity",
        "a b",
        "a c",
        "--matcher",
        "token-f1",
        "--threshold",
        "-0.2",
    ])
    .run();
    r.code(2);
    let line = r.error_line();
    assert!(
        line.contains("--threshold: -0.2") && line.contains("is outside [0, 1]"),
        "{r}"
    );
    let r = score(&data("preds_small.jsonl"))
        .args(["--threshold", "-0.2"])
        .run();
    r.code(2);
    let line = r.error_line();
    assert!(
        line.contains("--threshold: -0.2") && line.contains("is outside [0, 1]"),
        "{r}"
    );
}

#[test]
fn a_mistyped_matcher_suggests_the_default_and_lists_every_matcher() {
    let r = cb(["score", "--matcher", "alig", "--pred"])
        .arg_path(&data("preds_small.jsonl"))
        .run();
    r.code(2);
    let line = r.error_line();
    assert!(line.contains("did you mean 'align'?"), "{r}");
    assert!(
        line.contains(
            "known matchers: exact, token-f1, rouge-l, cosine, pair, align, cover, cross, blend"
        ),
        "{r}"
    );
}

#[test]
fn eval_takes_no_intervals_as_score_does() {
    let r = cb(["eval", "--no-intervals", "--extractor", "sentences:x"]).run();
    r.code(2);
    assert!(
        r.error_line().contains("sentences takes no argument"),
        "{r}"
    );
}
