//! Checking gradients against finite differences, for your own tests.
//!
//! ```
//! use backprop::check::{check_gradient, numeric_gradient};
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
//! ```

use core::fmt;

/// The derivative of `f` along coordinate `i` at `x`, by the fourth-order central stencil
/// `(f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h`, with `h = ε^⅕ · max(1, |xᵢ|)`.
pub fn numeric_partial<F: FnMut(&[f64]) -> f64>(mut f: F, x: &[f64], i: usize) -> f64 {
    let mut point = x.to_vec();
    let h = f64::EPSILON.powf(0.2) * x[i].abs().max(1.0);
    let mut at = |offset: f64| {
        point[i] = x[i] + offset;
        f(&point)
    };
    let (m2, m1, p1, p2) = (at(-2.0 * h), at(-h), at(h), at(2.0 * h));
    (m2 - 8.0 * m1 + 8.0 * p1 - p2) / (12.0 * h)
}

/// The gradient of `f` at `x` by finite differences, one [`numeric_partial`] per
/// coordinate.
pub fn numeric_gradient<F: FnMut(&[f64]) -> f64>(mut f: F, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| numeric_partial(&mut f, x, i))
        .collect()
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
}

/// Every coordinate that failed a [`check_gradient`].
#[derive(Debug, Clone, PartialEq)]
pub struct GradientMismatch {
    /// The point the gradient was checked at.
    pub point: Vec<f64>,
    /// The coordinates that disagree.
    pub mismatches: Vec<Mismatch>,
}

impl fmt::Display for GradientMismatch {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(out, "gradient check failed at {:?}:", self.point)?;
        for m in &self.mismatches {
            writeln!(
                out,
                "  d/dx[{}]: analytic {:e}, finite differences {:e}",
                m.index, m.analytic, m.numeric
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for GradientMismatch {}

/// Whether `a` and `b` agree to `tolerance`, relative to the larger of them and 1:
/// `|a − b| ≤ tolerance · max(1, |a|, |b|)`. Two NaNs agree; a NaN and a number do not.
pub fn close(a: f64, b: f64, tolerance: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0)
}

/// Checks `analytic` against the finite-difference gradient of `f` at `x`, coordinate by
/// coordinate, with [`close`].
pub fn check_gradient<F: FnMut(&[f64]) -> f64>(
    f: F,
    x: &[f64],
    analytic: &[f64],
    tolerance: f64,
) -> Result<(), GradientMismatch> {
    assert_eq!(
        x.len(),
        analytic.len(),
        "check_gradient: {} coordinates but {} gradient entries",
        x.len(),
        analytic.len()
    );
    let numeric = numeric_gradient(f, x);
    let mismatches: Vec<Mismatch> = numeric
        .iter()
        .zip(analytic)
        .enumerate()
        .filter(|&(_, (&n, &a))| !close(a, n, tolerance))
        .map(|(index, (&numeric, &analytic))| Mismatch {
            index,
            analytic,
            numeric,
        })
        .collect();
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(GradientMismatch {
            point: x.to_vec(),
            mismatches,
        })
    }
}

/// [`check_gradient`] for a function of one ndarray array: `analytic` has `x`'s shape, and
/// a mismatch's `index` counts elements in logical (row-major) order.
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
    mut f: F,
    x: &ndarray::Array<f64, D>,
    analytic: &ndarray::Array<f64, D>,
    tolerance: f64,
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
    check_gradient(
        |v| {
            let point = ndarray::Array::from_shape_vec(shape.clone(), v.to_vec())
                .expect("same number of elements");
            f(&point)
        },
        &flat,
        &grad,
        tolerance,
    )
}
