// A struct parameter bound to another name is read as the parameter itself, and a copy of
// one whose fields are numbers is held as one local per field (`tests/particles.rs`);
// where neither can be (a `mut` binding of a struct holding a `Vec`, such a value chosen by
// `if`), an error at the binding or at the fields read, never a copy whose fields would
// read as constants (a wrong gradient, as both once were).
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone, Debug)]
pub struct P {
    pub w: Vec<f64>,
    pub s: f64,
}

#[differentiate]
fn moved(a: P) -> f64 {
    let mut c = a;
    c.s *= 2.0;
    c.s * c.w[0]
}

#[differentiate]
fn chosen(a: P, b: P) -> f64 {
    let c = if a.s > 0.0 { a } else { b };
    c.s * c.w[0]
}

fn main() {}
