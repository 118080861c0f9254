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

/// The gold claims' texts (`gold/NNN.jsonl`, file order; not `pairs.jsonl`), each once.
pub fn gold_claims() -> std::io::Result<Vec<String>> {
    let dir = workspace_root().join("gold");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "jsonl")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    paths.sort();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for p in paths {
        for line in std::fs::read_to_string(&p)?.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(t) = v.get("text").and_then(|t| t.as_str()) {
                if seen.insert(t.to_string()) {
                    out.push(t.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// `n` distinct texts from `base` (which must hold distinct texts): `base` in order, then again
/// with ` (2)`, ` (3)`, ... appended, so that an embedder that embeds each distinct text once
/// still embeds all `n`.
pub fn distinct_n(base: &[String], n: usize) -> Vec<String> {
    if base.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            let (round, s) = (i / base.len(), &base[i % base.len()]);
            if round == 0 {
                s.clone()
            } else {
                format!("{s} ({})", round + 1)
            }
        })
        .collect()
}

/// A deterministic `rows x cols` matrix of similarities in [0, 1) (xorshift64*, seeded).
pub fn random_matrix(rows: usize, cols: usize, seed: u64) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    (0..rows * cols).map(|_| rng.next_f32()).collect()
}

/// `n` deterministic random unit vectors of dimension `dim` (components uniform in [-1, 1)
/// before normalisation).
pub fn random_unit_vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = XorShift::new(seed);
    (0..n)
        .map(|_| {
            let mut v: Vec<f32> = (0..dim).map(|_| 2.0 * rng.next_f32() - 1.0).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}

/// xorshift64*: small, seeded, good enough for benchmark inputs.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 40) as f32 / (1u64 << 24) as f32
    }
}
