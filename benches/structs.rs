//! Issue 10's benchmarks: what organizing code as people do costs. The training step of
//! `training.rs` with its parameters in a struct (`#[derive(Differentiable)]`) against the
//! same step with loose parameters; a function generic over its float type (`T: Real`) at
//! `f32` against its `f32` twin. Both pairs must run at the same speed.
//!
//! `cargo bench -p backprop-benches --bench structs`; `BACKPROP_AB=layers` times a network
//! held as a `Vec` of layers (a sequence of structs) against its hand-written gradient.

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

/// A layer of `layers_*` below: `tanh(W h + b)`, `W` row-major with `inputs` columns.
#[derive(Differentiable, Clone)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub inputs: usize,
}

#[differentiate]
impl Dense {
    #[differentiate(reverse)]
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.b.len()];
        for o in 0..out.len() {
            let mut z = self.b[o];
            for i in 0..self.inputs {
                z += self.w[o * self.inputs + i] * x[i];
            }
            out[o] = z.tanh();
        }
        out
    }
}

/// A network as a `Vec` of layers, each layer's fields read in place.
#[differentiate(reverse)]
pub fn layers_in_place(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        let mut next = vec![0.0; layer.b.len()];
        for o in 0..layer.b.len() {
            let mut z = layer.b[o];
            for i in 0..layer.inputs {
                z += layer.w[o * layer.inputs + i] * h[i];
            }
            next[o] = z.tanh();
        }
        h = next;
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s
}

/// The same network through each layer's differentiated method.
#[differentiate(reverse)]
pub fn layers_by_method(layers: &[Dense], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i] * h[i];
    }
    s
}

/// A layer as people often write one: rows of weights, and a plain method (no
/// `#[differentiate]`, inlined where it is called) over iterator chains.
#[derive(Differentiable, Clone)]
pub struct Rows {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Rows {
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| (row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b).tanh())
            .collect()
    }
}

/// The same network through the plain method.
#[differentiate(reverse)]
pub fn layers_by_plain_method(layers: &[Rows], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in layers {
        h = layer.forward(&h);
    }
    h.iter().map(|v| v * v).sum()
}

/// The same gradient written by hand: the activations kept on the way forward, the
/// adjoint loop of each layer on the way back.
pub fn layers_by_hand(layers: &[Dense], x: &[f64]) -> (f64, Vec<DenseGrad>) {
    let mut acts = vec![x.to_vec()];
    for l in layers {
        let h = acts.last().expect("an input");
        let n = l.inputs;
        let next: Vec<f64> = (0..l.b.len())
            .map(|o| {
                let mut z = l.b[o];
                for i in 0..n {
                    z += l.w[o * n + i] * h[i];
                }
                z.tanh()
            })
            .collect();
        acts.push(next);
    }
    let out = acts.last().expect("an output");
    let value = out.iter().map(|v| v * v).sum();
    let mut grad_h: Vec<f64> = out.iter().map(|v| 2.0 * v).collect();
    let mut grads: Vec<DenseGrad> = Vec::with_capacity(layers.len());
    for (l, pair) in layers.iter().zip(acts.windows(2)).rev() {
        let (h, a) = (&pair[0], &pair[1]);
        let n = l.inputs;
        let mut g = DenseGrad {
            w: vec![0.0; l.w.len()],
            b: vec![0.0; l.b.len()],
        };
        let mut grad_in = vec![0.0; h.len()];
        for o in 0..a.len() {
            let grad_z = grad_h[o] * (1.0 - a[o] * a[o]);
            g.b[o] = grad_z;
            for i in 0..n {
                g.w[o * n + i] = grad_z * h[i];
                grad_in[i] += grad_z * l.w[o * n + i];
            }
        }
        grads.push(g);
        grad_h = grad_in;
    }
    grads.reverse();
    (value, grads)
}

/// Four layers of 64, in alternating blocks: the generated gradients (fields read in
/// place, and through the layers' method) against the hand-written one.
fn alternating_layers() {
    let width = 64;
    let layers: Vec<Dense> = (0..4)
        .map(|l| Dense {
            w: (0..width * width)
                .map(|k| (((k * 31 + l * 7) % 97) as f64 / 97.0 - 0.5) * 0.25)
                .collect(),
            b: (0..width).map(|o| ((o + l) % 5) as f64 * 0.02).collect(),
            inputs: width,
        })
        .collect();
    let x: Vec<f64> = (0..width).map(|i| ((i % 11) as f64 - 5.0) * 0.1).collect();
    let (value, by_hand) = layers_by_hand(&layers, &x);
    let close = |u: &[f64], v: &[f64]| u.iter().zip(v).all(|(p, q)| (p - q).abs() < 1e-12);
    let (in_place, g) = layers_in_place::grad(&layers, &x);
    let (by_method, g2) = layers_by_method::grad(&layers, &x);
    assert!((in_place - value).abs() < 1e-12 && (by_method - value).abs() < 1e-12);
    for ((a, b), c) in g.layers.iter().zip(&g2.layers).zip(&by_hand) {
        assert!(close(&a.w, &c.w) && close(&a.b, &c.b));
        assert!(close(&b.w, &c.w) && close(&b.b, &c.b));
    }
    let rows: Vec<Rows> = layers
        .iter()
        .map(|l| Rows {
            w: l.w.chunks(width).map(<[f64]>::to_vec).collect(),
            b: l.b.clone(),
        })
        .collect();
    let (by_plain, g3) = layers_by_plain_method::grad(&rows, &x);
    assert!((by_plain - value).abs() < 1e-12);
    for (a, c) in g3.layers.iter().zip(&by_hand) {
        assert!(close(&a.w.concat(), &c.w) && close(&a.b, &c.b));
    }
    let hand = || drop(black_box(layers_by_hand(black_box(&layers), &x)));
    let in_place = || drop(black_box(layers_in_place::grad(black_box(&layers), &x)));
    let by_method = || drop(black_box(layers_by_method::grad(black_box(&layers), &x)));
    let by_plain = || {
        drop(black_box(layers_by_plain_method::grad(
            black_box(&rows),
            &x,
        )))
    };
    for (name, generated) in [
        ("fields in place", &in_place as &dyn Fn()),
        ("method", &by_method),
        ("plain method", &by_plain),
    ] {
        let (a, b) = alternating::medians(&hand, generated, (200, 200), 44, 4);
        println!(
            "4 layers of 64, medians of 40 alternating blocks: by hand {:.2} µs, generated ({name}) {:.2} µs, generated / by hand {:.3}",
            a * 1e6,
            b * 1e6,
            b / a
        );
    }
}

criterion_group!(benches, training_step, generic_float);

fn main() {
    if std::env::var_os("BACKPROP_AB").is_some_and(|v| v == "layers") {
        alternating_layers();
        return;
    }
    if std::env::var_os("BACKPROP_AB").is_some() {
        alternating();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
