// Runge–Kutta stages overwritten whole at every step: their gradients' first contributions
// stored (`grad_k1[i_3] = ..`), the resets after reading dropped.
#[differentiate(reverse, wrt(x))]
pub fn stages(x: &[f64], s: usize) -> Vec<f64> {
    let n = x.len();
    let h = 2.0 / (s as f64);
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        k1[0] = x[0];
        for i in 1..x.len() {
            k1[i] = x[i] * y[i - 1];
        }
        for i in 0..n {
            tmp[i] = y[i] + h * k1[i] / 2.0;
        }
        k1[0] = x[0];
        for i in 1..x.len() {
            k1[i] = x[i] * tmp[i - 1];
        }
        for i in 0..n {
            y[i] += h * k1[i];
        }
    }
    y
}

// `k[0]` overwritten twice in a step: two resets of one element, so `grad_k` keeps its
// additions and resets.
#[differentiate(reverse)]
pub fn twice(x: &[f64]) -> f64 {
    let n = x.len();
    let mut y = vec![0.1; n];
    let mut k = vec![0.0; n];
    for _ in 0..3 {
        for i in 0..n {
            k[i] = x[i] * y[i];
        }
        k[0] = x[0] * y[n - 1];
        for i in 0..n {
            y[i] += 0.5 * k[i] * k[i];
        }
    }
    y.iter().sum()
}
