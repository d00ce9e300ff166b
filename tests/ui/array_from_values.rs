// An ndarray array made from values that carry a derivative other than by
// `Array1::from_vec(v)` of a `Vec` (here a matrix by `from_shape_vec`): one error, at the
// constructor, saying what is supported (no second error where the array is then used);
// so is ndarray's `array![..]` of such values (of constants it is a constant array).
use backprop::differentiate;
use backprop::ndarray::Array2;

#[differentiate]
fn row_sums(a: &Array2<f64>) -> f64 {
    let m: Vec<f64> = a.rows().into_iter().map(|r| r.sum()).collect();
    let m = Array2::from_shape_vec((m.len(), 1), m).unwrap();
    (&m * &m).sum()
}

#[differentiate]
fn listed(x: &[f64]) -> f64 {
    let w = backprop::ndarray::array![[x[0], 1.0], [0.5, 2.0]];
    w.sum()
}

fn main() {}
