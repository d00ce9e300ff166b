use backprop::differentiate;
use backprop::ndarray::Array1;

// Arrays support the operations listed in the error (`mapv` and `map` among them);
// `fold` is not one.
#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    x.fold(0.0, |acc, v| acc + v * v)
}

fn main() {}
