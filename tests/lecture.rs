//! The lecture's examples, with its numbers.

mod common;
use backprop::{differentiate, sigmoid};
use common::assert_close;

/// `q = x + y`, `f = q * z`.
#[differentiate(reverse, forward)]
fn f(x: f64, y: f64, z: f64) -> f64 {
    let q = x + y;
    q * z
}

/// The neuron `1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))`, one primitive gate at a time.
#[differentiate(reverse, forward)]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    1.0 / (1.0 + (-(w0 * x0 + w1 * x1 + w2)).exp())
}

/// The same neuron with sigmoid as one gate.
#[differentiate(reverse, forward)]
fn neuron_gate(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    sigmoid(w0 * x0 + w1 * x1 + w2)
}

#[test]
fn simple_example() {
    assert_eq!(f(-2.0, 5.0, -4.0), -12.0);
    let (value, g) = f::grad(-2.0, 5.0, -4.0);
    assert_eq!(value, -12.0);
    assert_eq!((g.x, g.y, g.z), (-4.0, -4.0, 3.0));
    // Upstream gradient 2.0: every field doubles.
    let (_, pullback) = f::vjp(-2.0, 5.0, -4.0);
    let g2 = pullback(2.0);
    assert_eq!((g2.x, g2.y, g2.z), (-8.0, -8.0, 6.0));
}

/// The lecture's gradients, to full precision: `s = w0*x0 + w1*x1 + w2 = 1`, `σ(1)`, local
/// gradient `σ(1)(1 - σ(1))`, times the other input of each product.
fn lecture_neuron_gradient() -> [f64; 5] {
    let s = 1.0f64;
    let sigma = 1.0 / (1.0 + (-s).exp());
    let local = (1.0 - sigma) * sigma;
    [-local, local * 2.0, local * -2.0, local * -3.0, local]
}

fn check_neuron(value: f64, g: [f64; 5]) {
    assert_close(value, 0.7310585786300049, 1e-15);
    let expected = lecture_neuron_gradient();
    for (got, want) in g.iter().zip(expected) {
        assert_close(*got, want, 1e-15);
    }
    // The lecture's two decimals.
    let rounded: Vec<f64> = g.iter().map(|v| (v * 100.0).round() / 100.0).collect();
    assert_eq!(rounded, [-0.20, 0.39, -0.39, -0.59, 0.20]);
}

#[test]
fn neuron_with_primitive_gates() {
    let (value, g) = neuron::grad(2.0, -1.0, -3.0, -2.0, -3.0);
    check_neuron(value, [g.w0, g.x0, g.w1, g.x1, g.w2]);
}

#[test]
fn neuron_with_sigmoid_as_one_gate() {
    let (value, g) = neuron_gate::grad(2.0, -1.0, -3.0, -2.0, -3.0);
    check_neuron(value, [g.w0, g.x0, g.w1, g.x1, g.w2]);
    // Both graphs compute the same function.
    assert_eq!(neuron(2.0, -1.0, -3.0, -2.0, -3.0), value);
}
