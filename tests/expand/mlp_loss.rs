//! The lecture's last example: a two-layer network's loss over a batch, written with arrays.
use backprop::ndarray::{Array1, Array2};
use backprop::{differentiate, relu, softmax_cross_entropy};

#[differentiate(wrt(w1, b1, w2, b2))]
fn mlp_loss(
    x: &Array2<f64>,
    labels: &[usize],
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
) -> f64 {
    let hidden = relu(x.dot(w1) + b1);
    let scores = hidden.dot(w2) + b2;
    softmax_cross_entropy(&scores, labels)
}
