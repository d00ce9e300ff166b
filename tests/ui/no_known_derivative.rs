use backprop::differentiate;

fn softplus(x: f64) -> f64 {
    x.exp().ln_1p()
}

#[differentiate]
fn f(x: f64) -> f64 {
    softplus(x) * 2.0
}

fn main() {}
