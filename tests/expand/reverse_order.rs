#[differentiate(reverse)]
fn reverse_order(x: &[f64], k: usize) -> f64 {
    let n = x.len();
    let mut a = vec![1.0; n + k];
    let mut t = vec![0.0; n];
    for _ in 0..2 {
        for i in 0..n {
            t[i] = a[k + i] * x[i];
        }
        for i in 0..n {
            a[i + k] += t[i] * t[i];
        }
    }
    let mut b = vec![0.5; n + 1];
    for i in 0..n {
        b[i + 1] += b[i] * x[i];
    }
    let mut s = b[n];
    for i in 0..n + k {
        s += a[i];
    }
    s
}
