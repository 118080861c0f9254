//! Helpers of the end-to-end tests: run the `claimbench` binary, show everything on a mismatch, fixtures.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The binary under test: this build's, or `$CLAIMBENCH_TEST_BIN` (to check that a test fails on an older
/// binary, e.g. one built from the commit before a fix).
pub fn bin() -> PathBuf {
    std::env::var_os("CLAIMBENCH_TEST_BIN")
        .filter(|b| !b.is_empty())
        .map_or_else(
            || PathBuf::from(env!("CARGO_BIN_EXE_claimbench")),
            PathBuf::from,
        )
}

/// The workspace root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of `crates/cli/tests/data`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Where every test finds the model: `<repo>/models` (fetched there once, git-ignored).
pub fn models_dir() -> PathBuf {
    repo().join("models")
}

/// An embedding cache shared by the tests that don't care whether it is warm.
pub fn shared_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("claimbench-cli-tests-cache")
}

/// A fresh temp dir.
pub fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cb-test-")
        .tempdir()
        .expect("temp dir")
}

/// A command line of the binary, with the test environment: the shared models dir, the shared cache, no colour,
/// run in a temp dir (so nothing lands in the repository).
pub struct Cb {
    cmd: Command,
    line: String,
    input: Option<Vec<u8>>,
}

/// `claimbench ARGS...`.
pub fn cb<I, S>(args: I) -> Cb
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(bin());
    let mut line = String::from("claimbench");
    for a in args {
        line.push(' ');
        line.push_str(&a.as_ref().to_string_lossy());
        cmd.arg(a.as_ref());
    }
    cmd.env("CLAIMBENCH_MODELS_DIR", models_dir())
        .env("CLAIMBENCH_CACHE_DIR", shared_cache())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("RAYON_NUM_THREADS")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null());
    Cb {
        cmd,
        line,
        input: None,
    }
}

impl Cb {
    /// One more argument.
    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Self {
        self.line.push(' ');
        self.line.push_str(&a.as_ref().to_string_lossy());
        self.cmd.arg(a);
        self
    }

    /// One more argument: a path.
    pub fn arg_path(self, p: &Path) -> Self {
        self.arg(p.as_os_str())
    }

    /// More arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Remove an environment variable.
    pub fn env_remove(mut self, k: &str) -> Self {
        self.cmd.env_remove(k);
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.line = format!("{k}={} {}", v.as_ref().to_string_lossy(), self.line);
        self.cmd.env(k, v);
        self
    }

    /// Run in this directory.
    pub fn dir(mut self, d: &Path) -> Self {
        self.cmd.current_dir(d);
        self
    }

    /// Feed these bytes on standard input.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.line.push_str(" < (stdin)");
        self.input = Some(bytes.into());
        self
    }

    /// Run to the end.
    pub fn run(mut self) -> Ran {
        let out: Output = match self.input.take() {
            None => self.cmd.output(),
            Some(bytes) => {
                use std::io::Write;
                self.cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                self.cmd.spawn().and_then(|mut child| {
                    let mut input = child.stdin.take().expect("piped stdin");
                    let writer = std::thread::spawn(move || {
                        let _ = input.write_all(&bytes);
                    });
                    let out = child.wait_with_output();
                    let _ = writer.join();
                    out
                })
            }
        }
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.line));
        Ran {
            line: self.line,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Start without waiting (stdout and stderr discarded).
    pub fn spawn(mut self) -> Child {
        self.cmd.stdout(Stdio::null()).stderr(Stdio::null());
        self.cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.line))
    }
}

/// A finished run of the binary.
pub struct Ran {
    /// The command line, for messages.
    pub line: String,
    /// Exit code (None: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl fmt::Display for Ran {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n$ {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
            self.line, self.code, self.stdout, self.stderr
        )
    }
}

impl Ran {
    /// Assert the exit code (panics with the whole output when it differs); never a panic of the binary.
    pub fn code(&self, want: i32) -> &Self {
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:{self}"
        );
        assert_eq!(self.code, Some(want), "unexpected exit code:{self}");
        self
    }

    /// Assert exit 0.
    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    /// Assert that stdout contains `s`.
    pub fn stdout_has(&self, s: &str) -> &Self {
        assert!(self.stdout.contains(s), "stdout lacks {s:?}:{self}");
        self
    }

    /// Assert that stderr contains `s`.
    pub fn stderr_has(&self, s: &str) -> &Self {
        assert!(self.stderr.contains(s), "stderr lacks {s:?}:{self}");
        self
    }

    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):{self}"))
    }

    /// The first line of stderr, which must be an `error:` line.
    pub fn error_line(&self) -> &str {
        let first = self.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: "),
            "stderr does not start with an error line:{self}"
        );
        first
    }
}

/// Make sure the model is in `models_dir()`, fetching it once for the whole test binary.
pub fn ensure_model() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        cb(["models", "fetch", "all-minilm-l6-v2"]).run().ok();
    });
}

/// Every file under `dir`, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Read a JSON file.
pub fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The gold claims of the built-in gold: document id → claim texts, in file order.
pub fn gold_texts() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for doc in ["000", "001", "002", "003", "004"] {
        let text = std::fs::read_to_string(repo().join("gold").join(format!("{doc}.jsonl")))
            .expect("gold file");
        let texts = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("gold line");
                v["text"].as_str().expect("gold text").to_string()
            })
            .collect();
        out.insert(doc.to_string(), texts);
    }
    out
}

/// The claims of a predictions file: (doc, text).
pub fn read_preds(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect("predictions file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("prediction line");
            (
                v["doc"].as_str().expect("doc").to_string(),
                v["text"].as_str().expect("text").to_string(),
            )
        })
        .collect()
}

/// Exact-match normalisation as documented for `--matcher exact` (lowercase, collapsed whitespace, punctuation
/// stripped at the ends); enough for the ASCII fixtures.
pub fn norm_exact(t: &str) -> String {
    let joined = t
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    joined
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_string()
}

/// The micro counts (tp, fp, fn) of one system in a `score --json` output or a `run.json`.
pub fn counts(system: &Value) -> (u64, u64, u64) {
    let c = &system["results"]["micro"]["counts"];
    (
        c["tp"].as_u64().expect("tp"),
        c["fp"].as_u64().expect("fp"),
        c["fn"].as_u64().expect("fn"),
    )
}

/// Write `n` predictions of gold-like claims for a synthetic gold set made by [`synth_gold`].
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Copy the built-in gold set (seeds without SHA256SUMS, gold claim files) to `dir`.
pub fn copy_builtin_gold(dir: &Path) {
    for sub in ["seeds", "gold"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        for e in std::fs::read_dir(repo().join(sub)).expect("read_dir") {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            let keep = (sub == "seeds" && name.ends_with(".txt"))
                || (sub == "gold" && name.ends_with(".jsonl") && name != "pairs.jsonl");
            if keep {
                std::fs::copy(e.path(), dir.join(sub).join(&name)).expect("copy");
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so the synthetic inputs need no extra dependency.
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "minister",
    "said",
    "talks",
    "Moscow",
    "on",
    "Tuesday",
    "the",
    "council",
    "vote",
    "failed",
    "after",
    "a",
    "long",
    "debate",
    "about",
    "sanctions",
    "and",
    "trade",
    "officials",
    "met",
    "in",
    "Geneva",
    "reported",
    "that",
    "troops",
    "withdrew",
    "from",
    "border",
    "region",
    "during",
    "week",
    "president",
    "announced",
    "new",
    "budget",
    "of",
    "42",
    "million",
    "dollars",
    "for",
    "schools",
    "hospitals",
    "roads",
    "bridges",
];

/// A sentence of `n` words from a fixed vocabulary, ending in a full stop.
pub fn sentence(rng: &mut Rng, n: usize) -> String {
    let mut words: Vec<&str> = (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let first = words[0];
    let cap = first[..1].to_uppercase() + &first[1..];
    words[0] = "";
    format!("{cap}{}.", words.join(" "))
}

/// A synthetic gold set in `dir`: `docs` documents `d00000`.. of `claims` claims each, every claim a sentence of
/// its article (evidence and quote exact). Returns the claim texts per document.
pub fn synth_gold(dir: &Path, docs: usize, claims: usize, seed: u64) -> Vec<(String, Vec<String>)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for d in 0..docs {
        let id = format!("d{d:05}");
        let mut article = String::new();
        let mut len = 0usize;
        let mut lines = Vec::new();
        let mut texts = Vec::new();
        for c in 0..claims {
            let filler = sentence(&mut rng, 12) + " ";
            len += filler.chars().count();
            article.push_str(&filler);
            // A per-claim tag keeps claim texts unique within the document.
            let text = format!(
                "{} Item {c} of {id}.",
                sentence(&mut rng, 10).trim_end_matches('.')
            );
            let start = len;
            len += text.chars().count();
            article.push_str(&text);
            article.push(' ');
            len += 1;
            lines.push(serde_json::json!({
                "id": format!("{id}-{:03}", c + 1), "doc": id, "text": text,
                "evidence": [{"start": start, "end": start + text.chars().count()}], "quote": text,
                "check_worthy": c % 3 != 0, "category": "event", "cluster": null,
            }).to_string());
            texts.push(text);
        }
        write(
            &dir.join("seeds").join(format!("{id}_synthetic.txt")),
            &article,
        );
        write(
            &dir.join("gold").join(format!("{id}.jsonl")),
            lines.join("\n") + "\n",
        );
        out.push((id, texts));
    }
    out
}

/// Predictions for [`synth_gold`]: `per_doc` a document, gold claims verbatim, with a word dropped, or junk.
pub fn synth_preds(path: &Path, gold: &[(String, Vec<String>)], per_doc: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut out = String::new();
    for (doc, texts) in gold {
        for _ in 0..per_doc {
            let t = &texts[rng.below(texts.len())];
            let text = match rng.below(3) {
                0 => t.clone(),
                1 => {
                    let mut w: Vec<&str> = t.split(' ').collect();
                    w.remove(rng.below(w.len()));
                    w.join(" ")
                }
                _ => sentence(&mut rng, 9),
            };
            out.push_str(&serde_json::json!({ "doc": doc, "text": text }).to_string());
            out.push('\n');
        }
    }
    write(path, out);
}

/// Runs of two of the judged set's predictions files (`gold/judged/predictions/`: `clauses`, `minilm-worthy`),
/// each file in a run of its own, under the directional `cover` and under the symmetric `align`; scored once per
/// test binary, read only.
pub struct JudgedRuns {
    /// `clauses` under cover.
    pub cover_clauses: PathBuf,
    /// `minilm-worthy` under cover.
    pub cover_worthy: PathBuf,
    /// `clauses` under align.
    pub align_clauses: PathBuf,
    /// `minilm-worthy` under align.
    pub align_worthy: PathBuf,
}

/// The [`JudgedRuns`], scored on first use (without intervals) under the test binary's temp dir.
pub fn judged_runs() -> &'static JudgedRuns {
    static RUNS: OnceLock<JudgedRuns> = OnceLock::new();
    RUNS.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("claimbench-cli-tests-judged-runs");
        let _ = std::fs::remove_dir_all(&root);
        let score = |matcher: &str, system: &str| {
            let out = root.join(format!("{matcher}-{system}"));
            cb(["score", "--no-intervals", "--matcher", matcher, "--pred"])
                .arg_path(&repo().join(format!("gold/judged/predictions/{system}.jsonl")))
                .arg("--out")
                .arg_path(&out)
                .run()
                .ok();
            out
        };
        JudgedRuns {
            cover_clauses: score("cover", "clauses"),
            cover_worthy: score("cover", "minilm-worthy"),
            align_clauses: score("align", "clauses"),
            align_worthy: score("align", "minilm-worthy"),
        }
    })
}
