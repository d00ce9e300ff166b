use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    x.midpoint(2.0) * 2.0
}

fn main() {}
