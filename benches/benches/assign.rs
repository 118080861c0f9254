//! One-to-one assignment (`claimbench_score::assign`): optimal (lsap on the valid pairs) and
//! greedy, on seeded random similarity matrices (uniform in [0, 1), threshold 0.5, so about half
//! the pairs are valid and they form one component) of 100 x 100 and 500 x 500; and the dense
//! `linear_sum_assignment` (scipy's, no threshold) for comparison. Throughput in matrix entries.
//!
//! Run: `cargo bench -p claimbench-benches -- assign/`

use criterion::{BenchmarkId, Criterion, Throughput};

use claimbench_benches::random_matrix;
use claimbench_score::{assign, linear_sum_assignment, Assignment, SimMatrix};

/// Optimal and greedy assignment, and dense lsap, at 100 x 100 and 500 x 500.
pub fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("assign");
    group.sample_size(20);
    for n in [100usize, 500] {
        let m = match SimMatrix::new(n, n, random_matrix(n, n, n as u64)) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("assign benches skipped: {e}");
                return;
            }
        };
        let dense: Vec<f64> = m.data.iter().map(|&x| f64::from(x)).collect();
        let size = format!("{n}x{n}");
        group.throughput(Throughput::Elements((n * n) as u64));
        for method in [Assignment::Optimal, Assignment::Greedy] {
            group.bench_with_input(BenchmarkId::new(method.to_string(), &size), &m, |b, m| {
                b.iter(|| assign(m, 0.5, method, None).expect("assign"))
            });
        }
        group.bench_with_input(BenchmarkId::new("lsap-dense", &size), &dense, |b, d| {
            b.iter(|| linear_sum_assignment(n, n, d).expect("lsap"))
        });
    }
    group.finish();
}
