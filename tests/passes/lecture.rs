// The lecture's neuron, a loop with a value updated in place, and a branch: what each stage
// of the macro makes of them (`tests/passes/lecture.txt`).

#[differentiate]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    let dot = w0 * x0 + w1 * x1 + w2;
    1.0 / (1.0 + (-dot).exp())
}

#[differentiate]
fn recurrence(x: &[f64], a: f64) -> f64 {
    let mut h = 0.0;
    for i in 0..x.len() {
        h = (a * h + x[i]).tanh();
    }
    h
}

#[differentiate]
fn branch(x: f64, k: usize) -> f64 {
    let y = if k > 2 { x.sin() } else { x * x };
    y * x
}
