use backprop::differentiate;

// Walks joined by `.chain(..)` or `.flatten()` take maps, filters, copies and `enumerate`
// after the join, then `sum`, `product`, `fold`, `for_each`, `collect`, a search or a `for`
// loop without `break`; anything else is one error at what the rewrite does not take.
#[differentiate]
fn e1(x: &[f64], y: &[f64]) -> f64 {
    x.iter().chain(y).rev().map(|v| v * 2.0).sum()
}
#[differentiate]
fn e2(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().chain(y) { if *v > 3.0 { break; } s += v; }
    s
}
#[differentiate]
fn e4(m: &[Vec<f64>]) -> f64 {
    m.iter().flatten().skip(1).sum()
}
#[differentiate]
fn e5(x: &[f64], c: f64) -> f64 {
    x.iter().chain(std::iter::once(&c)).sum()
}

fn main() {}
