//! Nested differentiation: a differentiated function calling another one's `grad`.

use backprop::differentiate;

/// A potential well with a parameter `w`.
#[differentiate(hessian)]
fn potential(x: f64, y: f64, w: f64) -> f64 {
    w * x * x + 0.5 * (y - 1.0).powi(2) * (1.0 + w * y)
}

/// The API's example: a trajectory in the potential's force field, its miss distance.
#[differentiate(reverse, forward)]
fn miss(w: f64) -> f64 {
    let (mut x, mut y, mut vx, mut vy) = (0.0, 8.0, 0.75, 0.0);
    for _ in 0..100 {
        let (_, g) = potential::grad(x, y, w); // force = -∇ potential
        vx -= 0.01 * g.x;
        vy -= 0.01 * g.y;
        x += 0.01 * vx;
        y += 0.01 * vy;
    }
    x * x
}

#[test]
fn reverse_and_forward_over_reverse() {
    let w = 0.1;
    let (value, g) = miss::grad(w);
    assert_eq!(value, miss(w));
    let h = 1e-6;
    let fd = (miss(w + h) - miss(w - h)) / (2.0 * h);
    assert!(
        (g.w - fd).abs() < 1e-6 * fd.abs().max(1.0),
        "{} vs {fd}",
        g.w
    );
    let (_, dot) = miss::jvp(w, 1.0);
    assert!(
        (dot - g.w).abs() < 1e-9 * g.w.abs().max(1.0),
        "{dot} vs {}",
        g.w
    );
}

/// The value of the inner call is used too.
#[differentiate]
fn energy_and_slope(x: f64, w: f64) -> f64 {
    let (e, g) = potential::grad(x, 2.0 * x, w);
    e * g.w + g.x * g.x
}

#[test]
fn the_inner_value_and_gradient_both_carry_derivatives() {
    let (x, w) = (0.7, 0.3);
    let (_, g) = energy_and_slope::grad(x, w);
    let h = 1e-6;
    let fd_x = (energy_and_slope(x + h, w) - energy_and_slope(x - h, w)) / (2.0 * h);
    let fd_w = (energy_and_slope(x, w + h) - energy_and_slope(x, w - h)) / (2.0 * h);
    assert!((g.x - fd_x).abs() < 1e-6, "{} vs {fd_x}", g.x);
    assert!((g.w - fd_w).abs() < 1e-6, "{} vs {fd_w}", g.w);
}

/// A call to another function's `jvp`: a directional derivative inside the objective.
#[differentiate(reverse, forward)]
fn slope_along(x: f64, w: f64, a: f64) -> f64 {
    let (e, d) = potential::jvp(x, 1.0 - x, w, a, -a, 0.0);
    e + d * d
}

#[test]
fn calls_to_jvp_differentiate_too() {
    let (x, w, a) = (0.4, 0.2, 1.5);
    let (value, g) = slope_along::grad(x, w, a);
    assert_eq!(value, slope_along(x, w, a));
    let h = 1e-6;
    let fd = |i: usize| {
        let mut up = [x, w, a];
        let mut down = up;
        up[i] += h;
        down[i] -= h;
        (slope_along(up[0], up[1], up[2]) - slope_along(down[0], down[1], down[2])) / (2.0 * h)
    };
    assert!((g.x - fd(0)).abs() < 1e-5, "{} vs {}", g.x, fd(0));
    assert!((g.w - fd(1)).abs() < 1e-5, "{} vs {}", g.w, fd(1));
    assert!((g.a - fd(2)).abs() < 1e-5, "{} vs {}", g.a, fd(2));
    let (_, dot) = slope_along::jvp(x, w, a, 0.3, -0.2, 0.5);
    let expected = 0.3 * g.x - 0.2 * g.w + 0.5 * g.a;
    assert!((dot - expected).abs() < 1e-9, "{dot} vs {expected}");
}

/// The gradient's name bound again: each `g.x` reads its own call.
#[differentiate]
fn two_calls(x: f64, y: f64, w: f64) -> f64 {
    let (_, g) = potential::grad(x, y, w);
    let a = g.x;
    let (_, g) = potential::grad(y, x, w);
    a * g.x
}

#[test]
fn a_gradient_bound_again_reads_the_new_call() {
    let (x, y, w) = (0.3, 1.4, 0.2);
    let first = potential::grad(x, y, w).1.x;
    let second = potential::grad(y, x, w).1.x;
    assert!((two_calls(x, y, w) - first * second).abs() < 1e-15);
    let (value, g) = two_calls::grad(x, y, w);
    assert!((value - first * second).abs() < 1e-15);
    let h = 1e-6;
    let fd = (two_calls(x + h, y, w) - two_calls(x - h, y, w)) / (2.0 * h);
    assert!((g.x - fd).abs() < 1e-6, "{} vs {fd}", g.x);
}

#[differentiate(hessian)]
fn bowl(q: f64, r: f64) -> f64 {
    q * q * r + (q * r).sin()
}

/// A nested gradient's float fields called their own methods (`g.q.abs()`): floats, not
/// sequences (only a field walked or indexed is refused).
#[differentiate(reverse, forward)]
fn damped(q0: f64) -> f64 {
    let mut q = q0;
    for _ in 0..5 {
        let (_, g) = bowl::grad(q, 2.0);
        q -= 0.1 * g.q.abs().sqrt() + 0.01 * g.r.powi(2);
    }
    q
}

#[test]
fn a_nested_gradients_fields_called_their_methods() {
    let (value, g) = damped::grad(0.5);
    assert_eq!(value, damped(0.5));
    let h = 1e-6;
    let central = (damped(0.5 + h) - damped(0.5 - h)) / (2.0 * h);
    assert!((g.q0 - central).abs() < 1e-6 * central.abs().max(1.0));
    let (_, dot) = damped::jvp(0.5, 1.0);
    assert!((dot - g.q0).abs() < 1e-12 * g.q0.abs().max(1.0));
}
