use backprop::differentiate;

// `k` is left out of `g`'s gradient, but `f` passes a value that needs one: one error, at
// the argument, in reverse and forward mode alike.
#[differentiate(reverse, forward, wrt(x))]
fn g(x: f64, k: f64) -> f64 {
    x * k
}

#[differentiate]
fn f(a: f64, b: f64) -> f64 {
    g(a, b * 2.0)
}

#[differentiate(reverse, forward, wrt(x))]
fn weighted(x: f64, w: &[f64]) -> f64 {
    x * w[0]
}

#[differentiate(reverse, forward)]
fn h(a: f64, v: &[f64]) -> f64 {
    weighted(a, v) + g(a, 2.0)
}

fn main() {}
