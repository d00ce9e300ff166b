//! Issue 4's benchmark: one training step of a 784 → 256 (ReLU) → 10 network on a batch of
//! 64, f32, on one thread: the generated gradient against the same step written by hand
//! with the same kernels, and the loss alone. `benches/mlp_jax.py` times JAX on the same
//! step; `cargo bench -p backprop-benches --bench memory` reports the step's peak memory.
//!
//! And arrays reassigned in a loop (`recurrent`): a residual tanh layer applied 20 times to
//! a 256 × 64 state, the gradient against the objective in the same run; matrices walked
//! row by row (`rows`), against the same gradients by hand.

#[path = "common/mlp.rs"]
mod mlp;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mlp::*;
use std::hint::black_box;

fn training_step(c: &mut Criterion) {
    let (x, labels, params) = setup();

    // The two gradients agree before anything is timed.
    let (loss_g, g) = mlp_loss::grad(&x, &labels, &params.w1, &params.b1, &params.w2, &params.b2);
    let (loss_h, h) = hand_gradient(&x, &labels, &params);
    let close = |a: &[f32], b: &[f32]| {
        let scale = a.iter().fold(1e-6f32, |s, v| s.max(v.abs()));
        a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-4 * scale)
    };
    assert!((loss_g - loss_h).abs() <= 1e-5 * loss_h.abs());
    assert!(close(g.w1.as_slice().unwrap(), h.w1.as_slice().unwrap()));
    assert!(close(g.b1.as_slice().unwrap(), h.b1.as_slice().unwrap()));
    assert!(close(g.w2.as_slice().unwrap(), h.w2.as_slice().unwrap()));
    assert!(close(g.b2.as_slice().unwrap(), h.b2.as_slice().unwrap()));

    let mut group = c.benchmark_group("mlp_step");
    group.throughput(Throughput::Elements(step_flops() as u64));
    // Each step returns new parameters and leaves the old ones (as `jax.jit` steps do), so
    // every timed step does the same arithmetic on the same values.
    group.bench_function("generated", |b| {
        b.iter(|| generated_step(black_box(&x), black_box(&labels), &params))
    });
    group.bench_function("hand-written", |b| {
        b.iter(|| hand_step(black_box(&x), black_box(&labels), &params))
    });
    group.bench_function("loss only", |b| {
        b.iter(|| {
            mlp_loss(
                black_box(&x),
                black_box(&labels),
                &params.w1,
                &params.b1,
                &params.w2,
                &params.b2,
            )
        })
    });
    group.finish();
}

fn recurrent_layers(c: &mut Criterion) {
    let (x, w, v, steps) = recurrent_setup();
    let mut group = c.benchmark_group("recurrent");
    group.bench_function("objective", |b| {
        b.iter(|| recurrent(black_box(&x), &w, &v, steps))
    });
    group.bench_function("gradient", |b| {
        b.iter(|| recurrent::grad(black_box(&x), &w, &v, steps))
    });
    group.finish();
}

/// Matrices walked row by row (`for row in w.outer_iter()`): the generated gradient against
/// the same gradient written by hand with whole-matrix products, in the same run.
fn rows(c: &mut Criterion) {
    let (a, v, y) = rows_setup();
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() <= 1e-12);
    let (g, h) = (rows_layer::grad(&a, &v), rows_layer_by_hand(&a, &v));
    assert!(
        (g.0 - h.0).abs() <= 1e-12 && close(g.1.w.as_slice().unwrap(), h.1.as_slice().unwrap())
    );
    let g = sliced_layer::grad(&a, &v);
    assert!(close(g.1.w.as_slice().unwrap(), h.1.as_slice().unwrap()));
    let (g, h) = (
        rows_logistic::grad(&v, &a, &y),
        rows_logistic_by_hand(&v, &a, &y),
    );
    assert!((g.0 - h.0).abs() <= 1e-9 && close(g.1.w.as_slice().unwrap(), h.1.as_slice().unwrap()));
    let mut group = c.benchmark_group("rows");
    group.bench_function("layer generated", |b| {
        b.iter(|| rows_layer::grad(black_box(&a), &v))
    });
    group.bench_function("layer by hand", |b| {
        b.iter(|| rows_layer_by_hand(black_box(&a), &v))
    });
    group.bench_function("layer objective", |b| {
        b.iter(|| rows_layer(black_box(&a), &v))
    });
    group.bench_function("sliced layer generated", |b| {
        b.iter(|| sliced_layer::grad(black_box(&a), &v))
    });
    group.bench_function("logistic generated", |b| {
        b.iter(|| rows_logistic::grad(black_box(&v), &a, &y))
    });
    group.bench_function("logistic by hand", |b| {
        b.iter(|| rows_logistic_by_hand(black_box(&v), &a, &y))
    });
    group.bench_function("logistic objective", |b| {
        b.iter(|| rows_logistic(black_box(&v), &a, &y))
    });
    group.finish();
}

criterion_group!(benches, training_step, recurrent_layers, rows);
criterion_main!(benches);
