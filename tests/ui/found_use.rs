use backprop::differentiate;

// `find` bound to a name is read through `match`, `if let`, `unwrap` and `is_some`; another
// use is one error at that use, saying what is supported.
#[differentiate]
fn f(x: &[f64], t: f64) -> f64 {
    let hit = x.iter().find(|&&v| v > t);
    hit.map_or(t, |v| v * 2.0)
}

fn main() {}
