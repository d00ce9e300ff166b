// Element writes before the first backward rule that reads the array save nothing: the
// reverse reads `r` only at the rules after both branches, where it holds what they wrote.
// The write after those rules (`r[1] = s * x[0]`) saves the element it overwrites.
#[differentiate(reverse)]
fn first_writes(x: &[f64]) -> f64 {
    let mut r = [0.0; 3];
    if x[0] > 0.0 {
        for i in 0..3 {
            r[i] = x[i] * x[(i + 1) % 3];
        }
    } else {
        r[0] = x[1] * x[2];
        r[1] = x[0];
        r[2] = x[2].sin();
    }
    let mut s = r[0] * r[1] + r[2] * r[2];
    r[1] = s * x[0];
    s + r[1] * r[0]
}
