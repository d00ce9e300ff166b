use backprop::differentiate;

// A closure bound to a local and called is inlined; one used as a value is rejected.
#[differentiate]
fn f(x: f64) -> f64 {
    let square = |v: f64| v * v;
    let again = square;
    again(x)
}

fn main() {}
