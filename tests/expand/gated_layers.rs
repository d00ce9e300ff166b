/// Layers in a loop: `relu` and `sigmoid` take `h` by value. The `h` that `relu` takes
/// comes from the previous pass, whose assignment the analysis keeps saved (it looks for
/// unread values within a block), so `relu` gets a copy; the sum that `sigmoid` takes is
/// read by no rule: its assignment saves nothing, and `sigmoid` takes it without a copy.
#[differentiate(wrt(w, v))]
fn gated_layers(x: &Array2<f64>, w: &Array2<f64>, v: &Array2<f64>, steps: usize) -> f64 {
    let mut h = x.dot(w);
    for _ in 0..steps {
        h = relu(h);
        h = h.dot(v) + &h;
        h = sigmoid(h);
    }
    (&h * &h).sum()
}
