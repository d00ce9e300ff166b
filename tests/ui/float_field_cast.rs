// A field read only through a cast to a float is read as an integer (a constant); a float
// field read so would lose its derivative: an error at the read, saying what to write.
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Params {
    pub scale: f32,
    pub n: usize,
}

#[differentiate]
fn f(p: &Params, x: f64) -> f64 {
    x * p.scale as f64 + p.n as f64
}

fn main() {}
