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

/// GradBench's determinant: the minor is the rows from `row` on and the columns not in
/// `used`. Every call passes the whole matrix on and saves only floats, so the function
/// runs on one tape: `__forward_tape` and `__backward_tape` call themselves, with no
/// closure per call.
#[differentiate(reverse, forward)]
fn det_minor(a: &[f64], n: usize, row: usize, used: usize) -> f64 {
    if row + 1 == n {
        let mut last = 0.0;
        for j in 0..n {
            if used & (1 << j) == 0 {
                last = a[row * n + j];
            }
        }
        return last;
    }
    let mut det = 0.0;
    let mut sign = 1.0;
    for j in 0..n {
        if used & (1 << j) == 0 {
            det += sign * a[row * n + j] * det_minor(a, n, row + 1, used | (1 << j));
            sign = -sign;
        }
    }
    det
}

/// Two sequences passed on whole, one recursive call at the top level and one in a loop:
/// the pullbacks add into the caller's gradients (`__vjp_into_boxed`; the top-level loop's
/// range, which the backward pass reads, keeps it off one tape, as `hessian` does).
/// (One lifetime for both: with two, the boxed pullback's lifetime is their intersection,
/// which the `impl` result cannot name, E0700.)
#[differentiate(hessian)]
fn weave<'a>(x: &'a [f64], w: &'a [f64], i: usize) -> f64 {
    if i >= x.len() {
        return 0.0;
    }
    let mut s = weave(x, w, i + 1) * w[i];
    for k in 0..i.min(1) {
        s += (x[i] * w[k]).sin() * weave(x, w, i + 2);
    }
    s + x[i] * x[i] * w[i]
}

#[test]
fn recursion_adding_into_the_callers_gradient() {
    let n = 4;
    let a: Vec<f64> = (0..n * n).map(|i| (i as f64 * 0.9).sin() + 0.1).collect();
    let (value, g) = det_minor::grad(&a, n, 0, 0);
    // The same determinant through the other formulation (a local minor per call).
    assert!((value - det(&a, n)).abs() < 1e-12);
    let (_, cofactors) = det::grad(&a, n);
    for i in 0..n * n {
        assert!((g.a[i] - cofactors.a[i]).abs() < 1e-12, "{i}");
    }
    let dir: Vec<f64> = (0..n * n).map(|i| (i as f64 * 0.3).cos()).collect();
    let (_, dot) = det_minor::jvp(&a, n, 0, 0, &dir);
    let expected: f64 = g.a.iter().zip(&dir).map(|(g, d)| g * d).sum();
    assert!((dot - expected).abs() < 1e-10);
    // Below the first row, a minor: the same values the top-level call computes inside.
    let (minor, g) = det_minor::grad(&a, n, 1, 1 << 2);
    let h = 1e-6;
    for i in 0..n * n {
        let (mut up, mut down) = (a.clone(), a.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (det_minor(&up, n, 1, 1 << 2) - det_minor(&down, n, 1, 1 << 2)) / (2.0 * h);
        assert!(
            (g.a[i] - fd).abs() < 1e-8,
            "{i}: {} vs {fd} ({minor})",
            g.a[i]
        );
    }

    let x: Vec<f64> = (0..6).map(|i| 0.3 + 0.2 * i as f64).collect();
    let w: Vec<f64> = (0..6).map(|i| 1.1 - 0.15 * i as f64).collect();
    let (_, g) = weave::grad(&x, &w, 0);
    let h = 1e-6;
    for i in 0..6 {
        let (mut up, mut down) = (x.clone(), x.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (weave(&up, &w, 0) - weave(&down, &w, 0)) / (2.0 * h);
        assert!((g.x[i] - fd).abs() < 1e-7, "x {i}: {} vs {fd}", g.x[i]);
        let (mut up, mut down) = (w.clone(), w.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (weave(&x, &up, 0) - weave(&x, &down, 0)) / (2.0 * h);
        assert!((g.w[i] - fd).abs() < 1e-7, "w {i}: {} vs {fd}", g.w[i]);
    }
    let (dx, dw): (Vec<f64>, Vec<f64>) =
        (0..6).map(|i| ((i as f64).sin(), (i as f64).cos())).unzip();
    let (_, dot) = weave::jvp(&x, &w, 0, &dx, &dw);
    let expected: f64 =
        g.x.iter()
            .zip(&dx)
            .chain(g.w.iter().zip(&dw))
            .map(|(g, d)| g * d)
            .sum();
    assert!((dot - expected).abs() < 1e-10);
    check_hvp(
        |v| weave::grad(v, &w, 0).1.x,
        |v, u| weave::hvp(v, &w, 0, u, &[0.0; 6]).2.x,
        &x,
        20,
    );
}

/// A call to itself whose argument reads a local of the top-level block (`k`): the
/// backward pass would need it, so the function stays off one tape; its pullbacks still add
/// into the caller's gradient.
#[differentiate]
fn products(x: &[f64], i: usize) -> f64 {
    if i + 1 >= x.len() {
        return x[i];
    }
    let k = i + 1;
    x[i] * products(x, k) + (x[i] - x[k]).sin()
}

#[test]
fn recursion_reading_a_local_in_its_arguments() {
    let x: Vec<f64> = (0..7).map(|i| 0.2 + 0.13 * i as f64).collect();
    let (_, g) = products::grad(&x, 0);
    let h = 1e-6;
    for i in 0..7 {
        let (mut up, mut down) = (x.clone(), x.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (products(&up, 0) - products(&down, 0)) / (2.0 * h);
        assert!((g.x[i] - fd).abs() < 1e-8, "{i}: {} vs {fd}", g.x[i]);
    }
}
