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

/// A closure returning a tuple, destructured at each call (its body a block); a block whose
/// value is a tuple, one of its names bound again inside.
#[differentiate(hessian)]
fn polar_sum(x: &[f64]) -> f64 {
    let polar = |a: f64, b: f64| {
        let r = a.hypot(b);
        (r, b.atan2(a))
    };
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let (r, th) = polar(x[i], x[i + 1]);
        s += r * (th * 0.5).cos();
    }
    let p = x[0] * 2.0;
    let (p, mut q) = {
        let r = p * x[1];
        (r + p, r)
    };
    q += p;
    s * q
}

#[test]
fn tuples_from_closures_and_blocks() {
    let x = [0.7, -0.3, 1.2, 0.4];
    let (value, g) = polar_sum::grad(&x);
    assert_eq!(value, polar_sum(&x));
    for i in 0..x.len() {
        let h = 1e-6;
        let (mut a, mut b) = (x, x);
        a[i] += h;
        b[i] -= h;
        let fd = (polar_sum(&a) - polar_sum(&b)) / (2.0 * h);
        assert!(
            (fd - g.x[i]).abs() < 1e-6 * (1.0 + fd.abs()),
            "{i}: {fd} {}",
            g.x[i]
        );
    }
    let u = [0.2, 0.5, -0.4, 0.1];
    let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
    assert!((polar_sum::jvp(&x, &u).1 - dot).abs() < 1e-12);
    // The Hessian is symmetric.
    let (_, _, h) = polar_sum::hessian(&x);
    for i in 0..x.len() {
        for j in 0..x.len() {
            assert!((h[i].x[j] - h[j].x[i]).abs() < 1e-10);
        }
    }
}
