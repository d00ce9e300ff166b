use backprop::{differentiate, sigmoid};

#[differentiate]
fn f(x: f64, y: f64, z: f64) -> f64 {
    let q = x + y;
    q * z
}

#[differentiate]
fn neuron(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    1.0 / (1.0 + (-(w0 * x0 + w1 * x1 + w2)).exp())
}

#[differentiate]
fn neuron_sigmoid(w0: f64, x0: f64, w1: f64, x1: f64, w2: f64) -> f64 {
    let L = sigmoid(w0 * x0 + w1 * x1 + w2);
    L
}

#[test]
fn simple_example() {
    assert_eq!(f(-2.0, 5.0, -4.0), -12.0);
    let (value, g) = f::grad(-2.0, 5.0, -4.0);
    assert_eq!(value, -12.0);
    assert_eq!((g.x, g.y, g.z), (-4.0, -4.0, 3.0));
    let (_, pullback) = f::vjp(-2.0, 5.0, -4.0);
    let g2 = pullback(2.0);
    assert_eq!((g2.x, g2.y, g2.z), (-8.0, -8.0, 6.0));
}

#[test]
fn neuron_example() {
    let (v, g) = neuron::grad(2.0, -1.0, -3.0, -2.0, -3.0);
    let (v2, g2) = neuron_sigmoid::grad(2.0, -1.0, -3.0, -2.0, -3.0);
    println!("{v} {g:?} {v2} {g2:?}");
}
