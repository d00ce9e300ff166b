// A function differentiated in reverse mode calls one differentiated in forward mode only:
// the error names the callee and the argument to add to it, at the call (also where the
// call borrows a local, whose pullback the backward pass makes from the result).
use backprop::differentiate;

#[differentiate(forward)]
fn cube(x: f64) -> f64 {
    x * x * x
}

#[differentiate(forward)]
fn energy(v: &[f64]) -> f64 {
    v[0] * v[0] + v[1] * v[1]
}

#[differentiate]
fn uses_cube(x: f64) -> f64 {
    cube(x) + 1.0
}

#[differentiate]
fn uses_energy(x: &[f64]) -> f64 {
    let v = x.to_vec();
    energy(&v)
}

fn main() {}
