// An ndarray array made from values that carry a derivative (`Array1::from_vec(v)`): one
// error, at the constructor, saying what to write instead (no second error where the
// array is then used).
use backprop::differentiate;
use backprop::ndarray::{Array1, Array2};

#[differentiate]
fn row_sums(a: &Array2<f64>) -> f64 {
    let m: Vec<f64> = a.rows().into_iter().map(|r| r.sum()).collect();
    let m = Array1::from_vec(m);
    (&m * &m).sum()
}

fn main() {}
