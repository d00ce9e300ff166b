//! Walks written with the standard library's other pieces: a sequence zipped with a range
//! (`(0..n).zip(x)`, `x.iter().zip(1..)`), `std::iter::repeat(x).take(n)` and
//! `repeat_n`, and a closure whose parameters are typed floats given untyped constants
//! (`let f = |t: f64, y: f64| ..; let mut t = 0.0; f(t, y)`). Each gradient against
//! central differences, its `hvp` against differences of gradients, and `jvp` against the
//! gradient.

mod common;
use backprop::differentiate;
use common::{assert_close, assert_fd, check_hvp};
use std::iter::repeat;

#[differentiate(hessian)]
fn weighted_by_position(x: &[f64], w: &[f64], n: usize) -> f64 {
    let a: f64 = (0..x.len()).zip(x).map(|(i, v)| i as f64 * v * v).sum();
    let b: f64 = x.iter().zip(1..).map(|(v, k)| v / k as f64).sum();
    let mut c = 0.0;
    for (v, k) in w.iter().zip(2..=3) {
        c += v * k as f64 * x[k];
    }
    (1..n)
        .zip(w.iter().copied())
        .for_each(|(j, v)| c += v * x[j]);
    let d = (0..n).zip(w).fold(0.0, |acc, (_, v)| acc + v.sin());
    let lo = 1;
    let e: f64 = (lo..x.len()).zip(&x[lo..]).map(|(i, v)| v * x[i - 1]).sum();
    a + b + c + d + e
}

#[test]
fn walks_zipped_with_ranges() {
    let (x, w) = ([0.3, 0.5, -1.0, 2.0], [0.7, -0.2, 1.1]);
    for (seed, n) in [(1, 0), (2, 2), (3, 3), (4, 7)] {
        let (value, g) = weighted_by_position::grad(&x, &w, n);
        assert_eq!(value, weighted_by_position(&x, &w, n));
        let point = [&x[..], &w[..]].concat();
        let f = |q: &[f64]| weighted_by_position(&q[..4], &q[4..], n);
        let flat = |g: weighted_by_position::Grad| [g.x, g.w].concat();
        assert_fd(f, &point, &flat(g.clone()));
        check_hvp(
            |q| flat(weighted_by_position::grad(&q[..4], &q[4..], n).1),
            |q, u| flat(weighted_by_position::hvp(&q[..4], &q[4..], n, &u[..4], &u[4..]).2),
            &point,
            seed,
        );
        let u = [0.2, -0.3, 0.5, 0.1, 0.4, -0.6, 0.3];
        let dot: f64 = flat(g).iter().zip(&u).map(|(a, b)| a * b).sum();
        let (_, jv) = weighted_by_position::jvp(&x, &w, n, &u[..4], &u[4..]);
        assert_close(jv, dot, 1e-12);
    }
}

// The form clippy would rewrite to `repeat_n` is the one under test.
#[allow(clippy::manual_repeat_n)]
#[differentiate(hessian)]
fn repeated(x: f64, w: &[f64], n: usize) -> f64 {
    let a: f64 = repeat(x).take(n).map(|a| a * a).sum();
    let b: f64 = std::iter::repeat_n(-x, n).map(|v| v.exp()).sum();
    let c: Vec<f64> = repeat(0.5).take(n).collect();
    // A value computed: evaluated once, before the walk.
    let d: f64 = repeat(x.sin() * w[0]).take(n).map(|t| t * t).sum();
    // Zipped with a walk, on either side, taken apart by `map`, `fold` and `for`.
    let e: f64 = repeat(x).take(n).zip(w).map(|(a, b)| a * b).sum();
    let f = w
        .iter()
        .zip(std::iter::repeat_n(x * x, 2))
        .fold(0.0, |s, (v, t)| s + v * t.sin());
    let mut g = 0.0;
    for (t, v) in repeat(-x).take(n).zip(w) {
        g += t.exp() * v;
    }
    a + b + c.iter().zip(w).map(|(c, w)| c * w * x).sum::<f64>() + d + e + f + g
}

#[test]
fn repeated_values_taken() {
    let w = [0.5, -1.0, 2.0];
    for (seed, n) in [(1, 0), (2, 1), (3, 3), (4, 5)] {
        let point = [0.3, 0.5, -1.0, 2.0];
        let (value, g) = repeated::grad(point[0], &w, n);
        assert_eq!(value, repeated(point[0], &w, n));
        let flat = |g: repeated::Grad| [vec![g.x], g.w].concat();
        assert_fd(|q| repeated(q[0], &q[1..], n), &point, &flat(g));
        check_hvp(
            |q| flat(repeated::grad(q[0], &q[1..], n).1),
            |q, u| flat(repeated::hvp(q[0], &q[1..], n, u[0], &u[1..]).2),
            &point,
            seed,
        );
    }
}

/// RK4 of `y' = -k y + sin t` with the right-hand side a closure of typed floats, its time
/// an untyped constant (`let mut t = 0.0;`, stepped by `h = 0.1`): inlined, the closure's
/// `t: f64` keeps the constant a float (`t.sin()` on an untyped `{float}` did not compile).
#[differentiate(hessian)]
fn decay(k: f64, y0: f64) -> f64 {
    let f = |t: f64, y: f64| -k * y + t.sin();
    let h = 0.1;
    let mut y = y0;
    let mut t = 0.0;
    for _ in 0..10 {
        let k1 = f(t, y);
        let k2 = f(t + h / 2.0, y + h * k1 / 2.0);
        let k3 = f(t + h / 2.0, y + h * k2 / 2.0);
        let k4 = f(t + h, y + h * k3);
        y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        t += h;
    }
    y
}

#[test]
fn closures_of_typed_floats_given_untyped_constants() {
    let p = [0.7, 1.3];
    let (value, g) = decay::grad(p[0], p[1]);
    assert_eq!(value, decay(p[0], p[1]));
    assert_fd(|q| decay(q[0], q[1]), &p, &[g.k, g.y0]);
    check_hvp(
        |q| {
            let g = decay::grad(q[0], q[1]).1;
            vec![g.k, g.y0]
        },
        |q, u| {
            let h = decay::hvp(q[0], q[1], u[0], u[1]).2;
            vec![h.k, h.y0]
        },
        &p,
        5,
    );
}

/// `.unwrap_or_default()` of a lookup (`first`, `last`, `get`, a `reduce`), of floats and of
/// indices, an empty one giving its default (was "does not support `.first()` on a sequence
/// of floats").
#[differentiate(hessian)]
fn defaulted(x: &[f64], idx: &[usize]) -> f64 {
    let k = idx.first().copied().unwrap_or_default();
    let none: &[f64] = &x[..0];
    x.last().copied().unwrap_or_default() * x.get(k).copied().unwrap_or_default()
        + none.first().copied().unwrap_or_default()
        + x.iter().copied().reduce(f64::max).unwrap_or_default()
}

#[test]
fn lookups_defaulted() {
    let x = [0.7, 0.3, 1.5, 0.2];
    for (seed, idx) in [(1, vec![2usize]), (2, vec![])] {
        let (value, g) = defaulted::grad(&x, &idx);
        assert_eq!(value, defaulted(&x, &idx));
        assert_fd(|q| defaulted(q, &idx), &x, &g.x);
        check_hvp(
            |q| defaulted::grad(q, &idx).1.x,
            |q, u| defaulted::hvp(q, &idx, u).2.x,
            &x,
            seed,
        );
    }
}

/// A walk zipped with a range in a function generic over its float type: the range's item
/// is an index (`usize`), so `T::from(k as f64)` of it is a constant (an untyped `let` of
/// it was taken for a float there).
#[differentiate(hessian)]
fn harmonic<T: backprop::Real>(x: &[T], a: T) -> T {
    let mut s = T::zero();
    for (v, k) in x.iter().zip(1..) {
        s += *v * a / T::from(k as f64).unwrap();
    }
    s + x
        .iter()
        .zip(2..)
        .map(|(v, k)| *v * *v * T::from(k).unwrap())
        .sum::<T>()
}

#[test]
fn ranges_zipped_in_generic_functions() {
    let point = [0.7, -0.3, 1.5, 0.9];
    let (value, g) = harmonic::grad(&point[..3], point[3]);
    assert_eq!(value, harmonic(&point[..3], point[3]));
    let flat = |g: harmonic::Grad<f64>| [g.x, vec![g.a]].concat();
    assert_fd(|q| harmonic(&q[..3], q[3]), &point, &flat(g.clone()));
    check_hvp(
        |q| flat(harmonic::grad(&q[..3], q[3]).1),
        |q, u| flat(harmonic::hvp(&q[..3], q[3], &u[..3], u[3]).2),
        &point,
        7,
    );
    let single: Vec<f32> = point.iter().map(|&v| v as f32).collect();
    let (_, g32) = harmonic::grad(&single[..3], single[3]);
    for (a, b) in g32.x.iter().zip(&g.x) {
        assert!((f64::from(*a) - b).abs() < 1e-5);
    }
}
