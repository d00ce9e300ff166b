//! Objectives written by others (GradBench's evals), as a numerical programmer writes them
//! from the evals' READMEs: the plain objective, the gradient `#[differentiate]` generates,
//! and the hand-written gradient of GradBench's `manual` tool, in one run. Heap allocations
//! per call are counted by the allocator `memory.rs` uses too (`common/counting.rs`).
//!
//! `cargo bench -p backprop-benches --bench objectives`

#![allow(clippy::needless_range_loop)]

#[path = "common/counting.rs"]
mod counting;

use backprop::differentiate;
use counting::allocations_of;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// llsq: `½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)²` with `tᵢ = −1 + 2i/(n − 1)`, `sᵢ = sign(tᵢ)`.
#[differentiate(wrt(x))]
pub fn llsq(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let ti = -1.0 + (i as f64) * 2.0 / ((n - 1) as f64);
        let si = if ti > 0.0 {
            1.0
        } else if ti < 0.0 {
            -1.0
        } else {
            0.0
        };
        let mut inner = si;
        let mut mul = 1.0;
        for j in 0..x.len() {
            inner -= x[j] * mul;
            mul *= ti;
        }
        sum += inner * inner;
    }
    sum / 2.0
}

/// GradBench's `manual` llsq gradient (tools/manual/llsq.cpp), in Rust, one thread.
pub fn llsq_manual(x: &[f64], n: usize) -> Vec<f64> {
    let m = x.len();
    let t = |i: usize| -1.0 + (i as f64) * 2.0 / ((n - 1) as f64);
    let mut sums = vec![0.0; n];
    for (i, sum) in sums.iter_mut().enumerate() {
        let ti = t(i);
        let mut inner = if ti > 0.0 {
            1.0
        } else if ti < 0.0 {
            -1.0
        } else {
            0.0
        };
        let mut mul = 1.0;
        for xl in x {
            inner -= xl * mul;
            mul *= ti;
        }
        *sum = inner;
    }
    let mut out = vec![0.0; m];
    for (i, sum) in sums.iter().enumerate() {
        let ti = t(i);
        let mut term = 1.0;
        for o in out.iter_mut() {
            *o -= sum * term;
            term *= ti;
        }
    }
    out
}

fn llsq_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("llsq");
    let m = 128;
    let x: Vec<f64> = (0..m).map(|i| ((i * 37 % 101) as f64) / 101.0).collect();
    for n in [1024, 4096] {
        let (_, generated) = llsq::grad(&x, n);
        let manual = llsq_manual(&x, n);
        for (a, b) in generated.x.iter().zip(&manual) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "llsq: {a} != {b}");
        }
        println!(
            "llsq n = {n}: allocations per call after the first: generated {}, manual {}",
            allocations_of(|| drop(black_box(llsq::grad(&x, n)))),
            allocations_of(|| drop(black_box(llsq_manual(&x, n)))),
        );
        g.bench_with_input(BenchmarkId::new("objective", n), &n, |b, &n| {
            b.iter(|| llsq(black_box(&x), n))
        });
        g.bench_with_input(BenchmarkId::new("generated", n), &n, |b, &n| {
            b.iter(|| llsq::grad(black_box(&x), n))
        });
        g.bench_with_input(BenchmarkId::new("manual", n), &n, |b, &n| {
            b.iter(|| llsq_manual(black_box(&x), n))
        });
    }
    g.finish();
}

criterion_group!(benches, llsq_group);
criterion_main!(benches);
