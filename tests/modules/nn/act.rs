//! Activations as a module file of floats: a constant, an imported constant, a private
//! helper, a generic function.

use std::f64::consts::PI;

pub const LEAK: f64 = 0.01;

fn cube(x: f64) -> f64 {
    x * x * x
}

pub fn leaky(x: f64) -> f64 {
    if x > 0.0 { x } else { LEAK * x }
}

/// GELU, tanh form: calls the private `cube` and reads the imported `PI`.
pub fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * cube(x))).tanh())
}

pub fn softplus<T: backprop::Real>(x: T) -> T {
    (T::one() + x.exp()).ln()
}
