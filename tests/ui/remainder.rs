use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    x % 1.5
}

fn main() {}
