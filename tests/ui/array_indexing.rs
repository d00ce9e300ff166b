// Elements of arrays are read by index; writing one is rejected at the write.
use backprop::differentiate;
use backprop::ndarray::Array1;

#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    y[0] = 2.0 * x[1];
    y.sum() * x[0]
}

fn main() {}
