#[differentiate(hessian)]
fn softplus_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let e = x[i].exp();
        s += (1.0 + e).ln();
    }
    s
}
