//! The transformer forward pass: token ids in, token vectors out.
//!
//! Kept apart from tokenising, batching, pooling and caching so that it can be optimised
//! (fused kernels, other matmul paths) without touching the rest. The encoder layers are
//! candle-transformers' BERT; the embeddings and the attention mask are built here so that the
//! mask uses a finite "minus infinity" of the running precision (candle's own BERT uses
//! `f32::MIN`, which overflows to `-inf` in f16 and turns the mask into NaNs).

use candle_core::{DType, Device, Tensor};
use candle_nn::{Embedding, LayerNorm, Module, VarBuilder};
use candle_transformers::models::bert::{BertEncoder, Config};

use crate::device::Precision;

/// The var builder at the BERT root of a checkpoint: no prefix, `bert.`, or `<model_type>.`.
pub(crate) fn bert_root<'a>(
    vb: VarBuilder<'a>,
    config: &Config,
) -> candle_core::Result<VarBuilder<'a>> {
    if vb.contains_tensor("embeddings.word_embeddings.weight") {
        Ok(vb)
    } else if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
        Ok(vb.pp("bert"))
    } else if let Some(mt) = config
        .model_type
        .as_deref()
        .filter(|mt| vb.contains_tensor(&format!("{mt}.embeddings.word_embeddings.weight")))
    {
        Ok(vb.pp(mt))
    } else {
        candle_core::bail!(
            "no tensor embeddings.word_embeddings.weight (nor with a bert. prefix) in the weights"
        )
    }
}

/// A padded batch of token ids, ready for the forward pass.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Token ids, `[batch, seq]` row-major.
    pub ids: Vec<u32>,
    /// 1 for real tokens, 0 for padding, `[batch, seq]` row-major.
    pub mask: Vec<u32>,
    /// Number of rows.
    pub batch: usize,
    /// Padded length.
    pub seq: usize,
}

/// BERT: embeddings, then the encoder stack; no pooler.
pub struct BertForward {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    layer_norm: LayerNorm,
    encoder: BertEncoder,
    precision: Precision,
    device: Device,
}

impl BertForward {
    /// Load the weights from a var builder (prefix `bert.` or `<model_type>.` detected).
    pub fn load(
        vb: VarBuilder,
        config: &Config,
        precision: Precision,
    ) -> candle_core::Result<Self> {
        let vb = bert_root(vb, config)?;
        let e = vb.pp("embeddings");
        let h = config.hidden_size;
        let word = candle_nn::embedding(config.vocab_size, h, e.pp("word_embeddings"))?;
        let position = candle_nn::embedding(
            config.max_position_embeddings,
            h,
            e.pp("position_embeddings"),
        )?;
        let token_type =
            candle_nn::embedding(config.type_vocab_size, h, e.pp("token_type_embeddings"))?;
        let layer_norm = candle_nn::layer_norm(h, config.layer_norm_eps, e.pp("LayerNorm"))?;
        let encoder = BertEncoder::load(vb.pp("encoder"), config)?;
        Ok(Self {
            word,
            position,
            token_type,
            layer_norm,
            encoder,
            precision,
            device: vb.device().clone(),
        })
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Run the model on a padded batch: `[batch, seq, hidden]` in the model's precision,
    /// plus the mask as an f32 `[batch, seq]` tensor on the device (for pooling).
    pub fn forward(&self, b: &Batch) -> candle_core::Result<(Tensor, Tensor)> {
        let dev = &self.device;
        let dtype = self.precision.dtype();
        let ids = Tensor::from_slice(&b.ids, (b.batch, b.seq), dev)?;
        let type_ids = ids.zeros_like()?;
        let positions = Tensor::arange(0u32, b.seq as u32, dev)?;
        let x = self
            .word
            .forward(&ids)?
            .add(&self.token_type.forward(&type_ids)?)?
            .broadcast_add(&self.position.forward(&positions)?)?;
        let x = self.layer_norm.forward(&x)?;
        let mask = Tensor::from_slice(&b.mask, (b.batch, b.seq), dev)?.to_dtype(DType::F32)?;
        // additive mask [batch, 1, 1, seq]: 0 for tokens, the precision's minimum for padding
        let additive = ((1.0 - &mask)? * f64::from(self.precision.min_value()))?
            .to_dtype(dtype)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let hidden = self.encoder.forward(&x, &additive)?;
        Ok((hidden, mask))
    }
}
