// `match` works when its arms use nothing the pattern binds; an arm that does is rejected
// at its pattern, and that is the only error.
use backprop::differentiate;

#[differentiate(wrt(x))]
fn f(x: f64, k: Option<u8>) -> f64 {
    match k {
        Some(0) | None => x,
        Some(n) if n > 3 => x * x,
        Some(n) => x * x * n as f64,
    }
}

fn main() {}
