//! Checking gradients against finite differences, for your own tests.
//!
//! ```
//! use backprop::check::{Checker, Step, check_gradient, numeric_gradient};
//!
//! #[backprop::differentiate]
//! fn rosen(x: f64, y: f64) -> f64 {
//!     (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
//! }
//!
//! let (_, g) = rosen::grad(0.3, -0.2);
//! let f = |v: &[f64]| rosen(v[0], v[1]);
//! check_gradient(f, &[0.3, -0.2], &[g.x, g.y], 1e-8).unwrap();
//! let numeric = numeric_gradient(f, &[0.3, -0.2]);
//! assert!((numeric[0] - g.x).abs() < 1e-6);
//!
//! // The step and the tolerances are settable: a small absolute step for a function with
//! // kinks near the point, a looser relative tolerance.
//! let checker = Checker::new().step(Step::Absolute(1e-5)).rel_tol(1e-6).abs_tol(1e-8);
//! checker.gradient(f, &[0.3, -0.2], &[g.x, g.y]).unwrap();
//! ```
//!
//! # How the check works
//!
//! Each partial derivative is estimated with the fourth-order central stencil
//! `(f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h`, whose error is O(h⁴) for smooth `f`.
//! The step `h` is [`Step::Scaled`]`(ε^⅕)` by default, `ε^⅕ · max(1, |xᵢ|)` (≈ 7.4e-4 at
//! `|xᵢ| ≤ 1`), which balances the stencil's truncation error against rounding. The
//! stencil reads `f` up to `2h` away: near a kink (`abs`, `max`, `relu`, a branch) closer
//! than that, the estimate averages both sides and disagrees with the exact one-sided
//! derivative. Choose a smaller step there ([`Checker::step`]).
//!
//! An analytic value `a` and an estimate `n` agree when
//! `|a − n| ≤ max(abs_tol, rel_tol · max(|a|, |n|))`; [`check_gradient`]'s one `tolerance`
//! is both.

use core::fmt;

/// The finite-difference step for one coordinate `xᵢ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// `h = s · max(1, |xᵢ|)`: relative to the coordinate's size, absolute near zero. The
    /// default is `Scaled(ε^⅕)`.
    Scaled(f64),
    /// `h` itself, whatever the coordinate's size.
    Absolute(f64),
}

impl Step {
    /// The step at `x`.
    pub fn at(self, x: f64) -> f64 {
        match self {
            Step::Scaled(s) => s * x.abs().max(1.0),
            Step::Absolute(h) => h,
        }
    }
}

impl Default for Step {
    fn default() -> Self {
        Step::Scaled(f64::EPSILON.powf(0.2))
    }
}

/// A gradient check with its settings: the finite-difference [`Step`] and the tolerances.
///
/// `Checker::default()` (or [`Checker::new`]) uses the default step and `rel_tol = abs_tol
/// = 1e-6`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checker {
    /// The finite-difference step.
    pub step: Step,
    /// Relative tolerance: `|a − n| ≤ rel_tol · max(|a|, |n|)` passes.
    pub rel_tol: f64,
    /// Absolute tolerance: `|a − n| ≤ abs_tol` passes (for derivatives near zero).
    pub abs_tol: f64,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            step: Step::default(),
            rel_tol: 1e-6,
            abs_tol: 1e-6,
        }
    }
}

impl Checker {
    /// The default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// With this step.
    pub fn step(self, step: Step) -> Self {
        Checker { step, ..self }
    }

    /// With this relative tolerance.
    pub fn rel_tol(self, rel_tol: f64) -> Self {
        Checker { rel_tol, ..self }
    }

    /// With this absolute tolerance.
    pub fn abs_tol(self, abs_tol: f64) -> Self {
        Checker { abs_tol, ..self }
    }

    /// With both tolerances set to `tolerance`: `|a − n| ≤ tolerance · max(1, |a|, |n|)`.
    pub fn tolerance(self, tolerance: f64) -> Self {
        Checker {
            rel_tol: tolerance,
            abs_tol: tolerance,
            ..self
        }
    }

    /// The largest difference allowed between `a` and `b`.
    pub fn allowed(&self, a: f64, b: f64) -> f64 {
        self.abs_tol.max(self.rel_tol * a.abs().max(b.abs()))
    }

    /// Whether `a` and `b` agree. Two NaNs agree; a NaN and a number do not.
    pub fn agree(&self, a: f64, b: f64) -> bool {
        if a.is_nan() || b.is_nan() {
            return a.is_nan() && b.is_nan();
        }
        a == b || (a - b).abs() <= self.allowed(a, b)
    }

    /// The derivative of `f` along coordinate `i` at `x`, by the fourth-order central
    /// stencil with this checker's step.
    pub fn partial<F: FnMut(&[f64]) -> f64>(&self, mut f: F, x: &[f64], i: usize) -> f64 {
        let mut point = x.to_vec();
        let h = self.step.at(x[i]);
        let mut at = |offset: f64| {
            point[i] = x[i] + offset;
            f(&point)
        };
        let (m2, m1, p1, p2) = (at(-2.0 * h), at(-h), at(h), at(2.0 * h));
        (m2 - 8.0 * m1 + 8.0 * p1 - p2) / (12.0 * h)
    }

    /// The gradient of `f` at `x` by finite differences, one [`Checker::partial`] per
    /// coordinate.
    pub fn numeric_gradient<F: FnMut(&[f64]) -> f64>(&self, mut f: F, x: &[f64]) -> Vec<f64> {
        (0..x.len()).map(|i| self.partial(&mut f, x, i)).collect()
    }

    /// Checks `analytic` against the finite-difference gradient of `f` at `x`, coordinate
    /// by coordinate.
    ///
    /// # Panics
    /// When `analytic` and `x` differ in length.
    pub fn gradient<F: FnMut(&[f64]) -> f64>(
        &self,
        f: F,
        x: &[f64],
        analytic: &[f64],
    ) -> Result<(), GradientMismatch> {
        assert_eq!(
            x.len(),
            analytic.len(),
            "check_gradient: {} coordinates but {} gradient entries",
            x.len(),
            analytic.len()
        );
        let numeric = self.numeric_gradient(f, x);
        let mismatches: Vec<Mismatch> = numeric
            .iter()
            .zip(analytic)
            .enumerate()
            .filter(|&(_, (&n, &a))| !self.agree(a, n))
            .map(|(index, (&numeric, &analytic))| Mismatch {
                index,
                analytic,
                numeric,
                allowed: self.allowed(analytic, numeric),
            })
            .collect();
        if mismatches.is_empty() {
            Ok(())
        } else {
            Err(GradientMismatch {
                point: x.to_vec(),
                checker: *self,
                mismatches,
            })
        }
    }
}

/// The derivative of `f` along coordinate `i` at `x` with the default [`Checker`]: the
/// fourth-order central stencil `(f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h`, with
/// `h = ε^⅕ · max(1, |xᵢ|)`.
pub fn numeric_partial<F: FnMut(&[f64]) -> f64>(f: F, x: &[f64], i: usize) -> f64 {
    Checker::default().partial(f, x, i)
}

/// The gradient of `f` at `x` by finite differences, one [`numeric_partial`] per
/// coordinate.
pub fn numeric_gradient<F: FnMut(&[f64]) -> f64>(f: F, x: &[f64]) -> Vec<f64> {
    Checker::default().numeric_gradient(f, x)
}

/// One coordinate where an analytic gradient and finite differences disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The coordinate.
    pub index: usize,
    /// The gradient under test.
    pub analytic: f64,
    /// The finite-difference estimate.
    pub numeric: f64,
    /// The largest difference the tolerances allowed here.
    pub allowed: f64,
}

impl Mismatch {
    /// How far past the tolerance: `|analytic − numeric| / allowed` (infinite for a NaN
    /// against a number).
    pub fn excess(&self) -> f64 {
        let diff = (self.analytic - self.numeric).abs();
        if diff.is_nan() {
            f64::INFINITY
        } else {
            diff / self.allowed
        }
    }
}

/// Every coordinate that failed a gradient check, the worst first when printed.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientMismatch {
    /// The point the gradient was checked at.
    pub point: Vec<f64>,
    /// The settings of the check.
    pub checker: Checker,
    /// The coordinates that disagree, in order.
    pub mismatches: Vec<Mismatch>,
}

impl GradientMismatch {
    /// The coordinate that disagrees most, relative to its tolerance.
    pub fn worst(&self) -> &Mismatch {
        self.mismatches
            .iter()
            .max_by(|a, b| a.excess().total_cmp(&b.excess()))
            .expect("a mismatch has at least one coordinate")
    }
}

impl fmt::Display for GradientMismatch {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |out: &mut fmt::Formatter<'_>, m: &Mismatch| {
            writeln!(
                out,
                "  d/dx[{}]: analytic {:e}, finite differences {:e} (difference {:e}, allowed {:e})",
                m.index,
                m.analytic,
                m.numeric,
                (m.analytic - m.numeric).abs(),
                m.allowed
            )
        };
        let c = &self.checker;
        writeln!(
            out,
            "gradient check failed at {:?} ({} of {} coordinates; step {:?}, rel_tol {:e}, abs_tol {:e})",
            self.point,
            self.mismatches.len(),
            self.point.len(),
            c.step,
            c.rel_tol,
            c.abs_tol
        )?;
        writeln!(out, "worst:")?;
        line(out, self.worst())?;
        if self.mismatches.len() > 1 {
            writeln!(out, "all:")?;
            for m in &self.mismatches {
                line(out, m)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for GradientMismatch {}

/// Whether `a` and `b` agree to `tolerance`, relative to the larger of them and 1:
/// `|a − b| ≤ tolerance · max(1, |a|, |b|)`. Two NaNs agree; a NaN and a number do not.
pub fn close(a: f64, b: f64, tolerance: f64) -> bool {
    Checker::default().tolerance(tolerance).agree(a, b)
}

/// Checks `analytic` against the finite-difference gradient of `f` at `x`, coordinate by
/// coordinate, with the default step and [`close`] to `tolerance`. [`Checker`] sets the
/// step and the tolerances.
pub fn check_gradient<F: FnMut(&[f64]) -> f64>(
    f: F,
    x: &[f64],
    analytic: &[f64],
    tolerance: f64,
) -> Result<(), GradientMismatch> {
    Checker::default()
        .tolerance(tolerance)
        .gradient(f, x, analytic)
}

/// [`check_gradient`] for a function of one ndarray array: `analytic` has `x`'s shape, and
/// a mismatch's `index` counts elements in logical (row-major) order. [`Checker::array_gradient`]
/// sets the step and the tolerances.
///
/// ```
/// use backprop::check::check_array_gradient;
/// use backprop::ndarray::array;
///
/// #[backprop::differentiate]
/// fn energy(x: &backprop::ndarray::Array2<f64>) -> f64 {
///     (x * x).sum() / 2.0
/// }
///
/// let x = array![[1.0, -2.0], [0.5, 3.0]];
/// let (_, g) = energy::grad(&x);
/// check_array_gradient(energy, &x, &g.x, 1e-8).unwrap();
/// ```
#[cfg(feature = "tensor")]
pub fn check_array_gradient<D: ndarray::Dimension, F: FnMut(&ndarray::Array<f64, D>) -> f64>(
    f: F,
    x: &ndarray::Array<f64, D>,
    analytic: &ndarray::Array<f64, D>,
    tolerance: f64,
) -> Result<(), GradientMismatch> {
    Checker::default()
        .tolerance(tolerance)
        .array_gradient(f, x, analytic)
}

#[cfg(feature = "tensor")]
impl Checker {
    /// [`Checker::gradient`] for a function of one ndarray array: `analytic` has `x`'s
    /// shape, and a mismatch's `index` counts elements in logical (row-major) order.
    ///
    /// # Panics
    /// When `analytic` and `x` differ in shape.
    pub fn array_gradient<D: ndarray::Dimension, F: FnMut(&ndarray::Array<f64, D>) -> f64>(
        &self,
        mut f: F,
        x: &ndarray::Array<f64, D>,
        analytic: &ndarray::Array<f64, D>,
    ) -> Result<(), GradientMismatch> {
        assert_eq!(
            x.shape(),
            analytic.shape(),
            "check_array_gradient: the point has shape {:?} but the gradient {:?}",
            x.shape(),
            analytic.shape()
        );
        let flat: Vec<f64> = x.iter().copied().collect();
        let grad: Vec<f64> = analytic.iter().copied().collect();
        let shape = x.raw_dim();
        self.gradient(
            |v| {
                let point = ndarray::Array::from_shape_vec(shape.clone(), v.to_vec())
                    .expect("same number of elements");
                f(&point)
            },
            &flat,
            &grad,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kink_within_the_default_step_fails_and_a_small_step_passes() {
        // |x - 40.01| at x = 40: the slope is -1, but the default step (≈ 0.03 at x = 40)
        // reaches across the kink.
        let f = |v: &[f64]| (v[0] - 40.01).abs();
        let error = check_gradient(f, &[40.0], &[-1.0], 1e-6).unwrap_err();
        assert_eq!(error.worst().index, 0);
        let small = Checker::new().step(Step::Absolute(1e-4));
        small.gradient(f, &[40.0], &[-1.0]).unwrap();
    }

    #[test]
    fn the_report_names_the_worst_coordinate_with_both_values() {
        let f = |v: &[f64]| v[0] * v[0] + v[1] * v[1] + v[2];
        let error = Checker::new()
            .gradient(f, &[1.0, 2.0, 3.0], &[2.1, 5.0, 1.0])
            .unwrap_err();
        assert_eq!(error.mismatches.len(), 2);
        let worst = error.worst();
        assert_eq!(worst.index, 1);
        assert_eq!(worst.analytic, 5.0);
        assert!((worst.numeric - 4.0).abs() < 1e-8);
        let text = error.to_string();
        assert!(
            text.contains("worst:\n  d/dx[1]: analytic 5e0, finite differences 4"),
            "{text}"
        );
        assert!(text.contains("2 of 3 coordinates"), "{text}");
    }

    #[test]
    fn tolerances_are_relative_and_absolute() {
        let c = Checker::new().rel_tol(1e-3).abs_tol(1e-9);
        assert!(c.agree(1000.0, 1000.9));
        assert!(!c.agree(1000.0, 1002.0));
        assert!(c.agree(0.0, 1e-10));
        assert!(!c.agree(0.0, 1e-8));
        assert!(close(1.0, 1.0 + 1e-9, 1e-8));
        assert!(close(f64::NAN, f64::NAN, 1e-8) && !close(f64::NAN, 1.0, 1e-8));
    }
}
