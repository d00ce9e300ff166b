use backprop::differentiate;
use backprop::ndarray::{Array1, Array2, Axis};

// A one-dimensional array is walked by `iter()` as a slice is where the function declares
// its type or its operands give it (`m.dot(w)` of a matrix and a vector); a local made by
// an operation whose result's shape the macro does not follow, and a matrix, are not.
#[differentiate]
fn f(m: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let z = m.sum_axis(Axis(0));
    let declared = m.dot(w);
    declared.iter().map(|v| v * v).sum::<f64>() + z.iter().sum::<f64>() + m.iter().sum::<f64>()
}

fn main() {}
