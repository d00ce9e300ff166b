// A `Vec` of structs as a differentiable field: one error at the field, saying what is
// supported.
use backprop::Differentiable;

#[derive(Differentiable, Clone)]
pub struct Layer {
    pub w: Vec<f64>,
    pub b: f64,
}

#[derive(Differentiable, Clone)]
pub struct Net {
    pub layers: Vec<Layer>,
    pub scale: f64,
}

fn main() {}
