//! Gradients of arrays overwritten whole at every step (Runge–Kutta stages): where each
//! contribution finds the gradient zero, the backward pass stores it rather than adding, and
//! drops the resets (`reverse/stores.rs`). Checked through the derivatives: the stages'
//! functions against finite differences, forward mode and Hessians, and the functions where
//! the rewrite must not happen (an element left out of the overwrite, an element overwritten
//! twice, a stage read after the steps, an addition under a branch) likewise.

#![allow(clippy::needless_range_loop)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp};

/// ode's right-hand side (GradBench): `z₀ = x₀`, `zᵢ = xᵢ yᵢ₋₁`.
fn rhs(x: &[f64], y: &[f64], z: &mut [f64]) {
    z[0] = x[0];
    for i in 1..x.len() {
        z[i] = x[i] * y[i - 1];
    }
}

/// `s` steps of the classical Runge–Kutta method, as GradBench's ode eval writes them: the
/// stages and `tmp` are overwritten whole at every step.
#[differentiate(reverse, forward, wrt(x))]
fn rk4(x: &[f64], s: usize) -> Vec<f64> {
    let n = x.len();
    let h = 2.0 / (s as f64);
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        rhs(x, &y, &mut k1);
        for i in 0..n {
            tmp[i] = y[i] + h * k1[i] / 2.0;
        }
        rhs(x, &tmp, &mut k2);
        for i in 0..n {
            tmp[i] = y[i] + h * k2[i] / 2.0;
        }
        rhs(x, &tmp, &mut k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        rhs(x, &tmp, &mut k4);
        for i in 0..n {
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
        }
    }
    y
}

#[test]
fn runge_kutta_stages_against_finite_differences_and_forward_mode() {
    let mut p = Points::new(31);
    for (n, s) in [(1, 1), (2, 3), (5, 4), (9, 2)] {
        let x = p.vec(n, 0.2, 1.2);
        let (_, jac) = rk4::jacrev(&x, s);
        let (_, fwd) = rk4::jacfwd(&x, s);
        for (row, (rev, fwd)) in jac.iter().zip(&fwd).enumerate() {
            assert_fd(|x| rk4(x, s)[row], &x, &rev.x);
            for (a, b) in rev.x.iter().zip(&fwd.x) {
                assert_close(*a, *b, 1e-12);
            }
        }
        // One pullback of a whole upstream vector: ⟨u, J v⟩ = ⟨Jᵀ u, v⟩.
        let (u, v) = (p.vec(n, -1.0, 1.0), p.vec(n, -1.0, 1.0));
        let (y, pullback) = rk4::vjp(&x, s);
        assert_eq!(y, rk4(&x, s));
        let back = pullback(u.clone()).x;
        let (_, jv) = rk4::jvp(&x, s, &v);
        let left: f64 = u.iter().zip(&jv).map(|(a, b)| a * b).sum();
        let right: f64 = back.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert_close(left, right, 1e-12);
    }
}

/// A scalar of the stages, for Hessians: forward over reverse stores the stages' tangents
/// of gradients too.
#[differentiate(hessian)]
fn rk2_energy(x: &[f64]) -> f64 {
    let n = x.len();
    let mut y: Vec<f64> = vec![0.0; n];
    let mut k = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..3 {
        k[0] = x[0] * y[0].cos();
        for i in 1..n {
            k[i] = x[i] * y[i - 1].sin();
        }
        for i in 0..n {
            tmp[i] = y[i] + 0.25 * k[i];
        }
        k[0] = x[0] * tmp[0].cos();
        for i in 1..n {
            k[i] = x[i] * tmp[i - 1].sin();
        }
        for i in 0..n {
            y[i] += 0.5 * k[i] * tmp[i];
        }
    }
    let mut e = 0.0;
    for i in 0..n {
        e += y[i] * y[i];
    }
    e
}

/// Stages declared inside an outer loop, over a length bound there (`m` is one value while
/// they live, though not the same in each pass of the outer loop).
#[differentiate(hessian)]
fn nested_stages(x: &[f64]) -> f64 {
    let mut e = 0.0;
    for r in 0..2 {
        let m = x.len() - r;
        let mut y: Vec<f64> = vec![0.1; m];
        let mut k = vec![0.0; m];
        for _ in 0..2 {
            k[0] = x[0] * y[0].cos();
            for i in 1..m {
                k[i] = x[i] * y[i - 1].sin();
            }
            for i in 0..m {
                y[i] += 0.5 * k[i] * k[i];
            }
        }
        e += y.iter().sum::<f64>();
    }
    e
}

/// Functions whose stages the rewrite must leave alone, each for its reason; wrong
/// gradients if it did not.
mod refused {
    use super::*;

    /// `k[0]` is written once per step, `k[1..]` twice: the first phase's resets do not
    /// cover what its addition reaches.
    #[differentiate(hessian)]
    pub fn uncovered(x: &[f64]) -> f64 {
        let n = x.len();
        let mut y = vec![0.1; n];
        let mut k = vec![0.0; n];
        for _ in 0..3 {
            k[0] = x[0] * y[0];
            for i in 0..n {
                y[i] += 0.5 * k[i] * k[i];
            }
            for i in 1..n {
                k[i] = x[i] * y[i - 1];
            }
            for i in 0..n {
                y[i] += 0.25 * k[i] * x[i];
            }
        }
        y.iter().sum()
    }

    /// `k[0]` overwritten twice in one step: two resets of one element in a phase.
    #[differentiate(hessian)]
    pub fn twice(x: &[f64]) -> f64 {
        let n = x.len();
        let mut y = vec![0.1; n];
        let mut k = vec![0.0; n];
        for _ in 0..3 {
            for i in 0..n {
                k[i] = x[i] * y[i];
            }
            k[0] = x[0] * y[n - 1];
            for i in 0..n {
                y[i] += 0.5 * k[i] * k[i];
            }
        }
        y.iter().sum()
    }

    /// A stage read after the steps: its gradient is not zero where the steps start.
    #[differentiate(hessian)]
    pub fn read_after(x: &[f64]) -> f64 {
        let n = x.len();
        let mut y = vec![0.1; n];
        let mut k = vec![0.0; n];
        for _ in 0..3 {
            for i in 0..n {
                k[i] = x[i] * y[i];
            }
            for i in 0..n {
                y[i] += 0.5 * k[i] * k[i];
            }
        }
        y.iter().sum::<f64>() + k[0] * k[n - 1]
    }

    /// A bound bound inside the steps, where the stage outlives it: `k[m]` is reset in one
    /// step and added to in another.
    #[differentiate(hessian)]
    pub fn bound_inside(x: &[f64]) -> f64 {
        let n = x.len();
        let mut y = vec![0.1; n];
        let mut k = vec![0.0; n];
        for t in 0..3 {
            let m = n - 1 - t % 2;
            for i in 0..m + 1 {
                k[i] = x[i] * y[i];
            }
            for i in 0..m {
                y[i] += 0.5 * k[i] * k[i];
            }
        }
        y.iter().sum()
    }

    /// An addition under a branch: it may not run, and then a store would leave the last
    /// step's value.
    #[differentiate(hessian)]
    pub fn branch(x: &[f64]) -> f64 {
        let n = x.len();
        let mut y = vec![0.1; n];
        let mut k = vec![0.0; n];
        for _ in 0..3 {
            for i in 0..n {
                k[i] = x[i] * y[i];
            }
            for i in 0..n {
                if x[i] > 0.0 {
                    y[i] += 0.5 * k[i] * k[i];
                }
            }
        }
        y.iter().sum()
    }

    /// The overwrite's bound changes between steps.
    #[differentiate(hessian)]
    pub fn moving_bound(x: &[f64]) -> f64 {
        let n = x.len();
        let mut y = vec![0.1; n];
        let mut k = vec![0.0; n];
        let mut m = n;
        for _ in 0..3 {
            for i in 0..m {
                k[i] = x[i] * y[i];
            }
            for i in 0..n {
                y[i] += 0.5 * k[i] * k[i];
            }
            m -= 1;
        }
        y.iter().sum()
    }
}

/// Each function's gradient against finite differences and its Hessian-vector products
/// against differences of gradients.
macro_rules! check_all {
    ($($f:path),+ $(,)?) => {{
        let mut p = Points::new(47);
        $(
            for n in [3, 4, 7] {
                use $f as f;
                let x = p.vec(n, -1.0, 1.0);
                let (value, g) = f::grad(&x);
                assert_eq!(value, f(&x), "{}", stringify!($f));
                assert_fd(f, &x, &g.x);
                check_hvp(|x| f::grad(x).1.x, |x, u| f::hvp(x, u).2.x, &x, 48 + n as u64);
            }
        )+
    }};
}

#[test]
fn stages_and_refused_rewrites_against_finite_differences_and_hessians() {
    check_all!(
        rk2_energy,
        nested_stages,
        refused::bound_inside,
        refused::uncovered,
        refused::twice,
        refused::read_after,
        refused::branch,
        refused::moving_bound,
    );
}
