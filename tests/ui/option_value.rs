use backprop::differentiate;

// A local declared `None` holds constants (an index, a flag): a value that carries a
// derivative put into it would lose that derivative, and is refused where it goes in.
#[differentiate]
fn assigned(x: &[f64], t: f64) -> f64 {
    let mut best = None;
    for &v in x {
        if v > t {
            best = Some(v);
        }
    }
    best.map_or(0.0, |b: f64| b)
}

#[differentiate]
fn replaced(x: &[f64], t: f64) -> f64 {
    let mut best = None;
    for &v in x {
        if v > t {
            best.replace(v * 2.0);
        }
    }
    best.unwrap_or(0.0)
}

#[differentiate]
fn moved(x: &[f64]) -> f64 {
    let mut hit = None;
    let first = Some(x[0]);
    if x[1] > 0.0 {
        hit = first;
    }
    hit.unwrap_or(1.0)
}

fn main() {}
