// A method without `#[differentiate]`, called on a local copy of a struct that carries a
// derivative: inlined only where a parameter (or a field chain from one) calls it, so an
// error at the method.
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Layer {
    pub w: Vec<f64>,
}

impl Layer {
    pub fn norm(&self) -> f64 {
        self.w.iter().map(|v| v * v).sum()
    }
}

#[derive(Differentiable, Clone)]
pub struct Net {
    pub a: Layer,
}

#[differentiate]
fn loss(m: &Net, x: f64) -> f64 {
    let copy = m.a.clone();
    copy.norm() * x
}

fn main() {}
