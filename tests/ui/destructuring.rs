// Tuples of values and `sin_cos` destructure; other patterns (a struct, a slice, a tuple
// returned by a call) are rejected at the pattern.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let (a, b) = (x * 2.0, y * 3.0);
    let [c, d] = [a, b];
    let (e, g) = polar(c, d);
    e + g
}

fn polar(a: f64, b: f64) -> (f64, f64) {
    (a.hypot(b), b.atan2(a))
}

fn main() {}
