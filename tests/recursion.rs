//! Functions that call themselves: `pow` by halving, a determinant by expansion in minors,
//! with first and second derivatives (the inner calls' pullbacks are boxed).

#![allow(clippy::needless_range_loop)]

mod common;
use backprop::differentiate;
use common::check_hvp;

/// `x^n` by halving the exponent.
#[differentiate(hessian)]
fn pow(x: f64, n: u32) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let half = pow(x, n / 2);
    if n.is_multiple_of(2) {
        half * half
    } else {
        half * half * x
    }
}

#[test]
fn pow_by_halving() {
    for (x, n) in [(1.3, 0u32), (1.3, 1), (0.9, 7), (-1.1, 10)] {
        let (value, g) = pow::grad(x, n);
        assert!((value - x.powi(n as i32)).abs() < 1e-12);
        let expected = if n == 0 {
            0.0
        } else {
            n as f64 * x.powi(n as i32 - 1)
        };
        assert!(
            (g.x - expected).abs() < 1e-10 * expected.abs().max(1.0),
            "{n}: {} vs {expected}",
            g.x
        );
        let (_, dot) = pow::jvp(x, n, 1.0);
        assert!((dot - expected).abs() < 1e-10 * expected.abs().max(1.0));
        // n (n − 1) x^(n−2)
        let second = if n < 2 {
            0.0
        } else {
            (n * (n - 1)) as f64 * x.powi(n as i32 - 2)
        };
        let h = pow::hvp(x, n, 1.0).2.x;
        assert!(
            (h - second).abs() < 1e-10 * second.abs().max(1.0),
            "{n}: {h} vs {second}"
        );
    }
}

/// The determinant of an `n × n` matrix (row-major) by expansion along the first row.
#[differentiate(hessian)]
fn det(a: &[f64], n: usize) -> f64 {
    if n == 1 {
        return a[0];
    }
    let mut total = 0.0;
    for j in 0..n {
        let mut minor = vec![0.0; (n - 1) * (n - 1)];
        for r in 1..n {
            let mut c = 0;
            for k in 0..n {
                if k != j {
                    minor[(r - 1) * (n - 1) + c] = a[r * n + k];
                    c += 1;
                }
            }
        }
        let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
        total += sign * a[j] * det(&minor, n - 1);
    }
    total
}

#[test]
fn determinant_by_minors() {
    let a = vec![2.0, -1.0, 0.5, 1.0, 3.0, -2.0, 0.0, 1.5, 1.0];
    let (value, g) = det::grad(&a, 3);
    assert_eq!(value, det(&a, 3));
    // ∂det/∂a_ij is the cofactor.
    let h = 1e-6;
    for i in 0..9 {
        let (mut up, mut down) = (a.clone(), a.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (det(&up, 3) - det(&down, 3)) / (2.0 * h);
        assert!((g.a[i] - fd).abs() < 1e-6, "{i}: {} vs {fd}", g.a[i]);
    }
    let dir: Vec<f64> = (0..9).map(|i| (i as f64 * 0.7).sin()).collect();
    let (_, dot) = det::jvp(&a, 3, &dir);
    let expected: f64 = g.a.iter().zip(&dir).map(|(g, d)| g * d).sum();
    assert!((dot - expected).abs() < 1e-10);
    check_hvp(
        |v| det::grad(v, 3).1.a,
        |v, u| det::hvp(v, 3, u).2.a,
        &a,
        17,
    );
    // A 4 × 4: two levels of recursion under the Hessian.
    let b: Vec<f64> = (0..16).map(|i| (i as f64 * 1.3).cos()).collect();
    check_hvp(
        |v| det::grad(v, 4).1.a,
        |v, u| det::hvp(v, 4, u).2.a,
        &b,
        18,
    );
}
