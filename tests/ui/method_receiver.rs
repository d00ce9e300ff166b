use backprop::differentiate;

struct Model {
    w: Vec<f64>,
}

// The attribute on a method needs it on the `impl` block too; that is the only error
// (the body, which reads `self`, is not lowered).
impl Model {
    #[differentiate]
    fn predict(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(w, v)| w * v).sum::<f64>().tanh()
    }
}

fn main() {}
