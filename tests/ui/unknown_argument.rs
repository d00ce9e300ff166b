use backprop::differentiate;

#[differentiate(backward)]
fn f(x: f64) -> f64 {
    x
}

#[differentiate(reverse = true)]
fn g(x: f64) -> f64 {
    x
}

fn main() {}
