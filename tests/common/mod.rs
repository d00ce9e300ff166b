#![allow(dead_code)]
//! Helpers shared by the integration tests.

use backprop::check::{check_gradient, close};

/// For a function of one slice `x`: its value from `grad`, its gradient against finite
/// differences, and its `hvp` against differences of the gradient (with symmetry).
#[allow(unused_macros)]
macro_rules! check_slice_function {
    ($f:ident, $x:expr, $seed:expr) => {{
        let x: &[f64] = $x;
        let (value, g) = $f::grad(x);
        assert_eq!(value, $f(x));
        assert_fd($f, x, &g.x);
        check_hvp(|x| $f::grad(x).1.x, |x, u| $f::hvp(x, u).2.x, x, $seed);
    }};
}

/// Checks an analytic gradient against central finite differences of `f` at `x`.
#[track_caller]
pub fn assert_fd(f: impl Fn(&[f64]) -> f64, x: &[f64], grad: &[f64]) {
    if let Err(e) = check_gradient(|v| f(v), x, grad, 1e-6) {
        panic!("{e}");
    }
}

#[track_caller]
pub fn assert_close(a: f64, b: f64, tol: f64) {
    assert!(close(a, b, tol), "{a} != {b} (tolerance {tol})");
}

/// A deterministic stream of points in `[lo, hi)` (SplitMix64).
pub struct Points(u64);

impl Points {
    pub fn new(seed: u64) -> Self {
        Points(seed)
    }

    pub fn next_f64(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
    }

    pub fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.next_f64(lo, hi)).collect()
    }
}

#[cfg(feature = "tensor")]
/// Checks an analytic array gradient against central finite differences of `f` at `x`.
#[track_caller]
pub fn assert_fd_array<D: backprop::ndarray::Dimension>(
    f: impl Fn(&backprop::ndarray::Array<f64, D>) -> f64,
    x: &backprop::ndarray::Array<f64, D>,
    grad: &backprop::ndarray::Array<f64, D>,
) {
    if let Err(e) = backprop::check::check_array_gradient(f, x, grad, 1e-6) {
        panic!("{e}");
    }
}

#[cfg(feature = "tensor")]
impl Points {
    /// A matrix of the given shape with entries in `[lo, hi)`.
    pub fn matrix(
        &mut self,
        rows: usize,
        cols: usize,
        lo: f64,
        hi: f64,
    ) -> backprop::ndarray::Array2<f64> {
        backprop::ndarray::Array2::from_shape_vec((rows, cols), self.vec(rows * cols, lo, hi))
            .unwrap()
    }

    /// A vector of the given length with entries in `[lo, hi)`.
    pub fn array(&mut self, n: usize, lo: f64, hi: f64) -> backprop::ndarray::Array1<f64> {
        backprop::ndarray::Array1::from(self.vec(n, lo, hi))
    }

    /// A size in `1..=max`.
    pub fn size(&mut self, max: usize) -> usize {
        1 + (self.next_f64(0.0, max as f64) as usize).min(max - 1)
    }
}

/// Checks `hvp` against central differences of the gradient along random tangents, and
/// the symmetry of the Hessian, ⟨H u, v⟩ = ⟨u, H v⟩.
pub fn check_hvp(
    f: impl Fn(&[f64]) -> Vec<f64>,
    hvp: impl Fn(&[f64], &[f64]) -> Vec<f64>,
    x: &[f64],
    seed: u64,
) {
    let mut p = Points::new(seed);
    let u = p.vec(x.len(), -1.0, 1.0);
    let v = p.vec(x.len(), -1.0, 1.0);
    let hu = hvp(x, &u);
    let h = 1e-5;
    let plus: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a + h * b).collect();
    let minus: Vec<f64> = x.iter().zip(&u).map(|(a, b)| a - h * b).collect();
    let (gp, gm) = (f(&plus), f(&minus));
    for i in 0..x.len() {
        assert_close(hu[i], (gp[i] - gm[i]) / (2.0 * h), 1e-6);
    }
    let hv = hvp(x, &v);
    let left: f64 = hu.iter().zip(&v).map(|(a, b)| a * b).sum();
    let right: f64 = u.iter().zip(&hv).map(|(a, b)| a * b).sum();
    assert_close(left, right, 1e-12);
}

/// Points `x` in `[-r, r)` and directions `v` in `[-1, 1)`, one pair per length, drawn in
/// turn from the stream `seed`, each with its index.
pub fn draws(seed: u64, lengths: &[usize], r: f64) -> Vec<(u64, Vec<f64>, Vec<f64>)> {
    let mut points = Points::new(seed);
    (0..)
        .zip(lengths)
        .map(|(k, &n)| {
            let x = points.vec(n, -r, r);
            (k, x, points.vec(n, -1.0, 1.0))
        })
        .collect()
}

/// Central differences of `f` at `at` along each element of its gradient type, against
/// `grad` (whose elements are listed in the same order).
pub fn assert_fd_elements<T, G>(f: impl Fn(&T) -> f64, at: &T, grad: &G)
where
    T: backprop::Differentiable<Grad = G> + Clone + backprop::__private::ZerosLike<Grad = G>,
    G: backprop::__private::Elements<Elem = f64>,
{
    let h = 1e-6;
    for k in 0..grad.count() {
        let mut probe = at.zeros_like();
        *probe.element_mut(k) = 1.0;
        let (mut up, mut down) = (at.clone(), at.clone());
        up.scaled_add(h, &probe);
        down.scaled_add(-h, &probe);
        assert_close(grad.element(k), (f(&up) - f(&down)) / (2.0 * h), 1e-6);
    }
}

/// A gradient's (or tangent's) elements in order, and back.
pub fn elements_of<G: backprop::__private::Elements<Elem = f64>>(g: &G) -> Vec<f64> {
    (0..g.count()).map(|i| g.element(i)).collect()
}

pub fn set_elements<G: backprop::__private::Elements<Elem = f64>>(g: &mut G, v: &[f64]) {
    for (i, &x) in v.iter().enumerate() {
        *g.element_mut(i) = x;
    }
}
