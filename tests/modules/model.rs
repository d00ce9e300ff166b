//! A differentiated function in a module file, calling helpers through `crate::` (a list,
//! a rename) and `super::` (a glob).

use super::util::*;
use crate::nn::act::{gelu, leaky as lk};
use backprop::differentiate;

#[differentiate(hessian, wrt(w))]
pub fn score(w: &[f64], x: &[f64]) -> f64 {
    gelu(dot(w, x)) + lk(w[0] - 0.5) + norm(w)
}

/// Functions of the crate's root (`main.rs`) by path and by a `use` of `super::`.
#[differentiate(hessian)]
pub fn rooted(w: &[f64]) -> f64 {
    use_root(w) + crate::softplus(w[0]) + super::leaky(w[1])
}

use super::norm as use_root;
