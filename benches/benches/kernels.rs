//! The integer matrix product of `claimbench-kernels` (AMX tiles, `vpdpwssd` with AVX-512 VNNI,
//! `vpmaddwd` with AVX2, and the scalar kernel: every one this CPU has) against the f32 product
//! the fast forward uses otherwise (candle, the `gemm` crate), at all-MiniLM-L6-v2's shapes for
//! 768 tokens (a batch of 32 seed sentences is about 730): the QKV product `[768, 384] x [384,
//! 1152]` and the feed-forward down product `[768, 1536] x [1536, 384]`. Throughput is in
//! multiply-adds times two (FLOP or integer operations) per second of the int16 product; `peak`
//! is the unit's product instruction alone on registers (`vpdpwssd`, or AMX's `tdpbssd` on
//! bytes), one stream per core on every core at once: the most a kernel could reach, so its share
//! of the peak is read off the same run. The AMX kernel does three byte products per int16
//! product, so its share of `tdpbssd`'s peak is three times its rate over that peak.
//! `peak-amx-bf16` is AMX's bf16 product (`tdpbf16ps`) alone, which no kernel here uses: the peak
//! that `benches/python/torch_matmul.py`'s PyTorch bf16 rates are read against.
//!
//! Run: `cargo bench -p claimbench-benches -- kernels/`

use candle_core::{Device, Tensor};
use claimbench_kernels::{
    matmul_i16, matmul_i16_with, peak_loop, peak_loop_amx_bf16, peak_ops_per_round, I16Matrix, Isa,
    AMX_BF16_OPS_PER_ROUND,
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
        // the kernels this CPU would fall back to (the scalar one is what a CPU without AVX2 runs)
        for isa in Isa::ALL
            .into_iter()
            .filter(|i| i.supported() && *i != Isa::detect())
        {
            let name = format!("int16-{}", isa.name());
            group.bench_with_input(BenchmarkId::new(name, &shape), &q, |b, q| {
                b.iter(|| matmul_i16_with(isa, &x, rows, q))
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
    for isa in Isa::ALL {
        peak(&mut group, isa);
    }
    peak_bf16(&mut group);
    group.finish();
}

/// Rounds of [`peak_loop`] per thread and iteration on `isa` (about 6 ms of work).
fn peak_rounds(isa: Isa) -> u64 {
    match isa {
        Isa::Amx => 250_000,
        _ => 2_000_000,
    }
}

/// `isa`'s product instruction alone, one thread per core, where this CPU has it.
fn peak(group: &mut Group, isa: Isa) {
    let (Some(ops), Some(_)) = (peak_ops_per_round(isa), peak_loop(isa, 1)) else {
        return;
    };
    let rounds = peak_rounds(isa);
    on_every_core(
        group,
        &format!("peak-{}", isa.name()),
        rounds * ops,
        move || peak_loop(isa, rounds).is_some(),
    );
}

/// AMX's bf16 product alone (`tdpbf16ps`, which no kernel here uses), one thread per core, where
/// this CPU has it: the peak against which `benches/python/torch_matmul.py`'s bf16 rates (PyTorch
/// on oneDNN) are read.
fn peak_bf16(group: &mut Group) {
    if peak_loop_amx_bf16(1).is_none() {
        return;
    }
    let rounds = peak_rounds(Isa::Amx);
    on_every_core(
        group,
        "peak-amx-bf16",
        rounds * AMX_BF16_OPS_PER_ROUND,
        move || peak_loop_amx_bf16(rounds).is_some(),
    );
}

/// The benchmark group of this file.
type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// `work` (`ops` operations) on one thread per core at once, as benchmark `name`.
fn on_every_core(group: &mut Group, name: &str, ops: u64, work: impl Fn() -> bool + Copy + Send) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    group.throughput(Throughput::Elements(threads as u64 * ops));
    group.bench_function(BenchmarkId::new(name, format!("{threads}-threads")), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
                hs.into_iter()
                    .map(|h| h.join().unwrap_or(false))
                    .collect::<Vec<_>>()
            })
        })
    });
}
