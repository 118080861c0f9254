//! f32 matrix products through the `gemm` crate, into a buffer the caller keeps.

/// `x [rows, k] @ w [k, n]` in f32 (row-major, both contiguous), written over `out [rows, n]`.
///
/// The product runs through the `gemm` crate exactly as candle's CPU matmul calls it (the same
/// kernels, blocking and `Parallelism::Rayon(threads)`), so it gives candle's bits, without the
/// zero-filled result buffer candle allocates for every product. gemm never splits `k` and its
/// blocking depends on the shape only, so a row's result depends on that row alone, except that
/// gemm gives a single row to a matrix-vector kernel with another summation order: a single row
/// is multiplied with a zero row as company, so it gets the bits it would get among others.
///
/// # Panics
/// When a slice's length does not match its shape (`x`: `rows * k`, `w`: `k * n`, `out`:
/// `rows * n`).
pub fn matmul_f32_into(
    x: &[f32],
    rows: usize,
    w: &[f32],
    k: usize,
    n: usize,
    threads: usize,
    out: &mut [f32],
) {
    assert_eq!(x.len(), rows * k, "x is not [rows, k]");
    assert_eq!(w.len(), k * n, "w is not [k, n]");
    assert_eq!(out.len(), rows * n, "out is not [rows, n]");
    if rows == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.fill(0.0);
        return;
    }
    if rows == 1 {
        let mut x2 = vec![0.0f32; 2 * k];
        x2[..k].copy_from_slice(x);
        let mut out2 = vec![0.0f32; 2 * n];
        matmul_f32_into(&x2, 2, w, k, n, threads, &mut out2);
        out.copy_from_slice(&out2[..n]);
        return;
    }
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the lengths were checked above, so every index the strides reach is inside its
    // slice (x: row stride k, column stride 1; w: row stride n; out: row stride n); `out` is a
    // unique borrow, so it aliases neither input; with `read_dst` false and alpha 0, gemm writes
    // every element of `out` and reads none.
    unsafe {
        gemm::gemm(
            rows,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            x.as_ptr(),
            1,
            k as isize,
            w.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::matmul_f32_into;
    use proptest::prelude::*;

    fn reference(x: &[f32], rows: usize, w: &[f32], k: usize, n: usize) -> Vec<f64> {
        let mut out = vec![0.0f64; rows * n];
        for r in 0..rows {
            for j in 0..n {
                out[r * n + j] = (0..k)
                    .map(|i| f64::from(x[r * k + i]) * f64::from(w[i * n + j]))
                    .sum();
            }
        }
        out
    }

    fn product(x: &[f32], rows: usize, w: &[f32], k: usize, n: usize, threads: usize) -> Vec<f32> {
        let mut out = vec![f32::NAN; rows * n];
        matmul_f32_into(x, rows, w, k, n, threads, &mut out);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Close to the f64 sum, every row the bits it has alone, whatever the thread count.
        #[test]
        fn matches_the_sum_and_each_row_stands_alone(
            rows in 1usize..40, k in 0usize..70, n in 1usize..50, seed in any::<u64>(),
        ) {
            let mut s = seed | 1;
            let mut next = || {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            };
            let x: Vec<f32> = (0..rows * k).map(|_| next()).collect();
            let w: Vec<f32> = (0..k * n).map(|_| next()).collect();
            let all = product(&x, rows, &w, k, n, 2);
            let exact = reference(&x, rows, &w, k, n);
            for (a, e) in all.iter().zip(&exact) {
                prop_assert!((f64::from(*a) - e).abs() <= 1e-5 * (k as f64 + 1.0), "{a} vs {e}");
            }
            prop_assert_eq!(&product(&x, rows, &w, k, n, 1), &all);
            for r in [0, rows / 2, rows - 1] {
                let alone = product(&x[r * k..(r + 1) * k], 1, &w, k, n, 2);
                prop_assert_eq!(&alone[..], &all[r * n..(r + 1) * n], "row {}", r);
            }
        }
    }

    #[test]
    fn a_slice_that_does_not_match_its_shape_panics() {
        let r = std::panic::catch_unwind(|| {
            let mut out = vec![0.0f32; 4];
            matmul_f32_into(&[1.0; 5], 2, &[1.0; 6], 3, 2, 1, &mut out);
        });
        assert!(r.is_err());
    }
}
