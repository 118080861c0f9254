//! Shared helpers for the criterion benches in `benches/benches/` (one module per topic,
//! registered in `bench_main.rs`).

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The models directory the benches use: `$CLAIMBENCH_MODELS_DIR`, else `<workspace>/models`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("CLAIMBENCH_MODELS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("models"))
}

/// The five seed articles, in file-name order.
pub fn seed_texts() -> std::io::Result<Vec<String>> {
    let dir = workspace_root().join("seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(std::fs::read_to_string).collect()
}

/// The seed articles split into sentences (a plain splitter: line breaks, and `.`, `!` or `?`
/// followed by a space and an upper-case letter or a quote), in order, deterministic.
pub fn seed_sentences() -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    for text in seed_texts()? {
        for line in text.lines() {
            let chars: Vec<char> = line.chars().collect();
            let mut start = 0;
            for i in 0..chars.len() {
                let end_mark = matches!(chars[i], '.' | '!' | '?');
                let next_is_space = chars.get(i + 1) == Some(&' ');
                let next_starts = chars
                    .get(i + 2)
                    .is_some_and(|c| c.is_uppercase() || matches!(c, '"' | '\u{201c}'));
                if end_mark && next_is_space && next_starts {
                    push_sentence(&mut out, &chars[start..=i]);
                    start = i + 2;
                }
            }
            if start < chars.len() {
                push_sentence(&mut out, &chars[start..]);
            }
        }
    }
    Ok(out)
}

fn push_sentence(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars.iter().collect();
    let s = s.trim();
    if s.split_whitespace().count() >= 3 {
        out.push(s.to_string());
    }
}

/// `n` sentences: the seed sentences repeated in order until there are `n`.
pub fn sentences_n(n: usize) -> std::io::Result<Vec<String>> {
    let base = seed_sentences()?;
    if base.is_empty() {
        return Ok(Vec::new());
    }
    Ok(base.iter().cycle().take(n).cloned().collect())
}
