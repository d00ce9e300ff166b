//! A differentiated function in a module file, calling helpers through `crate::` (a list,
//! a rename) and `super::` (a glob).

use super::util::*;
use crate::nn::act::{gelu, leaky as lk};
use backprop::differentiate;

#[differentiate(hessian, wrt(w))]
pub fn score(w: &[f64], x: &[f64]) -> f64 {
    gelu(dot(w, x)) + lk(w[0] - 0.5) + norm(w)
}
