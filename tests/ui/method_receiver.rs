use backprop::differentiate;

struct Model {
    w: f64,
}

// The attribute on a method needs it on the `impl` block too.
impl Model {
    #[differentiate]
    fn predict(&self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
