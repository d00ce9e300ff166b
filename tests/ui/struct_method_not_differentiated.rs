// A method without `#[differentiate]`, called on a struct value that carries a
// derivative: the build fails at the method, naming the handle a differentiated method has.
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
    m.a.norm() * x
}

fn main() {}
