use backprop::differentiate;
use backprop::ndarray::Array1;

#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    x[0] * x[1]
}

fn main() {}
