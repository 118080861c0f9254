//! The systems of an evaluation: what `--extractor SPEC` and `--pred FILE` name, parsed into a closed registry.
//!
//! A spec is `[NAME=]KIND[:ARG]` with KIND one of the extractor registry ([`ExtractorKind`]): `sentences`,
//! `clauses`, `minilm-worthy`, `t5:DIR`, `file:PATH` (`file:-` reads standard input) or `command:CMDLINE` (run with `sh -c`,
//! once per article, by the protocol of `claimbench_extract::command`). NAME names the system's row; without it
//! the name is the kind, the file's stem, or the T5 directory's name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use claimbench_extract::ExtractorKind;

use crate::bail;
use crate::error::Result;

/// Where a system's predictions come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Every body sentence of each article.
    Sentences,
    /// Every body sentence, split into clauses and attributions by rules.
    Clauses,
    /// MiniLM + logistic regression, trained leave-one-document-out on the gold set.
    MinilmWorthy,
    /// A T5-family model in a local Hugging Face directory.
    T5(PathBuf),
    /// A predictions JSONL file (`-`: standard input).
    File(PathBuf),
    /// An external program, once per article.
    Command(String),
    /// Predictions JSONL already in memory (`label` names it in errors, as a file's path would).
    Bytes {
        /// What the bytes are called in errors and in the run (`source`).
        label: String,
        /// The JSONL.
        data: Vec<u8>,
    },
}

impl Source {
    /// The registry kind of this source (in-memory predictions count as a file).
    pub fn kind(&self) -> ExtractorKind {
        match self {
            Source::Sentences => ExtractorKind::Sentences,
            Source::Clauses => ExtractorKind::Clauses,
            Source::MinilmWorthy => ExtractorKind::MinilmWorthy,
            Source::T5(_) => ExtractorKind::T5,
            Source::File(_) | Source::Bytes { .. } => ExtractorKind::File,
            Source::Command(_) => ExtractorKind::Command,
        }
    }

    /// Whether the predictions are read (a file, stdin, bytes) rather than made by an extractor.
    pub fn is_read(&self) -> bool {
        matches!(self, Source::File(_) | Source::Bytes { .. })
    }

    /// Whether this is standard input.
    pub fn is_stdin(&self) -> bool {
        matches!(self, Source::File(p) if p.as_os_str() == "-")
    }

    /// The system name when none is given: the kind, the file's stem (`stdin` for `-`), or the T5 directory's name.
    pub fn default_name(&self) -> String {
        match self {
            Source::Sentences | Source::Clauses | Source::MinilmWorthy | Source::Command(_) => {
                self.kind().name().to_string()
            }
            Source::File(_) if self.is_stdin() => "stdin".to_string(),
            Source::File(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "predictions".into()),
            Source::T5(dir) => dir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "t5".into()),
            Source::Bytes { label, .. } => label.clone(),
        }
    }

    /// How the run records this source (`source` in `run.json`): no machine path, only file and directory names.
    pub fn describe(&self, worthy_threshold: f32) -> String {
        match self {
            Source::Sentences => "sentences".to_string(),
            Source::Clauses => "clauses".to_string(),
            Source::MinilmWorthy => format!("minilm-worthy@{worthy_threshold}"),
            Source::T5(dir) => format!("t5:{}", file_name(dir)),
            Source::File(_) if self.is_stdin() => "stdin".to_string(),
            Source::File(p) => format!("file:{}", file_name(p)),
            Source::Command(cmd) => format!("command:{cmd}"),
            Source::Bytes { label, .. } => label.clone(),
        }
    }
}

impl Source {
    /// sha256 of the extractor itself, where claimbench can see it: a `t5:` model's files (names and contents), a
    /// `command:`'s line with the contents of every word of it that names a file (`sh x.sh`: x.sh); None for the
    /// built-in extractors (the tool version covers them) and for predictions files (their hash is recorded).
    pub fn fingerprint(&self) -> Result<Option<String>> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let add_file = |h: &mut Sha256, label: &str, path: &Path| -> Result<()> {
            let sha = claimbench_model::sha256_file(path)
                .map_err(|e| crate::Error::msg(format!("hashing {}: {e}", path.display())))?;
            h.update(format!("{label}\t{sha}\n").as_bytes());
            Ok(())
        };
        match self {
            Source::T5(dir) => {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map_err(|e| crate::Error::msg(format!("listing {}: {e}", dir.display())))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect();
                files.sort();
                for f in files {
                    add_file(&mut h, &file_name(&f), &f)?;
                }
            }
            Source::Command(cmd) => {
                h.update(format!("{cmd}\n").as_bytes());
                for word in cmd.split_whitespace() {
                    let word = word.trim_matches(|c| c == '\'' || c == '"');
                    let path = Path::new(word);
                    if !word.is_empty() && path.is_file() {
                        add_file(&mut h, word, path)?;
                    }
                }
            }
            Source::Sentences
            | Source::Clauses
            | Source::MinilmWorthy
            | Source::File(_)
            | Source::Bytes { .. } => return Ok(None),
        }
        Ok(Some(hex::encode(h.finalize())))
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// One system: a name for its row, and where its predictions come from.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemSpec {
    /// The name given with `NAME=`, if any (see [`name_systems`] for the name it gets otherwise).
    pub name: Option<String>,
    /// Its predictions.
    pub source: Source,
}

impl SystemSpec {
    /// A system with no name of its own.
    pub fn new(source: Source) -> SystemSpec {
        SystemSpec { name: None, source }
    }

    /// Parse `[NAME=]KIND[:ARG]` (see the module docs); an unknown kind names the valid ones, with a did-you-mean.
    pub fn parse(spec: &str) -> Result<SystemSpec> {
        let eq = spec.find('=');
        let colon = spec.find(':');
        let (name, rest) = match eq {
            Some(i) if colon.is_none_or(|c| i < c) => (Some(&spec[..i]), &spec[i + 1..]),
            _ => (None, spec),
        };
        if let Some(n) = name {
            check_name(n)?;
        }
        let (kind, arg) = match rest.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (rest, None),
        };
        let kind: ExtractorKind = kind
            .parse()
            .map_err(|e| crate::Error::msg(format!("--extractor {spec}: {e}")))?;
        let needs = |what: &str, example: &str| -> Result<String> {
            match arg {
                Some(a) if !a.trim().is_empty() => Ok(a.to_string()),
                _ => bail!("--extractor {spec}: {kind} needs {what}, as in {kind}:{example}"),
            }
        };
        let source = match kind {
            ExtractorKind::Sentences | ExtractorKind::Clauses | ExtractorKind::MinilmWorthy => {
                if let Some(a) = arg {
                    bail!("--extractor {spec}: {kind} takes no argument (got {a:?})");
                }
                match kind {
                    ExtractorKind::Sentences => Source::Sentences,
                    ExtractorKind::Clauses => Source::Clauses,
                    _ => Source::MinilmWorthy,
                }
            }
            ExtractorKind::T5 => Source::T5(needs("a model directory", "models/my-t5")?.into()),
            ExtractorKind::File => Source::File(needs("a predictions file", "preds.jsonl")?.into()),
            ExtractorKind::Command => {
                Source::Command(needs("a command line", "'python3 extract.py'")?)
            }
        };
        Ok(SystemSpec {
            name: name.map(str::to_string),
            source,
        })
    }
}

/// An error unless `name` can name a system (not empty, no control characters).
pub fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        bail!("--name: {name:?} is not a system name (empty, or with control characters)");
    }
    Ok(())
}

/// The name of each system, in order: its own, or its [`Source::default_name`] numbered when two are alike
/// (`p`, `p-2`). Two systems with one name, or whose names would share a predictions file in the run, are an error.
pub fn name_systems(specs: &[SystemSpec]) -> Result<Vec<String>> {
    if specs.iter().filter(|s| s.source.is_stdin()).count() > 1 {
        bail!("--pred -: standard input can be read only once");
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let names: Vec<String> = specs
        .iter()
        .map(|s| match &s.name {
            Some(n) => n.clone(),
            None => {
                let base = s.source.default_name();
                let n = seen.entry(base.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    base
                } else {
                    format!("{base}-{n}")
                }
            }
        })
        .collect();
    let mut files = BTreeMap::new();
    for n in &names {
        if let Some(other) = files.insert(crate::run::predictions_path(n), n) {
            if other == n {
                bail!("two systems are named {n:?}; give each its own name (NAME=SPEC, or --name)");
            }
            bail!(
                "--name: systems {other:?} and {n:?} would share one predictions file ({}); name them apart",
                crate::run::predictions_path(n)
            );
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_and_without_names() {
        let s = SystemSpec::parse("mine=command:python3 x.py --k=v").unwrap();
        assert_eq!(s.name.as_deref(), Some("mine"));
        assert_eq!(s.source, Source::Command("python3 x.py --k=v".into()));
        let s = SystemSpec::parse("command:python3 x.py --k=v").unwrap();
        assert_eq!(s.name, None);
        assert_eq!(s.source, Source::Command("python3 x.py --k=v".into()));
        let s = SystemSpec::parse("ft=t5:models/my-t5").unwrap();
        assert_eq!(s.source, Source::T5("models/my-t5".into()));
        assert_eq!(s.source.describe(0.5), "t5:my-t5");
        let s = SystemSpec::parse("file:runs/p.jsonl").unwrap();
        assert_eq!(s.source.default_name(), "p");
        assert_eq!(s.source.describe(0.5), "file:p.jsonl");
        assert_eq!(
            SystemSpec::parse("minilm-worthy")
                .unwrap()
                .source
                .describe(0.25),
            "minilm-worthy@0.25"
        );
    }

    #[test]
    fn bad_specs_say_what_is_valid() {
        let e = SystemSpec::parse("sentencez").unwrap_err().to_string();
        assert!(e.contains("did you mean `sentences`"), "{e}");
        assert!(
            e.contains("sentences, clauses, minilm-worthy, t5, file, command"),
            "{e}"
        );
        let e = SystemSpec::parse("t5").unwrap_err().to_string();
        assert_eq!(
            e,
            "--extractor t5: t5 needs a model directory, as in t5:models/my-t5"
        );
        let e = SystemSpec::parse("sentences:x").unwrap_err().to_string();
        assert!(e.contains("takes no argument"), "{e}");
        let e = SystemSpec::parse("=sentences").unwrap_err().to_string();
        assert!(e.contains("is not a system name"), "{e}");
    }

    #[test]
    fn names_default_and_collide_loudly() {
        let specs: Vec<SystemSpec> = ["file:a/p.jsonl", "file:b/p.jsonl", "sentences"]
            .iter()
            .map(|s| SystemSpec::parse(s).unwrap())
            .collect();
        assert_eq!(name_systems(&specs).unwrap(), ["p", "p-2", "sentences"]);
        let specs: Vec<SystemSpec> = ["x=sentences", "x=minilm-worthy"]
            .iter()
            .map(|s| SystemSpec::parse(s).unwrap())
            .collect();
        let e = name_systems(&specs).unwrap_err().to_string();
        assert!(e.contains("two systems are named \"x\""), "{e}");
    }
}
