// Items the attribute's arguments leave out: one error each, naming the argument to add
// or the item to use instead.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiate(forward)]
fn g(x: f64) -> f64 {
    x * x
}

#[differentiate]
fn v(x: f64) -> [f64; 2] {
    [x, 2.0 * x]
}

fn main() {
    let _ = f::hessian(1.0, 2.0);
    let _ = f::hvp(1.0, 2.0, 1.0, 0.0);
    let _ = f::jvp(1.0, 2.0, 1.0, 0.0);
    let _ = g::grad(1.0);
    let _ = v::grad(1.0);
}
