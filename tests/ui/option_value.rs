use backprop::differentiate;

// A local declared `None` that takes a value carrying a derivative is held as a float and a
// flag (`tests/language.rs` `options_of_floats`) where every use is one that rewrite takes
// (`Some(v)`, `None`, `match`, `if let`, `is_some`, `unwrap`, `unwrap_or`, `map_or`, ...);
// one taking another `Option`, or used otherwise, is refused where the value goes in.
#[differentiate]
fn moved(x: &[f64]) -> f64 {
    let mut hit = None;
    let first = Some(x[0]);
    if x[1] > 0.0 {
        hit = first;
    }
    hit.unwrap_or(1.0)
}

#[differentiate]
fn passed(x: &[f64], t: f64) -> f64 {
    let mut best = None;
    for &v in x {
        if v > t {
            best = Some(v);
        }
    }
    opened(best)
}

fn opened(b: Option<f64>) -> f64 {
    b.unwrap_or(0.0)
}

fn main() {}
