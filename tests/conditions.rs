//! Conditions that compute a value on the way: an `if`, a `match` or a block inside an
//! `if`'s condition, on the right of `&&` and `||` (evaluated only when the left says so),
//! in an `else if`, and in a chain's `filter` and `take_while` (a block body, a `match` on
//! an `Option` helper). Each gradient against central differences and its `hvp` against
//! differences of gradients.

mod common;
use backprop::differentiate;
use common::{assert_fd, check_hvp};

/// `√(a² − b)` where it is real.
fn root(a: f64, b: f64) -> Option<f64> {
    let d = a * a - b;
    if d < 0.0 { None } else { Some(d.sqrt()) }
}

/// `ln(1 + root(a, b)) − a`, by `?`.
fn stepped_root(a: f64, b: f64) -> Option<f64> {
    let d = root(a, b)?;
    Some((1.0 + d).ln() - a)
}

#[differentiate(hessian)]
fn gated(x: f64, y: f64) -> f64 {
    let t = if x > 0.0
        && match root(x, y) {
            Some(r) => r * 0.5,
            None => x * 0.25,
        } < 0.9
    {
        x * y
    } else if !(y > 0.0 || {
        let q = x * y;
        q < -0.2
    }) {
        y * y * x
    } else if (if x > y { x - y } else { y - x }) > 0.3 {
        x.sin() * y
    } else {
        y.exp()
    };
    let mut s = t + x;
    if match stepped_root(y, x) {
        Some(r) => r,
        None => y,
    } > 0.5
    {
        s *= y;
    }
    s
}

#[test]
fn conditions_computing_values_with_if_match_and_blocks() {
    // Each branch of the chain taken, and the last `if` both ways.
    for (seed, p) in [
        (1, [0.5, 0.1]),
        (2, [1.5, 0.2]),
        (3, [-0.5, -0.3]),
        (4, [0.3, 1.1]),
        (5, [-0.2, 0.4]),
        (6, [2.0, -1.0]),
        (7, [-0.1, 0.1]),
        (8, [1.0, 0.8]),
        (9, [-3.0, -0.5]),
    ] {
        let (value, g) = gated::grad(p[0], p[1]);
        assert_eq!(value, gated(p[0], p[1]));
        assert_fd(|q| gated(q[0], q[1]), &p, &[g.x, g.y]);
        check_hvp(
            |q| {
                let g = gated::grad(q[0], q[1]).1;
                vec![g.x, g.y]
            },
            |q, u| {
                let h = gated::hvp(q[0], q[1], u[0], u[1]).2;
                vec![h.x, h.y]
            },
            &p,
            seed,
        );
    }
}

/// The right of `&&` reads `v[i]`: evaluated only where `i` is in bounds.
#[differentiate(hessian)]
fn guarded(v: &[f64], i: usize) -> f64 {
    let mut s = v[0];
    if i < v.len()
        && match v[i] > 0.0 {
            true => v[i],
            false => -v[i],
        } > 0.2
    {
        s += v[i] * v[0];
    }
    s
}

#[test]
fn the_right_of_and_is_evaluated_only_when_the_left_holds() {
    let v = [0.7, -0.4, 0.1];
    for i in [0, 1, 2, 10] {
        let (value, g) = guarded::grad(&v, i);
        assert_eq!(value, guarded(&v, i));
        assert_fd(|q| guarded(q, i), &v, &g.v);
        check_hvp(
            |q| guarded::grad(q, i).1.v,
            |q, u| guarded::hvp(q, i, u).2.v,
            &v,
            i as u64,
        );
    }
}

#[differentiate(hessian)]
fn kept(x: f64, v: &[f64]) -> f64 {
    let a: f64 = v
        .iter()
        .filter(|&&e| {
            let t = e * x;
            t > 0.25
        })
        .map(|&e| e * x)
        .sum();
    let b: f64 = v
        .iter()
        .rev()
        .filter(|&&e| {
            e > x.tanh()
                + match stepped_root(x, v[0]) {
                    Some(t) => t * 0.5,
                    None => x * 0.25,
                }
        })
        .map(|&e| (e * x).tanh())
        .sum();
    let c: f64 = v
        .iter()
        .take_while(|&&e| {
            let u = e + x;
            u < 2.5
        })
        .map(|&e| e * e * x)
        .sum();
    let d: f64 = v
        .iter()
        .map(|&e| {
            if e > match e > 0.5 {
                true => x,
                false => 0.3,
            } {
                e * x
            } else {
                e
            }
        })
        .sum();
    let n = v
        .iter()
        .filter(|&&e| e > if x > 0.0 { x } else { 0.5 })
        .count();
    a + b + c + d + x * n as f64
}

#[test]
fn filters_and_maps_whose_tests_compute_values() {
    for (seed, x, v) in [
        (1, 0.5, vec![0.1, 0.4, 0.9, 1.7]),
        (2, 1.5, vec![0.2, 1.1, 0.8]),
        (3, -0.7, vec![0.9, -0.3, 0.6, 2.9, 0.2]),
        (4, 0.2, vec![0.35, 0.05]),
    ] {
        let (value, g) = kept::grad(x, &v);
        assert_eq!(value, kept(x, &v));
        let mut point = vec![x];
        point.extend(&v);
        let mut grad = vec![g.x];
        grad.extend(&g.v);
        assert_fd(|q| kept(q[0], &q[1..]), &point, &grad);
        let flat = |g: kept::Grad| [vec![g.x], g.v].concat();
        check_hvp(
            |q| flat(kept::grad(q[0], &q[1..]).1),
            |q, u| flat(kept::hvp(q[0], &q[1..], u[0], &u[1..]).2),
            &point,
            seed,
        );
    }
}
