//! The SIMD kernels of claimbench that need `unsafe`, kept in this one small crate (the rest of
//! the workspace denies `unsafe_code`). Each kernel has a scalar reference that gives the same
//! bits, and is chosen at run time by CPU feature detection.
//!
//! [`I16Matrix`] and [`matmul_i16`]: `x [rows, k] (f32) @ w [k, n]` with the weights quantized
//! once to 10-bit integers (symmetric, one scale per output column) and each row of `x` quantized
//! on the fly to 12-bit integers (symmetric, one scale per row), multiplied in 16-bit integers
//! with 32-bit sums (`vpdpwssd`, AVX-512 VNNI: 32 multiply-adds per instruction, twice the f32
//! FMA rate of the same core; on a CPU with AVX2 only, `vpmaddwd` then `vpaddd`, 16 a pair of
//! instructions), then scaled back to f32.
//!
//! Why not 8 bits: int8 activations (`vpdpbusd`, four times the f32 rate) move all-MiniLM-L6-v2's
//! sentence vectors to a cosine of 0.991 from f32, and even exact activations with 8-bit weights
//! only reach 0.99907; 12-bit activations with 10-bit weights stay above 0.9999.
//!
//! The integer sums are exact (the ranges are chosen so that no sum can overflow), so the SIMD
//! kernel and the scalar reference give the same bits, and a row's result depends on that row
//! alone: not on the other rows, the batch or the thread count.
//!
//! On a CPU with AMX (Sapphire Rapids and later) the same integer product runs on the tile unit:
//! each operand split into bytes, three `tdpbssd` byte products rebuilt into the exact sum (see
//! the `amx` module), so again the same bits.
//!
//! [`matmul_f32_into`]: the f32 product as candle runs it (the `gemm` crate), written into a buffer
//! the caller reuses, instead of a fresh zero-filled one for every product.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod amx;
mod f32;

pub use f32::matmul_f32_into;

use rayon::prelude::*;

/// Columns per panel: one 512-bit register of i32 sums.
const NR: usize = 16;
/// Rows per register block of the SIMD kernel.
const MR: usize = 6;
/// Panels per register block of the SIMD kernel (MR × PB accumulators).
const PB: usize = 4;
/// The largest weight integer (10 bits, signed).
pub const WEIGHT_MAX: i32 = 511;
/// The largest activation integer (12 bits, signed), when `k` allows it (see [`I16Matrix::levels`]).
pub const ACTIVATION_MAX: i32 = 2047;

/// Bytes kept on 64-byte boundaries (cache lines), as AMX's tile loads need to run at full speed
/// (an unaligned buffer costs each 64-byte row two lines: 2.7 times slower, measured).
#[derive(Debug, Clone, Default, PartialEq)]
struct Lines(Vec<Line>);

/// One cache line of bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Line([i8; 64]);

impl Lines {
    /// `len` zero bytes (rounded up to whole lines).
    fn zeroed(len: usize) -> Lines {
        Lines(vec![Line([0; 64]); len.div_ceil(64)])
    }

    /// Make room for at least `len` bytes (new bytes are zero).
    fn resize(&mut self, len: usize) {
        self.0.resize(len.div_ceil(64), Line([0; 64]));
    }

    /// The bytes.
    fn bytes(&self) -> &[i8] {
        // SAFETY: `Line` is 64 i8s with no padding, so the lines are that many i8s in a row.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), self.0.len() * 64) }
    }

    /// The bytes, to write.
    fn bytes_mut(&mut self) -> &mut [i8] {
        // SAFETY: as in `bytes`, and the borrow is unique.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.len() * 64) }
    }
}

/// Which implementation [`matmul_i16`] runs on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AMX tiles (AMX-TILE + AMX-INT8, granted by the OS), with AVX-512 F + VNNI.
    Amx,
    /// AVX-512 F + VNNI.
    Avx512Vnni,
    /// AVX2 (x86-64-v3).
    Avx2,
    /// The scalar reference (any CPU).
    Scalar,
}

impl Isa {
    /// Every implementation, best first.
    pub const ALL: [Isa; 4] = [Isa::Amx, Isa::Avx512Vnni, Isa::Avx2, Isa::Scalar];

    /// The best implementation this CPU supports.
    pub fn detect() -> Isa {
        Isa::ALL
            .into_iter()
            .find(|i| i.supported())
            .unwrap_or(Isa::Scalar)
    }

    /// Whether this CPU can run it.
    pub fn supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Amx => amx::usable(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512Vnni => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vnni")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            Isa::Scalar => true,
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Its name, as manifests and benchmarks print it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Amx => "amx-int8",
            Isa::Avx512Vnni => "avx512-vnni",
            Isa::Avx2 => "avx2",
            Isa::Scalar => "scalar",
        }
    }
}

/// A weight that cannot be quantized.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("weight ({row}, {col}) is {value}: integer weights must be finite")]
pub struct NonFiniteWeight {
    /// Row of the weight.
    pub row: usize,
    /// Column of the weight.
    pub col: usize,
    /// Its value.
    pub value: f32,
}

/// A `[k, n]` weight matrix quantized to 10-bit integers with one scale per column, packed for
/// the kernels.
#[derive(Debug, Clone, PartialEq)]
pub struct I16Matrix {
    k: usize,
    n: usize,
    /// `k` rounded up to even.
    kp: usize,
    /// Groups of [`PB`] panels of [`NR`] columns, `[group][kp / 2][PB][NR][2]`, zero beyond `k`
    /// and `n`: the kernel reads one group's `PB * NR` columns for two `k` at a time contiguously.
    packed: Vec<i16>,
    /// Per column: the f32 value of one integer step.
    scale: Vec<f32>,
    /// The largest activation integer for this `k`.
    levels: i32,
    /// The weights split into byte planes for the AMX kernel, where this CPU has AMX.
    #[cfg(target_arch = "x86_64")]
    amx: Option<amx::Weights>,
}

impl I16Matrix {
    /// Quantize a row-major `[k, n]` f32 matrix; a column of zeros gets scale 0.
    ///
    /// # Panics
    /// If `w.len() != k * n`.
    pub fn quantize(w: &[f32], k: usize, n: usize) -> Result<I16Matrix, NonFiniteWeight> {
        assert_eq!(w.len(), k * n, "weights: {} values for [{k}, {n}]", w.len());
        if let Some(i) = w.iter().position(|v| !v.is_finite()) {
            return Err(NonFiniteWeight {
                row: i / n.max(1),
                col: i % n.max(1),
                value: w[i],
            });
        }
        let kp = k.div_ceil(2) * 2;
        let mut scale = vec![0f32; n];
        for (j, s) in scale.iter_mut().enumerate() {
            let m = (0..k).map(|i| w[i * n + j].abs()).fold(0f32, f32::max);
            *s = if m > 0.0 { m / WEIGHT_MAX as f32 } else { 0.0 };
        }
        let mut packed = vec![0i16; n.div_ceil(NR * PB) * NR * PB * kp];
        for i in 0..k {
            for j in 0..n {
                let q = if scale[j] > 0.0 {
                    let m = WEIGHT_MAX as f32;
                    (w[i * n + j] / scale[j]).round().clamp(-m, m) as i16
                } else {
                    0
                };
                packed[offset(kp, i, j)] = q;
            }
        }
        // no sum of kp products can leave i32: kp * levels * WEIGHT_MAX <= i32::MAX
        let levels = (i64::from(i32::MAX) / (kp.max(1) as i64 * i64::from(WEIGHT_MAX)))
            .clamp(1, i64::from(ACTIVATION_MAX)) as i32;
        let mut q = I16Matrix {
            k,
            n,
            kp,
            packed,
            scale,
            levels,
            #[cfg(target_arch = "x86_64")]
            amx: None,
        };
        #[cfg(target_arch = "x86_64")]
        if Isa::Amx.supported() {
            q.amx = Some(amx::Weights::new(&q));
        }
        Ok(q)
    }

    /// Rows (the inner dimension).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns (the output width).
    pub fn n(&self) -> usize {
        self.n
    }

    /// The largest activation integer: [`ACTIVATION_MAX`], or less where `k` is so large that a
    /// sum could overflow.
    pub fn levels(&self) -> i32 {
        self.levels
    }

    /// The integer weight at `(i, j)` and its column's scale (for tests and inspection).
    pub fn get(&self, i: usize, j: usize) -> (i16, f32) {
        (self.packed[offset(self.kp, i, j)], self.scale[j])
    }

    /// Columns including the padding to whole groups of `PB * NR`.
    fn width(&self) -> usize {
        self.n.div_ceil(NR * PB) * NR * PB
    }
}

/// Where weight `(i, j)` lies in the packed layout of [`I16Matrix::packed`].
fn offset(kp: usize, i: usize, j: usize) -> usize {
    let (g, q, c) = (j / (NR * PB), (j / NR) % PB, j % NR);
    g * kp * PB * NR + (i / 2) * PB * NR * 2 + q * NR * 2 + c * 2 + i % 2
}

/// One row of activations quantized to integers in `[-levels, levels]`, as pairs packed in i32
/// (low half: the even index), zero beyond `k`; and the scale, or `None` when the row has a value
/// that is not finite.
fn quantize_row(x: &[f32], levels: i32, pairs: &mut [i32]) -> Option<f32> {
    // f32::max skips NaN, so look for non-finite values first; then a plain compare vectorises
    if x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let m = x
        .iter()
        .fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
    let l = levels as f32;
    let scale = if m > 0.0 { m / l } else { 1.0 };
    pack_pairs(x, 1.0 / scale, l, pairs);
    Some(scale)
}

/// `v` quantized with step `1 / inv` into `[-l, l]`, rounding half away from zero (written so
/// that it vectorises): the one rounding rule of every row quantizer, so their bits agree.
#[inline(always)]
fn level(v: f32, inv: f32, l: f32) -> i32 {
    let t = (v * inv).clamp(-l, l);
    (t + 0.5f32.copysign(t)) as i32
}

/// Quantize `x` with [`level`] and pack it as pairs from the start of `pairs`, zero-filling the rest.
#[inline(always)]
fn pack_pairs(x: &[f32], inv: f32, l: f32, pairs: &mut [i32]) {
    let q = |v: f32| -> u32 { level(v, inv, l) as i16 as u16 as u32 };
    let (even, odd) = (x.chunks_exact(2), x.chunks_exact(2).remainder());
    for (p, v) in pairs.iter_mut().zip(even) {
        *p = (q(v[0]) | (q(v[1]) << 16)) as i32;
    }
    let done = x.len() / 2;
    if let Some(&v) = odd.first() {
        pairs[done] = q(v) as i32;
    }
    pairs[done + odd.len()..].fill(0);
}

/// `x [rows, k] @ w` in integers with f32 output `[rows, n]`, on the best kernel of this CPU.
/// A row with a value that is not finite gives a row of NaN.
///
/// # Panics
/// If `x.len() != rows * w.k()`.
pub fn matmul_i16(x: &[f32], rows: usize, w: &I16Matrix) -> Vec<f32> {
    matmul_i16_with(Isa::detect(), x, rows, w)
}

/// [`matmul_i16`] written over `out` (its length becomes `rows * n`; its allocation is reused).
///
/// # Panics
/// If `x.len() != rows * w.k()`.
pub fn matmul_i16_into(x: &[f32], rows: usize, w: &I16Matrix, out: &mut Vec<f32>) {
    matmul_i16_with_into(Isa::detect(), x, rows, w, out)
}

/// [`matmul_i16`] on a chosen implementation (the scalar reference where this CPU lacks the one
/// asked for).
///
/// The work is split into tiles of up to [`TILE_ROWS`] rows by [`TILE_GROUPS`] groups of
/// columns, run in parallel (so a single short sequence still uses every core); each tile writes
/// its own block of the output. The integer sums are exact whatever the split, so the split
/// changes no bit.
///
/// # Panics
/// If `x.len() != rows * w.k()`.
pub fn matmul_i16_with(isa: Isa, x: &[f32], rows: usize, w: &I16Matrix) -> Vec<f32> {
    let mut out = Vec::new();
    matmul_i16_with_into(isa, x, rows, w, &mut out);
    out
}

/// [`matmul_i16_with`] written over `out` (its length becomes `rows * n`; its allocation is
/// reused).
///
/// # Panics
/// If `x.len() != rows * w.k()`.
pub fn matmul_i16_with_into(isa: Isa, x: &[f32], rows: usize, w: &I16Matrix, out: &mut Vec<f32>) {
    assert_eq!(
        x.len(),
        rows * w.k,
        "x: {} values for [{rows}, {}]",
        x.len(),
        w.k
    );
    let isa = if isa.supported() { isa } else { Isa::Scalar };
    out.clear();
    if w.k == 0 || w.n == 0 || rows == 0 {
        // an empty inner dimension: every product is 0
        out.resize(rows * w.n, 0.0);
        return;
    }
    // every element is written exactly once by the tiles below, so the buffer is not zeroed first
    out.reserve(rows * w.n);
    // 1. each row quantized (a NaN scale marks a row with a value that is not finite), padded
    //    with zero rows to whole blocks of rows; for AMX also split into byte planes
    let half = w.kp / 2;
    #[cfg(target_arch = "x86_64")]
    let (block, plane_row) = match (isa, &w.amx) {
        (Isa::Amx, Some(a)) => (amx::BLOCK_ROWS, amx::PLANES * a.kpad),
        _ => (MR, 0),
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (block, plane_row) = (MR, 0);
    let rows_p = rows.div_ceil(block) * block;
    // the calling thread's buffers from its last call: every element is written below
    let (mut pairs, mut scales, mut lines) = ROWS.with(|b| b.take());
    scales.resize(rows_p, 0.0);
    scales[rows..].fill(0.0);
    // the AMX kernel reads the planes alone, the others the pairs alone
    let (pair_rows, plane_rows) = if plane_row > 0 {
        (0, rows_p)
    } else {
        (rows_p, 0)
    };
    pairs.resize(pair_rows * half, 0);
    lines.resize(plane_rows * plane_row);
    let planes = lines.bytes_mut();
    if plane_row > 0 {
        planes[rows * plane_row..plane_rows * plane_row].fill(0);
        #[cfg(target_arch = "x86_64")]
        planes[..rows * plane_row]
            .par_chunks_mut(plane_row)
            .zip(scales[..rows].par_iter_mut())
            .zip(x.par_chunks(w.k))
            .for_each(|((pl, s), xr)| {
                // SAFETY: `plane_row > 0` only for `Isa::Amx`, kept only where AMX (with
                // AVX-512 F and BW) is usable.
                let q = unsafe { amx::quantize_row(xr, w.levels, plane_row / amx::PLANES, pl) };
                *s = q.unwrap_or(f32::NAN);
            });
    } else {
        pairs[rows * half..].fill(0);
        pairs[..rows * half]
            .par_chunks_mut(half)
            .zip(scales[..rows].par_iter_mut())
            .zip(x.par_chunks(w.k))
            .for_each(|((p, s), xr)| {
                let q = match isa {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `Isa::Avx512Vnni` and `Isa::Amx` (which needs AVX-512 F) are kept
                    // above only where this CPU supports them.
                    Isa::Avx512Vnni | Isa::Amx => unsafe { vnni::quantize_row(xr, w.levels, p) },
                    _ => quantize_row(xr, w.levels, p),
                };
                *s = q.unwrap_or(f32::NAN);
            });
    }
    // 2. the tiles, each writing its block of `out`
    let groups = w.width() / (NR * PB);
    let (row_tiles, col_tiles) = (rows_p.div_ceil(TILE_ROWS), groups.div_ceil(TILE_GROUPS));
    let dst = Out {
        ptr: out.as_mut_ptr(),
        rows,
        n: w.n,
    };
    (0..row_tiles * col_tiles).into_par_iter().for_each(|t| {
        let (rt, ct) = (t / col_tiles, t % col_tiles);
        let r0 = rt * TILE_ROWS;
        let tile = Tile {
            // each kernel reads one of the two; the other is empty
            pairs: pairs.get(r0 * half..).unwrap_or_default(),
            planes: planes.get(r0 * plane_row..).unwrap_or_default(),
            scales: &scales[r0..],
            r0,
            rows: (rows_p - r0).min(TILE_ROWS),
            groups: ct * TILE_GROUPS..((ct + 1) * TILE_GROUPS).min(groups),
        };
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Amx` is kept above only where AMX is usable, and `plane_row > 0`
            // only where its weights were built; the tiles' output blocks are disjoint.
            Isa::Amx if plane_row > 0 => unsafe { amx::tile(&tile, w, &dst) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above; the tiles' output blocks are disjoint (see `Out`).
            Isa::Avx512Vnni | Isa::Amx => unsafe { vnni::tile(&tile, w, &dst) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Avx2` is kept above only where this CPU has AVX2; blocks as above.
            Isa::Avx2 => unsafe { avx2::tile(&tile, w, &dst) },
            _ => scalar_tile(&tile, w, &dst),
        }
    });
    ROWS.with(|b| b.replace((pairs, scales, lines)));
    // SAFETY: the tiles cover rows 0..rows_p >= rows and column groups covering 0..n, and each
    // writes every element (r < rows, j < n) of its block (a NaN for a row with a non-finite
    // value), so all rows * n elements are initialised.
    unsafe { out.set_len(rows * w.n) };
}

thread_local! {
    /// The quantized rows of [`matmul_i16_with`], their scales and their byte planes (AMX), kept
    /// between calls (each calling thread keeps the largest it has needed).
    static ROWS: std::cell::RefCell<(Vec<i32>, Vec<f32>, Lines)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new(), Lines(Vec::new()))) };
}

/// Rows per tile of [`matmul_i16_with`] (a multiple of [`MR`] and of AMX's blocks of 32).
pub const TILE_ROWS: usize = 96;
/// Column groups (of `PB * NR` columns) per tile of [`matmul_i16_with`].
pub const TILE_GROUPS: usize = 4;
/// Pairs of `k` per block: one group's block of weights (`KB * PB * NR * 4` bytes = 32 KiB)
/// stays in the L1 cache while every row of the tile passes over it.
const KB: usize = 128;

/// One tile's inputs: its quantized rows (a multiple of [`MR`], or of 32 for AMX, padding
/// included) with their scales and (AMX only) byte planes, the index of its first row, and its
/// column groups.
struct Tile<'a> {
    pairs: &'a [i32],
    planes: &'a [i8],
    scales: &'a [f32],
    r0: usize,
    rows: usize,
    groups: std::ops::Range<usize>,
}

/// The output `[rows, n]` (allocated, not yet initialised), written by many tiles at once: each
/// tile writes every element of the rows `r0..r0 + rows` (those below `rows`) and the columns of
/// its groups (those below `n`), which no other tile writes; nothing reads the output until every
/// tile is done.
struct Out {
    ptr: *mut f32,
    rows: usize,
    n: usize,
}

// SAFETY: tiles write disjoint elements through the pointer (see `Out`), and the buffer outlives
// the parallel loop that shares it.
unsafe impl Sync for Out {}

impl Out {
    /// Write `v` at `(r, j)`, if inside the output.
    ///
    /// # Safety
    /// No other thread may write `(r, j)` at the same time.
    unsafe fn set(&self, r: usize, j: usize, v: f32) {
        if r < self.rows && j < self.n {
            // SAFETY: (r, j) is inside the rows * n buffer.
            unsafe { self.ptr.add(r * self.n + j).write(v) };
        }
    }
}

/// A mask of the first `cols` of 16 lanes (`cols` at most 16), for the kernels' last columns.
fn first_lanes(cols: usize) -> u16 {
    if cols >= 16 {
        0xffff
    } else {
        (1u16 << cols) - 1
    }
}

/// The two i16 halves of a packed pair.
fn halves(p: i32) -> (i32, i32) {
    (i32::from(p as i16), i32::from((p >> 16) as i16))
}

/// One tile with the scalar kernel: each sum `Σ_i a[r][i] · w[i][j]`, then `(sx · sw) · sum`.
/// The loops run over 16 columns at a time in the packed order, which compilers vectorise
/// (`pmaddwd` on any x86-64).
fn scalar_tile(tile: &Tile, w: &I16Matrix, out: &Out) {
    let half = w.kp / 2;
    for g in tile.groups.clone() {
        let group = &w.packed[g * half * PB * NR * 2..(g + 1) * half * PB * NR * 2];
        for r in 0..tile.rows {
            let a = &tile.pairs[r * half..(r + 1) * half];
            let mut acc = [[0i32; NR]; PB];
            for (t, &ap) in a.iter().enumerate() {
                let (a0, a1) = halves(ap);
                let wt = &group[t * PB * NR * 2..(t + 1) * PB * NR * 2];
                for (q, acc_q) in acc.iter_mut().enumerate() {
                    let wq = &wt[q * NR * 2..(q + 1) * NR * 2];
                    for (c, s) in acc_q.iter_mut().enumerate() {
                        *s += a0 * i32::from(wq[2 * c]) + a1 * i32::from(wq[2 * c + 1]);
                    }
                }
            }
            for (q, acc_q) in acc.iter().enumerate() {
                for (c, &s) in acc_q.iter().enumerate() {
                    let j = (g * PB + q) * NR + c;
                    if j < w.n {
                        // SAFETY: this tile alone writes these elements (see `Out`).
                        unsafe { out.set(tile.r0 + r, j, tile.scales[r] * w.scale[j] * s as f32) };
                    }
                }
            }
        }
    }
}

/// Integer operations (multiply and add counted apart) per round of [`peak_loop`] on `isa`;
/// `None` where it has no peak loop.
pub fn peak_ops_per_round(isa: Isa) -> Option<u64> {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Amx => Some(4 * amx::OPS_PER_DP),
        Isa::Avx512Vnni => Some((PEAK_CHAINS * NR * 4) as u64),
        _ => None,
    }
}

/// Independent accumulators of [`peak_loop`] on VNNI: more than latency × throughput of
/// `vpdpwssd`.
const PEAK_CHAINS: usize = 16;

/// The product instruction of `isa` alone, on registers with no memory traffic, so that a
/// benchmark can state a kernel's rate as a share of the most this core can do: `rounds` rounds
/// of [`PEAK_CHAINS`] independent `vpdpwssd` (VNNI) or of four independent `tdpbssd` (AMX);
/// `None` for the other implementations, or where this CPU lacks the one asked for.
/// The result depends on every round, so the loop cannot be skipped.
pub fn peak_loop(isa: Isa, rounds: u64) -> Option<i32> {
    if !isa.supported() {
        return None;
    }
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: supported: AMX is usable.
        Isa::Amx => Some(unsafe { amx::peak(rounds) }),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: supported: AVX-512 F and VNNI.
        Isa::Avx512Vnni => Some(unsafe { vnni::peak(rounds) }),
        _ => None,
    }
}

/// Multiply-adds times two per round of [`peak_loop_amx_bf16`]: four `tdpbf16ps`, each 16 × 16
/// sums of 32 bf16 products.
pub const AMX_BF16_OPS_PER_ROUND: u64 = 4 * 16 * 16 * 32 * 2;

/// [`peak_loop`] for AMX's bf16 product (`tdpbf16ps`, on ones), which no kernel here uses: the
/// unit's peak in bf16, against which a benchmark states the share that other libraries' bf16
/// products (PyTorch's oneDNN) reach; the sum of the four accumulators' first elements, or
/// `None` where this CPU lacks AMX-BF16.
pub fn peak_loop_amx_bf16(rounds: u64) -> Option<f32> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: only where AMX (tiles granted) and AMX-BF16 are present.
        amx::bf16_usable().then(|| unsafe { amx::peak_bf16(rounds) })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = rounds;
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{I16Matrix, Out, Tile, MR, NR, PB};
    use std::arch::x86_64::*;

    /// Rows of one register block: `MR / 2`, so a tile's blocks of [`MR`] rows split in two.
    const RB: usize = MR / 2;

    /// One tile with `vpmaddwd` + `vpaddd`: for each column group, each panel of [`NR`] columns
    /// (two 256-bit registers) and each block of [`RB`] rows, the `2 * RB` sums run over all of
    /// `k` in registers, then each becomes `(sx · sw) · sum`, as in the scalar kernel. The
    /// products of two 16-bit integers and their pairwise sums are exact in i32, so the bits are
    /// the scalar kernel's.
    ///
    /// # Safety
    /// The CPU must support AVX2, and no other thread may write this tile's elements of `out`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tile(tile: &Tile, w: &I16Matrix, out: &Out) {
        let half = w.kp / 2;
        assert!(tile.rows.is_multiple_of(RB));
        assert!(tile.pairs.len() >= tile.rows * half && tile.scales.len() >= tile.rows);
        assert!(w.packed.len() >= tile.groups.end * half * PB * NR * 2);
        for g in tile.groups.clone() {
            for q in 0..PB {
                // SAFETY (pointer arithmetic below): group g < tile.groups.end has
                // half * PB * NR * 2 i16s, panel q < PB starts q * NR * 2 into each pair's
                // PB * NR * 2; row r < tile.rows has `half` pairs (asserted above).
                let b = unsafe { w.packed.as_ptr().add(g * half * PB * NR * 2 + q * NR * 2) };
                for r0 in (0..tile.rows).step_by(RB) {
                    let a = unsafe { tile.pairs.as_ptr().add(r0 * half) };
                    let acc = unsafe { block(a, half, b) };
                    let sx: [f32; RB] = std::array::from_fn(|r| tile.scales[r0 + r]);
                    let col0 = (g * PB + q) * NR;
                    unsafe { finish(&acc, &sx, tile.r0 + r0, col0, w, out) };
                }
            }
        }
    }

    type Acc = [[__m256i; 2]; RB];

    /// The sums of [`RB`] rows over all `half` pairs of `k` for one panel: `a` points at the
    /// rows' pairs, `b` at the panel's first pair (pairs `PB * NR * 2` i16s apart).
    ///
    /// # Safety
    /// AVX2; `a` and `b` valid for those reads.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn block(a: *const i32, half: usize, b: *const i16) -> Acc {
        let mut acc: Acc = [[_mm256_setzero_si256(); 2]; RB];
        for t in 0..half {
            // SAFETY: the caller's pointers cover rows 0..RB of `a` and every pair of `b`.
            let bt = unsafe { b.add(t * PB * NR * 2) };
            let bv: [__m256i; 2] =
                std::array::from_fn(|h| unsafe { _mm256_loadu_si256(bt.add(h * 16).cast()) });
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_epi32(unsafe { *a.add(r * half + t) });
                for (h, acc_rh) in acc_r.iter_mut().enumerate() {
                    *acc_rh = _mm256_add_epi32(*acc_rh, _mm256_madd_epi16(av, bv[h]));
                }
            }
        }
        acc
    }

    /// The finished sums of [`RB`] rows from `row0` and one panel's columns from `col0`, written
    /// as `(sx · sw) · sum` (rows and columns outside the output skipped).
    ///
    /// # Safety
    /// AVX2; no other thread writes these elements of `out`.
    #[target_feature(enable = "avx2")]
    unsafe fn finish(
        acc: &Acc,
        sx: &[f32; RB],
        row0: usize,
        col0: usize,
        w: &I16Matrix,
        out: &Out,
    ) {
        for (r, acc_r) in acc.iter().enumerate() {
            let row = row0 + r;
            if row >= out.rows {
                continue;
            }
            let sxv = _mm256_set1_ps(sx[r]);
            for (h, v) in acc_r.iter().enumerate() {
                let j = col0 + h * 8;
                if j + 8 <= out.n {
                    // SAFETY: columns j..j + 8 are inside `w.scale` and the output row.
                    let swv = unsafe { _mm256_loadu_ps(w.scale.as_ptr().add(j)) };
                    let y = _mm256_mul_ps(_mm256_mul_ps(sxv, swv), _mm256_cvtepi32_ps(*v));
                    unsafe { _mm256_storeu_ps(out.ptr.add(row * out.n + j), y) };
                } else if j < out.n {
                    let mut sums = [0i32; 8];
                    // SAFETY: `sums` holds 8 i32s.
                    unsafe { _mm256_storeu_si256(sums.as_mut_ptr().cast(), *v) };
                    for (c, s) in sums.iter().enumerate().take(out.n - j) {
                        // SAFETY: this tile alone writes these elements (see `Out`).
                        unsafe { out.set(row, j + c, sx[r] * w.scale[j + c] * *s as f32) };
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::{I16Matrix, Out, Tile, KB, MR, NR, PB};
    use std::arch::x86_64::*;

    /// [`super::quantize_row`] with AVX-512 F: the same operations (an exact maximum, then
    /// multiply, clamp, add ±0.5 and truncate per value), so the same bits.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn quantize_row(x: &[f32], levels: i32, pairs: &mut [i32]) -> Option<f32> {
        // SAFETY: AVX-512 F, as the caller promises.
        let (scale, inv) = unsafe { row_scale(x, levels) }?;
        let l = levels as f32;
        let chunks = x.chunks_exact(16);
        let tail = chunks.remainder();
        for (c, out) in chunks.zip(pairs.chunks_exact_mut(8)) {
            // SAFETY: c holds 16 f32s, out 8 i32s (16 i16s); unaligned load and store.
            let q = unsafe { levels16(_mm512_loadu_ps(c.as_ptr()), inv, l) };
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm512_cvtepi32_epi16(q)) };
        }
        // the tail starts at an even index (whole chunks of 16 before it)
        super::pack_pairs(tail, inv, l, &mut pairs[(x.len() - tail.len()) / 2..]);
        Some(scale)
    }

    /// A row's scale (its largest magnitude over `levels`, or 1 for a row of zeros) and the
    /// scale's inverse, as [`super::quantize_row`] computes them (an exact maximum, so the same
    /// bits); `None` when the row has a value that is not finite.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn row_scale(x: &[f32], levels: i32) -> Option<(f32, f32)> {
        let chunks = x.chunks_exact(16);
        let tail = chunks.remainder();
        let abs_mask = _mm512_set1_epi32(0x7fff_ffff);
        let big = _mm512_set1_ps(f32::MAX);
        let mut m = _mm512_setzero_ps();
        for c in chunks {
            // SAFETY: c holds 16 f32s; an unaligned load.
            let v = unsafe { _mm512_loadu_ps(c.as_ptr()) };
            let a = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), abs_mask));
            // not (a <= MAX): infinite or NaN
            if _mm512_cmp_ps_mask::<_CMP_NLE_UQ>(a, big) != 0 {
                return None;
            }
            m = _mm512_max_ps(m, a);
        }
        if tail.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let m = tail.iter().fold(_mm512_reduce_max_ps(m), |m, v| {
            if v.abs() > m {
                v.abs()
            } else {
                m
            }
        });
        let scale = if m > 0.0 { m / levels as f32 } else { 1.0 };
        Some((scale, 1.0 / scale))
    }

    /// [`super::level`] of 16 values at once: multiply, clamp to `[-l, l]`, add ±0.5 and
    /// truncate, the same operations, so the same bits.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn levels16(v: __m512, inv: f32, l: f32) -> __m512i {
        let (vinv, lo, hi) = (_mm512_set1_ps(inv), _mm512_set1_ps(-l), _mm512_set1_ps(l));
        let t = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v, vinv), lo), hi);
        let s = _mm512_or_si512(
            _mm512_and_si512(_mm512_castps_si512(t), _mm512_set1_epi32(i32::MIN)),
            _mm512_castps_si512(_mm512_set1_ps(0.5)),
        );
        _mm512_cvttps_epi32(_mm512_add_ps(t, _mm512_castsi512_ps(s)))
    }

    /// One tile with `vpdpwssd`: for each column group and block of [`KB`] pairs of `k`, every
    /// block of [`MR`] rows (MR × PB accumulators of 16 columns, held in registers) passes over
    /// the block's weights; partial sums wait in a per-thread buffer between blocks, and after
    /// the last block each sum becomes `(sx · sw) · sum` in the output, as in the scalar kernel.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F and VNNI, and no other thread may write this tile's
    /// elements of `out`.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub(super) unsafe fn tile(tile: &Tile, w: &I16Matrix, out: &Out) {
        let half = w.kp / 2;
        assert!(tile.rows.is_multiple_of(MR));
        assert!(tile.pairs.len() >= tile.rows * half && tile.scales.len() >= tile.rows);
        assert!(w.packed.len() >= tile.groups.end * half * PB * NR * 2);
        let mut buf = PARTIAL.with(|b| b.take());
        buf.resize(tile.rows * PB * NR, 0);
        for g in tile.groups.clone() {
            // SAFETY (pointer arithmetic below): group g < tile.groups.end has
            // half * PB * NR * 2 i16s and row r < tile.rows has `half` pairs (asserted above);
            // `buf` has PB * NR sums per row.
            let b = unsafe { w.packed.as_ptr().add(g * half * PB * NR * 2) };
            for k0 in (0..half).step_by(KB) {
                let k1 = (k0 + KB).min(half);
                for r0 in (0..tile.rows).step_by(MR) {
                    let a = unsafe { tile.pairs.as_ptr().add(r0 * half) };
                    let part = unsafe { buf.as_mut_ptr().add(r0 * PB * NR) };
                    let acc = if k0 == 0 {
                        [[_mm512_setzero_si512(); PB]; MR]
                    } else {
                        unsafe { load(part) }
                    };
                    let acc = unsafe { block(acc, a, half, b, k0, k1) };
                    if k1 < half {
                        unsafe { store(part, &acc) };
                    } else {
                        let sx: [f32; MR] = std::array::from_fn(|r| tile.scales[r0 + r]);
                        unsafe { finish(&acc, &sx, tile.r0 + r0, g * PB * NR, w, out) };
                    }
                }
            }
        }
        PARTIAL.with(|b| b.replace(buf));
    }

    type Acc = [[__m512i; PB]; MR];

    /// The accumulators after pairs `k0..k1` of `k`: `a` points at MR rows of `half` pairs, `b`
    /// at a group's packed weights.
    ///
    /// # Safety
    /// AVX-512 F and VNNI; `a` and `b` valid for those reads.
    #[inline]
    #[target_feature(enable = "avx512f,avx512vnni")]
    unsafe fn block(
        mut acc: Acc,
        a: *const i32,
        half: usize,
        b: *const i16,
        k0: usize,
        k1: usize,
    ) -> Acc {
        for t in k0..k1 {
            // SAFETY: the caller's pointers cover rows 0..MR of `a` and pairs k0..k1 of `b`.
            let bt = unsafe { b.add(t * PB * NR * 2) };
            let bv: [__m512i; PB] =
                std::array::from_fn(|q| unsafe { _mm512_loadu_si512(bt.add(q * NR * 2).cast()) });
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_epi32(unsafe { *a.add(r * half + t) });
                for (q, acc_rq) in acc_r.iter_mut().enumerate() {
                    *acc_rq = _mm512_dpwssd_epi32(*acc_rq, av, bv[q]);
                }
            }
        }
        acc
    }

    /// Partial sums of MR rows from `part` (`PB * NR` per row).
    ///
    /// # Safety
    /// AVX-512 F; `part` valid for MR * PB * NR reads.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(part: *const i32) -> Acc {
        std::array::from_fn(|r| {
            std::array::from_fn(|q| unsafe {
                _mm512_loadu_si512(part.add((r * PB + q) * NR).cast())
            })
        })
    }

    /// Partial sums of MR rows into `part`.
    ///
    /// # Safety
    /// AVX-512 F; `part` valid for MR * PB * NR writes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(part: *mut i32, acc: &Acc) {
        for (r, acc_r) in acc.iter().enumerate() {
            for (q, v) in acc_r.iter().enumerate() {
                unsafe { _mm512_storeu_si512(part.add((r * PB + q) * NR).cast(), *v) };
            }
        }
    }

    /// The finished sums of MR rows from `row0` and the group's columns from `col0`, written as
    /// `(sx · sw) · sum` (rows and columns outside the output skipped).
    ///
    /// # Safety
    /// AVX-512 F; no other thread writes these elements of `out`.
    #[target_feature(enable = "avx512f")]
    unsafe fn finish(
        acc: &Acc,
        sx: &[f32; MR],
        row0: usize,
        col0: usize,
        w: &I16Matrix,
        out: &Out,
    ) {
        for (r, acc_r) in acc.iter().enumerate() {
            let row = row0 + r;
            if row >= out.rows {
                continue;
            }
            let sxv = _mm512_set1_ps(sx[r]);
            for (q, v) in acc_r.iter().enumerate() {
                let j = col0 + q * NR;
                if j >= out.n {
                    continue;
                }
                let cols = (out.n - j).min(NR);
                let mask = super::first_lanes(cols);
                // SAFETY: the masked columns j..j + cols are inside `w.scale` (n values); the
                // others read as 0.
                let swv = unsafe { _mm512_maskz_loadu_ps(mask, w.scale.as_ptr().add(j)) };
                let y = _mm512_mul_ps(_mm512_mul_ps(sxv, swv), _mm512_cvtepi32_ps(*v));
                // SAFETY: the masked columns j..j + cols of row < rows are inside the output,
                // and only this tile writes them.
                unsafe { _mm512_mask_storeu_ps(out.ptr.add(row * out.n + j), mask, y) };
            }
        }
    }

    /// [`super::peak_loop`] on `vpdpwssd`.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F and VNNI.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub(super) unsafe fn peak(rounds: u64) -> i32 {
        let (a, b) = (_mm512_set1_epi16(3), _mm512_set1_epi16(-5));
        let mut acc = [_mm512_setzero_si512(); super::PEAK_CHAINS];
        for _ in 0..rounds {
            for v in acc.iter_mut() {
                *v = _mm512_dpwssd_epi32(*v, a, b);
            }
        }
        let sum = acc
            .iter()
            .fold(_mm512_setzero_si512(), |s, v| _mm512_add_epi32(s, *v));
        _mm512_reduce_add_epi32(sum)
    }

    thread_local! {
        /// Partial sums of the tile a thread is working on, between blocks of `k`.
        static PARTIAL: std::cell::RefCell<Vec<i32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
}

/// The same product written the obvious way from the quantized values (no packing, no SIMD,
/// 64-bit sums), for tests: what [`matmul_i16`] must give, bit for bit.
pub fn matmul_i16_reference(x: &[f32], rows: usize, w: &I16Matrix) -> Vec<f32> {
    let mut out = vec![0f32; rows * w.n];
    let mut pairs = vec![0i32; w.kp / 2];
    for r in 0..rows {
        let sx = quantize_row(&x[r * w.k..(r + 1) * w.k], w.levels, &mut pairs);
        let a: Vec<i64> = pairs
            .iter()
            .flat_map(|&p| {
                let (a0, a1) = halves(p);
                [i64::from(a0), i64::from(a1)]
            })
            .collect();
        for j in 0..w.n {
            let s: i64 = (0..w.k).map(|i| a[i] * i64::from(w.get(i, j).0)).sum();
            out[r * w.n + j] = match sx {
                Some(sx) => sx * w.scale[j] * s as f32,
                None => f32::NAN,
            };
        }
    }
    out
}
