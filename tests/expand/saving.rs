// What the reverse sweep saves in gmm's inner loops: `qx` overwritten by the diagonal loop
// and the triangle after it is copied once (`push_range`), not pushed per write; the
// counter `li` is stepped back (`li = li - 1`), not saved; the triangle's inner range is
// made again in reverse; what the inner reverse loop adds into `grad_mu[a]` is summed in
// `sum_grad_mu` and added once; `x[i * d + a] - mu[a]`, which does not change in the loop
// over `r`, is computed again once before its reverse, not on every iteration.
#[differentiate(reverse)]
fn triangle(q: &[f64], l: &[f64], mu: &[f64], x: &[f64], d: usize) -> f64 {
    let mut qx = vec![0.0; d];
    let mut total = 0.0;
    for i in 0..x.len() / d {
        for j in 0..d {
            qx[j] = q[j].exp() * x[i * d + j];
        }
        let mut li = 0;
        for a in 0..d {
            for r in a + 1..d {
                qx[r] += l[li] * (x[i * d + a] - mu[a]);
                li += 1;
            }
        }
        for j in 0..d {
            total += qx[j] * qx[j];
        }
    }
    total
}
