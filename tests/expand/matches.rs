// A `match` on an integer with a guard, as the `if` chain it means.
#[differentiate(reverse)]
fn piecewise(x: f64, k: usize) -> f64 {
    let y = match k % 3 {
        0 => x * x,
        1 if x > 0.0 => x.sqrt(),
        _ => -x,
    };
    y * 2.0
}
