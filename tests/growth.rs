//! Local sequences that grow: `push`, `extend` and `extend_from_slice`, with and without a
//! type annotation, read back by index and by loops over their current length; and integer
//! sequences changed in place (`idx.push(k)`, `c[k] += 1`) that index floats later.

#![allow(clippy::needless_range_loop, clippy::vec_init_then_push)]

mod common;
use backprop::differentiate;
use common::{assert_close, assert_fd, check_hvp};

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Prefix products pushed one by one; each step reads everything pushed so far, so the
/// inner loop's length changes with every push.
#[differentiate(hessian)]
fn prefix_products(x: &[f64]) -> f64 {
    let mut p: Vec<f64> = Vec::new();
    let mut acc = 1.0;
    let mut s = 0.0;
    for i in 0..x.len() {
        acc *= x[i];
        p.push(acc.sin());
        // Rust evaluates the value before pushing it: this reads the element just pushed.
        p.push(p[p.len() - 1] * x[i]);
        for j in 0..p.len() {
            s += p[j] * x[i];
        }
    }
    s + p[0] * p[p.len() - 1]
}

/// No annotation: the `Vec` is a sequence of floats once a value that carries a
/// derivative goes in; `extend` from a chain and `extend_from_slice` add several.
#[differentiate(hessian)]
fn grown_untyped(x: &[f64], w: f64) -> f64 {
    let mut v = Vec::new();
    v.push(x[0] * w);
    v.extend(x.iter().map(|a| a * a));
    v.extend_from_slice(x);
    let mut s = 0.0;
    for (i, &e) in v.iter().enumerate() {
        s += e.exp() * (i as f64 + 1.0);
    }
    s
}

/// An integer sequence pushed in a loop and read as indices (the reverse reads it at its
/// final length, which holds every index it read going forward), and an integer array
/// counted in place that sets an inner loop's length.
#[differentiate(hessian)]
fn index_bookkeeping(x: &[f64]) -> f64 {
    let mut idx: Vec<usize> = Vec::new();
    let mut counts = [0usize; 3];
    let mut s = 0.0;
    for k in 0..x.len() {
        idx.push(x.len() - 1 - k);
        counts[k % 3] += 1;
        for j in 0..idx.len() {
            s += x[idx[j]] * x[k];
        }
        for _ in 0..counts[k % 3] {
            s += x[k].sin();
        }
    }
    s
}

fn check(
    f: fn(&[f64]) -> f64,
    grad: impl Fn(&[f64]) -> Vec<f64>,
    hvp: impl Fn(&[f64], &[f64]) -> Vec<f64>,
    jvp: impl Fn(&[f64], &[f64]) -> f64,
    x: &[f64],
    seed: u64,
) {
    let g = grad(x);
    assert_fd(f, x, &g);
    check_hvp(&grad, &hvp, x, seed);
    let u: Vec<f64> = (0..x.len()).map(|i| 0.3 - 0.1 * i as f64).collect();
    assert_close(jvp(x, &u), dot(&g, &u), 1e-12);
}

#[test]
fn push_in_a_loop() {
    let x = [0.9, -1.2, 0.7, 1.1, -0.4];
    assert_eq!(prefix_products::grad(&x).0, prefix_products(&x));
    check(
        prefix_products,
        |x| prefix_products::grad(x).1.x,
        |x, u| prefix_products::hvp(x, u).2.x,
        |x, u| prefix_products::jvp(x, u).1,
        &x,
        11,
    );
}

#[test]
fn push_and_extend_without_a_type() {
    let x = [0.3, -0.5, 0.8];
    let (value, g) = grown_untyped::grad(&x, 1.5);
    assert_eq!(value, grown_untyped(&x, 1.5));
    assert_fd(|v| grown_untyped(v, 1.5), &x, &g.x);
    assert_fd(|v| grown_untyped(&x, v[0]), &[1.5], &[g.w]);
    check_hvp(
        |v| grown_untyped::grad(v, 1.5).1.x,
        |v, u| grown_untyped::hvp(v, 1.5, u, 0.0).2.x,
        &x,
        12,
    );
    let d = grown_untyped::jvp(&x, 1.5, &[0.1, 0.2, 0.3], -0.5).1;
    assert_close(d, dot(&g.x, &[0.1, 0.2, 0.3]) - 0.5 * g.w, 1e-12);
}

#[test]
fn integer_sequences_changed_in_place() {
    let x = [0.5, -1.0, 2.0, 0.3, 0.7];
    assert_eq!(index_bookkeeping::grad(&x).0, index_bookkeeping(&x));
    check(
        index_bookkeeping,
        |x| index_bookkeeping::grad(x).1.x,
        |x, u| index_bookkeeping::hvp(x, u).2.x,
        |x, u| index_bookkeeping::jvp(x, u).1,
        &x,
        13,
    );
}

/// `vec![value; n]` and `[value; N]` whose value carries a derivative, then written and
/// read.
#[differentiate(hessian)]
fn repeated(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut v = vec![w * w; n];
    let a: [f64; 3] = [w.sin(); 3];
    for i in 0..n {
        v[i] += x[i] * a[i % 3];
    }
    let mut s = 0.0;
    for &e in v.iter() {
        s += e * e;
    }
    s + a[2]
}

#[test]
fn repeats_of_a_value_that_carries_a_derivative() {
    let x = [0.3, -0.5, 0.8, 1.2];
    let (value, g) = repeated::grad(&x, 0.7);
    assert_eq!(value, repeated(&x, 0.7));
    assert_fd(|v| repeated(v, 0.7), &x, &g.x);
    assert_fd(|v| repeated(&x, v[0]), &[0.7], &[g.w]);
    check_hvp(
        |v| vec![repeated::grad(&x, v[0]).1.w],
        |v, u| vec![repeated::hvp(&x, v[0], &[0.0; 4], u[0]).2.w],
        &[0.7],
        14,
    );
    let d = repeated::jvp(&x, 0.7, &[0.1, 0.2, 0.3, 0.4], -0.5).1;
    assert_close(d, dot(&g.x, &[0.1, 0.2, 0.3, 0.4]) - 0.5 * g.w, 1e-12);
}
