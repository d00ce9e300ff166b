use backprop::differentiate;
use backprop::ndarray::Array1;

// Arrays support the operations listed in the error (`mapv` among them); `map` is not one.
#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    x.map(|v| v * v).sum()
}

fn main() {}
