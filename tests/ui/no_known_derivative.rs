// A call to an ordinary function whose argument carries a derivative: the macro has no
// derivative for it. One error, at the call, saying what to write.
use backprop::differentiate;

// (Generic: not inlined, as a function of `f64`s would be.)
fn softplus<T: backprop::Real>(x: T) -> T {
    x.exp().ln_1p()
}

#[differentiate]
fn f(x: f64) -> f64 {
    softplus(x) * 2.0
}

// With constant arguments the same call is an ordinary one.
#[differentiate]
fn g(x: f64) -> f64 {
    softplus(2.0) * x
}

fn main() {
    let _ = f::grad(1.0);
    let _ = g::grad(1.0);
}
