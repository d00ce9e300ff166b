use backprop::differentiate;
use backprop::ndarray::{Array1, Array2, Axis};

// ndarray's `fold` over a one-dimensional array whose type the function declares (or its
// operands give) is its elements' fold; over a local whose type it does not see, an error
// saying to declare it.
#[differentiate]
fn f(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let h = w.sum_axis(Axis(0)) * x;
    h.fold(0.0, |acc, &v| acc + v * v)
}

fn main() {}
