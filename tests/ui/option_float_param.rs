// An `Option` of a float left to the default `wrt`: one error at its type, saying to leave
// it out of `wrt(..)` (then it is a constant, as `scaled` below shows).
use backprop::differentiate;

#[differentiate(reverse, forward)]
fn f(x: f64, scale: Option<f64>) -> f64 {
    x * x * scale.unwrap_or(1.0)
}

#[differentiate(reverse, forward, wrt(x))]
fn scaled(x: f64, scale: Option<f64>) -> f64 {
    x * x * scale.unwrap_or(1.0)
}

fn main() {
    let _ = scaled::grad(1.5, Some(2.0));
}
