// A loop over a slice with a runtime bound: the reverse loop replays the range backwards
// and saves nothing.
#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        s += 100.0 * d * d + (1.0 - x[i]).powi(2);
    }
    s
}
