// A Jacobian of a short array result from one backward pass: `__jacobian_lanes` runs the
// forward pass, then the backward pass once with every adjoint a `Tangents<f64, 2>` (lane
// `k` is output `k`'s), seeded with the unit vectors, and row `k` takes lane `k` of each
// gradient. `jacrev` and `jacobian` call it.
#[differentiate(reverse)]
fn polar(r: f64, t: f64) -> [f64; 2] {
    let (s, c) = t.sin_cos();
    [r * c, r * s.max(0.0)]
}
