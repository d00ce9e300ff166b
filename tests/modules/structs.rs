//! Structs of other files brought in by `use`: their methods, operators and fields as if
//! declared beside the differentiated functions, and a function of this file taking one.

use crate::geom::V2;
use crate::nn::layer::{Dense, Layer, Mlp, Sample, Squash};
use backprop::differentiate;

/// A path's length through points made by `V2::new`, moved by operators, and the norm of
/// their sum from `V2::ZERO`.
#[differentiate(hessian)]
pub fn path_len(p: &[f64]) -> f64 {
    let mut len = 0.0;
    let mut sum = V2::ZERO;
    for i in 1..p.len() / 2 {
        let a = V2::new(p[2 * i - 2], p[2 * i - 1]);
        let b = V2::new(p[2 * i], p[2 * i + 1]);
        len += ((b - a) * 2.0 + a).norm();
        sum = sum + b;
    }
    len + 0.1 * sum.norm()
}

/// The squared error of a two-layer network over samples.
#[differentiate(wrt(m))]
pub fn mlp_loss(m: &Mlp, data: &[Sample]) -> f64 {
    let mut total = 0.0;
    for s in data {
        total += (m.predict(&s.x) - s.y).powi(2);
    }
    total
}

/// The same by a chain over the samples, the method called in its closure.
#[differentiate(wrt(m))]
pub fn mlp_loss_by_chain(m: &Mlp, data: &[Sample]) -> f64 {
    data.iter().map(|s| (m.predict(&s.x) - s.y).powi(2)).sum()
}

/// An ordinary function of this file taking a struct of another.
fn first_unit(d: &Dense, x: &[f64]) -> f64 {
    d.forward(x)[0].tanh()
}

#[differentiate(wrt(d))]
pub fn unit_squared(d: &Dense, x: &[f64]) -> f64 {
    first_unit(d, x).powi(2)
}

/// A trait's provided method and a function of the type (`Self::squash`), of another file,
/// and its field without a gradient read in arithmetic.
#[differentiate(hessian, wrt(s))]
pub fn squashed(s: &Squash, x: &[f64]) -> f64 {
    s.score(x).powi(2) * s.gain + s.forward(x)[0]
}
