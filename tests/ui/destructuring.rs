// Tuples of values, `sin_cos`, tuples returned by calls and arrays (`let [a, b] = ..`)
// destructure; other patterns (a struct, an array with `..`) are rejected at the pattern.
use backprop::differentiate;

struct Pair {
    a: f64,
    b: f64,
}

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let (a, b) = (x * 2.0, y * 3.0);
    let [c, ..] = [a, b];
    c + b
}

#[differentiate]
fn g(x: f64) -> f64 {
    let Pair { a, b } = Pair { a: x, b: x };
    a * b
}

fn main() {}
