use backprop::Differentiable;

#[derive(Differentiable)]
struct Model {
    w: f64,
    #[differentiable(frozen)]
    rate: f64,
}

fn main() {}
