use backprop::Differentiable;

// A field type with no gradient: the error is at the field, with what to do.
#[derive(Differentiable)]
struct Model {
    w: Vec<f64>,
    name: String,
}

fn main() {}
