use backprop::differentiate;

fn product(p: (&f64, &f64)) -> f64 {
    p.0 * p.1
}

// A pair of a zip bound to one name and passed on whole: one error, at the name, saying
// how to take it apart (read through `p.0` and `p.1` it is taken apart).
#[differentiate]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|p| product(p)).sum()
}

// The same with the pair's type written on the closure's pattern.
#[differentiate]
fn dot_typed(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|p: (&f64, &f64)| product(p)).sum()
}

fn main() {}
