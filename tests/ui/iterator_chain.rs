// Chains of `iter`, `zip`, `enumerate`, `rev`, `map`, `filter` and `sum` / `product` / `fold` /
// `for_each` / `collect` / `max_by` over slices are supported; other adaptors are rejected at
// the adaptor, once.
use backprop::differentiate;

#[differentiate]
fn f(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().skip(1) {
        s += v;
    }
    for (a, b) in x.iter().zip(y) {
        s += a * b;
    }
    s
}

#[differentiate]
fn neighbours(x: &[f64]) -> f64 {
    x.iter().zip(x.iter().skip(1)).map(|(a, b)| a * b).sum::<f64>()
        + x.iter().step_by(2).map(|a| a * a).product::<f64>()
}

fn main() {}
