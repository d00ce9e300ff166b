use backprop::differentiate;
use backprop::ndarray::Array1;

// Arrays support the operations listed in the error; a closure over elements is not one.
#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    x.mapv(|v| v * v).sum()
}

fn main() {}
