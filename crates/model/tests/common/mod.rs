//! A tiny random BERT written to a temp dir: config.json, a minimal WordPiece tokenizer.json
//! and random safetensors, so that loading, pooling, batching and caching can be tested
//! without downloading anything.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const HIDDEN: usize = 16;
pub const LAYERS: usize = 2;
pub const HEADS: usize = 2;
pub const INTERMEDIATE: usize = 32;
pub const MAX_POS: usize = 64;

/// The vocabulary: specials, some words, single letters and their `##` continuations.
pub fn vocab() -> Vec<String> {
    let mut v: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for w in [
        "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "home", ".", ",", "##s", "and",
    ] {
        v.push(w.to_string());
    }
    for c in 'a'..='z' {
        if !v.contains(&c.to_string()) {
            v.push(c.to_string());
        }
        v.push(format!("##{c}"));
    }
    v
}

fn tokenizer_json(vocab: &[String]) -> String {
    let vocab_map: serde_json::Map<String, serde_json::Value> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), serde_json::json!(i)))
        .collect();
    let added: Vec<serde_json::Value> = vocab[..4]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    serde_json::json!({
        "version": "1.0",
        // the real all-MiniLM tokenizer.json also carries truncation and padding; the
        // embedder must override both
        "truncation": {"direction": "Right", "max_length": 6, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": 40}, "direction": "Right", "pad_to_multiple_of": null,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab_map}
    })
    .to_string()
}

fn rand_tensor(rng: &mut StdRng, shape: &[usize], scale: f32, offset: f32) -> Tensor {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n)
        .map(|_| offset + scale * rng.gen_range(-1.0f32..1.0))
        .collect();
    Tensor::from_vec(data, shape, &Device::Cpu).unwrap()
}

/// Write a tiny random BERT (seeded) into `dir`: no sentence-transformers files, so the
/// defaults apply (mean pooling, no normalisation, max_position_embeddings).
pub fn write_tiny_bert(dir: &Path, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let vocab = vocab();
    let config = serde_json::json!({
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_POS,
        "model_type": "bert",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "type_vocab_size": 2,
        "vocab_size": vocab.len()
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json(&vocab)).unwrap();

    let mut rng = StdRng::seed_from_u64(seed);
    let mut t: HashMap<String, Tensor> = HashMap::new();
    let h = HIDDEN;
    t.insert(
        "embeddings.word_embeddings.weight".into(),
        rand_tensor(&mut rng, &[vocab.len(), h], 0.5, 0.0),
    );
    t.insert(
        "embeddings.position_embeddings.weight".into(),
        rand_tensor(&mut rng, &[MAX_POS, h], 0.5, 0.0),
    );
    t.insert(
        "embeddings.token_type_embeddings.weight".into(),
        rand_tensor(&mut rng, &[2, h], 0.5, 0.0),
    );
    t.insert(
        "embeddings.LayerNorm.weight".into(),
        rand_tensor(&mut rng, &[h], 0.1, 1.0),
    );
    t.insert(
        "embeddings.LayerNorm.bias".into(),
        rand_tensor(&mut rng, &[h], 0.1, 0.0),
    );
    for l in 0..LAYERS {
        let p = format!("encoder.layer.{l}");
        for (name, out, inp) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", INTERMEDIATE, h),
            ("output.dense", h, INTERMEDIATE),
        ] {
            t.insert(
                format!("{p}.{name}.weight"),
                rand_tensor(&mut rng, &[out, inp], 0.4, 0.0),
            );
            t.insert(
                format!("{p}.{name}.bias"),
                rand_tensor(&mut rng, &[out], 0.1, 0.0),
            );
        }
        for name in ["attention.output.LayerNorm", "output.LayerNorm"] {
            t.insert(
                format!("{p}.{name}.weight"),
                rand_tensor(&mut rng, &[h], 0.1, 1.0),
            );
            t.insert(
                format!("{p}.{name}.bias"),
                rand_tensor(&mut rng, &[h], 0.1, 0.0),
            );
        }
    }
    candle_core::safetensors::save(&t, dir.join("model.safetensors")).unwrap();
}

/// Add sentence-transformers files declaring `pooling`, optional Normalize and a length.
pub fn write_st_files(dir: &Path, pooling: &str, normalize: bool, max_seq_length: Option<usize>) {
    let mut modules = vec![
        serde_json::json!({"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}),
        serde_json::json!({"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}),
    ];
    if normalize {
        modules.push(serde_json::json!({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}));
    }
    std::fs::write(
        dir.join("modules.json"),
        serde_json::Value::Array(modules).to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    let pc = serde_json::json!({
        "word_embedding_dimension": HIDDEN,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": pooling == "max",
        "pooling_mode_mean_sqrt_len_tokens": false
    });
    std::fs::write(dir.join("1_Pooling").join("config.json"), pc.to_string()).unwrap();
    if let Some(n) = max_seq_length {
        std::fs::write(
            dir.join("sentence_bert_config.json"),
            serde_json::json!({"max_seq_length": n, "do_lower_case": false}).to_string(),
        )
        .unwrap();
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Sentences of varied lengths over the tiny vocabulary.
pub fn sentences() -> Vec<String> {
    vec![
        "the cat sat".to_string(),
        "a dog ran home and the cat sat on the mat".to_string(),
        "cats".to_string(),
        "".to_string(),
        "the dog, the cat and the mat.".to_string(),
        "zebra quartz".to_string(),
        "the cat sat on the mat and a dog ran home and the cat sat on the mat again".to_string(),
        "home".to_string(),
    ]
}
