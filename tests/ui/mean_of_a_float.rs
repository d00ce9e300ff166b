use backprop::differentiate;

// `.mean().unwrap()` is ndarray's; the macro differentiates it on arrays only.
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let v = x.to_vec();
    v.mean().unwrap()
}

fn main() {}
