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

// A running minimum of computed candidates: searched first without derivatives (inactive),
// then the winning iteration once more with them.
#[differentiate]
fn nearest(p: &[f64], c: &[f64], d: usize) -> f64 {
    let mut closest = f64::INFINITY;
    for j in 0..c.len() / d {
        let mut distance = 0.0;
        for l in 0..d {
            let diff = c[j * d + l] - p[l];
            distance += diff * diff;
        }
        closest = closest.min(distance);
    }
    closest
}
