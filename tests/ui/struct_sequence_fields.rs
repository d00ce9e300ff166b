// Fields of structs in a sequence: a float field cast as an integer would lose its
// derivative, and a struct is not indexed: one error at each, in the user's code. (An
// integer field is known from the struct's declaration: `let n = layers[0].inputs;` is a
// constant, `tests/constant_fields.rs`.)
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Layer {
    pub w: Vec<f64>,
    pub b: f64,
    pub inputs: usize,
}

#[differentiate]
fn cast_float(layers: &[Layer], x: f64) -> f64 {
    let mut s = 0.0;
    for layer in layers {
        s += layer.b as f64 * x;
    }
    s
}

#[differentiate]
fn struct_indexed(layers: &[Layer], x: f64) -> f64 {
    let s = layers[0][1];
    s * x
}

fn main() {}
