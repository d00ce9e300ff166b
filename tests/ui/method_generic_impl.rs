use backprop::{Differentiable, Real, differentiate};

#[derive(Differentiable, Clone)]
struct Model<T: Real> {
    w: T,
}

#[differentiate]
impl<T: Real> Model<T> {
    #[differentiate]
    fn predict(&self, x: T) -> T {
        self.w * x
    }
}

fn main() {}
