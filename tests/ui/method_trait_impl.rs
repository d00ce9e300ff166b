use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
struct Model {
    w: f64,
}

trait Predict {
    fn predict(&self, x: f64) -> f64;
}

#[differentiate]
impl Predict for Model {
    #[differentiate]
    fn predict(&self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
