// Elements of arrays are read and written by index; slicing is rejected at the method.
use backprop::differentiate;
use backprop::ndarray::{Array1, s};

#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    y[0] = 2.0 * x[1];
    y.slice(s![1..]).sum() * x[0]
}

fn main() {}
