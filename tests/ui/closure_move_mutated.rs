use backprop::differentiate;

// A `move` closure keeps the value it captured; inlined at the call it would read the
// value after the update, so it is not inlined (and rejected) rather than differentiated
// wrong.
#[differentiate]
fn f(x: f64) -> f64 {
    let mut w = x;
    let scaled = move |t: f64| t * w;
    w += 1.0;
    scaled(2.0) + w
}

fn main() {}
