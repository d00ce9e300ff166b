// Fields of a struct in a sequence are read in the struct's differentiated methods (or a
// function taking it), not in the loop over the sequence: one error at each read, none for
// an integer field read as a constant.
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Layer {
    pub w: Vec<f64>,
    pub b: f64,
    pub inputs: usize,
}

#[differentiate]
fn loop_over(layers: &[Layer], x: f64) -> f64 {
    let mut s = 0.0;
    for layer in layers {
        for i in 0..layer.inputs {
            s += layer.w[i] * x;
        }
        s += layer.b * layer.inputs as f64;
    }
    s
}

#[differentiate]
fn by_index(layers: &[Layer], x: f64) -> f64 {
    layers[1].b * x
}

fn main() {}
