use backprop::differentiate;

// A closure given to an ordinary function is bound to its parameter and inlined at the
// function's calls of it; one that leaves by `?` cannot be, and is refused where it is
// written.
fn total(f: impl Fn(f64) -> Option<f64>, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += f(x).unwrap_or(0.0);
    }
    s
}

#[differentiate]
fn capped(x: &[f64]) -> f64 {
    total(|t| Some(t * x.get(4)?), x)
}

fn main() {}
