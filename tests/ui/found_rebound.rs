use backprop::differentiate;

// `find` bound to a name is the position it finds, each use reading the sequence there by
// its name; `x` bound again before the use would make it read `y` (a wrong value), so it
// is an error at the `find`.
#[differentiate]
fn f(x: &[f64], y: &[f64]) -> f64 {
    let hit = x.iter().find(|&&v| v > 0.0);
    let x = y;
    hit.copied().unwrap_or(0.0) * x[0]
}

fn main() {}
