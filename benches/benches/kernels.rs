//! The integer matrix product of `claimbench-kernels` (`vpdpwssd` with AVX-512 VNNI, `vpmaddwd`
//! with AVX2, and the scalar kernel) against the f32 product the fast forward uses otherwise
//! (candle, the `gemm` crate), at all-MiniLM-L6-v2's shapes for 768 tokens (a batch of 32 seed
//! sentences is about 730): the QKV product `[768, 384] x [384, 1152]` and the feed-forward down
//! product `[768, 1536] x [1536, 384]`. Throughput is in multiply-adds times two (FLOP or integer
//! operations) per second; `peak` is `vpdpwssd` alone on registers, one stream per core on every
//! core at once: the most the integer kernel could reach, so its share of the peak is read off the
//! same run (on a CPU with VNNI).
//!
//! Run: `cargo bench -p claimbench-benches -- kernels/`

use candle_core::{Device, Tensor};
use claimbench_kernels::{
    matmul_i16, matmul_i16_with, peak_loop, I16Matrix, Isa, PEAK_OPS_PER_ROUND,
};
use criterion::{BenchmarkId, Criterion, Throughput};

/// Deterministic values in [-1, 1).
fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 7919 + seed * 104_729) % 2000) as f32 / 1000.0 - 1.0)
        .collect()
}

/// int16 (this CPU's kernel) against f32 gemm, per shape.
pub fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernels/matmul");
    group.sample_size(20);
    for (rows, k, n) in [(768usize, 384usize, 1152usize), (768, 1536, 384)] {
        let (x, w) = (values(rows * k, 1), values(k * n, 2));
        let shape = format!("{rows}x{k}x{n}");
        group.throughput(Throughput::Elements(2 * (rows * k * n) as u64));
        let q = match I16Matrix::quantize(&w, k, n) {
            Ok(q) => q,
            Err(e) => panic!("quantize: {e}"),
        };
        let name = format!("int16-{}", Isa::detect().name());
        group.bench_with_input(BenchmarkId::new(name, &shape), &q, |b, q| {
            b.iter(|| matmul_i16(&x, rows, q))
        });
        if Isa::detect() != Isa::Scalar {
            // what a CPU without AVX2 runs
            group.bench_with_input(BenchmarkId::new("int16-scalar", &shape), &q, |b, q| {
                b.iter(|| matmul_i16_with(Isa::Scalar, &x, rows, q))
            });
        }
        let (xt, wt) = match (
            Tensor::from_vec(x.clone(), (rows, k), &Device::Cpu),
            Tensor::from_vec(w.clone(), (k, n), &Device::Cpu),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            _ => panic!("tensors"),
        };
        group.bench_with_input(BenchmarkId::new("f32-gemm", &shape), &wt, |b, wt| {
            b.iter(|| match xt.matmul(wt) {
                Ok(t) => t,
                Err(e) => panic!("matmul: {e}"),
            })
        });
    }
    peak(&mut group);
    group.finish();
}

/// Rounds of [`peak_loop`] per thread and iteration (about 6 ms of work).
const PEAK_ROUNDS: u64 = 2_000_000;

/// `vpdpwssd` alone, one thread per core, where this CPU has it.
fn peak(group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>) {
    if peak_loop(Isa::detect(), 1).is_none() {
        return;
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    group.throughput(Throughput::Elements(
        threads as u64 * PEAK_ROUNDS * PEAK_OPS_PER_ROUND,
    ));
    let name = format!("peak-{}", Isa::detect().name());
    group.bench_function(BenchmarkId::new(name, format!("{threads}-threads")), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..threads)
                    .map(|_| s.spawn(|| peak_loop(Isa::detect(), PEAK_ROUNDS)))
                    .collect();
                hs.into_iter()
                    .map(|h| h.join().ok().flatten())
                    .collect::<Vec<_>>()
            })
        })
    });
}
