use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
struct Model {
    w: f64,
    #[differentiable(constant)]
    rate: f64,
    steps: usize,
}

// A constant field read in arithmetic has no gradient to go to: the error is where it is
// read. An integer field in integer arithmetic is read as a float (the macro cannot see the
// field's type): the error says what to write.
#[differentiate]
fn f(m: &Model, x: f64) -> f64 {
    let k = m.steps * 2;
    m.w * x * m.rate * (k as f64)
}

fn main() {}
