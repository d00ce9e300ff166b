// A function differentiated in forward mode or twice calls one that is not: the error names
// the callee and the argument to add to it, at the call.
use backprop::differentiate;

#[differentiate]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiate(reverse, forward)]
fn twice(x: f64) -> f64 {
    x * x * x
}

#[differentiate(reverse, forward)]
fn uses_square(x: f64) -> f64 {
    square(x) + 1.0
}

#[differentiate(hessian)]
fn uses_twice(x: f64) -> f64 {
    twice(x) * 2.0
}

fn main() {}
