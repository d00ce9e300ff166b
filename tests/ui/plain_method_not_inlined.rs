use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Spring {
    pub k: f64,
}

impl Spring {
    // Inlined where a parameter calls it, but not calling itself.
    fn force(&self, x: f64) -> f64 {
        if x < 0.0 {
            return -self.force(-x);
        }
        -self.k * x
    }
}

#[differentiate(wrt(s))]
fn energy(s: &Spring, x: f64) -> f64 {
    s.force(x) * x
}

fn main() {}
