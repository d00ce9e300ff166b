//! Differentiated methods called on struct values from other differentiated functions:
//! `m.hidden.forward(x)`, `self.encoder.forward(x)`, `layer.forward(&h)`. The macro on the
//! caller does not know the receiver's type; the call reaches the method's module through
//! the handle the method's `impl` block writes (`__differentiate_forward`).

#![allow(clippy::needless_range_loop)]

use backprop::__private::{Elements, ZerosLike};
use backprop::{Differentiable, differentiate};
mod common;
use common::{assert_close, assert_fd, check_hvp};

#[derive(Differentiable, Clone, Debug)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub inputs: usize,
}

#[differentiate]
impl Dense {
    /// `tanh(W x + b)`, `W` row-major with `inputs` columns.
    #[differentiate(hessian)]
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = self.b.clone();
        for o in 0..out.len() {
            for i in 0..self.inputs {
                out[o] += self.w[o * self.inputs + i] * x[i];
            }
            out[o] = out[o].tanh();
        }
        out
    }

    /// The squared weights, scaled: a float result.
    #[differentiate(hessian)]
    pub fn penalty(&self, scale: f64) -> f64 {
        let mut s = 0.0;
        for k in 0..self.w.len() {
            s += self.w[k] * self.w[k];
        }
        s * scale
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Net {
    pub a: Dense,
    pub b: Dense,
    pub decay: f64,
}

/// The squared outputs of two layers, plus their weights' penalties: each a method of a
/// field, one called on a local's result.
#[differentiate(hessian)]
fn net(m: &Net, x: &[f64]) -> f64 {
    let h = m.a.forward(x);
    let y = m.b.forward(&h);
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * y[i];
    }
    s + m.a.penalty(m.decay) + m.b.penalty(0.5)
}

/// A method of the struct parameter itself.
#[differentiate(reverse, forward)]
fn first(l: &Dense, x: &[f64]) -> f64 {
    let y = l.forward(x);
    y[0] - 2.0 * y[1]
}

#[differentiate]
impl Net {
    /// A method calling its fields' methods (`self.a.forward(x)`).
    #[differentiate(reverse, forward)]
    pub fn loss(&self, x: &[f64], target: f64) -> f64 {
        let y = self.b.forward(&self.a.forward(x));
        let d = y[0] + y[1] - target;
        d * d
    }
}

fn net_of(v: &[f64]) -> Net {
    Net {
        a: Dense {
            w: v[0..6].to_vec(),
            b: v[6..9].to_vec(),
            inputs: 2,
        },
        b: Dense {
            w: v[9..15].to_vec(),
            b: v[15..17].to_vec(),
            inputs: 3,
        },
        decay: v[17],
    }
}

fn flat(g: &NetGrad) -> Vec<f64> {
    (0..g.count()).map(|i| g.element(i)).collect()
}

fn point() -> (Vec<f64>, Vec<f64>) {
    let mut p = common::Points::new(11);
    (p.vec(18, -0.8, 0.8), vec![0.5, -1.0])
}

#[test]
fn methods_of_fields_in_reverse_mode() {
    let (v, x) = point();
    let m = net_of(&v);
    let (value, g) = net::grad(&m, &x);
    let direct = {
        let y = m.b.forward(&m.a.forward(&x));
        y[0] * y[0] + y[1] * y[1] + m.a.penalty(m.decay) + m.b.penalty(0.5)
    };
    assert_eq!(value, direct);
    // The element order of the gradient is the field order `net_of` reads.
    assert_eq!(g.m.count(), 18);
    assert_fd(|v| net::grad(&net_of(v), &x).0, &v, &flat(&g.m));
    assert_fd(|x| net(&m, x), &x, &g.x);
}

#[test]
fn methods_of_fields_in_forward_mode_and_second_order() {
    let (v, x) = point();
    let m = net_of(&v);
    let (_, g) = net::grad(&m, &x);
    // The dot-product test: the tangent along a direction is the gradient's projection.
    let mut p = common::Points::new(5);
    let mut dm = m.zeros_like();
    for i in 0..dm.count() {
        *dm.element_mut(i) = p.next_f64(-1.0, 1.0);
    }
    let dx = p.vec(2, -1.0, 1.0);
    let (_, dot) = net::jvp(&m, &x, &dm, &dx);
    let projected: f64 = flat(&g.m)
        .iter()
        .zip(&flat(&dm))
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + g.x.iter().zip(&dx).map(|(a, b)| a * b).sum::<f64>();
    assert_close(dot, projected, 1e-12);
    // `hvp` against finite differences of the gradient, over the struct's elements.
    let grad_at = |v: &[f64]| flat(&net::grad(&net_of(v), &x).1.m);
    let hvp_at = |v: &[f64], u: &[f64]| {
        let mut du = m.zeros_like();
        for i in 0..u.len() {
            *du.element_mut(i) = u[i];
        }
        flat(&net::hvp(&net_of(v), &x, &du, &[0.0, 0.0]).2.m)
    };
    check_hvp(grad_at, hvp_at, &v, 3);
}

#[test]
fn a_method_of_the_parameter_itself() {
    let (v, x) = point();
    let l = net_of(&v).a;
    let (value, g) = first::grad(&l, &x);
    let y = l.forward(&x);
    assert_eq!(value, y[0] - 2.0 * y[1]);
    let of = |w: &[f64]| Dense {
        w: w[0..6].to_vec(),
        b: w[6..9].to_vec(),
        inputs: 2,
    };
    let grads: Vec<f64> = (0..g.l.count()).map(|i| g.l.element(i)).collect();
    assert_fd(|w| first(&of(w), &x), &v[0..9], &grads);
    let mut dl = l.zeros_like();
    *dl.element_mut(3) = 1.0;
    let (_, dot) = first::jvp(&l, &x, &dl, &[0.0, 0.0]);
    assert_close(dot, g.l.element(3), 1e-12);
}

#[test]
fn a_method_calling_its_fields_methods() {
    let (v, x) = point();
    let m = net_of(&v);
    let (value, g) = m.loss_grad(&x, 0.3);
    assert_eq!(value, m.loss(&x, 0.3));
    assert_fd(|v| net_of(v).loss(&x, 0.3), &v, &flat(&g.this));
    assert_fd(|x| m.loss(x, 0.3), &x, &g.x);
    let mut dm = m.zeros_like();
    *dm.element_mut(10) = 1.0;
    let (_, dot) = m.loss_jvp(&x, 0.3, &dm, &[0.0, 0.0], 0.0);
    assert_close(dot, g.this.element(10), 1e-12);
}
