//! Loops that write through `xs.iter_mut()` (or `&mut xs`): each item is the element it
//! points to, so `for x in v.iter_mut() { *x *= 2.0; }` is differentiated as the index loop
//! `for i in 0..v.len() { v[i] *= 2.0; }`. Checked against finite differences and against
//! forward over reverse (`hvp`).

#![allow(clippy::needless_range_loop)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{Points, assert_fd, check_hvp};

/// Scaled in place, then squashed, element by element.
#[differentiate(hessian)]
fn scaled(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for vi in v.iter_mut() {
        *vi *= 2.0;
    }
    for vi in &mut v {
        *vi = vi.tanh() + 0.1 * *vi;
    }
    v.iter().map(|a| a * a).sum()
}

/// `y += a·x` zipped, then an enumerated rescale, a `for_each`, a reversed walk that skips
/// its first item, and a walk that takes two.
#[differentiate(hessian)]
fn axpy(x: &[f64]) -> f64 {
    let a = x[0].sin();
    let mut out = vec![0.5; x.len()];
    for (o, xi) in out.iter_mut().zip(x) {
        *o += a * xi;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = o.tanh() * (i as f64 + 1.0);
    }
    out.iter_mut().for_each(|o| *o *= *o);
    for o in out.iter_mut().rev().skip(1) {
        *o = (*o + 1.0).sqrt();
    }
    for o in out.iter_mut().take(2) {
        *o -= x[1];
    }
    out.iter().sum()
}

/// A running update that reads a neighbour of the sequence it writes through: each `*o`
/// is its element, and `v[i - 1]` the one before, already updated.
#[differentiate(hessian)]
fn smoothed(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let mut previous = 0.0;
    for o in v.iter_mut() {
        *o = 0.5 * *o + 0.5 * previous;
        previous = *o;
    }
    v.iter().zip(x).map(|(a, b)| a * b).sum()
}

#[test]
fn writes_through_iter_mut_against_finite_differences_and_hessian() {
    let mut points = Points::new(71);
    for seed in 0..3 {
        let x = points.vec(5, -1.5, 1.5);
        check_slice_function!(scaled, &x, 80 + seed);
        check_slice_function!(axpy, &x, 90 + seed);
        check_slice_function!(smoothed, &x, 100 + seed);
    }
}

/// The same loops written with indices give the same gradient, bit for bit.
#[differentiate]
fn axpy_indexed(x: &[f64]) -> f64 {
    let a = x[0].sin();
    let mut out = vec![0.5; x.len()];
    for i in 0..out.len().min(x.len()) {
        out[i] += a * x[i];
    }
    for i in 0..out.len() {
        out[i] = out[i].tanh() * (i as f64 + 1.0);
    }
    for i in 0..out.len() {
        out[i] *= out[i];
    }
    for i in (0..out.len().saturating_sub(1)).rev() {
        out[i] = (out[i] + 1.0).sqrt();
    }
    for i in 0..out.len().min(2) {
        out[i] -= x[1];
    }
    out.iter().sum()
}

#[test]
fn iter_mut_is_the_index_loop() {
    let x = [0.3, -1.2, 0.8, 0.1, -0.4];
    let (v, g) = axpy::grad(&x);
    let (w, h) = axpy_indexed::grad(&x);
    assert_eq!(v, w);
    assert_eq!(g.x, h.x);
    assert_fd(axpy_indexed, &x, &h.x);
}
