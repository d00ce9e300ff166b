use backprop::differentiate;

#[differentiate]
fn f(x: f64, k: u8) -> f64 {
    if let 1 = k { x * 2.0 } else { x }
}

fn main() {}
