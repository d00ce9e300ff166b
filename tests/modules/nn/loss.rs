//! Losses, one calling an activation its module imports from a sibling (`super::`).

use super::act::gelu;

pub fn mse(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / p.len() as f64
}

pub fn gelu_sum(v: &[f64]) -> f64 {
    v.iter().map(|&x| gelu(x)).sum()
}

/// Not a function of floats (a closure parameter): not inlined.
pub fn apply(v: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    v.iter().map(|&x| f(x)).sum()
}
