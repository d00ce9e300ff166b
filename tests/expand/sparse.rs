// Forward mode along a sparse direction: the loop over the points depends on the angles
// only through `transform` (four floats); when its tangent is zero the loop runs as
// written, without tangents.
#[differentiate(forward, wrt(theta))]
fn rotate_all(theta: &[f64], points: &[f64]) -> Vec<f64> {
    let n = points.len() / 2;
    let mut out = vec![0.0; 2 * n];
    for b in 0..theta.len() {
        let (s, c) = theta[b].sin_cos();
        let transform = [c, -s, s, c];
        for v in 0..n {
            out[2 * v] += transform[0] * points[2 * v] + transform[1] * points[2 * v + 1];
            out[2 * v + 1] += transform[2] * points[2 * v] + transform[3] * points[2 * v + 1];
        }
    }
    out
}
