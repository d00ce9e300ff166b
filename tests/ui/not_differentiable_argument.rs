use backprop::differentiate;

// `k` is left out of `g`'s gradient, but `f` passes a value that needs one.
#[differentiate(wrt(x))]
fn g(x: f64, k: f64) -> f64 {
    x * k
}

#[differentiate]
fn f(a: f64, b: f64) -> f64 {
    g(a, b * 2.0)
}

fn main() {}
