//! Issue 10's benchmarks: what organizing code as people do costs. The training step of
//! `training.rs` with its parameters in a struct (`#[derive(Differentiable)]`) against the
//! same step with loose parameters; a function generic over its float type (`T: Real`) at
//! `f32` against its `f32` twin. Both pairs must run at the same speed.
//!
//! `cargo bench -p backprop-benches --bench structs`

#![allow(clippy::needless_range_loop)]

#[path = "common/alternating.rs"]
mod alternating;
#[path = "common/mlp.rs"]
mod mlp;

use backprop::ndarray::{Array1, Array2};
use backprop::{Differentiable, Real, differentiate, relu, softmax_cross_entropy};
use criterion::{BenchmarkId, Criterion, criterion_group};
use mlp::*;
use std::hint::black_box;

#[derive(Differentiable, Clone)]
pub struct Layer {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

#[derive(Differentiable, Clone)]
pub struct Mlp {
    pub hidden: Layer,
    pub out: Layer,
}

/// `mlp_loss` of `common/mlp.rs`, its parameters in a struct.
#[differentiate(wrt(m))]
pub fn struct_loss(m: &Mlp, x: &Array2<f32>, labels: &[usize]) -> f32 {
    let hidden = relu(x.dot(&m.hidden.w) + &m.hidden.b);
    let scores = hidden.dot(&m.out.w) + &m.out.b;
    softmax_cross_entropy(&scores, labels)
}

/// One step, as `generated_step` takes it: the loss and the new parameters, the old ones
/// left as they are (the update written over the gradient).
fn struct_step(x: &Array2<f32>, labels: &[usize], m: &Mlp) -> (f32, MlpGrad) {
    let (loss, g) = struct_loss::grad(m, x, labels);
    let mut g = g.m;
    let step = |g: &mut f32, &w: &f32| *g = w - LEARNING_RATE * *g;
    g.hidden.w.zip_mut_with(&m.hidden.w, step);
    g.hidden.b.zip_mut_with(&m.hidden.b, step);
    g.out.w.zip_mut_with(&m.out.w, step);
    g.out.b.zip_mut_with(&m.out.b, step);
    (loss, g)
}

/// The loose parameters of `common/mlp.rs` as the struct.
fn as_struct(p: &Params) -> Mlp {
    let layer = |w: &Array2<f32>, b: &Array1<f32>| Layer {
        w: w.clone(),
        b: b.clone(),
    };
    Mlp {
        hidden: layer(&p.w1, &p.b1),
        out: layer(&p.w2, &p.b2),
    }
}

fn training_step(c: &mut Criterion) {
    let (x, labels, p) = setup();
    let m = as_struct(&p);
    // The same step: the same loss and the same new parameters, bit for bit.
    let (loose_loss, loose) = generated_step(&x, &labels, &p);
    let (struct_loss, mine) = struct_step(&x, &labels, &m);
    assert_eq!(loose_loss, struct_loss);
    assert_eq!(loose.w1, mine.hidden.w);
    assert_eq!(loose.b2, mine.out.b);

    let mut group = c.benchmark_group("mlp_step_struct");
    // Alternating, so drift on this machine hits both alike.
    for round in 0..2 {
        group.bench_function(BenchmarkId::new("loose parameters", round), |b| {
            b.iter(|| generated_step(black_box(&x), black_box(&labels), &p))
        });
        group.bench_function(BenchmarkId::new("struct", round), |b| {
            b.iter(|| struct_step(black_box(&x), black_box(&labels), &m))
        });
    }
    group.finish();
}

/// Rosenbrock generic over the float type, and its `f32` twin.
#[differentiate]
pub fn rosenbrock<T: Real>(x: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = T::one() - x[i];
        s += T::from_f64(100.0) * t * t + u * u;
    }
    s
}

#[differentiate]
pub fn rosenbrock_f32(x: &[f32]) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        s += 100.0 * t * t + u * u;
    }
    s
}

fn generic_float(c: &mut Criterion) {
    let mut group = c.benchmark_group("rosenbrock_f32");
    for n in [1000usize, 100_000] {
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 101) as f32) / 101.0 - 0.5)
            .collect();
        assert_eq!(rosenbrock::grad(&x).1.x, rosenbrock_f32::grad(&x).1.x);
        for round in 0..2 {
            group.bench_function(BenchmarkId::new(format!("generic n={n}"), round), |b| {
                b.iter(|| rosenbrock::grad(black_box(&x)))
            });
            group.bench_function(BenchmarkId::new(format!("f32 n={n}"), round), |b| {
                b.iter(|| rosenbrock_f32::grad(black_box(&x)))
            });
        }
    }
    group.finish();
}

/// The two steps timed in alternating blocks (40 blocks of 100 steps each, the first few
/// dropped as warm-up), medians of the per-step times: a steadier ratio on a noisy machine
/// than two criterion runs one after the other. `BACKPROP_AB=1 cargo bench -p
/// backprop-benches --bench structs` prints it (and runs nothing else).
fn alternating() {
    let (x, labels, p) = setup();
    let m = as_struct(&p);
    let (a, b) = alternating::medians(
        &|| drop(black_box(generated_step(black_box(&x), &labels, &p))),
        &|| drop(black_box(struct_step(black_box(&x), &labels, &m))),
        (100, 100),
        44,
        4,
    );
    println!(
        "mlp step, medians of 40 alternating blocks: loose parameters {:.1} µs, struct {:.1} µs, struct / loose {:.3}",
        a * 1e6,
        b * 1e6,
        b / a
    );
}

criterion_group!(benches, training_step, generic_float);

fn main() {
    if std::env::var_os("BACKPROP_AB").is_some() {
        alternating();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
