use backprop::differentiate;
use backprop::ndarray::Array1;

// Arrays support the operations listed in the error (`mapv`, `map` and `fold` among them);
// `product` is not one.
#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    x.product()
}

fn main() {}
