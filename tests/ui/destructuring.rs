// Tuples of values, `sin_cos` and tuples returned by calls destructure; other patterns (a
// struct, an array) are rejected at the pattern.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let (a, b) = (x * 2.0, y * 3.0);
    let [c, d] = [a, b];
    c + d
}

fn main() {}
