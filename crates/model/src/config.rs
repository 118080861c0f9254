//! Reading a model directory in the Hugging Face / sentence-transformers layout.
//!
//! `config.json` deserialises straight into candle-transformers' BERT config; the optional
//! sentence-transformers files (`modules.json`, `1_Pooling/config.json`,
//! `sentence_bert_config.json`) decide pooling, normalisation and the maximum sequence length.
//! Without them: mean pooling, no normalisation, `max_position_embeddings`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use candle_transformers::models::bert;
use serde::Deserialize;

use crate::error::{io_err, Error, Result};

/// How token vectors become one sentence vector.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum Pooling {
    /// Mean over the non-padding tokens (special tokens included, as sentence-transformers does).
    #[default]
    Mean,
    /// The first token's (`[CLS]`) vector.
    Cls,
    /// Element-wise maximum over the non-padding tokens.
    Max,
}

impl FromStr for Pooling {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mean" => Ok(Pooling::Mean),
            "cls" => Ok(Pooling::Cls),
            "max" => Ok(Pooling::Max),
            _ => Err(Error::ParsePooling(s.to_string())),
        }
    }
}

impl fmt::Display for Pooling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pooling::Mean => "mean",
            Pooling::Cls => "cls",
            Pooling::Max => "max",
        })
    }
}

impl TryFrom<String> for Pooling {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Pooling> for String {
    fn from(p: Pooling) -> String {
        p.to_string()
    }
}

/// Overrides of what the model files declare (for experiments and for testing the variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModelOverrides {
    /// Pooling to use instead of the declared one.
    pub pooling: Option<Pooling>,
    /// Whether to L2-normalise, instead of the declared choice.
    pub normalize: Option<bool>,
    /// Maximum tokens per input (special tokens included), instead of the declared one.
    pub max_seq_length: Option<usize>,
}

/// What a model directory declares, after overrides.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// The BERT configuration from `config.json`.
    pub bert: bert::Config,
    /// The pooling.
    pub pooling: Pooling,
    /// Whether outputs are L2-normalised.
    pub normalize: bool,
    /// Maximum tokens per input, special tokens included.
    pub max_seq_length: usize,
    /// `tokenizer.json`.
    pub tokenizer_path: PathBuf,
    /// `model.safetensors`.
    pub weights_path: PathBuf,
}

#[derive(Deserialize)]
struct StModule {
    #[serde(default)]
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct StPooling {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

#[derive(Deserialize)]
struct StBertConfig {
    max_seq_length: Option<usize>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn require(dir: &Path, file: &str) -> Result<PathBuf> {
    let path = dir.join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::MissingFile {
            path,
            hint: format!(
                "a model directory needs config.json, tokenizer.json and model.safetensors; \
                 fetch a registered model with `claimbench models fetch NAME`, or point at a \
                 directory in the Hugging Face layout ({} was given)",
                dir.display()
            ),
        })
    }
}

fn pooling_from_st(path: &Path, p: &StPooling) -> Result<Pooling> {
    let unsupported = [
        (p.pooling_mode_mean_sqrt_len_tokens, "mean_sqrt_len_tokens"),
        (p.pooling_mode_weightedmean_tokens, "weightedmean_tokens"),
        (p.pooling_mode_lasttoken, "lasttoken"),
    ];
    if let Some((_, name)) = unsupported.iter().find(|(on, _)| *on) {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            message: format!("pooling mode {name} is not supported (supported: mean, cls, max)"),
        });
    }
    let modes: Vec<Pooling> = [
        (p.pooling_mode_mean_tokens, Pooling::Mean),
        (p.pooling_mode_cls_token, Pooling::Cls),
        (p.pooling_mode_max_tokens, Pooling::Max),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, m)| *m)
    .collect();
    match modes.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::Unsupported {
            path: path.to_path_buf(),
            message: "no pooling mode is enabled (expected one of mean, cls, max)".to_string(),
        }),
        _ => Err(Error::Unsupported {
            path: path.to_path_buf(),
            message: "several pooling modes at once (concatenated vectors) are not supported"
                .to_string(),
        }),
    }
}

/// Read a model directory and apply the overrides.
pub fn read_model_dir(dir: &Path, overrides: &ModelOverrides) -> Result<ModelSpec> {
    let config_path = require(dir, "config.json")?;
    let tokenizer_path = require(dir, "tokenizer.json")?;
    let weights_path = require(dir, "model.safetensors")?;
    let bert: bert::Config = read_json(&config_path)?;
    if bert.num_attention_heads == 0 || !bert.hidden_size.is_multiple_of(bert.num_attention_heads) {
        return Err(Error::Unsupported {
            path: config_path,
            message: format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                bert.hidden_size, bert.num_attention_heads
            ),
        });
    }

    let mut pooling = Pooling::Mean;
    let mut normalize = false;
    let modules_path = dir.join("modules.json");
    if modules_path.is_file() {
        let modules: Vec<StModule> = read_json(&modules_path)?;
        for m in &modules {
            let kind = m.kind.rsplit('.').next().unwrap_or(&m.kind);
            match kind {
                "Pooling" => {
                    let p = dir.join(&m.path).join("config.json");
                    let st: StPooling = read_json(&p)?;
                    pooling = pooling_from_st(&p, &st)?;
                }
                "Normalize" => normalize = true,
                "Transformer" => {}
                other => {
                    return Err(Error::Unsupported {
                        path: modules_path.clone(),
                        message: format!(
                            "module type {other} is not supported (supported: Transformer, \
                             Pooling, Normalize)"
                        ),
                    })
                }
            }
        }
    } else {
        let p = dir.join("1_Pooling").join("config.json");
        if p.is_file() {
            let st: StPooling = read_json(&p)?;
            pooling = pooling_from_st(&p, &st)?;
        }
    }

    let mut max_seq_length = bert.max_position_embeddings;
    let sb_path = dir.join("sentence_bert_config.json");
    if sb_path.is_file() {
        let sb: StBertConfig = read_json(&sb_path)?;
        if let Some(n) = sb.max_seq_length {
            max_seq_length = n.min(bert.max_position_embeddings);
        }
    }

    if let Some(p) = overrides.pooling {
        pooling = p;
    }
    if let Some(n) = overrides.normalize {
        normalize = n;
    }
    if let Some(n) = overrides.max_seq_length {
        if n < 2 || n > bert.max_position_embeddings {
            return Err(Error::Option {
                field: "max_seq_length",
                message: format!(
                    "{n} is outside 2..={} (max_position_embeddings of {})",
                    bert.max_position_embeddings,
                    config_path.display()
                ),
            });
        }
        max_seq_length = n;
    }
    Ok(ModelSpec {
        bert,
        pooling,
        normalize,
        max_seq_length,
        tokenizer_path,
        weights_path,
    })
}
