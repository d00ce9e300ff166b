// The lecture's neuron, one primitive gate at a time, and with sigmoid as one gate.
#[differentiate]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    1.0 / (1.0 + (-(w0 * x0 + w1 * x1 + w2)).exp())
}

#[differentiate]
fn neuron_gate(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    let L = sigmoid(w0 * x0 + w1 * x1 + w2);
    L
}
