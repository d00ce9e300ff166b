// `if let` on a constant is the `match` it means; on a value that carries a derivative, a
// name its pattern binds would lose that derivative unless the pattern takes a tuple
// written out apart, element by element: a tuple whose elements read the names the
// pattern binds (they would read the new ones) is an error at the pattern.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    if let (x, true) = (y, x > 0.0) { x * y } else { y }
}

fn main() {}
