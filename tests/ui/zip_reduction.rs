// ndarray's `Zip` is taken where its `for_each` writes its first array element by element;
// summing into a float outside (a reduction) is an error at `for_each` that says so.
use backprop::differentiate;
use backprop::ndarray::{Array1, Zip};

#[differentiate]
fn inner(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    Zip::from(a).and(b).for_each(|&x, &y| s += x * y);
    s
}

fn main() {}
