// Forward mode: each value's tangent beside it, left to right.
#[differentiate(forward)]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    sigmoid(w0 * x0 + w1 * x1 + w2)
}
