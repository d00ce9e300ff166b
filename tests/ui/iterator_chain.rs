// Chains of `iter`, `zip`, `enumerate`, `rev`, `map`, `filter` and `sum` / `product` / `fold` /
// `for_each` / `collect` over slices are supported; other adaptors are rejected at the chain.
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

fn main() {}
