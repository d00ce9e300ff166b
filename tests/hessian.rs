//! Hessian-vector products and Hessians by forward over reverse, against closed forms and
//! finite differences of the gradient.

#![allow(clippy::needless_range_loop)]

mod common;
use backprop::{differentiate, sigmoid};
use common::{Points, assert_close, check_hvp};

#[differentiate(hessian)]
fn poly(x: f64, y: f64) -> f64 {
    x * x * x * y + 2.0 * x * y * y
}

#[test]
fn polynomial_hessian_closed_form() {
    let (x, y) = (1.5, -0.7);
    let (value, g, rows) = poly::hessian(x, y);
    assert_eq!(value, poly(x, y));
    assert_close(g.x, 3.0 * x * x * y + 2.0 * y * y, 1e-14);
    assert_close(rows[0].x, 6.0 * x * y, 1e-14);
    assert_close(rows[0].y, 3.0 * x * x + 4.0 * y, 1e-14);
    assert_close(rows[1].x, 3.0 * x * x + 4.0 * y, 1e-14);
    assert_close(rows[1].y, 4.0 * x, 1e-14);
    let (_, _, hv) = poly::hvp(x, y, 0.5, 2.0);
    assert_close(hv.x, 0.5 * rows[0].x + 2.0 * rows[1].x, 1e-14);
}

#[differentiate(hessian)]
fn tanh_of(x: f64) -> f64 {
    x.tanh()
}

#[test]
fn tanh_second_derivative() {
    for x in [-2.0, -0.3, 0.0, 0.8, 1.7] {
        let t = f64::tanh(x);
        let (_, g, rows) = tanh_of::hessian(x);
        assert_close(g.x, 1.0 - t * t, 1e-15);
        assert_close(rows[0].x, -2.0 * t * (1.0 - t * t), 1e-15);
    }
}

/// `log` with a variable base and with a literal one (`x.log(3.0)`, whose `ln 3` the
/// derivative code computes typed like `x`).
#[differentiate(hessian)]
fn logs(x: f64, b: f64) -> f64 {
    x.log(b) + x.log(3.0) * b
}

#[test]
fn log_of_a_variable_and_of_a_literal_base() {
    let (x, b): (f64, f64) = (1.7, 2.5);
    let (lx, lb, l3) = (x.ln(), b.ln(), 3f64.ln());
    let (value, g, rows) = logs::hessian(x, b);
    assert_eq!(value, logs(x, b));
    assert_close(g.x, 1.0 / (x * lb) + b / (x * l3), 1e-14);
    assert_close(g.b, -lx / (b * lb * lb) + lx / l3, 1e-14);
    let xb = -1.0 / (x * b * lb * lb) + 1.0 / (x * l3);
    assert_close(rows[0].x, -1.0 / (x * x * lb) - b / (x * x * l3), 1e-14);
    assert_close(rows[0].b, xb, 1e-14);
    assert_close(rows[1].x, xb, 1e-14);
    assert_close(rows[1].b, lx / (b * b * lb * lb) * (1.0 + 2.0 / lb), 1e-14);
}

#[differentiate(hessian)]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    sigmoid(w0 * x0 + w1 * x1 + w2)
}

#[differentiate(hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        s += 100.0 * d * d + (1.0 - x[i]).powi(2);
    }
    s
}

#[test]
fn rosenbrock_hessian_closed_form() {
    let x = [0.3, -0.8, 1.2, 0.5];
    let (_, _, rows) = rosenbrock::hessian(&x);
    let n = x.len();
    let mut h = vec![vec![0.0; n]; n];
    for i in 0..n - 1 {
        h[i][i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[i + 1][i + 1] += 200.0;
        h[i][i + 1] -= 400.0 * x[i];
        h[i + 1][i] -= 400.0 * x[i];
    }
    for i in 0..n {
        for j in 0..n {
            assert_close(rows[i].x[j], h[i][j], 1e-12);
        }
    }
}

#[differentiate(hessian)]
fn calls_and_loops(x: &[f64], a: f64) -> f64 {
    // Saved values (t is overwritten), a call, max routing, powf.
    let mut t = 1.0;
    for i in 0..x.len() {
        t = t * x[i] + a;
        t = t.max(-2.0 * a);
    }
    neuron(t, a, x[0], t.tanh(), 0.3) + (1.0 + a * a).powf(x[1])
}

#[test]
fn hvp_matches_differences_of_the_gradient() {
    check_hvp(
        |v| {
            let g = neuron::grad(v[0], v[1], v[2], v[3], v[4]).1;
            vec![g.w0, g.x0, g.w1, g.x1, g.w2]
        },
        |v, t| {
            let h = neuron::hvp(v[0], v[1], v[2], v[3], v[4], t[0], t[1], t[2], t[3], t[4]).2;
            vec![h.w0, h.x0, h.w1, h.x1, h.w2]
        },
        &[2.0, -1.0, -3.0, -2.0, -3.0],
        1,
    );
    let x = [0.9, 1.1, 0.7, 1.3];
    check_hvp(
        |v| {
            let g = calls_and_loops::grad(&v[..4], v[4]).1;
            let mut out = g.x.clone();
            out.push(g.a);
            out
        },
        |v, t| {
            let h = calls_and_loops::hvp(&v[..4], v[4], &t[..4], t[4]).2;
            let mut out = h.x.clone();
            out.push(h.a);
            out
        },
        &[x[0], x[1], x[2], x[3], 0.4],
        2,
    );
}

#[differentiate(hessian)]
fn pair(v: &[f64]) -> f64 {
    v[0] * v[1].sin() + v[1] * v[1]
}

/// A call that borrows a local the loop overwrites: the backward pass makes the call's
/// pullback again, with the tangents of its arguments.
#[differentiate(hessian)]
fn borrows_a_local(x: &[f64], a: f64) -> f64 {
    let mut v = vec![0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        v[0] = x[i] * a;
        v[1] = x[i] + s;
        s += pair(&v);
    }
    s
}

#[test]
fn hvp_through_calls_that_borrow_a_local() {
    let x = [0.4, -0.3, 0.8];
    check_hvp(
        |v| {
            let g = borrows_a_local::grad(&v[..3], v[3]).1;
            let mut out = g.x.clone();
            out.push(g.a);
            out
        },
        |v, t| {
            let h = borrows_a_local::hvp(&v[..3], v[3], &t[..3], t[3]).2;
            let mut out = h.x.clone();
            out.push(h.a);
            out
        },
        &[x[0], x[1], x[2], 0.6],
        3,
    );
}

/// The dot-product test on every function of this file: u·(J t) = t·(Jᵀ u).
#[test]
fn forward_mode_agrees_with_reverse_mode() {
    let mut p = Points::new(17);
    let check = |jt: f64, u: f64, t: &[f64], g: &[f64]| {
        let right: f64 = t.iter().zip(g).map(|(a, b)| a * b).sum();
        assert_close(u * jt, right, 1e-11);
    };
    for _ in 0..10 {
        let x = p.vec(5, -1.5, 1.5);
        let t = p.vec(5, -1.0, 1.0);
        let u = p.next_f64(-2.0, 2.0);
        let g = poly::vjp(x[0], x[1]).1(u);
        check(poly::jvp(x[0], x[1], t[0], t[1]).1, u, &t[..2], &[g.x, g.y]);
        let g = tanh_of::vjp(x[0]).1(u);
        check(tanh_of::jvp(x[0], t[0]).1, u, &t[..1], &[g.x]);
        let g = neuron::vjp(x[0], x[1], x[2], x[3], x[4]).1(u);
        let jt = neuron::jvp(x[0], x[1], x[2], x[3], x[4], t[0], t[1], t[2], t[3], t[4]).1;
        check(jt, u, &t, &[g.w0, g.x0, g.w1, g.x1, g.w2]);
        let g = rosenbrock::vjp(&x).1(u);
        check(rosenbrock::jvp(&x, &t).1, u, &t, &g.x);
        let g = calls_and_loops::vjp(&x[..4], x[4]).1(u);
        let mut flat = g.x.clone();
        flat.push(g.a);
        check(
            calls_and_loops::jvp(&x[..4], x[4], &t[..4], t[4]).1,
            u,
            &t,
            &flat,
        );
        let g = pair::vjp(&x[..2]).1(u);
        check(pair::jvp(&x[..2], &t[..2]).1, u, &t[..2], &g.v);
        let g = borrows_a_local::vjp(&x[..4], x[4]).1(u);
        let mut flat = g.x.clone();
        flat.push(g.a);
        check(
            borrows_a_local::jvp(&x[..4], x[4], &t[..4], t[4]).1,
            u,
            &t,
            &flat,
        );
    }
}

/// A value that starts as a constant and picks up a derivative in the loop, through
/// `to_degrees`; and a local array passed to a slice parameter.
#[differentiate(hessian)]
fn degrees_and_local_array(x: f64, v: &[f64]) -> f64 {
    let mut a = 0.5_f64;
    let mut arr = [0.0; 3];
    for i in 0..3 {
        a = (a.to_degrees() * 0.01 + x).sin();
        arr[i] = a * v[i % v.len()];
    }
    a.to_radians() + pair(&arr) * total(&arr)
}

#[differentiate(hessian)]
fn total(v: &[f64]) -> f64 {
    v[0] * v[1] + v[2].powi(2)
}

#[test]
fn constants_that_become_active_and_local_arrays_to_slices() {
    let v = [0.3, -0.7];
    check_hvp(
        |q| {
            let g = degrees_and_local_array::grad(q[0], &q[1..]).1;
            let mut out = vec![g.x];
            out.extend(&g.v);
            out
        },
        |q, t| {
            let h = degrees_and_local_array::hvp(q[0], &q[1..], t[0], &t[1..]).2;
            let mut out = vec![h.x];
            out.extend(&h.v);
            out
        },
        &[0.4, v[0], v[1]],
        5,
    );
    let mut p = Points::new(19);
    for _ in 0..5 {
        let (x, t, u) = (
            p.vec(3, -1.0, 1.0),
            p.vec(3, -1.0, 1.0),
            p.next_f64(-2.0, 2.0),
        );
        let g = degrees_and_local_array::vjp(x[0], &x[1..]).1(u);
        let jt = degrees_and_local_array::jvp(x[0], &x[1..], t[0], &t[1..]).1;
        let right = t[0] * g.x + t[1] * g.v[0] + t[2] * g.v[1];
        assert_close(u * jt, right, 1e-11);
    }
}
