#![allow(dead_code)]
//! Helpers shared by the integration tests.

use backprop::check::{check_gradient, close};

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
