// A rotation by `theta`: the sine's reverse rule reads the cosine computed beside it, and
// the other way round, instead of computing them again.
#[differentiate(reverse, forward)]
fn rotate(theta: f64, x: f64, y: f64) -> f64 {
    let (s, c) = theta.sin_cos();
    let u = c * x - s * y;
    let v = s * x + c * y;
    u * u + 2.0 * v
}
