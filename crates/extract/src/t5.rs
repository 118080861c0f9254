//! The `t5` extractor: any T5-family seq2seq model from a local Hugging Face directory
//! (for example a claim-extraction fine-tune), run through candle-transformers' `t5` module.
//!
//! The directory must hold `config.json`, `tokenizer.json` and `model.safetensors`.
//! The input is `prefix + text` (prefix e.g. `"extract claims: "`), tokenized and cut to
//! [`T5Options::max_input_tokens`] (the end-of-sequence token kept). Decoding is greedy (argmax, ties to
//! the lowest token id, so it is deterministic) from the decoder start token, up to
//! [`T5Options::max_new_tokens`] tokens or the end-of-sequence token. The decoded text is split into claims
//! by [`split_claims`].
//!
//! With [`Granularity::Article`] the whole article is one input and claims have no evidence; with
//! [`Granularity::Sentence`] each body sentence (from [`crate::sentences`]) is one input and its claims carry
//! the sentence's span as evidence.

pub mod tiny;

use crate::sentences;
use crate::{ClaimExtractor, Document, Error, PredictedClaim, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::t5;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokenizers::Tokenizer;

/// The separators [`split_claims`] splits on besides newlines.
pub const DEFAULT_SEPARATORS: &[&str] = &[" ; ", " | "];

/// What one model input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    /// The whole article (cut to `max_input_tokens`).
    #[default]
    Article,
    /// Each body sentence, claims carrying the sentence span as evidence.
    Sentence,
}

/// Options of the `t5` extractor.
#[derive(Debug, Clone)]
pub struct T5Options {
    /// Task prefix put before the input text.
    pub prefix: String,
    /// The most tokens generated per input.
    pub max_new_tokens: usize,
    /// The most input tokens (longer inputs are cut and counted in [`T5Extractor::truncated_inputs`]).
    pub max_input_tokens: usize,
    /// Extra claim separator (besides newlines, `" ; "` and `" | "`), e.g. `"<sep>"`.
    pub separator: Option<String>,
    /// What one model input is.
    pub granularity: Granularity,
    /// The device (resolve a `DeviceSpec` with the model crate).
    pub device: Device,
    /// Name in reports; default `t5:<directory name>`.
    pub name: Option<String>,
}

impl Default for T5Options {
    fn default() -> Self {
        T5Options {
            prefix: "extract claims: ".to_string(),
            max_new_tokens: 256,
            max_input_tokens: 512,
            separator: None,
            granularity: Granularity::Article,
            device: Device::Cpu,
            name: None,
        }
    }
}

/// The output of one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Generated token ids (without the decoder start token and the end-of-sequence token).
    pub tokens: Vec<u32>,
    /// The decoded text (special tokens skipped).
    pub text: String,
    /// Whether the input was cut to `max_input_tokens`.
    pub input_truncated: bool,
    /// Whether generation stopped at the cap rather than at end-of-sequence.
    pub hit_cap: bool,
}

/// A loaded T5-family model.
pub struct T5Extractor {
    name: String,
    dir: PathBuf,
    model: Mutex<t5::T5ForConditionalGeneration>,
    tokenizer: Tokenizer,
    config: t5::Config,
    opts: T5Options,
    truncated: Mutex<usize>,
}

impl std::fmt::Debug for T5Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("T5Extractor")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn model_err(path: &Path, message: impl Into<String>) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Split generated text into claims: on newlines, `" ; "`, `" | "` and the extra separator; trimmed,
/// empty pieces dropped.
pub fn split_claims(text: &str, separator: Option<&str>) -> Vec<String> {
    let mut pieces = vec![text.to_string()];
    let extra = separator.filter(|s| !s.is_empty());
    for sep in ["\n"]
        .iter()
        .chain(DEFAULT_SEPARATORS.iter())
        .copied()
        .chain(extra)
    {
        pieces = pieces
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    pieces
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

impl T5Extractor {
    /// Load `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path, opts: T5Options) -> Result<Self> {
        if opts.max_new_tokens == 0 {
            return Err(Error::Options {
                option: "max_new_tokens".into(),
                message: "must be at least 1".into(),
            });
        }
        if opts.max_input_tokens < 2 {
            return Err(Error::Options {
                option: "max_input_tokens".into(),
                message: "must be at least 2".into(),
            });
        }
        let config_path = dir.join("config.json");
        let raw = std::fs::read_to_string(&config_path).map_err(Error::io(&config_path))?;
        let config: t5::Config = serde_json::from_str(&raw)
            .map_err(|e| model_err(&config_path, format!("not a T5 config: {e}")))?;
        // candle asserts on some of these; check them first so a bad config is an error, not a panic.
        if !config.is_encoder_decoder {
            return Err(model_err(
                &config_path,
                "is_encoder_decoder is false: not a seq2seq T5 model",
            ));
        }
        for (field, v) in [
            ("vocab_size", config.vocab_size),
            ("d_model", config.d_model),
            ("d_kv", config.d_kv),
            ("d_ff", config.d_ff),
            ("num_layers", config.num_layers),
            ("num_heads", config.num_heads),
            (
                "relative_attention_num_buckets",
                config.relative_attention_num_buckets,
            ),
        ] {
            if v == 0 {
                return Err(model_err(&config_path, format!("{field} must be > 0")));
            }
        }
        if config.eos_token_id >= config.vocab_size
            || config.decoder_start_token_id.unwrap_or(config.pad_token_id) >= config.vocab_size
        {
            return Err(model_err(
                &config_path,
                "eos_token_id / decoder_start_token_id out of the vocabulary",
            ));
        }
        let tok_path = dir.join("tokenizer.json");
        if !tok_path.is_file() {
            return Err(model_err(
                &tok_path,
                "missing (the model directory needs tokenizer.json)",
            ));
        }
        let tokenizer = Tokenizer::from_file(&tok_path)
            .map_err(|e| model_err(&tok_path, format!("cannot load the tokenizer: {e}")))?;
        let weights_path = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights_path).map_err(Error::io(&weights_path))?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &opts.device)
            .map_err(|e| model_err(&weights_path, format!("cannot read the weights: {e}")))?;
        let model = t5::T5ForConditionalGeneration::load(vb, &config)
            .map_err(|e| model_err(&weights_path, format!("weights do not fit the config: {e}")))?;
        let name = opts.name.clone().unwrap_or_else(|| {
            format!(
                "t5:{}",
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            )
        });
        Ok(T5Extractor {
            name,
            dir: dir.to_path_buf(),
            model: Mutex::new(model),
            tokenizer,
            config,
            opts,
            truncated: Mutex::new(0),
        })
    }

    /// The model config.
    pub fn config(&self) -> &t5::Config {
        &self.config
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many inputs so far were cut to `max_input_tokens`.
    pub fn truncated_inputs(&self) -> usize {
        self.truncated.lock().map(|g| *g).unwrap_or(0)
    }

    /// Greedy-decode `prefix + text`.
    pub fn generate(&self, text: &str) -> Result<Generation> {
        let input = format!("{}{}", self.opts.prefix, text);
        let enc = self
            .tokenizer
            .encode(input.as_str(), true)
            .map_err(|e| model_err(&self.dir.join("tokenizer.json"), format!("encode: {e}")))?;
        let eos = self.config.eos_token_id as u32;
        let mut ids: Vec<u32> = enc.get_ids().to_vec();
        if ids.last() != Some(&eos) {
            ids.push(eos);
        }
        let vocab = self.config.vocab_size as u32;
        if let Some(bad) = ids.iter().find(|&&id| id >= vocab) {
            return Err(model_err(
                &self.dir.join("tokenizer.json"),
                format!("token id {bad} is outside the model's vocabulary ({vocab})"),
            ));
        }
        let input_truncated = ids.len() > self.opts.max_input_tokens;
        if input_truncated {
            ids.truncate(self.opts.max_input_tokens - 1);
            ids.push(eos);
            if let Ok(mut n) = self.truncated.lock() {
                *n += 1;
            }
        }
        let device = &self.opts.device;
        let mut model = self.model.lock().map_err(|_| {
            model_err(
                &self.dir,
                "the model is unusable: an earlier generation panicked",
            )
        })?;
        model.clear_kv_cache();
        let result = (|| -> candle_core::Result<(Vec<u32>, bool)> {
            let input_ids = Tensor::new(ids.as_slice(), device)?.unsqueeze(0)?;
            let encoded = model.encode(&input_ids)?;
            let start = self
                .config
                .decoder_start_token_id
                .unwrap_or(self.config.pad_token_id) as u32;
            let mut out: Vec<u32> = vec![start];
            let mut hit_cap = true;
            for step in 0..self.opts.max_new_tokens {
                let dec_in = if step == 0 || !self.config.use_cache {
                    Tensor::new(out.as_slice(), device)?.unsqueeze(0)?
                } else {
                    Tensor::new(&out[out.len() - 1..], device)?.unsqueeze(0)?
                };
                let logits = model.decode(&dec_in, &encoded)?.squeeze(0)?;
                let logits: Vec<f32> = logits.to_dtype(DType::F32)?.to_vec1()?;
                let next = argmax(&logits);
                if next == eos {
                    hit_cap = false;
                    break;
                }
                out.push(next);
            }
            Ok((out[1..].to_vec(), hit_cap))
        })();
        model.clear_kv_cache();
        let (tokens, hit_cap) =
            result.map_err(Error::candle(format!("{}: generation", self.name)))?;
        let text = self
            .tokenizer
            .decode(&tokens, true)
            .map_err(|e| model_err(&self.dir.join("tokenizer.json"), format!("decode: {e}")))?;
        Ok(Generation {
            tokens,
            text,
            input_truncated,
            hit_cap,
        })
    }

    /// Generate for `text` and split the output into claims.
    pub fn claims_for_text(&self, text: &str) -> Result<Vec<String>> {
        let g = self.generate(text)?;
        Ok(split_claims(&g.text, self.opts.separator.as_deref()))
    }
}

/// Index of the largest value; NaN never wins; ties go to the lowest index.
fn argmax(v: &[f32]) -> u32 {
    let mut best = 0usize;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &x) in v.iter().enumerate() {
        if x > best_v {
            best = i;
            best_v = x;
        }
    }
    best as u32
}

impl ClaimExtractor for T5Extractor {
    fn name(&self) -> &str {
        &self.name
    }

    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>> {
        let mut out = Vec::new();
        match self.opts.granularity {
            Granularity::Article => {
                for text in self.claims_for_text(&doc.text)? {
                    out.push(PredictedClaim {
                        doc: doc.id.clone(),
                        text,
                        score: None,
                        evidence: vec![],
                        extra: Default::default(),
                    });
                }
            }
            Granularity::Sentence => {
                for s in sentences::segment(&doc.text).sentences {
                    for text in self.claims_for_text(&s.text)? {
                        out.push(PredictedClaim {
                            doc: doc.id.clone(),
                            text,
                            score: None,
                            evidence: vec![s.span],
                            extra: Default::default(),
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter() {
        assert_eq!(
            split_claims(" a ; b | c\n\n d ;  ", None),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(
            split_claims("x<sep>y <sep> ;z", Some("<sep>")),
            vec!["x", "y", ";z"]
        );
        assert_eq!(split_claims("  \n ", None), Vec::<String>::new());
        assert_eq!(
            split_claims("one claim; not split", None),
            vec!["one claim; not split"]
        );
        assert_eq!(split_claims("a\r\nb", None), vec!["a", "b"]);
    }

    #[test]
    fn argmax_ties_and_nan() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.5]), 1);
        assert_eq!(argmax(&[]), 0);
    }
}
