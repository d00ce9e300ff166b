//! Nested sequences: `Vec<Vec<f64>>`, `&[Vec<f64>]`, `&[[f64; N]]` and `[[f64; N]; M]` as
//! parameters (gradients of the same nesting) and locals, indexed `m[i][j]`, their rows
//! bound to names (`let row = &m[i];`, `for row in m.iter()`). Each gradient is checked
//! against central differences, forward mode (the dot-product test) and Hessians.

#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp};

/// `m` as rows of `cols` values, from a flat vector.
fn rows(flat: &[f64], cols: usize) -> Vec<Vec<f64>> {
    flat.chunks(cols).map(<[f64]>::to_vec).collect()
}

fn flat(m: &[Vec<f64>]) -> Vec<f64> {
    m.concat()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

// ------------------------------------------------------------ `&[Vec<f64>]` and rows

/// ‖M x‖², the rows taken by `for row in m.iter()` and indexed `row[j]`.
#[differentiate(hessian)]
fn matvec_norm(m: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut total = 0.0;
    for row in m.iter() {
        let mut s = 0.0;
        for j in 0..row.len() {
            s += row[j] * x[j];
        }
        total += s * s;
    }
    total
}

#[test]
fn rows_of_a_slice_of_vecs() {
    let mut p = Points::new(1);
    let (m, x) = (rows(&p.vec(12, -1.0, 1.0), 4), p.vec(4, -1.0, 1.0));
    let (value, g) = matvec_norm::grad(&m, &x);
    assert_eq!(value, matvec_norm(&m, &x));
    assert_eq!(g.m.len(), 3);
    assert_eq!(g.m[0].len(), 4);
    assert_fd(|v| matvec_norm(&rows(v, 4), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| matvec_norm(&m, v), &x, &g.x);
    // Forward mode against reverse mode: ⟨∇f, (u, w)⟩ = the directional derivative.
    let (u, w) = (rows(&p.vec(12, -1.0, 1.0), 4), p.vec(4, -1.0, 1.0));
    let (v2, d) = matvec_norm::jvp(&m, &x, &u, &w);
    assert_eq!(v2, value);
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    // Second order, in `m`.
    check_hvp(
        |v| flat(&matvec_norm::grad(&rows(v, 4), &x).1.m),
        |v, t| {
            let zero = vec![0.0; 4];
            flat(&matvec_norm::hvp(&rows(v, 4), &x, &rows(t, 4), &zero).2.m)
        },
        &flat(&m),
        2,
    );
}

/// `let row = &m[i];`, `m[i][j]` directly, `m.len()` and `m[0].len()`, with an
/// enumerated loop over the rows.
#[differentiate(hessian)]
fn quadratic_form(m: &Vec<Vec<f64>>, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        let row = &m[i];
        for j in 0..m[0].len() {
            s += x[i] * row[j] * x[j] + m[i][j] * m[j][i];
        }
    }
    for (i, r) in m.iter().enumerate() {
        s += r[i].sin();
    }
    s
}

#[test]
fn rows_bound_by_let_and_direct_double_indexing() {
    let mut p = Points::new(3);
    let (m, x) = (rows(&p.vec(9, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let (value, g) = quadratic_form::grad(&m, &x);
    assert_eq!(value, quadratic_form(&m, &x));
    assert_fd(|v| quadratic_form(&rows(v, 3), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| quadratic_form(&m, v), &x, &g.x);
    let (u, w) = (rows(&p.vec(9, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let d = quadratic_form::jvp(&m, &x, &u, &w).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| quadratic_form::grad(&m, v).1.x,
        |v, t| {
            let zero = vec![vec![0.0; 3]; 3];
            quadratic_form::hvp(&m, v, &zero, t).2.x
        },
        &x,
        4,
    );
}

// ------------------------------------------------------------ fixed-size nested arrays

/// A rotation-like product with `[[f64; 3]; 3]` by value and a `&[[f64; 2]]` of points.
#[differentiate(hessian)]
fn transformed(r: [[f64; 3]; 3], pts: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for k in 0..pts.len() {
        for i in 0..3 {
            let y = r[i][0] * pts[k][0] + r[i][1] * pts[k][1] + r[i][2];
            s += y * y.cos();
        }
    }
    s
}

fn mat3(v: &[f64]) -> [[f64; 3]; 3] {
    [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]]
}

fn pairs(v: &[f64]) -> Vec<[f64; 2]> {
    v.chunks(2).map(|c| [c[0], c[1]]).collect()
}

#[test]
fn fixed_size_nested_arrays() {
    let mut p = Points::new(5);
    let (r, pts) = (p.vec(9, -1.0, 1.0), p.vec(8, -1.0, 1.0));
    let (value, g) = transformed::grad(mat3(&r), &pairs(&pts));
    assert_eq!(value, transformed(mat3(&r), &pairs(&pts)));
    let g_r: [[f64; 3]; 3] = g.r;
    let g_pts: Vec<[f64; 2]> = g.pts;
    assert_fd(
        |v| transformed(mat3(v), &pairs(&pts)),
        &r,
        g_r.as_flattened(),
    );
    assert_fd(
        |v| transformed(mat3(&r), &pairs(v)),
        &pts,
        g_pts.as_flattened(),
    );
    let (u, w) = (p.vec(9, -1.0, 1.0), p.vec(8, -1.0, 1.0));
    let d = transformed::jvp(mat3(&r), &pairs(&pts), mat3(&u), &pairs(&w)).1;
    assert_close(
        d,
        dot(g_r.as_flattened(), &u) + dot(g_pts.as_flattened(), &w),
        1e-12,
    );
    check_hvp(
        |v| {
            transformed::grad(mat3(v), &pairs(&pts))
                .1
                .r
                .as_flattened()
                .to_vec()
        },
        |v, t| {
            let zero = pairs(&[0.0; 8]);
            transformed::hvp(mat3(v), &pairs(&pts), mat3(t), &zero)
                .2
                .r
                .as_flattened()
                .to_vec()
        },
        &r,
        6,
    );
}

// ------------------------------------------------------------ nested locals

/// An outer product written into a local `vec![vec![0.0; n]; n]`, updated in place, then
/// read nonlinearly; a `[[f64; 2]; 2]` local written element by element.
#[differentiate(hessian)]
fn outer_then_trace(x: &[f64]) -> f64 {
    let n = x.len();
    let mut t = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            t[i][j] = x[i] * x[j];
        }
    }
    for i in 0..n {
        t[i][i] += x[i].sin();
        t[i][0] *= 1.5;
    }
    let mut small = [[0.0; 2]; 2];
    small[0][1] = t[0][1] * x[1];
    small[1][0] = small[0][1] + t[1][1];
    let mut s = small[1][0].exp();
    for row in t.iter() {
        for &v in row.iter() {
            s += v * v;
        }
    }
    s
}

#[test]
fn nested_locals_written_and_read() {
    let x = [0.3, -0.7, 1.1];
    let (value, g) = outer_then_trace::grad(&x);
    assert_eq!(value, outer_then_trace(&x));
    assert_fd(outer_then_trace, &x, &g.x);
    check_hvp(
        |v| outer_then_trace::grad(v).1.x,
        |v, t| outer_then_trace::hvp(v, t).2.x,
        &x,
        7,
    );
    let u = [0.2, 0.5, -0.4];
    assert_close(outer_then_trace::jvp(&x, &u).1, dot(&g.x, &u), 1e-12);
}

// ------------------------------------------------------------ calls and copies

#[differentiate(hessian)]
fn total_of_squares(m: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for row in m {
        for &v in row {
            s += v * v;
        }
    }
    s
}

/// A nested sequence passed to another differentiated function, and a copy of it written.
#[differentiate(hessian)]
fn scaled_copy(m: &[Vec<f64>], a: f64) -> f64 {
    let mut c = m.to_vec();
    for i in 0..c.len() {
        c[i][0] *= a;
    }
    total_of_squares(&c) + total_of_squares(m) * a
}

#[test]
fn nested_arguments_to_calls_and_copies() {
    let m = rows(&[0.5, -1.0, 2.0, 0.25, 1.5, -0.5], 3);
    let (value, g) = scaled_copy::grad(&m, 0.8);
    assert_eq!(value, scaled_copy(&m, 0.8));
    assert_fd(|v| scaled_copy(&rows(v, 3), 0.8), &flat(&m), &flat(&g.m));
    assert_fd(|v| scaled_copy(&m, v[0]), &[0.8], &[g.a]);
    let u = rows(&[0.1, 0.2, -0.3, 0.4, -0.5, 0.6], 3);
    let d = scaled_copy::jvp(&m, 0.8, &u, 0.7).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + g.a * 0.7, 1e-12);
    check_hvp(
        |v| flat(&scaled_copy::grad(&rows(v, 3), 0.8).1.m),
        |v, t| flat(&scaled_copy::hvp(&rows(v, 3), 0.8, &rows(t, 3), 0.0).2.m),
        &flat(&m),
        8,
    );
}

// ------------------------------------------------------------ iterator chains over rows

/// Chains over a row (`row.iter().zip(x)`), and over the rows themselves.
#[differentiate(hessian)]
fn row_chains(m: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for row in m.iter() {
        let d: f64 = row.iter().zip(x.iter()).map(|(a, b)| a * b).sum();
        s += d.tanh();
    }
    let corners: f64 = m.iter().map(|row| row[0] * row[row.len() - 1]).sum();
    s + corners
}

#[test]
fn iterator_chains_over_rows() {
    let mut p = Points::new(9);
    let (m, x) = (rows(&p.vec(12, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let (value, g) = row_chains::grad(&m, &x);
    assert_eq!(value, row_chains(&m, &x));
    assert_fd(|v| row_chains(&rows(v, 3), &x), &flat(&m), &flat(&g.m));
    assert_fd(|v| row_chains(&m, v), &x, &g.x);
    let (u, w) = (rows(&p.vec(12, -1.0, 1.0), 3), p.vec(3, -1.0, 1.0));
    let d = row_chains::jvp(&m, &x, &u, &w).1;
    assert_close(d, dot(&flat(&g.m), &flat(&u)) + dot(&g.x, &w), 1e-12);
    check_hvp(
        |v| row_chains::grad(&m, v).1.x,
        |v, t| {
            let zero = vec![vec![0.0; 3]; 4];
            row_chains::hvp(&m, v, &zero, t).2.x
        },
        &x,
        10,
    );
}
