use backprop::differentiate;
use backprop::ndarray::{Array1, Array2};

// A one-dimensional array is walked by `iter()` as a slice is where the function declares
// its type; a local made by an operation without a declared type, and a matrix, are not.
#[differentiate]
fn f(m: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let z = m.dot(w);
    let declared: Array1<f64> = m.dot(w);
    declared.iter().map(|v| v * v).sum::<f64>() + z.iter().sum::<f64>() + m.iter().sum::<f64>()
}

fn main() {}
