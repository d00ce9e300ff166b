// A call to an ordinary function whose argument carries a derivative: the macro has no
// derivative for it. One error, at the call, saying what to write.
use backprop::differentiate;

// (Of a `HashMap` and a float: not inlined, as a function of numbers and sequences of them
// would be.)
fn softplus(scales: &std::collections::HashMap<String, f64>, x: f64) -> f64 {
    (x * scales["softplus"]).exp().ln_1p()
}

#[differentiate]
fn f(x: f64) -> f64 {
    softplus(&scales(), x) * 2.0
}

// With constant arguments the same call is an ordinary one.
#[differentiate]
fn g(x: f64) -> f64 {
    softplus(&scales(), 2.0) * x
}

fn scales() -> std::collections::HashMap<String, f64> {
    std::collections::HashMap::from([("softplus".to_string(), 1.5)])
}

fn main() {
    let _ = f::grad(1.0);
    let _ = g::grad(1.0);
}
