//! A tiny T5 with random weights (seeded), in the Hugging Face layout: for tests and smoke runs of the `t5`
//! extractor without downloading a model. It generates words of [`WORDS`], not claims.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, Tokenizer};

use crate::{Error, Result};

/// Hidden size.
pub const D_MODEL: usize = 16;
/// Size of one attention head.
pub const D_KV: usize = 4;
/// Attention heads.
pub const HEADS: usize = 4;
/// Feed-forward size.
pub const D_FF: usize = 32;
/// Relative-position buckets.
pub const BUCKETS: usize = 8;
/// Encoder layers.
pub const ENC_LAYERS: usize = 2;
/// Decoder layers.
pub const DEC_LAYERS: usize = 1;

/// The vocabulary, by token id.
pub const WORDS: &[&str] = &[
    "<pad>",
    "</s>",
    "<unk>",
    "extract",
    "claims",
    ":",
    ";",
    "|",
    "putin",
    "met",
    "tillerson",
    "in",
    "moscow",
    "on",
    "wednesday",
    "the",
    "talks",
    "lasted",
    "two",
    "hours",
    ".",
    "russia",
    "vetoed",
    "a",
    "resolution",
    "syria",
    "said",
    "he",
    "would",
    "not",
    "attend",
    "it",
];

/// The model's `config.json`.
pub fn config(use_cache: bool, vocab: usize) -> serde_json::Value {
    serde_json::json!({
        "vocab_size": vocab, "d_model": D_MODEL, "d_kv": D_KV, "d_ff": D_FF,
        "num_layers": ENC_LAYERS, "num_decoder_layers": DEC_LAYERS, "num_heads": HEADS,
        "relative_attention_num_buckets": BUCKETS, "relative_attention_max_distance": 16,
        "dropout_rate": 0.0, "layer_norm_epsilon": 1e-6, "initializer_factor": 1.0,
        "feed_forward_proj": "relu", "tie_word_embeddings": true, "is_encoder_decoder": true,
        "use_cache": use_cache, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
        "model_type": "t5"
    })
}

/// Tensor names and shapes as candle-transformers' `t5::T5ForConditionalGeneration::load` reads them
/// (the Hugging Face layout): shared embeddings, then per stack `block.{i}.layer.{j}` with
/// `SelfAttention` (relative bias in block 0 only), `EncDecAttention` (decoder), `DenseReluDense`, layer norms.
pub fn tensor_shapes(vocab: usize) -> Vec<(String, Vec<usize>)> {
    let inner = HEADS * D_KV;
    let mut v: Vec<(String, Vec<usize>)> = vec![("shared.weight".into(), vec![vocab, D_MODEL])];
    let attn = |v: &mut Vec<(String, Vec<usize>)>, p: &str, bias: bool| {
        for n in ["q", "k", "v"] {
            v.push((format!("{p}.{n}.weight"), vec![inner, D_MODEL]));
        }
        v.push((format!("{p}.o.weight"), vec![D_MODEL, inner]));
        if bias {
            v.push((
                format!("{p}.relative_attention_bias.weight"),
                vec![BUCKETS, HEADS],
            ));
        }
    };
    for (stack, layers) in [("encoder", ENC_LAYERS), ("decoder", DEC_LAYERS)] {
        for i in 0..layers {
            let b = format!("{stack}.block.{i}.layer");
            attn(&mut v, &format!("{b}.0.SelfAttention"), i == 0);
            v.push((format!("{b}.0.layer_norm.weight"), vec![D_MODEL]));
            let ff = if stack == "decoder" {
                attn(&mut v, &format!("{b}.1.EncDecAttention"), false);
                v.push((format!("{b}.1.layer_norm.weight"), vec![D_MODEL]));
                2
            } else {
                1
            };
            v.push((
                format!("{b}.{ff}.DenseReluDense.wi.weight"),
                vec![D_FF, D_MODEL],
            ));
            v.push((
                format!("{b}.{ff}.DenseReluDense.wo.weight"),
                vec![D_MODEL, D_FF],
            ));
            v.push((format!("{b}.{ff}.layer_norm.weight"), vec![D_MODEL]));
        }
        v.push((format!("{stack}.final_layer_norm.weight"), vec![D_MODEL]));
    }
    v
}

/// Write the tiny T5 into `dir` (`config.json`, `model.safetensors`, `tokenizer.json`), weights from a fixed
/// seed; `skip_tensor` leaves one tensor out (to test a damaged model).
pub fn write(dir: &Path, use_cache: bool, skip_tensor: Option<&str>) -> Result<()> {
    let bad = |message: String| Error::Model {
        path: dir.to_path_buf(),
        message,
    };
    let vocab = WORDS.len();
    let config_path = dir.join("config.json");
    std::fs::write(&config_path, config(use_cache, vocab).to_string())
        .map_err(Error::io(&config_path))?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for (name, shape) in tensor_shapes(vocab) {
        if Some(name.as_str()) == skip_tensor {
            continue;
        }
        let n: usize = shape.iter().product();
        let data: Vec<f32> = if name.ends_with("layer_norm.weight") {
            vec![1.0; n]
        } else {
            (0..n).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
        };
        let t = Tensor::from_vec(data, shape, &Device::Cpu).map_err(|e| bad(e.to_string()))?;
        tensors.insert(name, t);
    }
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors"))
        .map_err(|e| bad(e.to_string()))?;
    let model = WordLevel::builder()
        .vocab(
            WORDS
                .iter()
                .enumerate()
                .map(|(i, w)| (w.to_string(), i as u32))
                .collect(),
        )
        .unk_token("<unk>".into())
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let mut tok = Tokenizer::new(model);
    tok.with_pre_tokenizer(Some(Whitespace {}));
    tok.add_special_tokens(&[
        AddedToken::from("<pad>", true),
        AddedToken::from("</s>", true),
        AddedToken::from("<unk>", true),
    ]);
    tok.save(dir.join("tokenizer.json"), false)
        .map_err(|e| bad(e.to_string()))?;
    Ok(())
}
