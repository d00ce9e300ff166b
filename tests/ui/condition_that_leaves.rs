// A condition may compute a value with an `if`, a `match` or a block (bound to a name before
// the test); one that leaves the function on the way, and one that binds with `let`, are
// rejected at the expression.
use backprop::differentiate;

#[differentiate]
fn leaves(x: f64, v: &[f64]) -> f64 {
    let mut s = 0.0;
    for &e in v {
        if e > match e > 0.5 { true => x, false => return s } {
            s += e * x;
        }
    }
    s
}

#[differentiate]
fn binds(x: f64, v: &[f64]) -> f64 {
    if let Some(&h) = v.first() && h > if x > 0.0 { x } else { -x } {
        h * x
    } else {
        x
    }
}

fn main() {}
