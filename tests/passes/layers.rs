//! Layers in a loop, each array given by value to a gate and assigned its result: the
//! assignments that destroy a value no rule reads save nothing, nothing is copied for the
//! gates, the gates' results are moved into `h`, and the product is kept as its shape.
use backprop::differentiate;
use backprop::ndarray::Array2;
use backprop::{relu, sigmoid};

#[differentiate(wrt(w, v))]
fn layers(x: &Array2<f64>, w: &Array2<f64>, v: &Array2<f64>, steps: usize) -> f64 {
    let mut h = x.dot(w);
    for _ in 0..steps {
        h = relu(h);
        h = h.dot(v) + &h;
        h = sigmoid(h);
    }
    (&h * &h).sum()
}
