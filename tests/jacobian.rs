//! Vector results: `vjp` with a vector upstream gradient, `jvp` with a vector tangent, and
//! Jacobians by both orders, against closed forms and finite differences.

#![allow(clippy::needless_range_loop)]

mod common;
use backprop::differentiate;
use common::{Points, assert_close};

/// Polar to Cartesian coordinates.
#[differentiate(reverse, forward)]
fn polar(r: f64, t: f64) -> [f64; 2] {
    [r * t.cos(), r * t.sin()]
}

#[test]
fn polar_jacobian_closed_form() {
    let (r, t) = (2.0, 0.7);
    let (value, rows) = polar::jacobian(r, t);
    assert_eq!(value, polar(r, t));
    let expected = [[t.cos(), -r * t.sin()], [t.sin(), r * t.cos()]];
    for (row, want) in rows.iter().zip(expected) {
        assert_close(row.r, want[0], 1e-15);
        assert_close(row.t, want[1], 1e-15);
    }
    assert_eq!(polar::jacfwd(r, t), polar::jacrev(r, t));
    // vjp with a vector upstream gradient: uᵀJ.
    let (_, pullback) = polar::vjp(r, t);
    let g = pullback([1.0, -2.0]);
    assert_close(g.r, expected[0][0] - 2.0 * expected[1][0], 1e-15);
    // jvp with a tangent: J·v.
    let (_, jv) = polar::jvp(r, t, 0.5, 1.0);
    assert_close(jv[0], 0.5 * expected[0][0] + expected[0][1], 1e-15);
    assert_close(jv[1], 0.5 * expected[1][0] + expected[1][1], 1e-15);
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

#[test]
fn both_orders_agree_with_finite_differences() {
    let (a, b, c) = (0.3, -0.8, 1.7);
    let (v1, fwd) = wide::jacfwd(a, b, c);
    let (v2, rev) = wide::jacrev(a, b, c);
    let (v3, auto) = wide::jacobian(a, b, c);
    assert_eq!(v1, v2);
    assert_eq!(v1, v3);
    assert_eq!(fwd.len(), 100);
    for i in 0..100 {
        let f = |p: &[f64]| wide(p[0], p[1], p[2])[i];
        let numeric = backprop::check::numeric_gradient(f, &[a, b, c]);
        for (k, g) in [fwd[i].a, fwd[i].b, fwd[i].c].iter().enumerate() {
            assert_close(*g, numeric[k], 1e-8);
        }
        assert_close(rev[i].a, fwd[i].a, 1e-14);
        assert_close(rev[i].b, fwd[i].b, 1e-14);
        assert_close(rev[i].c, fwd[i].c, 1e-14);
        assert_eq!(auto[i], fwd[i]);
    }

    let x = Points::new(3).vec(100, -1.0, 1.0);
    let (_, fwd) = tall::jacfwd(&x);
    let (_, rev) = tall::jacrev(&x);
    let (_, auto) = tall::jacobian(&x);
    for i in 0..3 {
        let f = |p: &[f64]| tall(p)[i];
        let numeric = backprop::check::numeric_gradient(f, &x);
        for k in 0..100 {
            assert_close(rev[i].x[k], numeric[k], 1e-7);
            assert_close(fwd[i].x[k], rev[i].x[k], 1e-13);
        }
        assert_eq!(auto[i], rev[i]);
    }
}

/// Only forward mode: `jacobian` is `jacfwd`.
#[differentiate(forward)]
fn forward_only(x: f64, y: f64) -> [f64; 3] {
    [x * y, x + y, (x - y).exp()]
}

/// Only reverse mode: `jacobian` is `jacrev`.
#[differentiate]
fn reverse_only(x: f64, y: f64) -> Vec<f64> {
    vec![x * y, x + y, (x - y).exp()]
}

#[test]
fn one_mode_only() {
    let (_, f) = forward_only::jacobian(0.4, 0.9);
    let (_, r) = reverse_only::jacobian(0.4, 0.9);
    for i in 0..3 {
        assert_close(f[i].x, r[i].x, 1e-15);
        assert_close(f[i].y, r[i].y, 1e-15);
    }
}

/// Saves on every kind of storage the backward pass consumes: a top-level branch (an
/// inline stack), a `while` loop with a running maximum (heap stacks). `jacrev` runs the
/// forward pass once and each row's backward pass on its own copy of them.
#[differentiate(reverse, forward)]
fn saved_everywhere(x: &[f64], t: f64) -> Vec<f64> {
    let mut u = t * t;
    if t > 0.0 {
        u = u.sin() * t;
    }
    let mut m = x[0];
    let mut s = 0.0;
    let mut i = 0;
    while i < x.len() {
        m = m.max(x[i] * u);
        s += (x[i] * m).tanh();
        i += 1;
    }
    vec![s, m * u, s * t, x[1] * s]
}

/// Calls another differentiated function: its pullback (an opaque type) is not copied, so
/// each row after the first has a forward pass of its own.
#[differentiate(reverse, forward)]
fn calls_another(x: &[f64], t: f64) -> [f64; 3] {
    let v = saved_everywhere(x, t);
    [v[0] * v[1], v[2] + t, v[3].exp()]
}

#[test]
fn rows_from_one_forward_pass_equal_separate_pullbacks() {
    let x = Points::new(9).vec(6, -1.0, 1.0);
    for t in [0.7, -0.4] {
        let (value, rows) = saved_everywhere::jacrev(&x, t);
        assert_eq!(value, saved_everywhere(&x, t));
        for (i, row) in rows.iter().enumerate() {
            let mut upstream = vec![0.0; 4];
            upstream[i] = 1.0;
            assert_eq!(*row, saved_everywhere::vjp(&x, t).1(upstream));
        }
        let (_, fwd) = saved_everywhere::jacfwd(&x, t);
        for (r, f) in rows.iter().zip(&fwd) {
            assert_close(r.t, f.t, 1e-13);
            for k in 0..x.len() {
                assert_close(r.x[k], f.x[k], 1e-13);
            }
        }
        let (_, rows) = calls_another::jacrev(&x, t);
        for (i, row) in rows.iter().enumerate() {
            let mut upstream = [0.0; 3];
            upstream[i] = 1.0;
            assert_eq!(*row, calls_another::vjp(&x, t).1(upstream));
        }
    }
}

/// An array result's Jacobian is an array of rows, built without allocating, by every
/// order: from one forward pass with copied pullbacks (`tall`), with a forward pass per
/// row (`calls_another`), and by forward passes (`jacfwd`).
#[test]
fn an_array_results_rows_are_an_array() {
    let x = Points::new(4).vec(5, -1.0, 1.0);
    let (_, rows): (_, [tall::Grad; 3]) = tall::jacrev(&x);
    for (i, row) in rows.iter().enumerate() {
        let mut upstream = [0.0; 3];
        upstream[i] = 1.0;
        assert_eq!(*row, tall::vjp(&x).1(upstream));
    }
    let (_, fwd): (_, [tall::Grad; 3]) = tall::jacfwd(&x);
    for (r, f) in rows.iter().zip(&fwd) {
        for k in 0..x.len() {
            assert_close(r.x[k], f.x[k], 1e-13);
        }
    }
    let (_, rows): (_, [calls_another::Grad; 3]) = calls_another::jacobian(&x, 0.3);
    for (i, row) in rows.iter().enumerate() {
        let mut upstream = [0.0; 3];
        upstream[i] = 1.0;
        assert_eq!(*row, calls_another::vjp(&x, 0.3).1(upstream));
    }
    let (_, rows): (_, [polar::Grad; 2]) = polar::jacobian(2.0, 0.7);
    assert_close(rows[1].t, 2.0 * 0.7f64.cos(), 1e-15);
}

/// A constant of the user's own type, not `Clone`, read by the backward pass (through a
/// method): the pullback cannot be copied, so `jacrev` runs a forward pass per row again.
pub struct Table {
    shift: usize,
}

impl Table {
    fn pick(&self, i: usize) -> usize {
        (self.shift + i) % 3
    }
}

fn table(n: usize) -> Table {
    Table { shift: n }
}

#[differentiate(reverse)]
fn picks(x: &[f64], n: usize) -> Vec<f64> {
    let t = table(n);
    let mut out = vec![0.0; 2];
    out[0] = x[t.pick(1)] * x[0];
    out[1] = x[t.pick(2)].sin();
    out
}

#[test]
fn a_pullback_capturing_a_value_of_the_users_type_still_gives_rows() {
    let x = [0.3, -1.2, 2.0];
    let (value, rows) = picks::jacobian(&x, 4);
    assert_eq!(value, picks(&x, 4));
    for (i, row) in rows.iter().enumerate() {
        let mut upstream = vec![0.0; 2];
        upstream[i] = 1.0;
        assert_eq!(*row, picks::vjp(&x, 4).1(upstream));
    }
    assert_eq!(rows[0].x, vec![2.0, 0.0, 0.3]); // out[0] = x[2] * x[0]
}

/// A small skinned model, as hand tracking's: each bone's transform (a small array, from
/// its angle) moves every point, weighted, into an accumulator. Along a column of the
/// Jacobian only one bone's angle moves, and the loops over the points of the other bones
/// run without their tangents (`if dot_transform.iter().any(..)`), since all they add is
/// zero. The third loop reads a float from outside (`scale`) and subtracts; the fourth
/// assigns a value from outside instead of adding into it (along the first angle its
/// tangent must go from 3 to 0), so it keeps its tangents whatever they are.
#[differentiate(reverse, forward, wrt(theta))]
fn skinned(theta: &[f64], points: &[f64]) -> Vec<f64> {
    let bones = theta.len() - 1;
    let n = points.len() / 2;
    let mut out = vec![0.0; 2 * n];
    for b in 0..bones {
        let (s, c) = theta[b].sin_cos();
        let transform = [c, -s, s, c];
        for v in 0..n {
            let w = 1.0 / ((v + b) as f64 + 1.0);
            for r in 0..2 {
                let mut moved = 0.0;
                for k in 0..2 {
                    moved += transform[2 * r + k] * points[2 * v + k];
                }
                out[2 * v + r] += moved * w;
            }
        }
    }
    let scale = theta[bones] * theta[bones];
    let mut total = 0.0;
    for v in 0..n {
        total -= scale * points[2 * v];
    }
    let mut last = theta[0] * 3.0;
    for v in 0..n {
        last = points[2 * v] * scale;
    }
    out.push(total);
    out.push(last);
    out
}

#[test]
fn columns_along_sparse_directions_agree_with_rows_and_finite_differences() {
    let mut p = Points::new(21);
    let theta = p.vec(4, -1.0, 1.0);
    let points = p.vec(10, -1.0, 1.0);
    let (v1, fwd) = skinned::jacfwd(&theta, &points);
    let (v2, rev) = skinned::jacrev(&theta, &points);
    assert_eq!(v1, skinned(&theta, &points));
    assert_eq!(v1, v2);
    for i in 0..v1.len() {
        let f = |t: &[f64]| skinned(t, &points)[i];
        let numeric = backprop::check::numeric_gradient(f, &theta);
        for k in 0..theta.len() {
            assert_close(fwd[i].theta[k], numeric[k], 1e-8);
            assert_close(fwd[i].theta[k], rev[i].theta[k], 1e-13);
        }
    }
    // A direction that is zero in every angle but one, and one that is zero everywhere.
    let mut dtheta = vec![0.0; theta.len()];
    dtheta[1] = 1.0;
    let (_, column) = skinned::jvp(&theta, &points, &dtheta);
    for i in 0..v1.len() {
        assert_eq!(column[i], fwd[i].theta[1]);
    }
    let (_, none) = skinned::jvp(&theta, &points, &vec![0.0; theta.len()]);
    assert!(none.iter().all(|t| *t == 0.0));
}
