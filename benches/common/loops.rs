//! The loop benchmark's functions: Rosenbrock, and a loop whose reverse needs saved values
//! (`t = t * x[i] + c[i]`), each as the plain function, the generated gradient, a
//! hand-written adjoint loop and a tape (`reverse`).

#![allow(dead_code, clippy::needless_range_loop)]

use backprop::differentiate;

/// Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])².
#[differentiate]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        s += 100.0 * d * d + e * e;
    }
    s
}

/// Rosenbrock's gradient by hand: one forward sweep for the value, one adjoint loop.
#[inline]
pub fn rosenbrock_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - 1 {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        s += 100.0 * d * d + e * e;
    }
    let mut g = vec![0.0; n];
    for i in (0..n - 1).rev() {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        g[i + 1] += 200.0 * d;
        g[i] += -400.0 * d * x[i] - 2.0 * e;
    }
    (s, g)
}

pub fn rosenbrock_tape<'a>(x: &[reverse::Var<'a>]) -> reverse::Var<'a> {
    let mut s = x[0] * 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        s = s + d * d * 100.0 + e * e;
    }
    s
}

/// A recurrence whose reverse needs the overwritten `t`: `t = t·x[i] + c[i]`.
#[differentiate]
pub fn recurrence(x: &[f64], c: &[f64]) -> f64 {
    let mut t = 1.0;
    for i in 0..x.len() {
        t = t * x[i] + c[i];
    }
    t
}

/// The recurrence's gradient by hand: the forward sweep keeps every `t`, the adjoint loop
/// reads them back.
#[inline]
pub fn recurrence_hand(x: &[f64], c: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let n = x.len();
    let mut ts = Vec::with_capacity(n);
    let mut t = 1.0;
    for i in 0..n {
        ts.push(t);
        t = t * x[i] + c[i];
    }
    let mut gx = vec![0.0; n];
    let mut gc = vec![0.0; n];
    let mut gt = 1.0;
    for i in (0..n).rev() {
        gc[i] = gt;
        gx[i] = gt * ts[i];
        gt *= x[i];
    }
    (t, gx, gc)
}

pub fn recurrence_tape<'a>(x: &[reverse::Var<'a>], c: &[reverse::Var<'a>]) -> reverse::Var<'a> {
    let mut t = x[0] * 0.0 + 1.0;
    for i in 0..x.len() {
        t = t * x[i] + c[i];
    }
    t
}

/// Deterministic inputs in [-1.2, 1.2] and, for the recurrence, x in [0.5, 1.0] so t stays
/// bounded.
pub fn inputs(n: usize) -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0 * 2.4 - 1.2)
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| 0.5 + ((i * 104729) % 1000) as f64 / 2000.0)
        .collect();
    (x, y)
}
