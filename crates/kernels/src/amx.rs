//! The int16 product on AMX tiles (`tdpbssd`: 16 × 16 sums of 64 signed-byte products per
//! instruction), with the same bits as the other kernels.
//!
//! AMX multiplies bytes, and the operands are 12-bit activations and 10-bit weights, so each is
//! split at radix 64 into a high part `h = v >> 6` and a low part `l = v & 63`, and the product
//! of two splits is rebuilt from three byte products (Karatsuba):
//!
//! `a · w = 4096 ah·wh + 64 (ah·wl + al·wh) + al·wl`, with
//! `ah·wl + al·wh = (ah + al)(wh + wl) − ah·wh − al·wl`, so
//! `Σ a·w = 4032 P1 + 64 P3 − 63 P2` where `P1 = Σ ah·wh`, `P2 = Σ al·wl`,
//! `P3 = Σ (ah + al)(wh + wl)`.
//!
//! Every part is a signed byte (activations: `ah` in −32..=31, `al` in 0..=63, `ah + al` in
//! −32..=94; weights: −8..=7, 0..=63, −8..=70), `tdpbssd` adds without saturating, and the
//! rebuild is exact modulo 2³², so it gives the exact sum, which fits in i32 (see
//! [`I16Matrix::levels`]): the bits of the scalar reference.
//!
//! Linux lends the tile registers to a process only on request (`arch_prctl`), made once in
//! [`usable`].

use super::{I16Matrix, Lines, Out, Tile, NR, PB};
use std::arch::asm;
use std::arch::x86_64::*;

/// Values of `k` per tile row: 64 bytes.
pub(super) const KT: usize = 64;
/// Rows of a tile.
pub(super) const TR: usize = 16;
/// Rows of a block of the kernel (two tiles): the row count is padded to a multiple of it.
pub(super) const BLOCK_ROWS: usize = 2 * TR;
/// The three byte planes of a split value: high, low, their sum.
pub(super) const PLANES: usize = 3;
/// Columns of one output tile (16 i32 sums).
const TC: usize = 16;

/// A value's three byte planes: `v >> 6`, `v & 63` and their sum.
#[inline(always)]
pub(super) fn split(v: i32) -> [i8; PLANES] {
    let (h, l) = (v >> 6, v & 63);
    [h as i8, l as i8, (h + l) as i8]
}

/// `k` rounded up to whole tile rows.
pub(super) fn padded_k(k: usize) -> usize {
    k.div_ceil(KT) * KT
}

/// The weights of an [`I16Matrix`] split into planes in the layout `tdpbssd` reads as its second
/// operand: `[column block of 16][plane][k / 4][16 columns][4 values of k]`, zero beyond `k` and
/// `n` (up to whole groups of `PB * NR` columns).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Weights {
    /// `k` rounded up to a multiple of [`KT`].
    pub(super) kpad: usize,
    pub(super) planes: Lines,
}

impl Weights {
    /// The planes of `w`'s integer weights.
    pub(super) fn new(w: &I16Matrix) -> Weights {
        let kpad = padded_k(w.k);
        let mut lines = Lines::zeroed(w.width() * PLANES * kpad);
        let planes = lines.bytes_mut();
        for j in 0..w.n {
            for i in 0..w.k {
                let parts = split(i32::from(w.get(i, j).0));
                for (p, v) in parts.into_iter().enumerate() {
                    planes[weight_offset(kpad, p, i, j)] = v;
                }
            }
        }
        Weights {
            kpad,
            planes: lines,
        }
    }
}

/// Where the value of plane `p` of weight `(i, j)` lies in [`Weights::planes`].
fn weight_offset(kpad: usize, p: usize, i: usize, j: usize) -> usize {
    let (cb, c) = (j / TC, j % TC);
    ((cb * PLANES + p) * (kpad / 4) + i / 4) * (TC * 4) + c * 4 + i % 4
}

/// One row quantized as the other kernels quantize it (the same scale and integers) and written
/// as its three planes, `[plane][kpad]`, zero beyond the row's values; its scale, or `None` when
/// the row has a value that is not finite.
///
/// # Safety
/// The CPU must support AVX-512 F and BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn quantize_row(
    x: &[f32],
    levels: i32,
    kpad: usize,
    planes: &mut [i8],
) -> Option<f32> {
    // SAFETY: AVX-512 F, as the caller promises.
    let (scale, inv) = unsafe { super::vnni::row_scale(x, levels) }?;
    let l = levels as f32;
    let (hi, rest) = planes.split_at_mut(kpad);
    let (lo, sum) = rest.split_at_mut(kpad);
    let low_bits = _mm512_set1_epi32(63);
    let chunks = x.chunks_exact(16);
    let done = x.len() - chunks.remainder().len();
    for (c, v) in chunks.enumerate() {
        // SAFETY: v holds 16 f32s, and values 16c..16c + 16 lie inside each plane (k <= kpad).
        unsafe {
            let q = super::vnni::levels16(_mm512_loadu_ps(v.as_ptr()), inv, l);
            let (h, lw) = (_mm512_srai_epi32::<6>(q), _mm512_and_si512(q, low_bits));
            let s = _mm512_add_epi32(h, lw);
            for (plane, p) in [(&mut *hi, h), (&mut *lo, lw), (&mut *sum, s)] {
                _mm_storeu_si128(
                    plane.as_mut_ptr().add(16 * c).cast(),
                    _mm512_cvtepi32_epi8(p),
                );
            }
        }
    }
    for (i, &v) in x.iter().enumerate().skip(done) {
        [hi[i], lo[i], sum[i]] = split(super::level(v, inv, l));
    }
    hi[x.len()..].fill(0);
    lo[x.len()..].fill(0);
    sum[x.len()..].fill(0);
    Some(scale)
}

/// Whether this CPU and OS run AMX int8 tiles for this process (asked once).
pub(super) fn usable() -> bool {
    static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *USABLE.get_or_init(|| cpu_has_amx() && request_tiles())
}

/// CPUID: AMX-TILE and AMX-INT8 (leaf 7, EDX bits 24 and 25), AVX-512 F, BW and VNNI (for the
/// row quantizer, the split and the final scaling), and an OS that saves the tile state (XCR0 bits 17 and 18).
fn cpu_has_amx() -> bool {
    if !(std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vnni")
        && std::arch::is_x86_feature_detected!("xsave"))
    {
        return false;
    }
    let leaf7 = __cpuid_count(7, 0);
    let (tile, int8) = (leaf7.edx >> 24 & 1 == 1, leaf7.edx >> 25 & 1 == 1);
    // OSXSAVE (leaf 1, ECX bit 27): XGETBV may be used
    let osxsave = __cpuid(1).ecx >> 27 & 1 == 1;
    if !(tile && int8 && osxsave) {
        return false;
    }
    // SAFETY: XSAVE and OSXSAVE are present, so XGETBV with ECX = 0 is defined.
    let xcr0 = unsafe { xcr0() };
    xcr0 >> 17 & 3 == 3
}

/// XCR0, the state the OS saves.
///
/// # Safety
/// The CPU must support XSAVE and the OS must have enabled it (OSXSAVE).
#[target_feature(enable = "xsave")]
unsafe fn xcr0() -> u64 {
    // SAFETY: as the caller promises.
    unsafe { _xgetbv(0) }
}

/// Ask Linux for the tile data state (`ARCH_REQ_XCOMP_PERM`, `XFEATURE_XTILEDATA`): without it
/// the first tile instruction kills the process.
#[cfg(target_os = "linux")]
fn request_tiles() -> bool {
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;
    // SAFETY: arch_prctl with these arguments only changes the process's permissions.
    unsafe {
        libc::syscall(
            libc::SYS_arch_prctl,
            ARCH_REQ_XCOMP_PERM,
            XFEATURE_XTILEDATA,
        ) == 0
    }
}

/// Other systems: not known to lend tiles the same way, so not used.
#[cfg(not(target_os = "linux"))]
fn request_tiles() -> bool {
    false
}

/// The tile configuration: palette 1, all eight tiles 16 rows of 64 bytes.
#[repr(C, align(64))]
struct Config([u8; 64]);

impl Config {
    fn new() -> Config {
        let mut c = [0u8; 64];
        c[0] = 1;
        for t in 0..8 {
            c[16 + 2 * t] = KT as u8;
            c[48 + t] = TR as u8;
        }
        Config(c)
    }
}

/// The four accumulator tiles of one block of 32 × 32 for each plane, stored:
/// `[plane][row tile][column tile][16 rows × 16 columns]`.
#[repr(C, align(64))]
struct Sums([Block; PLANES]);

/// One plane's four accumulator tiles, stored: `[row tile][column tile][16 rows × 16 columns]`.
type Block = [[[i32; TR * TC]; 2]; 2];

/// One tile of the output on AMX. For each block of 32 rows by 32 columns of its column groups,
/// each plane in turn is one pass over all of `k` on a 2 × 2 block of tiles (four accumulators in
/// tmm0–3, two row tiles of the activations' plane in tmm4–5, two column tiles of the weights'
/// plane in tmm6–7, so every loaded tile feeds two products and no product waits on the one
/// before it); the three planes' sums are stored, rebuilt and written as `(sx · sw) · sum`, as in
/// the scalar kernel.
///
/// `tile.planes` holds the tile's rows as [`quantize_row`] writes them, `[row][plane][kpad]`.
///
/// # Safety
/// [`usable`] must have returned true, and no other thread may write this tile's elements of
/// `out`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn tile(tile: &Tile, w: &I16Matrix, out: &Out) {
    let planes = tile.planes;
    let aw = w
        .amx
        .as_ref()
        .expect("AMX weights are built where AMX is usable");
    let kpad = aw.kpad;
    let sa = PLANES * kpad;
    assert!(tile.rows.is_multiple_of(BLOCK_ROWS) && kpad.is_multiple_of(KT));
    assert!(planes.len() >= tile.rows * sa && tile.scales.len() >= tile.rows);
    let weights = aw.planes.bytes();
    assert!(weights.len() >= tile.groups.end * PB * NR * sa);
    let cfg = Config::new();
    // SAFETY: `cfg` is a valid 64-byte-aligned palette-1 configuration.
    unsafe { asm!("ldtilecfg [{}]", in(reg) cfg.0.as_ptr(), options(nostack, readonly)) };
    let mut sums = Sums([[[[0; TR * TC]; 2]; 2]; PLANES]);
    // one column tile's block of weights: all planes over all of k
    let block = PLANES * kpad * TC;
    for cb in (tile.groups.start * PB * NR / TC..tile.groups.end * PB * NR / TC).step_by(2) {
        for rb in (0..tile.rows).step_by(BLOCK_ROWS) {
            for (p, sums_p) in sums.0.iter_mut().enumerate() {
                // SAFETY (pointer arithmetic): column tiles cb and cb + 1 lie inside the groups
                // asserted above, rows rb..rb + 32 inside the tile's rows, and plane p's values
                // at every step of k inside each.
                let b = unsafe { weights.as_ptr().add(cb * block + p * kpad * TC) };
                let a = unsafe { planes.as_ptr().add(rb * sa + p * kpad) };
                // SAFETY: the tiles are configured; the pointers cover 16 rows of 64 bytes at
                // their strides for every step.
                unsafe { pass(a, sa, b, block, kpad, sums_p) };
            }
            let sx: [f32; BLOCK_ROWS] = std::array::from_fn(|r| tile.scales[rb + r]);
            // SAFETY: AVX-512 F; this tile alone writes these elements.
            unsafe { finish(&sums, &sx, tile.r0 + rb, cb * TC, w, out) };
        }
    }
    // SAFETY: the tiles were configured above; releasing them returns the unit to its init state.
    unsafe { asm!("tilerelease", options(nostack, nomem, preserves_flags)) };
}

/// One plane's sums of a 2 × 2 block of tiles over `kpad`: rows from `a` (`sa` bytes apart, the
/// second row tile 16 rows on), columns from `b` (the second column tile `bnext` bytes on), into
/// `sums`.
///
/// # Safety
/// Tiles configured as [`Config::new`] does; the pointers valid for every step's loads.
#[inline]
unsafe fn pass(a: *const i8, sa: usize, b: *const i8, bnext: usize, kpad: usize, sums: &mut Block) {
    // SAFETY: as the caller promises.
    unsafe {
        asm!(
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            options(nostack, nomem, preserves_flags)
        );
        for kb in (0..kpad).step_by(KT) {
            asm!(
                "tileloadd tmm4, [{a0} + {sa} * 1]",
                "tileloadd tmm6, [{b0} + {sb} * 1]",
                "tdpbssd tmm0, tmm4, tmm6",
                "tileloadd tmm7, [{b1} + {sb} * 1]",
                "tdpbssd tmm1, tmm4, tmm7",
                "tileloadd tmm5, [{a1} + {sa} * 1]",
                "tdpbssd tmm2, tmm5, tmm6",
                "tdpbssd tmm3, tmm5, tmm7",
                a0 = in(reg) a.add(kb),
                a1 = in(reg) a.add(TR * sa + kb),
                b0 = in(reg) b.add(kb * TC),
                b1 = in(reg) b.add(bnext + kb * TC),
                sa = in(reg) sa,
                sb = in(reg) KT,
                options(nostack, readonly, preserves_flags),
            );
        }
        store(sums);
    }
}

/// The four accumulators (tmm0–3) into `sums`.
///
/// # Safety
/// Tiles configured as [`Config::new`] does.
#[inline]
unsafe fn store(sums: &mut Block) {
    let [[c00, c01], [c10, c11]] = sums;
    // SAFETY: each destination holds 16 rows of 64 bytes, 64 bytes apart.
    unsafe {
        asm!(
            "tilestored [{c00} + {s} * 1], tmm0",
            "tilestored [{c01} + {s} * 1], tmm1",
            "tilestored [{c10} + {s} * 1], tmm2",
            "tilestored [{c11} + {s} * 1], tmm3",
            c00 = in(reg) c00.as_mut_ptr(),
            c01 = in(reg) c01.as_mut_ptr(),
            c10 = in(reg) c10.as_mut_ptr(),
            c11 = in(reg) c11.as_mut_ptr(),
            s = in(reg) TC * 4,
            options(nostack, preserves_flags),
        )
    };
}

/// The sums of a block of 32 rows from `row0` and two column tiles from `col0` rebuilt from the
/// planes (`4032 P1 + 64 P3 − 63 P2`, wrapping) and written as `(sx · sw) · sum` (rows and
/// columns outside the output skipped).
///
/// # Safety
/// AVX-512 F; no other thread writes these elements of `out`.
#[target_feature(enable = "avx512f")]
unsafe fn finish(
    sums: &Sums,
    sx: &[f32; BLOCK_ROWS],
    row0: usize,
    col0: usize,
    w: &I16Matrix,
    out: &Out,
) {
    let (c1, c2, c3) = (
        _mm512_set1_epi32(4032),
        _mm512_set1_epi32(63),
        _mm512_set1_epi32(64),
    );
    for (r, &sxr) in sx.iter().enumerate() {
        let row = row0 + r;
        if row >= out.rows {
            break;
        }
        let (rt, rr) = (r / TR, r % TR);
        let sxv = _mm512_set1_ps(sxr);
        for ct in 0..2 {
            let j = col0 + ct * TC;
            if j >= out.n {
                continue;
            }
            let cols = (out.n - j).min(TC);
            let mask = super::first_lanes(cols);
            let at = |p: usize| {
                // SAFETY: row rr of a stored tile: 16 i32s.
                unsafe { _mm512_loadu_si512(sums.0[p][rt][ct][rr * TC..].as_ptr().cast()) }
            };
            let total = _mm512_add_epi32(
                _mm512_sub_epi32(_mm512_mullo_epi32(c1, at(0)), _mm512_mullo_epi32(c2, at(1))),
                _mm512_mullo_epi32(c3, at(2)),
            );
            // SAFETY: the masked columns j..j + cols are inside `w.scale` (n values); the others
            // read as 0.
            let swv = unsafe { _mm512_maskz_loadu_ps(mask, w.scale.as_ptr().add(j)) };
            let y = _mm512_mul_ps(_mm512_mul_ps(sxv, swv), _mm512_cvtepi32_ps(total));
            // SAFETY: the masked columns j..j + cols of row < rows are inside the output, and
            // only this tile writes them.
            unsafe { _mm512_mask_storeu_ps(out.ptr.add(row * out.n + j), mask, y) };
        }
    }
}

/// Integer operations (multiply and add counted apart) of one `tdpbssd`.
pub(super) const OPS_PER_DP: u64 = (TR * TC * KT * 2) as u64;

/// `rounds` rounds of four independent `tdpbssd` on registers (no memory traffic): the most the
/// unit can do. Returns a sum read back from the tiles, so no round can be skipped.
///
/// # Safety
/// [`usable`] must have returned true.
pub(super) unsafe fn peak(rounds: u64) -> i32 {
    let ones = [1u8; TR * KT];
    // SAFETY: as the caller promises; `ones` is one tile of bytes.
    let firsts = unsafe { peak_of::<false>(rounds, ones.as_ptr()) };
    firsts.iter().fold(0i32, |s, &v| s.wrapping_add(v as i32))
}

/// [`peak`] for `tdpbf16ps`, the bf16 product no kernel here uses (on tiles of bf16 ones): the
/// unit's peak in bf16, to state the share of it that other libraries' bf16 products reach.
///
/// # Safety
/// [`bf16_usable`] must have returned true.
pub(super) unsafe fn peak_bf16(rounds: u64) -> f32 {
    // bf16 1.0 is the high half of f32 1.0
    let ones = [(1.0f32.to_bits() >> 16) as u16; TR * KT / 2];
    // SAFETY: as the caller promises; `ones` is one tile of 16 rows of 32 bf16s.
    let firsts = unsafe { peak_of::<true>(rounds, ones.as_ptr().cast()) };
    firsts.iter().map(|&v| f32::from_bits(v)).sum()
}

/// Whether this CPU also has AMX-BF16 (CPUID leaf 7, EDX bit 22) where [`usable`] holds.
pub(super) fn bf16_usable() -> bool {
    usable() && __cpuid_count(7, 0).edx >> 22 & 1 == 1
}

/// The loop of [`peak`] (`tdpbssd`) or [`peak_bf16`] (`tdpbf16ps`, with `BF16`) on two copies
/// of the tile at `operand`; the bits of element 0 of each accumulator.
///
/// # Safety
/// As [`peak`], and AMX-BF16 for `BF16`; `operand` holds 16 rows of 64 bytes.
unsafe fn peak_of<const BF16: bool>(rounds: u64, operand: *const u8) -> [u32; 4] {
    let cfg = Config::new();
    // SAFETY: a valid configuration; `operand` holds one 16 × 64-byte tile.
    unsafe {
        asm!("ldtilecfg [{}]", in(reg) cfg.0.as_ptr(), options(nostack, readonly));
        asm!(
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            "tileloadd tmm6, [{a} + {s} * 1]",
            "tileloadd tmm7, [{a} + {s} * 1]",
            a = in(reg) operand,
            s = in(reg) KT,
            options(nostack, readonly, preserves_flags),
        );
        for _ in 0..rounds {
            if BF16 {
                asm!(
                    "tdpbf16ps tmm0, tmm6, tmm7",
                    "tdpbf16ps tmm1, tmm6, tmm7",
                    "tdpbf16ps tmm2, tmm6, tmm7",
                    "tdpbf16ps tmm3, tmm6, tmm7",
                    options(nostack, nomem, preserves_flags),
                );
            } else {
                asm!(
                    "tdpbssd tmm0, tmm6, tmm7",
                    "tdpbssd tmm1, tmm6, tmm7",
                    "tdpbssd tmm2, tmm6, tmm7",
                    "tdpbssd tmm3, tmm6, tmm7",
                    options(nostack, nomem, preserves_flags),
                );
            }
        }
        let mut out: Block = [[[0; TR * TC]; 2]; 2];
        store(&mut out);
        asm!("tilerelease", options(nostack, nomem, preserves_flags));
        let [[a, b], [c, d]] = out;
        [a[0], b[0], c[0], d[0]].map(|v| v as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_rebuilds_every_12_bit_value() {
        for v in -2048..=2047 {
            let [h, l, s] = split(v).map(i32::from);
            assert_eq!(64 * h + l, v);
            assert!((0..64).contains(&l));
            assert_eq!(s, h + l);
        }
    }

    #[test]
    fn three_byte_products_rebuild_every_product() {
        for a in (-2047..=2047).step_by(7) {
            for w in -511..=511 {
                let ([ah, al, as_], [wh, wl, ws]) = (split(a), split(w));
                let (p1, p2, p3) = (
                    i32::from(ah) * i32::from(wh),
                    i32::from(al) * i32::from(wl),
                    i32::from(as_) * i32::from(ws),
                );
                assert_eq!(4032 * p1 + 64 * p3 - 63 * p2, a * w, "{a} {w}");
            }
        }
    }

    #[test]
    fn weights_lie_where_tdpbssd_reads_them() {
        let (k, n) = (70, 20);
        let v: Vec<f32> = (0..k * n).map(|i| ((i * 37) % 101) as f32 - 50.0).collect();
        let q = I16Matrix::quantize(&v, k, n).expect("finite");
        let aw = Weights::new(&q);
        for i in 0..aw.kpad {
            for j in 0..q.width() {
                let want = if i < k && j < n {
                    split(i32::from(q.get(i, j).0))
                } else {
                    [0; PLANES]
                };
                for (p, &want) in want.iter().enumerate() {
                    let got = aw.planes.bytes()[weight_offset(aw.kpad, p, i, j)];
                    assert_eq!(got, want, "{p} {i} {j}");
                }
            }
        }
    }
}
