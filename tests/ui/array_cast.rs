use backprop::differentiate;
use backprop::ndarray::Array1;

// Casting applies to floats; an array that carries a derivative cannot be cast.
#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    let y = x as f64;
    y
}

fn main() {}
