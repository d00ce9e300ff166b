// Elements of arrays are read and written by index, and arrays sliced with `s![..]`;
// writing through a mutable slice is rejected at the method.
use backprop::differentiate;
use backprop::ndarray::{Array1, s};

#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    y[0] = 2.0 * x[1];
    y.slice_mut(s![1..]).fill(0.0);
    y.slice(s![1..]).sum() * x[0]
}

fn main() {}
