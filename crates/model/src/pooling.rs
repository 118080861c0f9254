//! Pooling of token vectors into sentence vectors, and L2 normalisation, as
//! sentence-transformers does them (attention mask honoured; padding never counts).

use candle_core::{DType, Tensor, D};

use crate::config::Pooling;

/// Pool `hidden` (`[batch, seq, dim]`, any float dtype) with `mask` (`[batch, seq]`, f32 0/1)
/// into f32 `[batch, dim]`, optionally L2-normalised.
pub fn pool(
    hidden: &Tensor,
    mask: &Tensor,
    pooling: Pooling,
    normalize: bool,
) -> candle_core::Result<Tensor> {
    let hidden = hidden.to_dtype(DType::F32)?;
    let pooled = match pooling {
        Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
        Pooling::Mean => {
            let m = mask.unsqueeze(2)?;
            let sum = hidden.broadcast_mul(&m)?.sum(1)?;
            // sentence-transformers: clamp(sum_mask, min=1e-9)
            let count = mask.sum_keepdim(1)?.clamp(1e-9, f64::INFINITY)?;
            sum.broadcast_div(&count)?
        }
        Pooling::Max => {
            // sentence-transformers sets padded positions to -1e9 before the max
            let m = mask.unsqueeze(2)?.broadcast_as(hidden.shape())?;
            let neg = Tensor::full(-1e9f32, hidden.shape(), hidden.device())?;
            m.ne(0f32)?.where_cond(&hidden, &neg)?.max(1)?
        }
    };
    if normalize {
        // torch.nn.functional.normalize: x / max(||x||, 1e-12)
        let norm = pooled
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .sqrt()?
            .clamp(1e-12, f64::INFINITY)?;
        pooled.broadcast_div(&norm)
    } else {
        Ok(pooled)
    }
}
