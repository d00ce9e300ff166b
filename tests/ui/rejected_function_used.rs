// A function the attribute rejects still gets its module, with every item's real
// signature: the one error is the construct it rejects, not a "cannot find" at each use.
use backprop::differentiate;

#[differentiate(hessian)]
fn loss(x: &[f64], k: u8) -> f64 {
    (x[0] * x[1]).midpoint(k as f64 + 1.0)
}

#[differentiate]
fn caller(x: &[f64]) -> f64 {
    loss(x, 1) * 2.0
}

fn main() {
    let x = [1.0, 2.0];
    let (value, g) = loss::grad(&x, 1);
    let first: f64 = g.x[0];
    let (_, pullback) = loss::vjp(&x, 1);
    let again = pullback(1.0);
    let (_, slope) = loss::jvp(&x, 1, &[1.0, 0.0]);
    let (_, _, h) = loss::hessian(&x, 1);
    println!("{value} {first} {:?} {slope} {}", again.x, h.len());
    println!("{:?}", caller::grad(&x).1.x);
}
