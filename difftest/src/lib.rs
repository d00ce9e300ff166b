//! Support for the random-function tests: deterministic points and a gradient comparison
//! that tells a wrong gradient from a point too close to a kink for finite differences.

use backprop::check::numeric_partial;

pub mod generator;
pub mod rng;

use rng::SplitMix64;

/// Deterministic test points.
pub struct Points(SplitMix64);

impl Points {
    pub fn new(seed: u64) -> Self {
        Points(SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }

    pub fn int(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    pub fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.float(-1.5, 1.5)).collect()
    }
}

/// Whether two gradients (a float, or a vector of them) are the same numbers: equal as
/// floats (`0.0` and `-0.0` alike), NaN where the other is NaN.
pub fn same<G: AsFloats + ?Sized>(a: &G, b: &G) -> bool {
    let (a, b) = (a.floats(), b.floats());
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// A gradient seen as its floats.
pub trait AsFloats {
    fn floats(&self) -> Vec<f64>;
}

impl AsFloats for f64 {
    fn floats(&self) -> Vec<f64> {
        vec![*self]
    }
}

impl AsFloats for [f64] {
    fn floats(&self) -> Vec<f64> {
        self.to_vec()
    }
}

impl AsFloats for Vec<f64> {
    fn floats(&self) -> Vec<f64> {
        self.clone()
    }
}

/// What checking one function at one point found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Agree,
    /// Finite differences with two step sizes disagree with each other: a kink or a jump
    /// (a branch, `abs`, `max`) is within a step of the point. Not a verdict on the gradient.
    Unsmooth,
    Mismatch,
}

/// Compares an analytic gradient with finite differences, coordinate by coordinate.
pub fn compare(f: &dyn Fn(&[f64]) -> f64, x: &[f64], grad: &[f64]) -> (Verdict, String) {
    let mut verdict = Verdict::Agree;
    let mut report = String::new();
    for i in 0..x.len() {
        let a = grad[i];
        let n1 = numeric_partial(f, x, i);
        // The same stencil with a smaller step: a smooth function gives the same value.
        let mut shrunk = x.to_vec();
        let scale = 0.25;
        let n2 = {
            let h = f64::EPSILON.powf(0.2) * x[i].abs().max(1.0) * scale;
            let mut at = |o: f64| {
                shrunk[i] = x[i] + o;
                f(&shrunk)
            };
            let (m2, m1, p1, p2) = (at(-2.0 * h), at(-h), at(h), at(2.0 * h));
            (m2 - 8.0 * m1 + 8.0 * p1 - p2) / (12.0 * h)
        };
        let tol = 1e-5;
        let close = |p: f64, q: f64| (p - q).abs() <= tol * p.abs().max(q.abs()).max(1.0);
        if !n1.is_finite() || !n2.is_finite() || !close(n1, n2) {
            if verdict == Verdict::Agree {
                verdict = Verdict::Unsmooth;
            }
            continue;
        }
        if !(close(a, n1) || close(a, n2)) {
            verdict = Verdict::Mismatch;
            report.push_str(&format!(
                "  d/dx[{i}]: analytic {a:e}, finite differences {n1:e} / {n2:e}\n"
            ));
        }
    }
    (verdict, report)
}

/// Forward and reverse mode against each other: `u · (J t)` must equal `t · (Jᵀ u)`, and
/// `jvp` must compute the same value as the function. `None` when they agree.
pub fn dot_product_test(
    value: f64,
    jvp_value: f64,
    jv: f64,
    u: f64,
    t: &[f64],
    jtu: &[f64],
) -> Option<String> {
    if jvp_value.to_bits() != value.to_bits() {
        return Some(format!("jvp value {jvp_value} != {value}"));
    }
    let lhs = u * jv;
    let terms: Vec<f64> = t.iter().zip(jtu).map(|(a, b)| a * b).collect();
    let rhs: f64 = terms.iter().sum();
    let scale: f64 = terms.iter().map(|x| x.abs()).sum::<f64>() + lhs.abs();
    if (lhs - rhs).abs() <= 1e-10 * scale.max(1.0) || (lhs.is_nan() && rhs.is_nan()) {
        None
    } else {
        Some(format!(
            "dot-product test: u·(J t) = {lhs:e}, t·(Jᵀ u) = {rhs:e}"
        ))
    }
}

/// Compares a Hessian-vector product with central differences of the gradient along the
/// same tangent, with three step sizes to tell a kink from a wrong result (a branch that
/// flips between the smallest step and the others, as a comparison of a value with itself
/// plus rounding noise does, `e > v[0] + t - t`, is a kink the two larger steps straddle
/// alike).
pub fn compare_hvp(
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
    x: &[f64],
    t: &[f64],
    hv: &[f64],
) -> (Verdict, String) {
    let along = |h: f64| -> Vec<f64> {
        let plus: Vec<f64> = x.iter().zip(t).map(|(a, b)| a + h * b).collect();
        let minus: Vec<f64> = x.iter().zip(t).map(|(a, b)| a - h * b).collect();
        let (gp, gm) = (grad(&plus), grad(&minus));
        gp.iter()
            .zip(&gm)
            .map(|(p, m)| (p - m) / (2.0 * h))
            .collect()
    };
    let (d1, d2, d3) = (along(1e-4), along(2.5e-5), along(1e-6));
    let close = |p: f64, q: f64, tol: f64| (p - q).abs() <= tol * p.abs().max(q.abs()).max(1.0);
    let mut verdict = Verdict::Agree;
    let mut report = String::new();
    for i in 0..x.len() {
        let finite = d1[i].is_finite() && d2[i].is_finite() && d3[i].is_finite();
        if !finite || !close(d1[i], d2[i], 1e-4) || !close(d2[i], d3[i], 1e-4) {
            if verdict == Verdict::Agree {
                verdict = Verdict::Unsmooth;
            }
            continue;
        }
        if !close(hv[i], d2[i], 1e-4) {
            verdict = Verdict::Mismatch;
            report.push_str(&format!(
                "  (H t)[{i}]: hvp {:e}, differences of the gradient {:e}\n",
                hv[i], d2[i]
            ));
        }
    }
    (verdict, report)
}
