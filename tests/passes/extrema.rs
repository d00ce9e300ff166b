// A running maximum: the loop records where it picked last (`m_at`), and its reverse is one
// statement, not a walk back over every iteration (`tests/passes/extrema.txt`).

#[differentiate]
fn log_sum_exp(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - m).exp();
    }
    s.ln() + m
}
