// Sorting a local vector of floats: with a comparison the macro knows (`total_cmp`,
// `partial_cmp(..).unwrap()`); another is an error at it, listing those.
use backprop::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    v[0]
}

fn main() {}
