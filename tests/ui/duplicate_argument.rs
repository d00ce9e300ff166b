use backprop::differentiate;

#[differentiate(forward, forward)]
fn f(x: f64) -> f64 {
    x
}

#[differentiate(wrt(x), wrt(x))]
fn g(x: f64) -> f64 {
    x
}

fn main() {}
