//! Tuple results, `-> (f64, f64)`, and `let (a, b) = f(..)` of them.

use backprop::differentiate;

/// Polar to Cartesian: two outputs.
#[differentiate(reverse, forward)]
fn cartesian(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[test]
fn tuple_results() {
    let (r, t) = (2.0, 0.5);
    let (value, pullback) = cartesian::vjp(r, t);
    assert_eq!(value, cartesian(r, t));
    // Upstream (1, 0): the gradient of x = r cos t.
    let g = pullback((1.0, 0.0));
    assert!((g.r - t.cos()).abs() < 1e-15 && (g.t + r * t.sin()).abs() < 1e-15);
    // Forward mode: the tangent is a tuple too.
    let (v, dot) = cartesian::jvp(r, t, 1.0, 0.0);
    assert_eq!(v, value);
    assert!((dot.0 - t.cos()).abs() < 1e-15 && (dot.1 - t.sin()).abs() < 1e-15);
    // The Jacobian: one row per output.
    let (v, rows) = cartesian::jacobian(r, t);
    assert_eq!(v, value);
    assert!((rows[1].t - r * t.cos()).abs() < 1e-15);
    assert!((rows[0].r - t.cos()).abs() < 1e-15);
}

/// A caller destructuring the tuple result of a differentiated function.
#[differentiate(reverse, forward)]
fn distance_squared(r: f64, t: f64, px: f64) -> f64 {
    let (x, y) = cartesian(r, t);
    (x - px) * (x - px) + y * y
}

/// The same call with constant arguments only: an ordinary call.
#[differentiate]
fn shifted(a: f64) -> f64 {
    let (x, y) = cartesian(1.0, 0.0);
    a * x + y
}

#[test]
fn destructuring_tuples_returned_by_calls() {
    let (r, t, px) = (2.0, 0.5, 0.25);
    let (_, g) = distance_squared::grad(r, t, px);
    let f = |r: f64, t: f64, px: f64| distance_squared(r, t, px);
    let h = 1e-6;
    let fd_r = (f(r + h, t, px) - f(r - h, t, px)) / (2.0 * h);
    let fd_t = (f(r, t + h, px) - f(r, t - h, px)) / (2.0 * h);
    assert!((g.r - fd_r).abs() < 1e-6 && (g.t - fd_t).abs() < 1e-6);
    let (_, dot) = distance_squared::jvp(r, t, px, 0.3, -0.7, 0.0);
    assert!((dot - (0.3 * g.r - 0.7 * g.t)).abs() < 1e-12);
    assert_eq!(shifted::grad(3.0).1.a, 1.0);
}

#[differentiate(hessian)]
fn cartesian2(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiate(hessian)]
fn spring(r: f64, t: f64) -> f64 {
    let (x, y) = cartesian2(r, t);
    (x - 1.0).powi(2) + 3.0 * y * y
}

#[test]
fn second_order_through_a_tuple_result() {
    let (r, t) = (1.5, 0.4);
    let (_, _, rows) = spring::hessian(r, t);
    let h = 1e-5;
    let g = |r: f64, t: f64| spring::grad(r, t).1;
    let (up, down) = (g(r + h, t), g(r - h, t));
    assert!((rows[0].r - (up.r - down.r) / (2.0 * h)).abs() < 1e-5);
    assert!((rows[0].t - (up.t - down.t) / (2.0 * h)).abs() < 1e-5);
    let (up, down) = (g(r, t + h), g(r, t - h));
    assert!((rows[1].t - (up.t - down.t) / (2.0 * h)).abs() < 1e-5);
}
