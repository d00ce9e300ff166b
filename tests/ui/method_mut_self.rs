use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
struct Model {
    w: f64,
}

#[differentiate]
impl Model {
    // Writes through `&mut self` have no gradient to track.
    #[differentiate]
    fn step(&mut self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
