use backprop::Differentiable;

// A gradient needs one value per field: enums are not parameter types.
#[derive(Differentiable)]
enum Activation {
    Relu,
    Tanh(f64),
}

fn main() {}
