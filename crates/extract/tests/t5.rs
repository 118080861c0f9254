//! The `t5` extractor end to end on a tiny T5 with random weights (`claimbench_extract::t5::tiny`).

use claimbench_extract::t5::tiny::{config, DEC_LAYERS, D_MODEL, WORDS};
use claimbench_extract::t5::{split_claims, Granularity, T5Extractor, T5Options};
use claimbench_extract::{ClaimExtractor, Document, Error, Span};
use std::path::Path;

fn opts(cap: usize) -> T5Options {
    T5Options {
        max_new_tokens: cap,
        ..T5Options::default()
    }
}

const ARTICLE: &str = "Putin met Tillerson in Moscow on Wednesday. The talks lasted two hours.";

#[test]
fn loads_generates_within_the_cap_deterministically_and_splits() {
    let dir = tempfile::tempdir().unwrap();
    write_tiny_t5(dir.path(), true, None);
    let cap = 7;
    let x = T5Extractor::load(dir.path(), opts(cap)).unwrap();
    assert_eq!(x.config().d_model, D_MODEL);
    assert_eq!(x.config().num_decoder_layers, Some(DEC_LAYERS));
    let g1 = x.generate(ARTICLE).unwrap();
    let g2 = x.generate(ARTICLE).unwrap();
    assert_eq!(g1, g2, "greedy decoding must be deterministic");
    assert!(
        !g1.tokens.is_empty(),
        "the seeded tiny model generates something"
    );
    assert!(
        g1.tokens.len() <= cap,
        "{} tokens > cap {cap}",
        g1.tokens.len()
    );
    assert_eq!(g1.hit_cap, g1.tokens.len() == cap);
    assert!(g1
        .tokens
        .iter()
        .all(|&t| (t as usize) < WORDS.len() && t != 1));
    assert!(!g1.input_truncated);
    // The decoded text is the generated words (special tokens skipped), and the claims are its split.
    let words: Vec<&str> = g1
        .tokens
        .iter()
        .map(|&t| WORDS[t as usize])
        .filter(|w| !w.starts_with('<'))
        .collect();
    assert_eq!(g1.text.split_whitespace().collect::<Vec<_>>(), words);
    let doc = Document {
        id: "000".into(),
        file_name: "000_x.txt".into(),
        text: ARTICLE.into(),
        sha256: String::new(),
    };
    let claims = x.extract(&doc).unwrap();
    let want = split_claims(&g1.text, None);
    assert_eq!(
        claims.iter().map(|c| c.text.clone()).collect::<Vec<_>>(),
        want
    );
    assert!(claims
        .iter()
        .all(|c| c.doc == "000" && c.evidence.is_empty() && c.score.is_none()));
    assert_eq!(
        x.name(),
        format!("t5:{}", dir.path().file_name().unwrap().to_string_lossy())
    );

    // The KV cache changes nothing: the same weights without the cache give the same tokens.
    let dir2 = tempfile::tempdir().unwrap();
    write_tiny_t5(dir2.path(), false, None);
    let y = T5Extractor::load(dir2.path(), opts(cap)).unwrap();
    assert_eq!(y.generate(ARTICLE).unwrap().tokens, g1.tokens);

    // A different prefix is a different input.
    let z = T5Extractor::load(
        dir.path(),
        T5Options {
            prefix: String::new(),
            ..opts(cap)
        },
    )
    .unwrap();
    let _ = z.generate(ARTICLE).unwrap();
}

#[test]
fn sentence_granularity_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    write_tiny_t5(dir.path(), true, None);
    let text = format!("Headline here\n\n{ARTICLE}");
    let doc = Document {
        id: "007".into(),
        file_name: "007_x.txt".into(),
        text: text.clone(),
        sha256: String::new(),
    };
    let x = T5Extractor::load(
        dir.path(),
        T5Options {
            granularity: Granularity::Sentence,
            max_input_tokens: 4,
            separator: Some("|".into()),
            ..opts(5)
        },
    )
    .unwrap();
    let claims = x.extract(&doc).unwrap();
    // Every claim carries the span of the sentence it came from.
    for c in &claims {
        assert_eq!(c.evidence.len(), 1);
        assert!(claimbench_gold::char_slice(&text, c.evidence[0]).is_some());
        let _: Span = c.evidence[0];
    }
    // Both sentences were longer than 4 tokens with the prefix: both were cut and counted.
    assert_eq!(x.truncated_inputs(), 2);
    assert!(
        x.generate("putin met tillerson in moscow")
            .unwrap()
            .input_truncated
    );
}

#[test]
fn bad_model_directories_are_errors_not_panics() {
    // Not an encoder-decoder: candle would assert; we refuse first.
    let dir = tempfile::tempdir().unwrap();
    write_tiny_t5(dir.path(), true, None);
    let mut cfg = config(true, WORDS.len());
    cfg["is_encoder_decoder"] = serde_json::json!(false);
    std::fs::write(dir.path().join("config.json"), cfg.to_string()).unwrap();
    let err = T5Extractor::load(dir.path(), opts(4)).unwrap_err();
    assert!(matches!(err, Error::Model { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("config.json: is_encoder_decoder is false"),
        "{err}"
    );

    // A missing tensor.
    let dir = tempfile::tempdir().unwrap();
    write_tiny_t5(
        dir.path(),
        true,
        Some("decoder.block.0.layer.1.EncDecAttention.k.weight"),
    );
    let err = T5Extractor::load(dir.path(), opts(4)).unwrap_err();
    assert!(
        err.to_string()
            .contains("model.safetensors: weights do not fit the config"),
        "{err}"
    );

    // A missing tokenizer, a broken config, a zero cap.
    let dir = tempfile::tempdir().unwrap();
    write_tiny_t5(dir.path(), true, None);
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    let err = T5Extractor::load(dir.path(), opts(4)).unwrap_err();
    assert!(err.to_string().contains("tokenizer.json: missing"), "{err}");
    std::fs::write(dir.path().join("config.json"), "{\"d_model\": 16").unwrap();
    let err = T5Extractor::load(dir.path(), opts(4)).unwrap_err();
    assert!(
        err.to_string().contains("config.json: not a T5 config"),
        "{err}"
    );
    let err = T5Extractor::load(dir.path(), opts(0)).unwrap_err();
    assert!(matches!(err, Error::Options { .. }), "{err}");
    // A vocabulary larger than the model's.
    let dir = tempfile::tempdir().unwrap();
    write_tiny_t5(dir.path(), true, None);
    let mut cfg = config(true, WORDS.len());
    cfg["vocab_size"] = serde_json::json!(WORDS.len() - 10);
    std::fs::write(dir.path().join("config.json"), cfg.to_string()).unwrap();
    assert!(T5Extractor::load(dir.path(), opts(4)).is_err());
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        T5Extractor::load(empty.path(), opts(4)).unwrap_err(),
        Error::Io { .. }
    ));
}

fn write_tiny_t5(dir: &Path, use_cache: bool, skip_tensor: Option<&str>) {
    claimbench_extract::t5::tiny::write(dir, use_cache, skip_tensor).unwrap();
}
