// A struct parameter bound to another name is read as the parameter itself; where it
// cannot be (a `mut` binding, a value computed from structs), an error at the binding or
// at the fields read, never a copy whose fields would read as constants (a wrong
// gradient, as both were).
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct P {
    pub x: f64,
    pub y: f64,
}

#[differentiate]
fn moved(a: P) -> f64 {
    let mut c = a;
    c.x *= 2.0;
    c.x * c.y
}

#[differentiate]
fn chosen(a: P, b: P) -> f64 {
    let c = if a.x > 0.0 { a } else { b };
    c.x * c.y
}

fn main() {}
