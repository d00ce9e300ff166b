// A tuple result, and a caller destructuring it.

#[differentiate]
pub fn cartesian(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiate]
pub fn distance(r: f64, t: f64) -> f64 {
    let (x, y) = cartesian(r, t);
    (x * x + y * y).sqrt()
}
