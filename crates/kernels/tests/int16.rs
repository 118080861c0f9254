//! The integer kernels against their scalar reference and against f32, on random shapes, edge
//! sizes and non-finite inputs.

use claimbench_kernels::{
    matmul_i16_reference, matmul_i16_with, matmul_i16_with_into, peak_loop, peak_loop_amx_bf16,
    peak_ops_per_round, I16Matrix, Isa, AMX_BF16_OPS_PER_ROUND,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn random(rng: &mut StdRng, len: usize) -> Vec<f32> {
    (0..len).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
}

fn f32_matmul(x: &[f32], rows: usize, w: &[f32], k: usize, n: usize) -> Vec<f32> {
    let mut out = vec![0f32; rows * n];
    for r in 0..rows {
        for j in 0..n {
            out[r * n + j] = (0..k).map(|i| x[r * k + i] * w[i * n + j]).sum();
        }
    }
    out
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Integer sums are exact: every kernel this CPU runs and the plain reference give the same
    /// bits on any shape (k and n not multiples of the block sizes included).
    #[test]
    fn every_kernel_gives_the_reference_bits(
        rows in 0usize..41, k in 1usize..70, n in 1usize..75, seed in 0u64..1000,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let (x, w) = (random(&mut rng, rows * k), random(&mut rng, k * n));
        let q = I16Matrix::quantize(&w, k, n).expect("finite");
        let want = matmul_i16_reference(&x, rows, &q);
        prop_assert_eq!(want.len(), rows * n);
        for isa in Isa::ALL.into_iter().filter(|i| i.supported()) {
            let got = matmul_i16_with(isa, &x, rows, &q);
            prop_assert!(
                want.iter().zip(&got).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{:?}", isa
            );
        }
    }
}

/// The CPU flags Linux lists in /proc/cpuinfo (empty elsewhere).
fn cpu_flags() -> Vec<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| l.split_whitespace().skip(2).map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(target_arch = "x86_64")]
#[test]
fn the_detected_kernel_is_the_best_this_cpu_has() {
    let vnni = std::arch::is_x86_feature_detected!("avx512vnni")
        && std::arch::is_x86_feature_detected!("avx512f");
    // Linux lists amx_tile only where it saves the tile state, and grants it on request
    let flags = cpu_flags();
    let amx = vnni
        && ["amx_tile", "amx_int8"]
            .iter()
            .all(|f| flags.iter().any(|g| g == f));
    let want = if amx {
        Isa::Amx
    } else if vnni {
        Isa::Avx512Vnni
    } else if std::arch::is_x86_feature_detected!("avx2") {
        Isa::Avx2
    } else {
        Isa::Scalar
    };
    assert_eq!(Isa::detect(), want);
    assert!(Isa::Scalar.supported());
    assert_eq!(Isa::Avx512Vnni.supported(), vnni);
    assert_eq!(Isa::Amx.supported(), amx);
}

#[test]
fn rows_are_close_to_f32_at_model_sizes() {
    let mut rng = StdRng::seed_from_u64(5);
    for (rows, k, n) in [(33, 384, 1152), (7, 1536, 384), (1, 384, 384)] {
        let (x, w) = (random(&mut rng, rows * k), random(&mut rng, k * n));
        let q = I16Matrix::quantize(&w, k, n).expect("finite");
        let got = matmul_i16_with(Isa::detect(), &x, rows, &q);
        let want = f32_matmul(&x, rows, &w, k, n);
        for r in 0..rows {
            let c = cosine(&got[r * n..(r + 1) * n], &want[r * n..(r + 1) * n]);
            assert!(
                c > 0.99999,
                "[{rows}, {k}] x [{k}, {n}] row {r}: cosine {c}"
            );
        }
    }
}

#[test]
fn every_kernel_gives_the_reference_bits_at_model_sizes() {
    // k = 1536 spans several of the VNNI kernel's blocks of k; 13 rows leave a partial block;
    // 201 rows span three tiles of rows (`TILE_ROWS`), the last one partial
    let mut rng = StdRng::seed_from_u64(11);
    for (rows, k, n) in [(13, 384, 1152), (7, 1536, 384), (201, 384, 70)] {
        let (x, w) = (random(&mut rng, rows * k), random(&mut rng, k * n));
        let q = I16Matrix::quantize(&w, k, n).expect("finite");
        let want = matmul_i16_reference(&x, rows, &q);
        for isa in Isa::ALL.into_iter().filter(|i| i.supported()) {
            let got = matmul_i16_with(isa, &x, rows, &q);
            let same = want
                .iter()
                .zip(&got)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{isa:?} [{rows}, {k}] x [{k}, {n}]");
        }
    }
}

#[test]
fn a_row_does_not_depend_on_its_batchmates() {
    let mut rng = StdRng::seed_from_u64(9);
    let (rows, k, n) = (70, 96, 48);
    let (x, w) = (random(&mut rng, rows * k), random(&mut rng, k * n));
    let q = I16Matrix::quantize(&w, k, n).expect("finite");
    let all = matmul_i16_with(Isa::detect(), &x, rows, &q);
    for r in [0, 31, 32, 69] {
        let one = matmul_i16_with(Isa::detect(), &x[r * k..(r + 1) * k], 1, &q);
        assert_eq!(one, all[r * n..(r + 1) * n].to_vec(), "row {r}");
    }
}

#[test]
fn a_reused_buffer_gets_exactly_the_fresh_result() {
    // one buffer through a large, a small, an empty and a large product again, starting dirty:
    // every call leaves exactly `rows * n` values, the bits a fresh buffer gets
    let mut rng = StdRng::seed_from_u64(4);
    let mut out = vec![f32::NAN; 5000];
    for (rows, k, n) in [(40, 33, 70), (3, 17, 9), (0, 8, 8), (41, 64, 50)] {
        let (x, w) = (random(&mut rng, rows * k), random(&mut rng, k * n));
        let q = I16Matrix::quantize(&w, k, n).expect("finite");
        for isa in Isa::ALL.into_iter().filter(|i| i.supported()) {
            matmul_i16_with_into(isa, &x, rows, &q, &mut out);
            let fresh = matmul_i16_with(isa, &x, rows, &q);
            assert_eq!(out.len(), rows * n, "{isa:?} [{rows}, {k}] x [{k}, {n}]");
            assert!(
                out.iter()
                    .zip(&fresh)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{isa:?} [{rows}, {k}] x [{k}, {n}]"
            );
        }
    }
}

#[test]
fn a_non_finite_input_makes_its_row_nan_and_no_other() {
    let mut rng = StdRng::seed_from_u64(2);
    let (rows, k, n) = (3, 20, 17);
    let w = random(&mut rng, k * n);
    let q = I16Matrix::quantize(&w, k, n).expect("finite");
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut x = random(&mut rng, rows * k);
        x[k + 3] = bad;
        for isa in Isa::ALL.into_iter().filter(|i| i.supported()) {
            let y = matmul_i16_with(isa, &x, rows, &q);
            assert!(y[n..2 * n].iter().all(|v| v.is_nan()), "{bad} {isa:?}");
            assert!(y[..n].iter().chain(&y[2 * n..]).all(|v| v.is_finite()));
        }
    }
}

#[test]
fn zeros_and_empty_shapes() {
    let q = I16Matrix::quantize(&[0.0; 12], 3, 4).expect("finite");
    assert_eq!(
        matmul_i16_with(Isa::detect(), &[1.0, -2.0, 3.0], 1, &q),
        vec![0.0; 4]
    );
    let x0 = matmul_i16_with(
        Isa::detect(),
        &[0.0; 6],
        2,
        &I16Matrix::quantize(&[1.0; 12], 3, 4).unwrap(),
    );
    assert_eq!(x0, vec![0.0; 8]);
    let empty = I16Matrix::quantize(&[], 0, 5).expect("finite");
    assert_eq!(
        matmul_i16_with(Isa::detect(), &[], 2, &empty),
        vec![0.0; 10]
    );
    let none = I16Matrix::quantize(&[1.0, 2.0], 2, 1).expect("finite");
    assert!(matmul_i16_with(Isa::detect(), &[], 0, &none).is_empty());
}

#[test]
fn a_non_finite_weight_is_refused_with_its_place() {
    let mut w = vec![0.5f32; 12];
    w[7] = f32::INFINITY;
    let e = I16Matrix::quantize(&w, 3, 4).expect_err("infinite weight");
    assert_eq!((e.row, e.col), (1, 3));
    assert_eq!(
        e.to_string(),
        "weight (1, 3) is inf: integer weights must be finite"
    );
}

#[test]
fn quantized_weights_round_to_the_column_scale() {
    let w = [1.0f32, -0.5, 0.25, 0.5, -1.0, 0.125];
    let q = I16Matrix::quantize(&w, 2, 3).expect("finite");
    assert_eq!(q.get(0, 0), (511, 1.0 / 511.0));
    assert_eq!(q.get(1, 0), (256, 1.0 / 511.0)); // 0.5 * 511 = 255.5 rounds away from zero
    assert_eq!(q.get(1, 1).0, -511);
    assert_eq!(q.get(0, 1).0, -256);
    assert_eq!(q.get(1, 2).0, 256);
}

#[test]
fn activation_levels_shrink_only_where_a_sum_could_overflow() {
    let levels = |k: usize| I16Matrix::quantize(&vec![1.0; k], k, 1).unwrap().levels();
    assert_eq!(levels(1536), 2047); // all-MiniLM-L6-v2's widest product
    assert_eq!(levels(3072), 1368); // BERT-base's: 3072 * 1368 * 511 < 2^31
    assert!(3072i64 * 1368 * 511 <= i64::from(i32::MAX));
    // the worst case for that k: every input at +levels, every weight at +511, no overflow
    let k = 3072;
    let q = I16Matrix::quantize(&vec![1.0; k], k, 1).unwrap();
    let y = matmul_i16_with(Isa::detect(), &vec![1.0; k], 1, &q);
    assert_eq!(y, vec![k as f32]);
}

#[test]
fn the_peak_loops_run_every_round_where_the_cpu_has_them() {
    // each round: 16 chains × 16 lanes × 2 products of 3 · -5
    let want = Isa::Avx512Vnni.supported().then_some(-30 * 256 * 1000);
    assert_eq!(peak_loop(Isa::Avx512Vnni, 1000), want);
    // each round: four tiles, each element gaining 64 products of 1 · 1; element 0 of each summed
    let want = Isa::Amx.supported().then_some(4 * 64 * 1000);
    assert_eq!(peak_loop(Isa::Amx, 1000), want);
    assert_eq!(peak_loop(Isa::Scalar, 1000), None);
    assert_eq!(peak_ops_per_round(Isa::Avx512Vnni), Some(16 * 16 * 2 * 2));
    assert_eq!(peak_ops_per_round(Isa::Amx), Some(4 * 16 * 16 * 64 * 2));
    assert_eq!(peak_ops_per_round(Isa::Scalar), None);
}

#[test]
fn the_bf16_peak_loop_runs_every_round_where_the_cpu_has_amx_bf16() {
    // each round: four tiles, each element gaining 32 products of 1.0 · 1.0 (exact in f32)
    let has = Isa::Amx.supported() && cpu_flags().iter().any(|f| f == "amx_bf16");
    assert_eq!(peak_loop_amx_bf16(1000), has.then_some(4.0 * 32.0 * 1000.0));
    assert_eq!(AMX_BF16_OPS_PER_ROUND, 4 * 16 * 16 * 32 * 2);
}
