// Branches as expressions and an early return: the reverse replays each decision.
#[differentiate]
fn branches(x: f64, y: f64) -> f64 {
    let z = if x > y { x * y } else { y.exp() };
    if z > 1.0 {
        return z.ln();
    }
    let w = z * 3.0;
    w + x
}
