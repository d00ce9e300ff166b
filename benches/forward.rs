//! Issue 5's benchmark: forward mode (`jvp`) against the plain function and forward-mode
//! dual numbers (`num-dual`, one derivative) on F1 and F2; and the Jacobian of a 3 → 100
//! function and of a 100 → 3 function, each in both orders.

#![allow(clippy::needless_range_loop)]

#[path = "common/functions.rs"]
mod functions;

use backprop::differentiate;
use criterion::{Criterion, criterion_group, criterion_main};
use functions::*;
use num_dual::Dual64;
use std::hint::black_box;

const F1_ARGS: [f64; 5] = [2.0, -1.0, -3.0, -2.0, -3.0];
const F1_TANGENT: [f64; 5] = [0.3, -0.7, 0.1, 0.9, -0.2];

fn dual(x: f64, t: f64) -> Dual64 {
    Dual64::new(x, t)
}

fn f2_tangent() -> [f64; 20] {
    std::array::from_fn(|i| ((i * 7) % 11) as f64 / 10.0 - 0.5)
}

/// Three inputs, a hundred outputs: forward mode's case.
#[differentiate(reverse, forward)]
pub fn wide(a: f64, b: f64, c: f64) -> Vec<f64> {
    let mut out = vec![0.0; 100];
    for i in 0..100 {
        let s = i as f64 * 0.01;
        out[i] = (a * s + b).sin() * c + a * b * s;
    }
    out
}

/// A hundred inputs, three outputs: reverse mode's case.
#[differentiate(reverse, forward)]
pub fn tall(x: &[f64]) -> [f64; 3] {
    let mut s = 0.0;
    let mut q = 0.0;
    let mut m = x[0];
    for i in 0..x.len() {
        s += x[i];
        q += x[i] * x[i] * (i as f64 + 1.0);
        m = m.max(x[i]);
    }
    [s, q.sqrt(), m * s]
}

fn check() {
    let [w0, x0, w1, x1, w2] = F1_ARGS;
    let [t0, t1, t2, t3, t4] = F1_TANGENT;
    let (_, jv) = f1::jvp(w0, x0, w1, x1, w2, t0, t1, t2, t3, t4);
    let d = f1_dual1(
        dual(w0, t0),
        dual(x0, t1),
        dual(w1, t2),
        dual(x1, t3),
        dual(w2, t4),
    );
    assert!((jv - d.eps).abs() < 1e-14, "F1 jvp {jv} != dual {}", d.eps);
    let (x, t) = (f2_input(), f2_tangent());
    let (_, jv) = f2::jvp(&x, &t);
    let xd: [Dual64; 20] = std::array::from_fn(|i| dual(x[i], t[i]));
    let d = f2_dual1(&xd);
    assert!((jv - d.eps).abs() < 1e-12, "F2 jvp {jv} != dual {}", d.eps);
    assert_eq!(wide::jacfwd(0.3, -0.8, 1.7).1.len(), 100);
}

fn jvp_groups(c: &mut Criterion) {
    check();
    let (a, t) = (F1_ARGS, F1_TANGENT);
    let mut g = c.benchmark_group("F1-jvp");
    g.bench_function("plain", |b| {
        b.iter(|| {
            f1(
                black_box(a[0]),
                black_box(a[1]),
                black_box(a[2]),
                black_box(a[3]),
                black_box(a[4]),
            )
        })
    });
    g.bench_function("generated", |b| {
        b.iter(|| {
            let a = black_box(a);
            let t = black_box(t);
            f1::jvp(a[0], a[1], a[2], a[3], a[4], t[0], t[1], t[2], t[3], t[4])
        })
    });
    g.bench_function("num-dual", |b| {
        b.iter(|| {
            let a = black_box(a);
            let t = black_box(t);
            f1_dual1(
                dual(a[0], t[0]),
                dual(a[1], t[1]),
                dual(a[2], t[2]),
                dual(a[3], t[3]),
                dual(a[4], t[4]),
            )
        })
    });
    g.finish();

    let (x, t) = (f2_input(), f2_tangent());
    let mut g = c.benchmark_group("F2-jvp");
    g.bench_function("plain", |b| b.iter(|| f2(black_box(&x))));
    g.bench_function("generated", |b| {
        b.iter(|| f2::jvp(black_box(&x), black_box(&t)))
    });
    g.bench_function("num-dual", |b| {
        b.iter(|| {
            let (x, t) = (black_box(&x), black_box(&t));
            let xd: [Dual64; 20] = std::array::from_fn(|i| dual(x[i], t[i]));
            f2_dual1(&xd)
        })
    });
    g.finish();
}

fn jacobian_groups(c: &mut Criterion) {
    let mut g = c.benchmark_group("jacobian-3to100");
    g.bench_function("forward", |b| {
        b.iter(|| wide::jacfwd(black_box(0.3), black_box(-0.8), black_box(1.7)))
    });
    g.bench_function("reverse", |b| {
        b.iter(|| wide::jacrev(black_box(0.3), black_box(-0.8), black_box(1.7)))
    });
    g.bench_function("generated", |b| {
        b.iter(|| wide::jacobian(black_box(0.3), black_box(-0.8), black_box(1.7)))
    });
    g.finish();
    let x: Vec<f64> = (0..100)
        .map(|i| ((i * 37) % 100) as f64 / 50.0 - 1.0)
        .collect();
    let mut g = c.benchmark_group("jacobian-100to3");
    g.bench_function("forward", |b| b.iter(|| tall::jacfwd(black_box(&x))));
    g.bench_function("reverse", |b| b.iter(|| tall::jacrev(black_box(&x))));
    g.bench_function("generated", |b| b.iter(|| tall::jacobian(black_box(&x))));
    g.finish();
}

criterion_group!(benches, jvp_groups, jacobian_groups);
criterion_main!(benches);
