use backprop::differentiate;
use backprop::ndarray::Array1;

#[differentiate(hessian)]
fn f(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

fn main() {}
