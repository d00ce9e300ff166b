// Tuple structs are not held one local per element (structs with named fields and tuples
// are): reading an element of one built from values that carry a derivative is an error at
// the read. It once read as a constant, with a zero gradient.
use backprop::differentiate;

#[derive(Clone, Copy)]
struct P(f64, f64);

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let p = P(x[0], x[1]);
    p.0 * p.1
}

fn main() {}
