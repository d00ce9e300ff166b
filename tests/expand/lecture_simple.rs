// The lecture's first example: q = x + y, f = q * z.
#[differentiate]
fn f(x: f64, y: f64, z: f64) -> f64 {
    let q = x + y;
    q * z
}
