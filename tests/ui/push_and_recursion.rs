// Growing a sequence that carries a derivative, and recursion with `hessian` (recursion
// is supported in reverse and forward mode): errors that say what to write instead.
use backprop::differentiate;

#[differentiate]
fn grow(x: f64) -> f64 {
    let mut v: Vec<f64> = Vec::new();
    v.push(x * x);
    v[0]
}

#[differentiate(hessian)]
fn power(x: f64, n: u32) -> f64 {
    if n == 0 { 1.0 } else { x * power(x, n - 1) }
}

fn main() {}

#[differentiate]
fn grow_untyped(x: f64) -> f64 {
    let mut v = Vec::new();
    v.push(x);
    x
}
