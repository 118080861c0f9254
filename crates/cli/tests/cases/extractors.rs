//! `eval --extractor SPEC`: every kind of extractor from the command line, each row named, failures per article.

use std::path::Path;

use crate::common::*;

/// A program that prints the gold claims of the article it is given: a perfect extractor.
const ECHO_GOLD: &str = r#"
import json, pathlib, sys
art = json.load(sys.stdin)
for line in (pathlib.Path(sys.argv[1]) / (art["doc"] + ".jsonl")).read_text().splitlines():
    if line.strip():
        print(json.dumps({"text": json.loads(line)["text"]}))
"#;

/// A program that fails on article 002 and prints the first sentence of the others.
const FAIL_ON_002: &str = r#"
import json, sys
art = json.load(sys.stdin)
if art["doc"] == "002":
    print("the model is down", file=sys.stderr)
    sys.exit(3)
print(json.dumps({"text": art["text"].split(".")[0] + "."}))
"#;

fn script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    write(&path, text);
    format!("python3 {}", path.display())
}

#[test]
fn eval_runs_every_kind_by_name_and_a_perfect_command_scores_one() {
    ensure_model();
    let t = tmp();
    let echo = script(t.path(), "echo.py", ECHO_GOLD);
    let fail = script(t.path(), "fail.py", FAIL_ON_002);
    let t5 = t.path().join("my-t5");
    std::fs::create_dir_all(&t5).unwrap();
    claimbench_extract::t5::tiny::write(&t5, true, None).unwrap();
    // p.jsonl: the first gold claim of each document, as a user's predictions file.
    let gold = gold_texts();
    let p = t.path().join("p.jsonl");
    let lines: Vec<String> = gold
        .iter()
        .map(|(doc, texts)| serde_json::json!({"doc": doc, "text": texts[0]}).to_string())
        .collect();
    write(&p, lines.join("\n") + "\n");
    let r = cb(["eval", "--bootstrap", "0", "--name", "all", "--runs-dir"])
        .arg_path(t.path())
        .arg("--extractor")
        .arg(format!(
            "mine=command:{echo} {}",
            repo().join("gold").display()
        ))
        .arg("--extractor")
        .arg(format!("file:{}", p.display()))
        .arg("--extractor")
        .arg("sentences")
        .arg("--extractor")
        .arg(format!("ft=t5:{}", t5.display()))
        .arg("--extractor")
        .arg(format!("bad=command:{fail}"))
        .run();
    r.ok();
    let run = read_json(&t.path().join("all/run.json"));
    let systems = run["systems"].as_object().unwrap();
    let names: Vec<&str> = systems.keys().map(String::as_str).collect();
    assert_eq!(names, ["bad", "ft", "mine", "p", "sentences"]);
    for n in &names {
        assert!(
            r.stdout.lines().any(|l| l.trim_start().starts_with(n)),
            "no row {n}: {r}"
        );
    }
    let f1 = |n: &str| {
        systems[n]["results"]["micro"]["rates"]["f1"]
            .as_f64()
            .unwrap()
    };
    let micro = |n: &str, k: &str| systems[n]["results"]["micro"][k].as_u64().unwrap();
    // The command that prints the gold claims is perfect.
    assert_eq!(f1("mine"), 1.0);
    assert_eq!((micro("mine", "pred"), micro("mine", "gold")), (260, 260));
    assert_eq!(
        systems["mine"]["source"].as_str().unwrap(),
        format!("command:{echo} {}", repo().join("gold").display())
    );
    // One true claim per document: precision 1, recall 5/260.
    assert_eq!(
        (
            micro("p", "pred"),
            systems["p"]["results"]["micro"]["counts"]["tp"]
                .as_u64()
                .unwrap()
        ),
        (5, 5)
    );
    assert_eq!(systems["p"]["source"], "file:p.jsonl");
    assert_eq!(systems["ft"]["source"], "t5:my-t5");
    assert_eq!(systems["sentences"]["source"], "sentences");
    // The failing article is recorded, counted as misses, and shown; the other four scored.
    let skipped = systems["bad"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0]
            .as_str()
            .unwrap()
            .starts_with("document `002`: exit"),
        "{skipped:?}"
    );
    assert!(
        skipped[0]
            .as_str()
            .unwrap()
            .ends_with("(stderr: the model is down)"),
        "{skipped:?}"
    );
    assert_eq!(micro("bad", "pred"), 4);
    assert_eq!(
        systems["bad"]["coverage"]["without_predictions"],
        serde_json::json!(["002"])
    );
    assert!(
        r.stdout.contains("bad: ") && r.stdout.contains("the command failed on 1 article"),
        "{r}"
    );
    r.stderr_has("warning: bad: the command failed on 1 of 5 articles");
    // The HTML report lists what was not scored, by system.
    let html = t.path().join("all.html");
    cb(["report"])
        .arg_path(&t.path().join("all"))
        .arg("--html")
        .arg_path(&html)
        .run()
        .ok();
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.contains("<h2>Not scored</h2>"), "no problems section");
    assert!(
        h.contains("<li><b>bad</b>: the command failed on document `002`: exit"),
        "the failed article is not listed"
    );
    assert!(h.contains("<li><b>bad</b>: no predictions for document 002"));
    // Each system's saved predictions are what it scored.
    for n in &names {
        let saved = read_preds(
            &t.path()
                .join("all")
                .join(systems[*n]["predictions"].as_str().unwrap()),
        );
        assert_eq!(saved.len() as u64, micro(n, "pred"), "{n}");
    }
    // file:PATH in eval and score --pred PATH give the same record.
    let s = cb(["score", "--bootstrap", "0", "--pred"])
        .arg_path(&p)
        .arg("--out")
        .arg_path(&t.path().join("scored"))
        .run();
    s.ok();
    let scored = read_json(&t.path().join("scored/run.json"));
    assert_eq!(scored["systems"]["p"], systems["p"]);
}

#[test]
fn two_systems_with_one_name_are_refused_before_anything_runs() {
    let t = tmp();
    let r = cb([
        "eval",
        "--extractor",
        "x=sentences",
        "--extractor",
        "x=minilm-worthy",
        "--runs-dir",
    ])
    .arg_path(t.path())
    .run();
    r.code(2);
    assert!(
        r.error_line().contains("two systems are named \"x\""),
        "{r}"
    );
    assert!(
        std::fs::read_dir(t.path()).unwrap().next().is_none(),
        "left files behind"
    );
}
