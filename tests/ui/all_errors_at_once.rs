use backprop::differentiate;

// Every problem is reported, and `f` itself still compiles: `main` below uses it.
#[differentiate(wrt(x, nope), bogus)]
fn f(x: f64) -> f64 {
    let c = |v: f64| v;
    let d = c;
    let y = x.midpoint(2.0);
    match 1 {
        _ => d(y),
    }
}

fn main() {
    let _ = f(1.0);
}
