use backprop::differentiate;

#[differentiate]
fn total(v: &[f64]) -> f64 {
    v[0] * v[1]
}

#[differentiate(hessian)]
fn f(x: f64) -> f64 {
    let v = vec![x, 2.0 * x];
    total(&v)
}

fn main() {}
