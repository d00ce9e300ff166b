//! The backpropagation lecture's examples, differentiated by `#[differentiate]`.
//!
//! Run it with `cargo run --example lecture`, and read the gradient code the macro wrote
//! with `cargo expand --example lecture`.

use backprop::{differentiate, sigmoid};

/// `q = x + y`, `f = q * z`: the lecture's first example.
#[differentiate]
fn f(x: f64, y: f64, z: f64) -> f64 {
    let q = x + y;
    q * z
}

/// The lecture's neuron, with sigmoid as one gate: `σ(w0·x0 + w1·x1 + w2)`.
#[differentiate]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    sigmoid(w0 * x0 + w1 * x1 + w2)
}

fn main() {
    let (value, g) = f::grad(-2.0, 5.0, -4.0);
    println!("f(-2, 5, -4) = {value}");
    println!("  df/dx = {}, df/dy = {}, df/dz = {}", g.x, g.y, g.z);

    let (value, g) = neuron::grad(2.0, -1.0, -3.0, -2.0, -3.0);
    println!("neuron(w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3) = {value:.4}");
    println!(
        "  dw0 = {:.2}, dx0 = {:.2}, dw1 = {:.2}, dx1 = {:.2}, dw2 = {:.2}",
        g.w0, g.x0, g.w1, g.x1, g.w2
    );

    // The pullback takes any upstream gradient: 2.0 doubles every field.
    let (_, pullback) = f::vjp(-2.0, 5.0, -4.0);
    let g = pullback(2.0);
    println!(
        "upstream 2.0: df/dx = {}, df/dy = {}, df/dz = {}",
        g.x, g.y, g.z
    );
}
