//! Element-wise and attention kernels of the fast forward, written as plain loops that the
//! compiler vectorises. Each public function runs its loops under [`pulp::Arch::dispatch`], so
//! that they are compiled again for AVX2 + FMA (x86-64-v3) and AVX-512 (x86-64-v4) and picked at
//! run time; without that the baseline x86-64 build would only use 4-wide SSE2.
//!
//! The loops are handed to `dispatch` as [`pulp::WithSimd`] structs whose `with_simd` is generic
//! and `#[inline(always)]` and calls the `#[inline(always)]` loop function itself, so that each
//! instruction set gets its own inlined copy of the loop. A closure would not do: `dispatch`
//! calls it from every arm, so it stays one out-of-line function compiled for the baseline
//! (SSE2), which is what an earlier version did (the element-wise work and attention ran 4
//! lanes wide: 18% of the forward's time in a profile at batch 32).
//!
//! Rows are spread over rayon's pool (the one candle's matmul uses too) in chunks big enough to
//! amortise the hand-off.

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

/// Rows per rayon task for the row-wise kernels (LayerNorm, bias + GELU).
const ROWS_PER_TASK: usize = 16;

/// `erf(x)` for f32: the rational approximation of Eigen's `generic_fast_erf_float`
/// (odd degree-13 numerator over even degree-8 denominator on x clamped to [-4, 4]);
/// absolute error below 1e-6, branch-free so that it vectorises.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_6e-3;
    p = x2 * p + -1.609_603_3e-2;
    p *= x;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329_2e-3;
    q = x2 * q + -1.426_473_9e-2;
    p / q
}

/// GELU with the exact (erf) form that BERT uses: `0.5 x (1 + erf(x / sqrt 2))`.
#[inline(always)]
pub fn gelu_erf(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `exp(x)` for f32, branch-free: range reduction by ln 2 and a degree-6 polynomial
/// (relative error about 2e-7). Inputs are clamped to [-87, 88].
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 88.0);
    // round to nearest without a libm call: adding 1.5 * 2^23 drops the fraction bits
    const SHIFT: f32 = 12_582_912.0;
    let big = x * std::f32::consts::LOG2_E + SHIFT;
    let n = big - SHIFT;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = r * (1.0 / 720.0) + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2^n from the bits of `big`, whose last mantissa bits hold n (its ulp is 1 in
    // [2^23, 2^24)): integer arithmetic that vectorises, where `n as i32` (a saturating
    // conversion) is done one lane at a time; the same value for every x (a NaN x stays NaN)
    let n_int = big.to_bits().wrapping_sub(SHIFT.to_bits());
    let scale = f32::from_bits(n_int.wrapping_add(127) << 23);
    p * scale
}

/// `x <- LayerNorm(x + y + bias) * gamma + beta`, row by row (`width` columns).
pub fn add_bias_residual_layer_norm(
    x: &mut [f32],
    y: &[f32],
    bias: &[f32],
    gamma: &[f32],
    beta: &[f32],
    width: usize,
    eps: f32,
) {
    let arch = pulp::Arch::new();
    x.par_chunks_mut(width * ROWS_PER_TASK)
        .zip(y.par_chunks(width * ROWS_PER_TASK))
        .for_each(|(xs, ys)| {
            arch.dispatch(AddNorm {
                xs,
                ys,
                bias,
                gamma,
                beta,
                width,
                eps,
            })
        });
}

/// `add_norm_rows` for [`pulp::Arch::dispatch`].
struct AddNorm<'a> {
    xs: &'a mut [f32],
    ys: &'a [f32],
    bias: &'a [f32],
    gamma: &'a [f32],
    beta: &'a [f32],
    width: usize,
    eps: f32,
}

impl WithSimd for AddNorm<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        add_norm_rows(
            self.xs, self.ys, self.bias, self.gamma, self.beta, self.width, self.eps,
        )
    }
}

/// `norm_rows` for [`pulp::Arch::dispatch`].
struct Norm<'a> {
    xs: &'a mut [f32],
    gamma: &'a [f32],
    beta: &'a [f32],
    width: usize,
    eps: f32,
}

impl WithSimd for Norm<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        norm_rows(self.xs, self.gamma, self.beta, self.width, self.eps)
    }
}

/// `activation_rows` for [`pulp::Arch::dispatch`].
struct ActRows<'a> {
    xs: &'a mut [f32],
    bias: &'a [f32],
    width: usize,
    act: Activation,
}

impl WithSimd for ActRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let (xs, bias, width) = (self.xs, self.bias, self.width);
        match self.act {
            Activation::GeluErf => activation_rows(xs, bias, width, gelu_erf),
            Activation::GeluTanh => activation_rows(xs, bias, width, gelu_tanh),
            Activation::Relu => activation_rows(xs, bias, width, |x| x.max(0.0)),
        }
    }
}

/// `attend_one` for [`pulp::Arch::dispatch`].
struct Attend<'a> {
    qkv: &'a [f32],
    bias: &'a [f32],
    start: usize,
    len: usize,
    h: usize,
    heads: usize,
    d: usize,
    scale: f32,
    out: &'a mut [f32],
}

impl WithSimd for Attend<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        attend_one(
            self.qkv, self.bias, self.start, self.len, self.h, self.heads, self.d, self.scale,
            self.out,
        )
    }
}

/// `x <- LayerNorm(x) * gamma + beta`, row by row.
pub fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], width: usize, eps: f32) {
    let arch = pulp::Arch::new();
    x.par_chunks_mut(width * ROWS_PER_TASK).for_each(|xs| {
        arch.dispatch(Norm {
            xs,
            gamma,
            beta,
            width,
            eps,
        })
    });
}

#[inline(always)]
fn add_norm_rows(
    xs: &mut [f32],
    ys: &[f32],
    bias: &[f32],
    gamma: &[f32],
    beta: &[f32],
    width: usize,
    eps: f32,
) {
    for (xr, yr) in xs.chunks_exact_mut(width).zip(ys.chunks_exact(width)) {
        for ((a, &b), &c) in xr.iter_mut().zip(yr).zip(bias) {
            *a += b + c;
        }
        normalize_row(xr, gamma, beta, eps);
    }
}

#[inline(always)]
fn norm_rows(xs: &mut [f32], gamma: &[f32], beta: &[f32], width: usize, eps: f32) {
    for xr in xs.chunks_exact_mut(width) {
        normalize_row(xr, gamma, beta, eps);
    }
}

/// `xs <- f(xs + bias)`, row by row.
#[inline(always)]
fn activation_rows(xs: &mut [f32], bias: &[f32], width: usize, f: impl Fn(f32) -> f32) {
    for row in xs.chunks_exact_mut(width) {
        for (x, &b) in row.iter_mut().zip(bias) {
            *x = f(*x + b);
        }
    }
}

/// GELU, tanh approximation: `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`.
#[inline(always)]
pub fn gelu_tanh(x: f32) -> f32 {
    // tanh(z) = 1 - 2 / (exp(2z) + 1)
    let z = 0.797_884_6 * (x + 0.044_715 * x * x * x);
    let t = 1.0 - 2.0 / (exp(2.0 * z) + 1.0);
    0.5 * x * (1.0 + t)
}

#[inline(always)]
fn normalize_row(xr: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = xr.len() as f32;
    let mean = sum(xr) / n;
    let mut var = [0.0f32; 16];
    let mut chunks = xr.chunks_exact(16);
    for c in &mut chunks {
        for (v, &a) in var.iter_mut().zip(c) {
            let d = a - mean;
            *v += d * d;
        }
    }
    let mut var_s: f32 = var.iter().sum();
    for &a in chunks.remainder() {
        var_s += (a - mean) * (a - mean);
    }
    let rstd = 1.0 / (var_s / n + eps).sqrt();
    for ((a, &g), &b) in xr.iter_mut().zip(gamma).zip(beta) {
        *a = (*a - mean) * rstd * g + b;
    }
}

/// Sum with 16 independent partial sums, so that it vectorises (f32 addition is not
/// associative, so a plain `iter().sum()` stays scalar).
#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let mut chunks = xs.chunks_exact(16);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let mut s: f32 = acc.iter().sum();
    for &v in chunks.remainder() {
        s += v;
    }
    s
}

/// The largest of `xs[..len]` (NaN skipped), with 16 independent lanes over whole vectors of 16
/// (vectorises): the lanes from `len` on count as -inf. `xs.len()` must be a multiple of 16, at
/// least `len`.
#[inline(always)]
fn max_of_first(xs: &[f32], len: usize) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 16];
    for (b, c) in xs.chunks_exact(16).enumerate() {
        for (l, (a, &v)) in acc.iter_mut().zip(c).enumerate() {
            let v = if b * 16 + l < len {
                v
            } else {
                f32::NEG_INFINITY
            };
            *a = if v > *a { v } else { *a };
        }
    }
    let mut m = f32::NEG_INFINITY;
    for &v in &acc {
        m = if v > m { v } else { m };
    }
    m
}

/// The activation between the two feed-forward products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// GELU, exact (erf) form, as BERT uses.
    GeluErf,
    /// GELU, tanh approximation.
    GeluTanh,
    /// ReLU.
    Relu,
}

/// `u <- act(u + bias)` row by row (`width` columns), in place where the matrix product left it.
pub fn bias_activation(u: &mut [f32], bias: &[f32], width: usize, act: Activation) {
    let arch = pulp::Arch::new();
    u.par_chunks_mut(width * ROWS_PER_TASK).for_each(|xs| {
        arch.dispatch(ActRows {
            xs,
            bias,
            width,
            act,
        })
    });
}

/// Multi-head self-attention over packed sequences, no padding and so no mask.
///
/// `qkv` is `[tokens, 3 * hidden]` (Q, then K, then V; each `heads` blocks of `head_dim`),
/// without its bias, which `bias` (`3 * hidden`) adds here. `offsets` has one entry per
/// sequence plus the total (`offsets[i]..offsets[i + 1]` are sequence `i`'s rows). Writes the
/// context `[tokens, hidden]`, token-major, ready for the output projection, over `ctx`;
/// `scratch` is working space. Both are resized to `[tokens, hidden]` (buffers reused from call
/// to call, every value of them written each time).
pub fn attention(
    qkv: &[f32],
    bias: &[f32],
    offsets: &[usize],
    heads: usize,
    head_dim: usize,
    scratch: &mut Vec<f32>,
    ctx: &mut Vec<f32>,
) {
    let hidden = heads * head_dim;
    let tokens = offsets.last().copied().unwrap_or(0);
    ctx.resize(tokens * hidden, 0.0);
    // one task per (sequence, head); each writes its [len, head_dim] block into a head-major
    // scratch area, copied into the token-major context afterwards
    scratch.resize(tokens * hidden, 0.0);
    let mut tasks: Vec<(usize, usize, &mut [f32])> = Vec::with_capacity((offsets.len()) * heads);
    {
        let mut rest: &mut [f32] = scratch;
        for w in offsets.windows(2) {
            let len = w[1] - w[0];
            for h in 0..heads {
                let (head, tail) = rest.split_at_mut(len * head_dim);
                tasks.push((w[0], h, head));
                rest = tail;
            }
        }
    }
    let scale = 1.0 / (head_dim as f32).sqrt();
    let arch = pulp::Arch::new();
    tasks
        .par_iter_mut()
        .with_min_len(2)
        .for_each(|(start, h, out)| {
            let len = out.len() / head_dim;
            arch.dispatch(Attend {
                qkv,
                bias,
                start: *start,
                len,
                h: *h,
                heads,
                d: head_dim,
                scale,
                out,
            })
        });
    // head-major scratch -> token-major context, one task per sequence (both are laid out
    // sequence by sequence, `len * hidden` values each)
    let mut pieces: Vec<(&mut [f32], &[f32])> = Vec::with_capacity(offsets.len());
    {
        let (mut dst, mut src): (&mut [f32], &[f32]) = (ctx, scratch);
        for w in offsets.windows(2) {
            let n = (w[1] - w[0]) * hidden;
            let (d, dt) = dst.split_at_mut(n);
            let (s, st) = src.split_at(n);
            pieces.push((d, s));
            dst = dt;
            src = st;
        }
    }
    pieces.into_par_iter().for_each(|(dst, src)| {
        let len = dst.len() / hidden;
        for (h, head) in src.chunks_exact(len * head_dim).enumerate() {
            for (i, row) in head.chunks_exact(head_dim).enumerate() {
                let at = i * hidden + h * head_dim;
                dst[at..at + head_dim].copy_from_slice(row);
            }
        }
    });
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn attend_one(
    qkv: &[f32],
    bias: &[f32],
    start: usize,
    len: usize,
    h: usize,
    heads: usize,
    d: usize,
    scale: f32,
    out: &mut [f32],
) {
    let hidden = heads * d;
    let row = 3 * hidden;
    let (qo, ko, vo) = (h * d, hidden + h * d, 2 * hidden + h * d);
    // K transposed [d, lp] (zero beyond len: whole vectors, so the score loop has no scalar
    // tail; the padding's scores are never read) and V [len, d], both with their bias
    let lp = len.div_ceil(16) * 16;
    let mut kt = vec![0.0f32; d * lp];
    let mut v = vec![0.0f32; len * d];
    for j in 0..len {
        let base = (start + j) * row;
        for c in 0..d {
            kt[c * lp + j] = qkv[base + ko + c] + bias[ko + c];
        }
        for ((dst, &s), &b) in v[j * d..(j + 1) * d]
            .iter_mut()
            .zip(&qkv[base + vo..base + vo + d])
            .zip(&bias[vo..vo + d])
        {
            *dst = s + b;
        }
    }
    // query rows four at a time (each K and V load feeding four independent sums), the rest one
    // at a time: every sum has the same terms in the same order either way
    let mut q = vec![0.0f32; ATTEND_ROWS * d];
    let mut scores = vec![0.0f32; ATTEND_ROWS * lp];
    let args = Rows {
        qkv,
        bias,
        start,
        len,
        lp,
        row,
        qo,
        d,
        scale,
        kt: &kt,
        v: &v,
    };
    let whole = len - len % ATTEND_ROWS;
    for i in (0..whole).step_by(ATTEND_ROWS) {
        attend_rows::<ATTEND_ROWS>(&args, i, &mut q, &mut scores, out);
    }
    for i in whole..len {
        attend_rows::<1>(&args, i, &mut q, &mut scores, out);
    }
}

/// Query rows [`attend_one`] takes at a time.
const ATTEND_ROWS: usize = 4;

/// What [`attend_rows`] reads: one (sequence, head)'s Q source, K^T and V.
struct Rows<'a> {
    qkv: &'a [f32],
    bias: &'a [f32],
    start: usize,
    len: usize,
    lp: usize,
    row: usize,
    qo: usize,
    d: usize,
    scale: f32,
    kt: &'a [f32],
    v: &'a [f32],
}

/// Attention of the `R` query rows from `i0` of one (sequence, head) into `out` (`[len, d]`):
/// each row's scores, softmax and context as [`attend_one`] describes, the rows' sums
/// interleaved.
#[inline(always)]
fn attend_rows<const R: usize>(
    a: &Rows,
    i0: usize,
    q: &mut [f32],
    scores: &mut [f32],
    out: &mut [f32],
) {
    let (d, lp, len) = (a.d, a.lp, a.len);
    for r in 0..R {
        let base = (a.start + i0 + r) * a.row;
        for ((dst, &s), &b) in q[r * d..(r + 1) * d]
            .iter_mut()
            .zip(&a.qkv[base + a.qo..base + a.qo + d])
            .zip(&a.bias[a.qo..a.qo + d])
        {
            *dst = (s + b) * a.scale;
        }
    }
    // scores p[j] = q . k_j, as d axpys over the rows of K^T (each score the same sum in the
    // same order as without the padding), 16 scores of each row in one register
    for b in 0..lp / 16 {
        let mut acc = [[0.0f32; 16]; R];
        for c in 0..d {
            let k = &a.kt[c * lp + b * 16..c * lp + b * 16 + 16];
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let qc = q[r * d + c];
                for (x, &kj) in acc_r.iter_mut().zip(k) {
                    *x += qc * kj;
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            scores[r * lp + b * 16..r * lp + b * 16 + 16].copy_from_slice(acc_r);
        }
    }
    // softmax (max, exp and sum in separate passes, so that each vectorises; max and exp run
    // over whole vectors, the padding's lanes masked out of the max and never read after exp),
    // then each weight p_j / sum once, for both blocks of columns below
    for r in 0..R {
        let p = &mut scores[r * lp..(r + 1) * lp];
        let m = max_of_first(p, len);
        for x in p.iter_mut() {
            *x = exp(*x - m);
        }
        let inv = 1.0 / sum(&p[..len]);
        for x in p[..len].iter_mut() {
            *x *= inv;
        }
    }
    // out_i = sum_j p_j v_j: 16 columns of each row at a time in one register, then the rest
    // (the same sums in the same order either way)
    let whole = d - d % 16;
    for b in 0..whole / 16 {
        let mut acc = [[0.0f32; 16]; R];
        for j in 0..len {
            let vj = &a.v[j * d + b * 16..j * d + b * 16 + 16];
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let w = scores[r * lp + j];
                for (x, &vc) in acc_r.iter_mut().zip(vj) {
                    *x += w * vc;
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            let i = i0 + r;
            out[i * d + b * 16..i * d + b * 16 + 16].copy_from_slice(acc_r);
        }
    }
    for r in 0..R {
        let i = i0 + r;
        let rest = &mut out[i * d + whole..(i + 1) * d];
        rest.iter_mut().for_each(|x| *x = 0.0);
        for j in 0..len {
            let w = scores[r * lp + j];
            for (oc, &vc) in rest.iter_mut().zip(&a.v[j * d + whole..(j + 1) * d]) {
                *oc += w * vc;
            }
        }
    }
}

/// Mean over each sequence's rows, then L2-normalised when `normalize` (zero vectors stay zero).
pub fn mean_pool(x: &[f32], offsets: &[usize], width: usize, normalize: bool) -> Vec<Vec<f32>> {
    offsets
        .windows(2)
        .map(|w| {
            let mut acc = vec![0.0f32; width];
            for r in w[0]..w[1] {
                for (a, &v) in acc.iter_mut().zip(&x[r * width..(r + 1) * width]) {
                    *a += v;
                }
            }
            let n = (w[1] - w[0]).max(1) as f32;
            acc.iter_mut().for_each(|a| *a /= n);
            if normalize {
                l2_normalize(&mut acc);
            }
            acc
        })
        .collect()
}

/// `v / max(||v||, 1e-12)`, as `torch.nn.functional.normalize` (zero vectors stay zero).
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|a| *a /= norm);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        // erf values from tables (Abramowitz & Stegun 7.1)
        for (x, want) in [
            (0.0f32, 0.0f64),
            (0.1, 0.112_462_916),
            (0.5, 0.520_499_878),
            (1.0, 0.842_700_793),
            (1.5, 0.966_105_146),
            (2.0, 0.995_322_265),
            (3.0, 0.999_977_910),
            (-0.7, -0.677_801_194),
            (6.0, 1.0),
        ] {
            let got = f64::from(erf(x));
            assert!((got - want).abs() < 1e-6, "erf({x}) = {got}, want {want}");
        }
    }

    /// Attention written the obvious way in f64, `[tokens, heads * d]`.
    fn naive_attention(
        qkv: &[f32],
        bias: &[f32],
        offsets: &[usize],
        heads: usize,
        d: usize,
    ) -> Vec<f64> {
        let hidden = heads * d;
        let at = |t: usize, c: usize| f64::from(qkv[t * 3 * hidden + c]) + f64::from(bias[c]);
        let mut out = vec![0f64; offsets[offsets.len() - 1] * hidden];
        for w in offsets.windows(2) {
            for h in 0..heads {
                for i in w[0]..w[1] {
                    let s: Vec<f64> = (w[0]..w[1])
                        .map(|j| {
                            (0..d)
                                .map(|c| at(i, h * d + c) * at(j, hidden + h * d + c))
                                .sum::<f64>()
                                / (d as f64).sqrt()
                        })
                        .collect();
                    let m = s.iter().copied().fold(f64::MIN, f64::max);
                    let e: Vec<f64> = s.iter().map(|x| (x - m).exp()).collect();
                    let z: f64 = e.iter().sum();
                    for c in 0..d {
                        out[i * hidden + h * d + c] = (w[0]..w[1])
                            .map(|j| e[j - w[0]] / z * at(j, 2 * hidden + h * d + c))
                            .sum();
                    }
                }
            }
        }
        out
    }

    #[test]
    fn attention_matches_the_obvious_sum_for_every_length_and_head_width() {
        // lengths around the 16-wide blocks; head widths of whole blocks (32) and with a tail (40)
        let offsets = [0usize, 1, 6, 22, 38, 71];
        // buffers reused from call to call, as the forward reuses them: NaN wherever a call
        // left a value unwritten
        let (mut scratch, mut ctx) = (vec![f32::NAN; 10_000], vec![f32::NAN; 10_000]);
        for (heads, d) in [(2usize, 32usize), (3, 40), (1, 7)] {
            let hidden = heads * d;
            let tokens = offsets[offsets.len() - 1];
            let qkv: Vec<f32> = (0..tokens * 3 * hidden)
                .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
                .collect();
            let bias: Vec<f32> = (0..3 * hidden)
                .map(|i| ((i * 31) % 100) as f32 / 200.0 - 0.25)
                .collect();
            attention(&qkv, &bias, &offsets, heads, d, &mut scratch, &mut ctx);
            let got = &ctx;
            let want = naive_attention(&qkv, &bias, &offsets, heads, d);
            assert_eq!(got.len(), want.len());
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(g) - w).abs() < 1e-5,
                    "heads {heads} d {d} at {i}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn exp_matches_std() {
        let mut x = -80.0f32;
        while x < 80.0 {
            let got = exp(x);
            let want = x.exp();
            assert!(
                ((got - want) / want).abs() < 1e-6,
                "exp({x}) = {got}, want {want}"
            );
            x += 0.37;
        }
    }

    #[test]
    fn exp_gives_the_bits_of_the_plain_conversion() {
        // the formula before 2^n came from the bits of the shifted sum: `n as i32`
        fn plain(x: f32) -> f32 {
            let x = x.clamp(-87.0, 88.0);
            let n = (x * std::f32::consts::LOG2_E + 12_582_912.0) - 12_582_912.0;
            let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
            let mut p = r * (1.0 / 720.0) + 1.0 / 120.0;
            for c in [1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
                p = p * r + c;
            }
            p * f32::from_bits(((n as i32 + 127) as u32) << 23)
        }
        let edges = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            0.0,
            -0.0,
        ];
        let xs = (-10_000..=10_000).map(|i| i as f32 * 0.01).chain(edges);
        for x in xs {
            assert_eq!(exp(x).to_bits(), plain(x).to_bits(), "exp({x})");
        }
        assert!(exp(f32::NAN).is_nan());
    }
}
