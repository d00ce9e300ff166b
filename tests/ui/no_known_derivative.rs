// A call to an ordinary function whose argument carries a derivative: the macro has no
// derivative for it. One error, at the call, saying what to write.
use backprop::differentiate;

fn softplus(x: f64) -> f64 {
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

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

// An ordinary function's array walked by a chain: the same one error, at the call (the
// result is known to be an array from the function's signature).
#[differentiate]
fn torque(r: [f64; 3], f: [f64; 3]) -> f64 {
    let t = cross(r, f);
    t.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn main() {
    let _ = f::grad(1.0);
    let _ = g::grad(1.0);
    let _ = torque::grad([1.0; 3], [0.0, 1.0, 2.0]);
}
