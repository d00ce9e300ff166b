// A differentiated method called on the elements of a sequence of structs from a function
// with more modes than the method has: one error per missing mode, naming the method as
// written and the argument to add.
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Layer {
    pub w: Vec<f64>,
}

#[differentiate]
impl Layer {
    #[differentiate(reverse)]
    pub fn apply(&self, x: f64) -> f64 {
        self.w[0] * x
    }
}

#[differentiate(hessian)]
fn chain(layers: &[Layer], x: f64) -> f64 {
    let mut h = x;
    for layer in layers {
        h = layer.apply(h);
    }
    h
}

fn main() {}
