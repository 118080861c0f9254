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

/// Pool packed token vectors (the fast forward's output: `[tokens, width]` row-major, sequence
/// `i` in rows `offsets[i]..offsets[i + 1]`, no padding) into one vector per sequence,
/// optionally L2-normalised as [`pool`] does. An empty sequence pools to zeros.
pub fn pool_packed(
    x: &[f32],
    offsets: &[usize],
    width: usize,
    pooling: Pooling,
    normalize: bool,
) -> Vec<Vec<f32>> {
    if pooling == Pooling::Mean {
        return crate::fast::kernels::mean_pool(x, offsets, width, normalize);
    }
    offsets
        .windows(2)
        .map(|w| {
            let rows = &x[w[0] * width..w[1] * width];
            let mut v = match pooling {
                Pooling::Cls | Pooling::Mean => rows.get(..width).map(<[f32]>::to_vec),
                Pooling::Max => rows.chunks_exact(width).fold(None, |acc, row| {
                    let mut m: Vec<f32> = acc.unwrap_or_else(|| row.to_vec());
                    for (a, &b) in m.iter_mut().zip(row) {
                        *a = a.max(b);
                    }
                    Some(m)
                }),
            }
            .unwrap_or_else(|| vec![0.0; width]);
            if normalize {
                crate::fast::kernels::l2_normalize(&mut v);
            }
            v
        })
        .collect()
}
