//! Issue 4's benchmark: one training step of a 784 → 256 (ReLU) → 10 network on a batch of
//! 64, f32, on one thread: the generated gradient against the same step written by hand
//! with the same kernels, and the loss alone. `benches/mlp_jax.py` times JAX on the same
//! step; `cargo bench -p backprop-benches --bench memory` reports the step's peak memory.
//!
//! And arrays reassigned in a loop (`recurrent`): a residual tanh layer applied 20 times to
//! a 256 × 64 state, the gradient against the objective in the same run.

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

criterion_group!(benches, training_step, recurrent_layers);
criterion_main!(benches);
