//! Fit the `align` matcher's calibration on the tuning pairs, then evaluate every matcher once on
//! the frozen pairs of `gold/eval/`, and write `crates/matcher/weights/align.json` and
//! `crates/matcher/EVAL.md`.
//!
//! ```text
//! cargo run -p claimbench-matcher --example fit_align --release             # fit, evaluate, write
//! cargo run -p claimbench-matcher --example fit_align --release -- --check  # fit, compare, write nothing
//! # the same procedure over another encoder's token vectors (tools/token_vectors.py), written to OUT.md/OUT.json:
//! cargo run -p claimbench-matcher --example fit_align --release -- --token-vectors FILE --label NAME --out OUT.md
//! ```
//!
//! Tuning data: `gold/pairs.jsonl` (hand-labelled).
//! The frozen pairs never reach the fitting code: [`fit`] takes the tuning pairs only, and the
//! frozen set is read after the parameters are fixed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use claimbench_gold::GoldSet;
use claimbench_io::{atomic_write, sha256_hex};
use claimbench_matcher::align::{
    decide_aligned, features, fit_monotone_logistic, prepare, Aligned, Features, TokenEncoder, NF,
};
use claimbench_matcher::data::{
    frozen_pairs, hand_pairs, tuning_neighbours, tuning_written, LabelledPair, BUILTIN_PAIRS,
    TUNING_NEIGHBOURS, TUNING_WRITTEN,
};
use claimbench_matcher::eval::{folds, markdown, summary, table};
use claimbench_matcher::{AlignParams, EmbeddingEncoder, PairMatcher, DEFAULT_MODEL};
use claimbench_model::{EmbedderOptions, Token, TokenVectors};
use claimbench_score::{same_text, COSINE_DEFAULT_THRESHOLD};
use serde_json::json;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const COMMAND: &str = "cargo run -p claimbench-matcher --example fit_align --release";
/// Candidate values of `match_cosine`, compared by cross-validation on the tuning pairs.
const MATCH_GRID: [f32; 11] = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
/// L2 penalty of the calibration.
const L2: f64 = 1e-3;
/// Decision threshold, fixed before fitting: the calibrated probability 0.5.
const THRESHOLD: f32 = 0.5;

type Prepared = HashMap<String, Arc<Aligned>>;
/// (kind, label, score) of each pair.
type Items = Vec<(String, bool, f32)>;

fn feats(prep: &Prepared, p: &LabelledPair, tau: f32) -> Features {
    features(&prep[&p.a], &prep[&p.b], tau)
}

/// Whether a guard fires on the pair (either way round).
fn vetoed(prep: &Prepared, p: &LabelledPair) -> bool {
    let (a, b) = (prep[&p.a].read(), prep[&p.b].read());
    !claimbench_matcher::guards::check(a, b).is_empty()
        || !claimbench_matcher::guards::check(b, a).is_empty()
}

/// Fit the calibration at `tau` on tuning pairs.
fn fit(prep: &Prepared, tuning: &[&LabelledPair], tau: f32) -> AlignParams {
    // identical texts are decided by identity and vetoed pairs by the guards, not by the calibration
    let rows: Vec<&&LabelledPair> = tuning
        .iter()
        .filter(|p| !same_text(&p.a, &p.b) && !vetoed(prep, p))
        .collect();
    let x: Vec<Features> = rows.iter().map(|p| feats(prep, p, tau)).collect();
    let y: Vec<bool> = rows.iter().map(|p| p.same).collect();
    let (bias, weights) = fit_monotone_logistic(&x, &y, L2);
    AlignParams {
        bias,
        weights,
        match_cosine: tau,
        threshold: THRESHOLD,
        direction_threshold: None,
        aliases: false,
        name_veto: false,
        name_guard: false,
        fitted: serde_json::Value::Null,
    }
}

/// (kind, same, score) of the align matcher with `params` on `pairs`.
fn align_items(
    prep: &Prepared,
    params: &AlignParams,
    pairs: &[&LabelledPair],
) -> Vec<(String, bool, f32)> {
    pairs
        .iter()
        .map(|p| {
            let (d, _, _) = decide_aligned(params, &p.a, &p.b, &prep[&p.a], &prep[&p.b]);
            (p.kind.clone(), p.same, d.score)
        })
        .collect()
}

/// By-article cross-validation on the hand pairs: each scored by a calibration fitted on the tuning
/// pairs without its articles.
fn cross_validate(
    prep: &Prepared,
    hand: &[LabelledPair],
    tuning: &[LabelledPair],
    tau: f32,
) -> Vec<(String, bool, f32)> {
    held_out(prep, tuning, hand, tau)
}

fn log_loss(items: &[(String, bool, f32)]) -> f64 {
    items
        .iter()
        .map(|(_, s, p)| {
            let p = f64::from(*p).clamp(1e-6, 1.0 - 1e-6);
            if *s {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum::<f64>()
        / items.len().max(1) as f64
}

/// The accuracy-maximising cut of scores on labelled pairs (ties: the lower cut).
fn best_cut(items: &[(String, bool, f32)]) -> f32 {
    let mut cuts: Vec<f32> = items.iter().map(|i| i.2).collect();
    cuts.sort_by(f32::total_cmp);
    cuts.dedup();
    let mut best = (0usize, 0f32);
    for t in cuts {
        let right = items.iter().filter(|(_, s, x)| (*x >= t) == *s).count();
        if right > best.0 {
            best = (right, t);
        }
    }
    best.1
}

/// Reliability of scores as probabilities: per tenth, pairs, mean score, share labelled same.
fn reliability(items: &[(String, bool, f32)]) -> String {
    let mut s = String::from("| score | pairs | mean score | share same |\n|---|---:|---:|---:|\n");
    for b in 0..10 {
        let (lo, hi) = (b as f32 / 10.0, (b + 1) as f32 / 10.0);
        let bin: Vec<&(String, bool, f32)> = items
            .iter()
            .filter(|(_, _, x)| *x >= lo && (*x < hi || (b == 9 && *x <= 1.0)))
            .collect();
        if bin.is_empty() {
            s.push_str(&format!("| {lo:.1}–{hi:.1} | 0 | | |\n"));
            continue;
        }
        let mean = bin.iter().map(|i| f64::from(i.2)).sum::<f64>() / bin.len() as f64;
        let same = bin.iter().filter(|i| i.1).count() as f64 / bin.len() as f64;
        s.push_str(&format!(
            "| {lo:.1}–{hi:.1} | {} | {mean:.3} | {same:.3} |\n",
            bin.len()
        ));
    }
    s
}

/// Held-out scores by article over `test`, each from a calibration fitted on the pairs of `train`
/// outside its articles.
fn held_out(
    prep: &Prepared,
    train: &[LabelledPair],
    test: &[LabelledPair],
    tau: f32,
) -> Vec<(String, bool, f32)> {
    let mut out = Vec::new();
    for held in folds(test) {
        let t: Vec<&LabelledPair> = test
            .iter()
            .filter(|p| p.docs.iter().cloned().collect::<BTreeSet<_>>() == held)
            .collect();
        let fit_on: Vec<&LabelledPair> = train.iter().filter(|p| p.outside(&held)).collect();
        out.extend(align_items(prep, &fit(prep, &fit_on, tau), &t));
    }
    out
}

/// The report's section on the tuning pairs of `gold/tuning/`: the calibration (which never saw
/// them) scored on the written pairs and the neighbours, and what refitting with the neighbours
/// would do, by article.
fn neighbours_section(
    encoder: &dyn TokenEncoder,
    prep: &mut Prepared,
    params: &AlignParams,
    hand: &[LabelledPair],
    tau: f32,
) -> Res<String> {
    let neighbours = tuning_neighbours()?;
    let written = tuning_written()?;
    let more: BTreeSet<&str> = neighbours
        .iter()
        .chain(&written)
        .flat_map(|p| [p.a.as_str(), p.b.as_str()])
        .filter(|t| !prep.contains_key(*t))
        .collect();
    let more: Vec<&str> = more.into_iter().collect();
    eprintln!("token vectors of {} tuning-neighbour texts", more.len());
    for (t, tv) in more.iter().zip(encoder.token_vectors(&more)?) {
        prep.insert(t.to_string(), Arc::new(prepare(t, &tv)));
    }
    let refs: Vec<&LabelledPair> = neighbours.iter().collect();
    let unseen = table(&align_items(prep, params, &refs), THRESHOLD)?;
    let wrefs: Vec<&LabelledPair> = written.iter().collect();
    let unseen_written = table(&align_items(prep, params, &wrefs), THRESHOLD)?;
    let both: Vec<LabelledPair> = hand.iter().chain(&neighbours).cloned().collect();
    let now = table(&held_out(prep, hand, &both, tau), THRESHOLD)?;
    let refit = table(&held_out(prep, &both, &both, tau), THRESHOLD)?;
    let same = neighbours.iter().filter(|p| p.same).count();
    Ok(format!(
        "\n## Tuning pairs the calibration never saw (`gold/tuning/`)\n\n\
         Two sets made after the calibration was fitted, by procedures fixed before they were made, and labelled without \
         running any matcher (`gold/tuning/README.md`). Its figures on them are honest too; they are tuning data from \
         now on, so later calibrations' figures on them will not be.\n\n\
         **Written pairs** (`written.jsonl`, sha256 `{wsha}`): a paraphrase and an altered copy of every sixth gold claim \
         from the fourth (a sample disjoint from the frozen one), {w} pairs:\n\n{}\n\
         **Neighbours** (`neighbours.jsonl`): {n} pairs ({same} same), each gold claim with its *second* nearest claim in its own article and in any other \
         article, frozen pairs left out, selected by `gold/tools/tuning_pairs.py` and labelled by hand (sha256 `{sha}`). \
         The calibration as committed, on all {n}:\n\n{}\n\
         Would refitting with them help? By-article cross-validation over the {m} pairs of `gold/pairs.jsonl` and \
         `gold/tuning/` together (each fold's calibration fitted without its articles, `match_cosine` {tau}):\n\n\
         | calibration fitted on | held out by article | worst kind |\n|---|---|---|\n\
         | `gold/pairs.jsonl` (as committed) | {} |\n\
         | `gold/pairs.jsonl` and `gold/tuning/` | {} |\n\n\
         The refit trades paraphrases for partial overlaps (the neighbours are mostly different claims, so the \
         calibration learns to say \"different\" more often) and is not better on kappa, so it is not the default: \
         these features cannot separate a partial overlap from a paraphrase well enough for either fit to meet the \
         targets.\n",
        markdown(&unseen_written),
        markdown(&unseen),
        summary(&now),
        summary(&refit),
        n = neighbours.len(),
        m = both.len(),
        sha = sha256_hex(TUNING_NEIGHBOURS.as_bytes()),
        wsha = sha256_hex(TUNING_WRITTEN.as_bytes()),
        w = written.len(),
    ))
}

/// Token vectors read from a file written by `tools/token_vectors.py`: text, tokens, vectors, sentence.
struct FileVectors(HashMap<String, Arc<TokenVectors>>);

#[derive(serde::Deserialize)]
struct FileToken {
    piece: String,
    word: u32,
    span: (usize, usize),
}

#[derive(serde::Deserialize)]
struct FileRow {
    text: String,
    tokens: Vec<FileToken>,
    vectors: Vec<f32>,
    sentence: Vec<f32>,
    truncated: bool,
    read_len: usize,
}

impl FileVectors {
    fn load(path: &str) -> Res<FileVectors> {
        let mut map = HashMap::new();
        for (i, line) in std::fs::read_to_string(path)?.lines().enumerate() {
            let r: FileRow =
                serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", i + 1))?;
            if r.vectors.len() != r.tokens.len() * r.sentence.len() {
                return Err(format!("{path}:{}: vectors: not one row per token", i + 1).into());
            }
            let tokens = r
                .tokens
                .into_iter()
                .map(|t| Token {
                    piece: t.piece,
                    word: t.word,
                    span: t.span,
                })
                .collect();
            let tv = TokenVectors {
                tokens,
                vectors: r.vectors,
                sentence: r.sentence,
                truncated: r.truncated,
                read_len: r.read_len,
            };
            map.insert(r.text, Arc::new(tv));
        }
        Ok(FileVectors(map))
    }
}

impl TokenEncoder for FileVectors {
    fn token_vectors(&self, texts: &[&str]) -> claimbench_matcher::Result<Vec<Arc<TokenVectors>>> {
        texts
            .iter()
            .map(|t| {
                self.0.get(*t).cloned().ok_or_else(|| {
                    claimbench_matcher::Error::Encoder(format!("no token vectors for {t:?}"))
                })
            })
            .collect()
    }
}

/// The value after `flag` in `args`.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let tuning_only = args.iter().any(|a| a == "--tuning-only");
    let vectors_file = flag_value(&args, "--token-vectors");
    let trial = match vectors_file {
        Some(f) => {
            let label = flag_value(&args, "--label").ok_or("--token-vectors needs --label")?;
            let out = flag_value(&args, "--out").ok_or("--token-vectors needs --out")?;
            let sha = sha256_hex(&std::fs::read(f)?);
            Some((
                FileVectors::load(f)?,
                label.to_string(),
                PathBuf::from(out),
                sha,
            ))
        }
        None => None,
    };
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let models_dir = std::env::var_os("CLAIMBENCH_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("../../models"));
    let dir =
        claimbench_model::registry::ensure(DEFAULT_MODEL, &models_dir, &mut |m| eprintln!("{m}"))?;
    let embedder = Arc::new(claimbench_model::Embedder::load(
        &dir,
        &EmbedderOptions::default(),
    )?);
    let model_encoder = EmbeddingEncoder::new(embedder.clone());
    let encoder: &dyn TokenEncoder = match &trial {
        Some((v, ..)) => v,
        None => &model_encoder,
    };

    let gold = GoldSet::builtin()?;
    let hand = hand_pairs()?;
    // Tuning pairs: the hand-labelled pairs only. Gold cluster pairs are looser than the labelling
    // rules ("in the Kremlin" against "in Moscow" is `partial` under gold/PAIRS.md), and the rule-made
    // pairs include each claim's nearest claim of its own article, which is how the frozen neighbours
    // were selected. (Both were tried on the tuning folds and made the calibration say "different"
    // to nearly everything.)
    let tuning: Vec<LabelledPair> = hand.clone();
    // ---- tuning: everything below until `params` is fixed sees the tuning pairs only
    let mut texts: BTreeSet<&str> = BTreeSet::new();
    for p in &tuning {
        texts.insert(&p.a);
        texts.insert(&p.b);
    }
    let texts: Vec<&str> = texts.into_iter().collect();
    eprintln!("token vectors of {} tuning texts", texts.len());
    let tvs = encoder.token_vectors(&texts)?;
    let mut prep: Prepared = texts
        .iter()
        .zip(&tvs)
        .map(|(t, tv)| (t.to_string(), Arc::new(prepare(t, tv))))
        .collect();

    let mut grid_rows = Vec::new();
    let mut best: Option<(f64, f64, f32)> = None; // (accuracy, -log loss, tau)
    for tau in MATCH_GRID {
        let items = cross_validate(&prep, &hand, &tuning, tau);
        let rows = table(&items, THRESHOLD)?;
        let ll = log_loss(&items);
        eprintln!(
            "match_cosine {tau:.2}: {} | log loss {ll:.4}",
            summary(&rows)
        );
        grid_rows.push(json!({"match_cosine": tau, "accuracy": rows[0].accuracy, "kappa": rows[0].kappa, "auc": rows[0].auc, "log_loss": ll}));
        let key = (rows[0].accuracy, -ll, tau);
        if best.is_none_or(|b| (key.0, key.1) > (b.0, b.1)) {
            best = Some(key);
        }
    }
    let tau = best.map(|b| b.2).ok_or("empty grid")?;
    let cv_items = cross_validate(&prep, &hand, &tuning, tau);
    let cv_rows = table(&cv_items, THRESHOLD)?;
    let all: Vec<&LabelledPair> = tuning.iter().collect();
    let mut params = fit(&prep, &all, tau);
    // fitted behind the content guards; the matcher runs the name guard on top (CANDIDATES.md)
    params.name_guard = true;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in &tuning {
        *counts
            .entry(format!("{:?}/{}", p.origin, p.kind).to_lowercase())
            .or_default() += 1;
    }
    params.fitted = json!({
        "command": COMMAND,
        "features": claimbench_matcher::ALIGN_FEATURES,
        "embedding_model": trial.as_ref().map_or(DEFAULT_MODEL, |t| t.1.as_str()),
        // a trial's vectors are named by the sha256 of their file (below), not by MiniLM's weights
        "embedding_weights_sha256": trial.is_none().then(|| embedder.weights_sha256()),
        "pairs_jsonl_sha256": sha256_hex(BUILTIN_PAIRS.as_bytes()),
        "gold_hash": gold.hash(),
        "tuning_pairs": counts,
        "l2": L2,
        "match_cosine_grid": grid_rows,
        "held_out_by_article": cv_rows,
    });
    if let (Some((.., sha)), Some(f)) = (&trial, params.fitted.as_object_mut()) {
        f.insert("token_vectors_sha256".into(), json!(sha));
    }
    let json_text = serde_json::to_string_pretty(&params)? + "\n";
    if tuning_only {
        // per-kind feature means on the tuning pairs, to look at while designing
        let mut by: BTreeMap<String, (usize, [f64; NF])> = BTreeMap::new();
        for p in &hand {
            let f = feats(&prep, p, tau);
            let e = by.entry(p.kind.clone()).or_default();
            e.0 += 1;
            for (acc, x) in e.1.iter_mut().zip(f) {
                *acc += f64::from(x);
            }
        }
        for (k, (n, s)) in by {
            eprintln!(
                "{k:>14} n={n:3} {:?}",
                s.map(|x| (x / n as f64 * 1000.0).round() / 1000.0)
            );
        }
        eprintln!("params: {} {:?} tau {tau}", params.bias, params.weights);
        for kind in ["paraphrase", "partial", "cross_article"] {
            for p in hand.iter().filter(|p| p.kind == kind).take(4) {
                eprintln!("--- {kind}: {} || {}", p.a, p.b);
                for (x, y) in [(&p.a, &p.b), (&p.b, &p.a)] {
                    let e = claimbench_matcher::align::explain(&prep[x], &prep[y]);
                    eprintln!(
                        "   {}",
                        e.iter()
                            .map(|(w, c, s)| format!("{w}>{c}:{s:.2}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                }
            }
        }
        return Ok(());
    }
    // ---- parameters fixed

    // The frozen set, read only now.
    let frozen = frozen_pairs()?;
    let mut more: BTreeSet<&str> = BTreeSet::new();
    for p in &frozen {
        for t in [&p.a, &p.b] {
            if !prep.contains_key(t.as_str()) {
                more.insert(t);
            }
        }
    }
    let more: Vec<&str> = more.into_iter().collect();
    eprintln!("token vectors of {} frozen texts", more.len());
    for (t, tv) in more.iter().zip(encoder.token_vectors(&more)?) {
        prep.insert(t.to_string(), Arc::new(prepare(t, &tv)));
    }
    let fr: Vec<&LabelledPair> = frozen.iter().collect();
    let distinct: Vec<&LabelledPair> = frozen.iter().filter(|p| p.a != p.b).collect();

    // candidates, each as users see it (identical texts score 1.0)
    let floor = |p: &LabelledPair, x: f32| if same_text(&p.a, &p.b) { 1.0 } else { x };
    let align = align_items(&prep, &params, &fr);
    let tuning_refs: Vec<&LabelledPair> = hand.iter().collect();
    let f_score = |ps: &[&LabelledPair]| -> Vec<(String, bool, f32)> {
        ps.iter()
            .map(|p| {
                let f = feats(&prep, p, tau);
                let (lo, hi) = (f64::from(f[0]), f64::from(f[1]));
                let fm = if lo + hi > 0.0 {
                    2.0 * lo * hi / (lo + hi)
                } else {
                    0.0
                };
                (p.kind.clone(), p.same, floor(p, fm as f32))
            })
            .collect()
    };
    let f_cut = best_cut(&f_score(&tuning_refs));
    let svec: HashMap<&str, &[f32]> = prep
        .iter()
        .map(|(t, a)| (t.as_str(), a.sentence_vector()))
        .collect();
    let cos_items = |ps: &[&LabelledPair]| -> Vec<(String, bool, f32)> {
        ps.iter()
            .map(|p| {
                let c = claimbench_matcher::align::dot(svec[p.a.as_str()], svec[p.b.as_str()]);
                (p.kind.clone(), p.same, floor(p, c))
            })
            .collect()
    };
    let pair = PairMatcher::new(EmbeddingEncoder::new(embedder.clone()))?;
    let pair_pairs: Vec<(&str, &str)> = fr.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
    let pair_items: Vec<(String, bool, f32)> = fr
        .iter()
        .zip(pair.decide_pairs(&pair_pairs)?)
        .map(|(p, d)| (p.kind.clone(), p.same, floor(p, d.score)))
        .collect();
    let align_name = match &trial {
        Some((_, label, ..)) => format!("align over {label}'s token vectors: aligned content words + guards + monotone calibration"),
        None => "align (default): aligned content words + guards + monotone calibration".to_string(),
    };
    // the pair matcher reads all-MiniLM-L6-v2's sentence vectors whatever the token vectors are
    let pair_name = if trial.is_some() {
        "pair (the previous default; all-MiniLM-L6-v2 through candle)"
    } else {
        "pair (the previous default)"
    };
    let tf1_items: Vec<(String, bool, f32)> = fr
        .iter()
        .map(|p| {
            (
                p.kind.clone(),
                p.same,
                floor(p, claimbench_score::token_f1(&p.a, &p.b) as f32),
            )
        })
        .collect();
    let rl_items: Vec<(String, bool, f32)> = fr
        .iter()
        .map(|p| {
            (
                p.kind.clone(),
                p.same,
                floor(p, claimbench_score::rouge_l(&p.a, &p.b).fmeasure as f32),
            )
        })
        .collect();
    let sub = |items: &[(String, bool, f32)]| -> Vec<(String, bool, f32)> {
        fr.iter()
            .zip(items)
            .filter(|(p, _)| p.a != p.b)
            .map(|(_, i)| i.clone())
            .collect()
    };
    let candidates: Vec<(&str, f32, Items)> = vec![
        (align_name.as_str(), THRESHOLD, align.clone()),
        ("aligned-coverage F1 alone (BERTScore-style, content words; cut chosen on the tuning pairs)", f_cut, f_score(&fr)),
        (pair_name, claimbench_matcher::PAIR_THRESHOLD, pair_items),
        ("cosine of sentence vectors", COSINE_DEFAULT_THRESHOLD, cos_items(&fr)),
        ("token-f1", claimbench_score::MatcherKind::TokenF1.default_threshold(), tf1_items),
        ("rouge-l", claimbench_score::MatcherKind::RougeL.default_threshold(), rl_items),
    ];

    let mut md = String::new();
    md.push_str("# Matchers: evaluation\n\nWritten by `");
    md.push_str(COMMAND);
    if let Some((_, label, _, sha)) = &trial {
        md.push_str(&format!(" -- --token-vectors FILE --label {label} --out ...` (do not edit by hand).\n\n**A trial, not the default matcher:** align's fitting procedure, unchanged, over the token and sentence vectors of `{label}` read from a file written by `tools/token_vectors.py` (sha256 `{sha}`). The frozen-set history below is the default's; this trial's own is in `CANDIDATES.md`.\n\n"));
    } else {
        md.push_str("` (do not edit by hand). The previous pair matcher's own report is in [`EVAL-pair.md`](EVAL-pair.md).\n\n");
    }
    md.push_str("## Which figure is honest\n\nThe **frozen pairs** (`gold/eval/`, 479 pairs: 393 gold-claim neighbours selected by a fixed rule and 86 pairs written by hand from a fixed sample; procedure and counts in `gold/eval/README.md`) were selected, written and labelled before anything below was fitted, without running any matcher, and nothing is tuned on them. Their figures are the honest ones. The tuning figures (by-article cross-validation on `gold/pairs.jsonl`) come from the same pairs that chose the features, the function-word list and the guards, and flatter.\n\nHow the frozen set was used, in full: the design (features, tuning data, grid) was settled on the tuning folds, then this report was written once. One earlier development run also evaluated the frozen set, with a first feature set whose calibration did not converge (it printed: align accuracy 0.180, cosine 0.754, pair 0.576); the features and the choice of tuning data changed after that run, on the tuning folds' evidence (the per-kind feature means printed by `--tuning-only`). After this report's figures were seen, the changes made were of two sorts. Changes that leave every decision as it was (speed; `--check` confirms the bytes of this file and of `align.json`). And one change to the number guard, made on tuning data written for it (`gold/tuning/numbers.jsonl`: an altered figure, or the same figure written another way, for each gold claim that states one, written without looking at the frozen pairs; `gold/tuning/README.md`): figures are paired one to one (\"two areas and two villages\" against \"three areas and two villages\") and \"second\" is read after a possessive (\"the US's second priority\"). It changed no decision on `gold/pairs.jsonl` or the other tuning sets and two of the 46 number pairs; this report was then written again.\n\n");
    md.push_str("Frozen files (checked by `frozen_pairs()` at every load):\n\n```\n");
    md.push_str(claimbench_matcher::data::FROZEN_SHA256SUMS);
    md.push_str("```\n\n");
    md.push_str(&format!("## Frozen pairs: every candidate\n\nEach candidate as `claimbench` runs it: identical texts (up to case, spacing, quotes and end punctuation) score 1.0. Per kind, accuracy is on the kind's pairs; kappa and AUC are on the kind's pairs together with every pair of the other label. Seven `cross_article` pairs are two gold claims with the same text; the second column excludes them.\n\n| candidate | threshold | frozen (479) | frozen without identical texts ({}) |\n|---|---:|---|---|\n", distinct.len()));
    let mut blocks = String::new();
    for (name, t, items) in &candidates {
        let rows = table(items, *t)?;
        let rows_d = table(&sub(items), *t)?;
        md.push_str(&format!(
            "| {name} | {t:.4} | {} | {} |\n",
            summary(&rows),
            summary(&rows_d)
        ));
        blocks.push_str(&format!(
            "### {name}, threshold {t:.4}\n\n{}\n",
            markdown(&rows)
        ));
        eprintln!("{name}: {}", summary(&rows));
    }
    md.push('\n');
    md.push_str("## Frozen pairs: per kind\n\n");
    md.push_str(&blocks);

    // leave one kind out: fitted without a kind's tuning pairs, tested on that kind's frozen pairs
    md.push_str("## Leave one kind out (frozen pairs)\n\nFor each kind, the calibration is fitted again on the tuning pairs without that kind (same `match_cosine`), then tested on the frozen pairs of that kind. A kind the calibration never saw is decided by what the other kinds taught it.\n\n| kind | frozen pairs | accuracy, fitted on all tuning pairs | accuracy, fitted without this kind | tuning pairs left out |\n|---|---:|---:|---:|---:|\n");
    let kinds: BTreeSet<&str> = frozen.iter().map(|p| p.kind.as_str()).collect();
    for k in kinds {
        let test: Vec<&LabelledPair> = frozen.iter().filter(|p| p.kind == k).collect();
        let train: Vec<&LabelledPair> = tuning.iter().filter(|p| p.kind != k).collect();
        let left = tuning.len() - train.len();
        let without = fit(&prep, &train, tau);
        let acc = |items: Vec<(String, bool, f32)>| {
            items
                .iter()
                .filter(|(_, s, x)| (*x >= THRESHOLD) == *s)
                .count() as f64
                / items.len() as f64
        };
        md.push_str(&format!(
            "| {k} | {} | {:.3} | {:.3} | {left} |\n",
            test.len(),
            acc(align_items(&prep, &params, &test)),
            acc(align_items(&prep, &without, &test)),
        ));
    }
    md.push_str(&neighbours_section(
        encoder, &mut prep, &params, &hand, tau,
    )?);
    md.push_str("\n## Reliability of the align score (frozen pairs)\n\nThe score is a calibrated probability (fitted on the tuning pairs); a guard's veto multiplies it by 0.2, and identical texts score 1.0.\n\n");
    md.push_str(&reliability(&align));
    md.push_str(&format!(
        "\n## Tuning pairs (flattering)\n\n`match_cosine` = {tau} was chosen by by-article cross-validation on `gold/pairs.jsonl` (grid {:?}; best accuracy, ties by log loss); the calibration was then fitted on all {} tuning pairs (`gold/pairs.jsonl`; pairs on which a guard fires, or with identical texts, are left to the guards and to identity). Held out by article:\n\n{}\n",
        MATCH_GRID,
        tuning.len(),
        markdown(&cv_rows)
    ));
    md.push_str(&format!(
        "Calibration: bias {:.4}, weights {} = {:?}, threshold {THRESHOLD}.\n",
        params.bias,
        claimbench_matcher::ALIGN_FEATURES.join(", "),
        params
            .weights
            .iter()
            .map(|w| (w * 1e4).round() / 1e4)
            .collect::<Vec<_>>()
    ));

    let (json_path, md_path) = match &trial {
        Some((.., out, _)) => (out.with_extension("json"), out.clone()),
        None => (
            crate_dir.join("weights/align.json"),
            crate_dir.join("EVAL.md"),
        ),
    };
    if check {
        let same_json = std::fs::read_to_string(&json_path)? == json_text;
        let same_md = std::fs::read_to_string(&md_path)? == md;
        println!(
            "align.json: {}",
            if same_json { "identical" } else { "DIFFERENT" }
        );
        println!(
            "EVAL.md: {}",
            if same_md { "identical" } else { "DIFFERENT" }
        );
        if !(same_json && same_md) {
            std::process::exit(1);
        }
        return Ok(());
    }
    atomic_write(&json_path, json_text.as_bytes())?;
    atomic_write(&md_path, md.as_bytes())?;
    println!("wrote {} and {}", json_path.display(), md_path.display());
    Ok(())
}
