// A differentiated method calls the block's others on `self`; one taking `self` by value,
// from one taking `&self`, would need a copy of `*self`: an error that says what to change.
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone, Copy)]
pub struct Spring {
    pub k: f64,
}

#[differentiate]
impl Spring {
    #[differentiate]
    pub fn energy(self, x: f64) -> f64 {
        self.k * x * x
    }

    #[differentiate]
    pub fn twice(&self, x: f64) -> f64 {
        2.0 * self.energy(x)
    }
}

fn main() {}
