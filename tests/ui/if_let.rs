// `if let` on a constant is the `match` it means; on a value that carries a derivative, a
// name its pattern binds would lose that derivative: an error at the pattern.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    if let (true, v) = (x > 0.0, y) { v * x } else { x }
}

fn main() {}
