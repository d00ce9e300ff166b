//! Issue 4's kernel choice: single-precision matrix products on one thread through
//! `matrixmultiply` (ndarray's `general_mat_mul`, what the runtime calls) and through the
//! `gemm` crate, at square sizes and at the shapes of the MLP training step, with the
//! transposed operands of the backward products passed as views (strides, no copies).
//! Throughput is reported in elements per second where one element is one FLOP (2mnk per
//! product).

use backprop::ndarray::{Array2, ArrayView2, ArrayViewMut2, linalg::general_mat_mul};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn filled(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (((i * 31 + j * 17 + seed) % 23) as f32 - 11.0) / 11.0
    })
}

/// `c = a · b` through the `gemm` crate, single-threaded, reading ndarray's strides.
fn gemm_crate(a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &mut ArrayViewMut2<f32>) {
    let (m, k) = a.dim();
    let n = b.ncols();
    assert_eq!(b.nrows(), k);
    assert_eq!(c.dim(), (m, n));
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    // SAFETY: the pointers and strides describe the three arrays, which do not overlap;
    // `c` is borrowed mutably for the call.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            false,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn product(c: &mut Criterion, group_name: &str, cases: &[(String, usize, usize, usize, bool)]) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(20);
    for (name, m, k, n, transposed_a) in cases {
        let (m, k, n) = (*m, *k, *n);
        // With `transposed_a`, `a` is the transposed view of a k × m array (`xᵀ · g`).
        let stored = if *transposed_a {
            filled(k, m, 1)
        } else {
            filled(m, k, 1)
        };
        let a = if *transposed_a {
            stored.t()
        } else {
            stored.view()
        };
        let b = filled(k, n, 2);
        let mut out = Array2::<f32>::zeros((m, n));
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        group.bench_with_input(BenchmarkId::new("matrixmultiply", name), &(), |bench, _| {
            bench.iter(|| {
                general_mat_mul(1.0, black_box(&a), black_box(&b), 0.0, &mut out);
            })
        });
        let mut check = Array2::<f32>::zeros((m, n));
        gemm_crate(&a, &b.view(), &mut check.view_mut());
        general_mat_mul(1.0, &a, &b, 0.0, &mut out);
        let scale = out.iter().fold(1.0f32, |s, v| s.max(v.abs()));
        assert!(
            out.iter()
                .zip(&check)
                .all(|(x, y)| (x - y).abs() <= 1e-4 * scale),
            "the two kernels disagree"
        );
        group.bench_with_input(BenchmarkId::new("gemm", name), &(), |bench, _| {
            bench.iter(|| gemm_crate(black_box(&a), black_box(&b.view()), &mut out.view_mut()))
        });
    }
    group.finish();
}

fn square(c: &mut Criterion) {
    let cases: Vec<_> = [64, 128, 256, 512, 1024]
        .iter()
        .map(|&n| (format!("n={n}"), n, n, n, false))
        .collect();
    product(c, "gemm/square", &cases);
}

fn mlp_shapes(c: &mut Criterion) {
    let cases = vec![
        ("x·w1 (64×784·784×256)".to_owned(), 64, 784, 256, false),
        ("xᵀ·dh (784×64·64×256)".to_owned(), 784, 64, 256, true),
        ("h·w2 (64×256·256×10)".to_owned(), 64, 256, 10, false),
    ];
    product(c, "gemm/mlp", &cases);
}

criterion_group!(benches, square, mlp_shapes);
criterion_main!(benches);
