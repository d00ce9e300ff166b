// Changing a sequence in ways the derivative cannot follow (a nested one grown by `extend`,
// a `Vec` with duplicates removed in place by `dedup`; `retain` is supported), or taking from
// it into an `Option` used other than by a `let` (`let t = v.pop();` is supported): errors
// that say what to write instead.
use backprop::differentiate;

#[differentiate]
fn extend_rows(x: f64) -> f64 {
    let mut m: Vec<Vec<f64>> = vec![vec![0.0; 2]; 2];
    m.extend(vec![vec![x, x]]);
    m[2][0]
}

#[differentiate]
fn deduplicated(x: f64) -> f64 {
    let mut v: Vec<f64> = vec![1.0, x * x];
    v.dedup();
    v[0]
}

#[differentiate]
fn pop_mapped(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.pop().map(|t| t * 2.0).unwrap_or(0.0)
}

fn main() {}
