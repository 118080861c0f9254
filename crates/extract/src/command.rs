//! The `command` extractor: any external program (for example a script that calls an LLM).
//!
//! Protocol, once per article: the program is started, gets one JSON object
//! `{"doc": "<id>", "text": "<article>"}` on stdin (then stdin is closed), and prints claims
//! as JSONL on stdout, one object a line: `{"text": "...", "score"?: 0.9, "evidence"?: [{"start", "end"}]}`;
//! `doc` is optional and must match the article when given. Blank lines are skipped; anything on
//! stderr is kept (its tail) for the report.
//!
//! Failures are per article and never abort the run ([`CommandExtractor::run`]): the program could not
//! be started, ran past the time limit (the child, and on Unix its whole process group, is killed), exited
//! non-zero or by a signal, printed a line that is not a valid claim, printed more than
//! [`MAX_STDOUT_BYTES`], or its output is not UTF-8. An article that failed contributes no claims (its
//! output is incomplete or untrusted); the [`ArticleFailure`] says how many parsed claims were discarded.
//! stdout and stderr are read on their own threads and stdin is written on a third, so a full pipe can't
//! deadlock, and every wait is bounded by the time limit, so the extractor never hangs.

use crate::file::{parse_line, DocField, DocIndex, UnknownFields};
use crate::{ClaimExtractor, Document, Error, LineProblem, PredictedClaim, Result};
use std::fmt;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

/// Output beyond this many bytes on stdout fails the article (and the child is killed).
pub const MAX_STDOUT_BYTES: usize = 64 * 1024 * 1024;
/// Output beyond this many lines on stdout fails the article (and the child is killed), however short the lines.
pub const MAX_STDOUT_LINES: usize = 1_000_000;
/// How often the child is checked for an exit while its output is watched for the caps.
const POLL: Duration = Duration::from_millis(20);
/// How much of stderr is kept for the report.
pub const STDERR_TAIL_BYTES: usize = 4096;
/// After a kill, how long to wait for the pipes to close before giving up on them.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// How to start the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandSpec {
    /// A shell command line, run with `sh -c`.
    Shell(String),
    /// A program and its arguments, run directly.
    Argv(Vec<String>),
}

impl fmt::Display for CommandSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandSpec::Shell(s) => f.write_str(s),
            CommandSpec::Argv(a) => f.write_str(&a.join(" ")),
        }
    }
}

/// Why an article failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureKind {
    /// The program could not be started (or its stdin/stdout could not be set up).
    Spawn,
    /// It ran past the time limit and was killed.
    Timeout,
    /// It exited with a non-zero status or was killed by a signal.
    Exit,
    /// It printed something that is not a valid claim line (or too much, or not UTF-8).
    BadOutput,
}

impl FailureKind {
    /// Short name (`spawn`, `timeout`, `exit`, `bad-output`).
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Spawn => "spawn",
            FailureKind::Timeout => "timeout",
            FailureKind::Exit => "exit",
            FailureKind::BadOutput => "bad-output",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One article the program failed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFailure {
    /// The document id.
    pub doc: String,
    /// What kind of failure.
    pub kind: FailureKind,
    /// The details (exit status, bad line numbers and why, ...).
    pub detail: String,
    /// The last [`STDERR_TAIL_BYTES`] of the program's stderr (lossy UTF-8).
    pub stderr_tail: String,
}

impl fmt::Display for ArticleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document `{}`: {}: {}", self.doc, self.kind, self.detail)?;
        if !self.stderr_tail.trim().is_empty() {
            write!(f, "\n  stderr (tail):")?;
            for line in self.stderr_tail.trim_end().lines() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

/// Claims from every article, and the articles that failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandRun {
    /// Claims of the articles that succeeded, in document order.
    pub claims: Vec<PredictedClaim>,
    /// Failed articles, in document order.
    pub failures: Vec<ArticleFailure>,
}

/// Runs an external program once per article.
#[derive(Debug, Clone)]
pub struct CommandExtractor {
    name: String,
    spec: CommandSpec,
    timeout: Duration,
}

impl CommandExtractor {
    /// A command extractor named `command` with the given per-article time limit.
    pub fn new(spec: CommandSpec, timeout: Duration) -> Self {
        CommandExtractor {
            name: "command".to_string(),
            spec,
            timeout,
        }
    }

    /// Use another name (e.g. the model the script calls) in reports.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The command.
    pub fn spec(&self) -> &CommandSpec {
        &self.spec
    }

    /// The per-article time limit.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Run every article; failures are collected, never fatal.
    pub fn run(&self, docs: &[Document]) -> CommandRun {
        let mut out = CommandRun::default();
        for d in docs {
            match self.run_article(d) {
                Ok(claims) => out.claims.extend(claims),
                Err(f) => out.failures.push(f),
            }
        }
        out
    }

    /// Run one article.
    pub fn run_article(
        &self,
        doc: &Document,
    ) -> std::result::Result<Vec<PredictedClaim>, ArticleFailure> {
        let fail = |kind, detail: String, stderr_tail: String| ArticleFailure {
            doc: doc.id.clone(),
            kind,
            detail,
            stderr_tail,
        };
        let input = serde_json::json!({"doc": doc.id, "text": doc.text}).to_string() + "\n";
        let mut cmd = match &self.spec {
            CommandSpec::Shell(s) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(s);
                c
            }
            CommandSpec::Argv(argv) => {
                let Some((prog, args)) = argv.split_first() else {
                    return Err(fail(
                        FailureKind::Spawn,
                        "empty command".into(),
                        String::new(),
                    ));
                };
                let mut c = Command::new(prog);
                c.args(args);
                c
            }
        };
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let start = Instant::now();
        let mut child = cmd.spawn().map_err(|e| {
            fail(
                FailureKind::Spawn,
                format!("could not start `{}`: {e}", self.spec),
                String::new(),
            )
        })?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill(&mut child);
            return Err(fail(
                FailureKind::Spawn,
                "no pipes to the child".into(),
                String::new(),
            ));
        };
        std::thread::spawn(move || {
            // A program that exits without reading stdin gives a broken pipe: not our failure.
            let _ = stdin.write_all(input.as_bytes());
        });
        let (out_tx, out_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = out_tx.send(read_capped(stdout, MAX_STDOUT_BYTES, MAX_STDOUT_LINES));
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = err_tx.send(read_tail(stderr, STDERR_TAIL_BYTES));
        });

        // Wait for the exit, the time limit, or output over a cap (the reader stops there: the child is killed
        // at once, not at the time limit).
        let mut early = None;
        let status = loop {
            let left = self.timeout.saturating_sub(start.elapsed());
            match child.wait_timeout(POLL.min(left)) {
                Ok(Some(status)) => break Some(status),
                Ok(None) if left.is_zero() => break None,
                Ok(None) => {}
                Err(e) => {
                    kill(&mut child);
                    let tail = err_rx.recv_timeout(KILL_GRACE).unwrap_or_default();
                    return Err(fail(
                        FailureKind::Spawn,
                        format!("waiting for the program: {e}"),
                        tail,
                    ));
                }
            }
            if early.is_none() {
                if let Ok(out) = out_rx.try_recv() {
                    let out: (Vec<u8>, Option<String>) = out;
                    if let Some(over) = &out.1 {
                        kill(&mut child);
                        let tail = err_rx.recv_timeout(KILL_GRACE).unwrap_or_default();
                        return Err(fail(
                            FailureKind::BadOutput,
                            format!("{over} on stdout; killed"),
                            tail,
                        ));
                    }
                    early = Some(out);
                }
            }
        };
        let Some(status) = status else {
            kill(&mut child);
            let tail = err_rx.recv_timeout(KILL_GRACE).unwrap_or_default();
            return Err(fail(
                FailureKind::Timeout,
                format!(
                    "no result within {:.1}s; killed",
                    self.timeout.as_secs_f64()
                ),
                tail,
            ));
        };
        // The child exited; its pipes close unless a grandchild holds them: bound that wait too.
        let remaining = self.timeout.saturating_sub(start.elapsed()) + KILL_GRACE;
        let stdout = match early {
            Some(out) => Ok(out),
            None => out_rx.recv_timeout(remaining),
        };
        if stdout.is_err() {
            // A background process of the program's group still holds the pipe (so the group id is
            // still in use and cannot have been reused): kill the group.
            kill_group(&child);
        }
        let tail = err_rx.recv_timeout(KILL_GRACE).unwrap_or_default();
        let stdout =
            match stdout {
                Ok(s) => s,
                Err(_) => return Err(fail(
                    FailureKind::Timeout,
                    "stdout stayed open after the program exited (a background process holds it)"
                        .into(),
                    tail,
                )),
            };
        let (bytes, overflow) = stdout;
        // Output over a cap first: the program may have died of the pipe closed on it (SIGPIPE).
        if let Some(over) = overflow {
            return Err(fail(
                FailureKind::BadOutput,
                format!("{over} on stdout; killed"),
                tail,
            ));
        }
        if !status.success() {
            return Err(fail(FailureKind::Exit, describe_status(status), tail));
        }
        parse_output(&bytes, doc).map_err(|detail| fail(FailureKind::BadOutput, detail, tail))
    }
}

fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    format!("exited abnormally ({status})")
}

/// Parse a program's stdout into claims for `doc`; on any bad line, the list of bad lines.
pub(crate) fn parse_output(
    bytes: &[u8],
    doc: &Document,
) -> std::result::Result<Vec<PredictedClaim>, String> {
    let index = DocIndex::new(std::slice::from_ref(doc));
    let mut claims = Vec::new();
    let mut problems = Vec::new();
    for (at, text) in claimbench_io::lines(bytes) {
        let parsed = text.map_err(LineProblem::from).and_then(|line| {
            if line.trim().is_empty() {
                Ok(None)
            } else {
                // The command protocol stays strict: an unknown field is an error.
                parse_line(
                    line,
                    at.line,
                    &index,
                    DocField::Expect(&doc.id),
                    UnknownFields::Reject,
                )
                .map(Some)
            }
        });
        match parsed {
            Ok(Some(c)) => claims.push(c),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        return Ok(claims);
    }
    let mut detail = format!(
        "{} bad line(s) on stdout; {} parsed claim(s) discarded",
        problems.len(),
        claims.len()
    );
    for p in problems.iter().take(20) {
        detail.push_str(&format!("\n  stdout {p}"));
    }
    if problems.len() > 20 {
        detail.push_str(&format!("\n  ... and {} more", problems.len() - 20));
    }
    Err(detail)
}

fn kill(child: &mut Child) {
    kill_group(child);
    let _ = child.kill();
    let _ = child.wait();
}

/// Kill the child's process group (it was started as its own group leader), so grandchildren die too.
/// Only called while the group id cannot have been reused: the child is not reaped yet, or a member
/// of its group still holds its stdout.
fn kill_group(child: &Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = child;
}

/// Read up to `cap` bytes and `max_lines` lines; past either, stop reading and say which (the caller kills the
/// child at once).
fn read_capped(mut r: impl Read, cap: usize, max_lines: usize) -> (Vec<u8>, Option<String>) {
    let mut out = Vec::new();
    let mut lines = 0usize;
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
                if out.len() + n > cap {
                    return (out, Some(format!("more than {cap} bytes")));
                }
                if lines > max_lines {
                    return (out, Some(format!("more than {max_lines} lines")));
                }
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    (out, None)
}

/// Read everything, keep the last `keep` bytes as lossy UTF-8.
fn read_tail(mut r: impl Read, keep: usize) -> String {
    let mut tail: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 2 * keep {
                    tail.drain(..tail.len() - keep);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    if tail.len() > keep {
        tail.drain(..tail.len() - keep);
    }
    String::from_utf8_lossy(&tail).into_owned()
}

impl ClaimExtractor for CommandExtractor {
    fn name(&self) -> &str {
        &self.name
    }

    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>> {
        self.run_article(doc).map_err(Error::Article)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc() -> Document {
        Document {
            id: "000".into(),
            file_name: "000.txt".into(),
            text: "An article of some length, with a few words.".into(),
            sha256: String::new(),
        }
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r#"{"text": "a claim"}"#.to_string()),
            Just(r#"{"doc": "000", "text": "a claim", "score": 0.5}"#.to_string()),
            Just(r#"{"doc": "001", "text": "x"}"#.to_string()),
            Just(r#"{"text": "a", "evidence": [{"start": 0, "end": 99}]}"#.to_string()),
            Just("Traceback (most recent call last):".to_string()),
            Just(String::new()),
            ".{0,40}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn output_parser_never_panics_and_names_every_bad_line(
            bytes in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
                proptest::collection::vec(line(), 0..8).prop_map(|l| l.join("\n").into_bytes()),
            ]
        ) {
            let lines = bytes.split_inclusive(|b| *b == b'\n').count();
            match parse_output(&bytes, &doc()) {
                Ok(claims) => {
                    prop_assert!(claims.len() <= lines);
                    prop_assert!(claims.iter().all(|c| c.doc == "000"));
                }
                Err(msg) => {
                    prop_assert!(msg.contains("bad line(s) on stdout"), "{}", msg);
                    prop_assert!(msg.contains("\n  stdout line "), "{}", msg);
                }
            }
        }
    }

    #[test]
    fn a_stack_trace_in_the_output_is_named_by_line() {
        let out = b"{\"text\": \"a claim\"}\nTraceback (most recent call last):\n  File \"x.py\"\n";
        let msg = parse_output(out, &doc()).unwrap_err();
        assert!(
            msg.starts_with("2 bad line(s) on stdout; 1 parsed claim(s) discarded"),
            "{msg}"
        );
        assert!(
            msg.contains("stdout line 2: invalid JSON") && msg.contains("stdout line 3:"),
            "{msg}"
        );
    }
}
