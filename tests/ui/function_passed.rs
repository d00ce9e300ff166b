// A function or closure passed in has no body the macro can see: an error at an
// `impl Fn(..)` parameter, and at a call of a `fn(..)` parameter (the parameter itself may
// be a constant, left out of `wrt`).
use backprop::differentiate;

#[differentiate(wrt(x))]
fn mapped(x: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    x.iter().map(|&v| f(v)).sum()
}

#[differentiate(wrt(x))]
fn pointer(x: f64, f: fn(f64) -> f64) -> f64 {
    f(x) * x
}

fn main() {}
