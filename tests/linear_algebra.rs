//! Numerical linear algebra and PDE steps as they are written over `Vec`s: helpers returning
//! matrices as `Vec<Vec<f64>>` (`matmul`, `transpose` by a nested `collect`, `matvec`), a
//! conjugate-gradient solve inside the loss, LU elimination with row swaps for a
//! determinant, attention scores through a softmax, an explicit heat equation stepped with
//! `std::mem::swap` of two buffers and with a `clone()` per step; a matrix collected without
//! its type written (`x.chunks(3).map(|c| c.to_vec()).collect::<Vec<_>>()`); a flat
//! parameter vector taken apart by the stretches of its sub-slices. Each was an
//! error ("indexed too deep", "does not know the derivative of `.len()`") where a helper's
//! nested result, or a collect of rows, was not known to nest. Checked against central differences and `hvp` against differences of
//! the gradient.

#![allow(clippy::needless_range_loop)]
#![deny(warnings)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{assert_fd, check_hvp};

fn matvec(a: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|row| row.iter().zip(x).map(|(p, q)| p * q).sum())
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

fn matmul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (n, m, p) = (a.len(), b.len(), b[0].len());
    let mut c = vec![vec![0.0; p]; n];
    for i in 0..n {
        for j in 0..p {
            for k in 0..m {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    c
}

fn transpose(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..a[0].len())
        .map(|j| a.iter().map(|row| row[j]).collect())
        .collect()
}

/// `‖A⁻¹ b‖²` for a tridiagonal `A` whose diagonal the parameters set, `A⁻¹ b` by `n` steps
/// of conjugate gradients (exact in exact arithmetic).
#[differentiate(hessian)]
fn solved(x: &[f64]) -> f64 {
    let n = x.len();
    let b = vec![1.0; n];
    let mut a = vec![vec![0.0; n]; n];
    for i in 0..n {
        a[i][i] = 2.0 + x[i] * x[i];
        if i + 1 < n {
            a[i][i + 1] = -1.0;
            a[i + 1][i] = -1.0;
        }
    }
    let mut u = vec![0.0; n];
    let mut r = b.clone();
    let mut p = r.clone();
    let mut rs = dot(&r, &r);
    for _ in 0..n {
        let ap = matvec(&a, &p);
        let alpha = rs / dot(&p, &ap);
        for i in 0..n {
            u[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        let rs_new = dot(&r, &r);
        for i in 0..n {
            p[i] = r[i] + rs_new / rs * p[i];
        }
        rs = rs_new;
    }
    u.iter().map(|v| v * v).sum()
}

/// The determinant of a 3 × 3 matrix given by rows of the parameters, by Gaussian
/// elimination with partial pivoting: rows swapped whole (`m.swap(p, c)`).
#[differentiate(hessian)]
fn pivoted_det(x: &[f64]) -> f64 {
    let mut m = x.chunks(3).map(|c| c.to_vec()).collect::<Vec<_>>();
    let n = m.len();
    let mut det = 1.0;
    for c in 0..n {
        let mut p = c;
        for r in c + 1..n {
            if m[r][c].abs() > m[p][c].abs() {
                p = r;
            }
        }
        if p != c {
            m.swap(p, c);
            det = -det;
        }
        det *= m[c][c];
        for r in c + 1..n {
            let f = m[r][c] / m[c][c];
            for j in c..n {
                m[r][j] -= f * m[c][j];
            }
        }
    }
    det
}

/// Attention: scores `Q Kᵀ` through helpers, a softmax per row, the values mixed; the
/// queries are the first 6 parameters, the keys the last 6.
#[differentiate(hessian)]
fn attention(x: &[f64]) -> f64 {
    let mut q = vec![vec![0.0; 2]; 3];
    let mut k = vec![vec![0.0; 2]; 3];
    for i in 0..3 {
        for j in 0..2 {
            q[i][j] = x[2 * i + j];
            k[i][j] = x[6 + 2 * i + j];
        }
    }
    let v = [[1.0, 0.2], [0.4, -0.6], [0.3, 0.9]];
    let kt = transpose(&k);
    let s = matmul(&q, &kt);
    let mut out = 0.0;
    for i in 0..s.len() {
        let m = s[i].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = s[i].iter().map(|t| (t - m).exp()).collect();
        let z: f64 = e.iter().sum();
        for j in 0..2 {
            let mut acc = 0.0;
            for t in 0..e.len() {
                acc += e[t] / z * v[t][j];
            }
            out += acc * acc;
        }
    }
    out
}

/// Twenty explicit steps of the heat equation from the initial temperatures, the new
/// values written into a second buffer swapped with the first (`std::mem::swap`), and the
/// same with the old values cloned each step.
#[differentiate(hessian)]
fn heat(x: &[f64]) -> f64 {
    let n = x.len();
    let k = 0.2;
    let mut u = x.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..20 {
        for i in 1..n - 1 {
            next[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        next[0] = u[0];
        next[n - 1] = u[n - 1];
        std::mem::swap(&mut u, &mut next);
    }
    let mut w = x.to_vec();
    for _ in 0..20 {
        let old = w.clone();
        for i in 1..n - 1 {
            w[i] = old[i] + k * (old[i - 1] - 2.0 * old[i] + old[i + 1]);
        }
    }
    u.iter().zip(&w).map(|(a, b)| a * a + a * b).sum()
}

/// A two-layer network whose weights are one flat vector taken apart by sub-slices: the
/// hidden layer's rows `x[..6].chunks_exact(3)`, its biases `x[6 + j]`, the output weights
/// `x[8..10]`, a smoothness penalty over `x[..6].windows(2)` (stretches of a sub-slice were
/// "does not know the derivative of `.chunks()`").
#[differentiate(hessian)]
fn flat_network(x: &[f64]) -> f64 {
    let input = [0.5, -1.0, 2.0];
    let mut hidden = Vec::new();
    for (j, row) in x[..6].chunks_exact(3).enumerate() {
        let z: f64 = row.iter().zip(&input).map(|(w, x)| w * x).sum::<f64>() + x[6 + j];
        hidden.push(z.tanh());
    }
    let out: f64 = x[8..10]
        .iter()
        .zip(&hidden)
        .map(|(w, h)| w * h)
        .sum::<f64>()
        + x[10];
    let smooth: f64 = x[..6].windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    out * out + 0.1 * smooth
}

#[test]
fn linear_algebra_through_helpers_of_matrices() {
    check_slice_function!(solved, &[0.3, 0.7, 1.2, -0.4], 1);
    check_slice_function!(
        pivoted_det,
        &[0.1, 2.0, 0.3, 1.5, 0.2, -0.7, 0.4, 0.9, 1.1],
        2
    );
    check_slice_function!(
        attention,
        &[
            0.1, 0.4, -0.3, 0.8, 0.5, 0.2, 0.7, -0.1, 0.2, 0.3, -0.5, 0.6
        ],
        3
    );
    check_slice_function!(heat, &[0.0, 0.3, 0.9, 0.4, 0.1, 0.0], 4);
    check_slice_function!(
        flat_network,
        &[0.3, -0.2, 0.5, 0.1, 0.4, -0.6, 0.05, -0.1, 0.7, -0.3, 0.2],
        5
    );
}
