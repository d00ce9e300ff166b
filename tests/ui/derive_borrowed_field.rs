use backprop::Differentiable;

// A gradient needs an owned field; labels by reference are fine (integers are constants).
#[derive(Differentiable)]
struct Batch<'a> {
    weights: &'a [f64],
    labels: &'a [usize],
}

fn main() {}
