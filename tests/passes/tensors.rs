//! A layer's squared output over arrays: `x.dot(w)` is read backward only for its shape
//! (the gradient of the broadcast addition of `b`), so the pullback keeps its shape.
use backprop::differentiate;
use backprop::ndarray::{Array1, Array2};

#[differentiate(wrt(w, b))]
fn layer_energy(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> f64 {
    let z = x.dot(w) + b;
    (&z * &z).sum()
}
