//! Structs of parameters: `#[derive(Differentiable)]` and struct parameters of
//! differentiated functions.

#![cfg(feature = "tensor")]
#![allow(clippy::needless_range_loop)]

use backprop::__private::{Accumulate, Elements, ZerosLike};
use backprop::Differentiable;
use backprop::ndarray::{Array1, Array2, array};
mod common;
use common::assert_fd;

#[derive(Differentiable, Clone, Debug)]
pub struct Layer {
    pub w: Array2<f64>,
    pub b: Array1<f64>,
}

#[derive(Differentiable, Clone, Debug)]
pub struct Model {
    pub hidden: Layer,
    pub out: Layer,
    pub scale: f64,
    pub steps: usize,
    pub seen: bool,
    #[differentiable(constant)]
    pub temperature: f64,
    pub taps: [f64; 3],
    pub v: Vec<f64>,
}

fn model() -> Model {
    Model {
        hidden: Layer {
            w: array![[1.0, 2.0], [3.0, 4.0]],
            b: array![0.5, -0.5],
        },
        out: Layer {
            w: array![[1.0], [-1.0]],
            b: array![0.25],
        },
        scale: 2.0,
        steps: 3,
        seen: true,
        temperature: 1.5,
        taps: [1.0, 2.0, 3.0],
        v: vec![1.0, -1.0],
    }
}

#[test]
fn the_gradient_mirrors_the_struct_without_its_constants() {
    let m = model();
    let g: ModelGrad = m.zeros_like();
    // No `steps`, `seen` or `temperature` field: a struct literal with every field compiles.
    let ModelGrad {
        hidden,
        out,
        scale,
        taps,
        v,
    } = g.clone();
    assert_eq!(hidden.w.shape(), &[2, 2]);
    assert_eq!(out.b, array![0.0]);
    assert_eq!((scale, taps, v), (0.0, [0.0; 3], vec![0.0; 2]));
    assert_eq!(g.count(), 4 + 2 + 2 + 1 + 1 + 3 + 2);
}

#[test]
fn scaled_add_steps_every_differentiable_field() {
    let mut m = model();
    let mut g = m.zeros_like();
    for i in 0..g.count() {
        *g.element_mut(i) = i as f64;
    }
    m.scaled_add(-0.5, &g);
    // Elements in field order, each field's elements in logical order.
    assert_eq!(m.hidden.w, array![[1.0, 1.5], [2.0, 2.5]]);
    assert_eq!(m.hidden.b, array![-1.5, -3.0]);
    assert_eq!(m.out.w, array![[-2.0], [-4.5]]);
    assert_eq!(m.out.b, array![-3.75]);
    assert_eq!(m.scale, 2.0 - 4.5);
    assert_eq!(m.taps, [1.0 - 5.0, 2.0 - 5.5, 3.0 - 6.0]);
    assert_eq!(m.v, vec![1.0 - 6.5, -1.0 - 7.0]);
    assert_eq!((m.steps, m.seen, m.temperature), (3, true, 1.5));
}

#[test]
fn gradients_accumulate_field_by_field() {
    let m = model();
    let mut total = m.zeros_like();
    let mut one = m.zeros_like();
    one.scale = 1.0;
    one.hidden.b[1] = 2.0;
    total.accumulate(one.clone());
    total.accumulate(one);
    assert_eq!(total.scale, 2.0);
    assert_eq!(total.hidden.b, array![0.0, 4.0]);
    assert!(m.fits(&total));
    total.v.push(0.0);
    assert!(!m.fits(&total));
}

/// Tuple structs number their gradient's fields anew, constants left out.
#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Pair(f64, usize, f64);

#[test]
fn tuple_structs_mirror_too() {
    let mut p = Pair(1.0, 7, 2.0);
    let g = PairGrad(0.5, 4.0);
    p.scaled_add(2.0, &g);
    assert_eq!(p, Pair(2.0, 7, 10.0));
}

/// Generic over the float type; a lifetime used only by a constant field stays off the
/// gradient.
#[derive(Differentiable, Clone, Debug)]
pub struct Poly<'a, T: backprop::Real> {
    pub c: Vec<T>,
    pub shift: T,
    pub labels: &'a [usize],
}

#[test]
fn generic_structs_have_generic_gradients() {
    let labels = [0usize, 1];
    let mut p = Poly {
        c: vec![1.0f32, 2.0],
        shift: 0.5,
        labels: &labels,
    };
    let g: PolyGrad<f32> = PolyGrad {
        c: vec![1.0, 1.0],
        shift: 1.0,
    };
    p.scaled_add(-1.0, &g);
    assert_eq!((p.c, p.shift), (vec![0.0, 1.0], -0.5));
}

// ------------------------------------------------------------------ struct parameters

use backprop::differentiate;

/// A two-layer network's loss on one input, parameters in a struct.
#[differentiate(reverse, forward, wrt(m))]
fn net(m: &Model, x: &Array1<f64>) -> f64 {
    let h = (x.dot(&m.hidden.w) + &m.hidden.b).tanh();
    let y = h.dot(&m.out.w) + &m.out.b;
    let mut s = m.scale * y.sum();
    for i in 0..m.v.len() {
        s += m.v[i] * m.taps[i];
    }
    // A constant field, read where no derivative flows.
    if m.temperature > 1.0 { s * 2.0 } else { s }
}

#[test]
fn a_struct_parameter_gets_a_struct_gradient() {
    let m = model();
    let x = array![0.3, -0.7];
    let (value, g) = net::grad(&m, &x);
    assert_eq!(value, net(&m, &x));
    finite_difference_check(|m| net(m, &x), &m, &g.m);
    // Array fields' gradients in standard layout, as an array parameter's.
    assert!(g.m.hidden.w.as_slice().is_some() && g.m.out.w.as_slice().is_some());
    let n = g.m.count();
    // Forward mode along a direction, against the reverse gradient (the dot-product test).
    let mut dir = m.zeros_like();
    for k in 0..n {
        *dir.element_mut(k) = (k as f64 * 0.37).sin();
    }
    let (_, dot) = net::jvp(&m, &x, &dir);
    let mut gm = g.m.clone();
    let expected: f64 = (0..n)
        .map(|k| *gm.element_mut(k) * *dir.element_mut(k))
        .sum();
    assert!((dot - expected).abs() < 1e-10, "{dot} vs {expected}");
}

/// One layer, a function of its own: a struct (or a field holding one) passed whole.
#[differentiate]
fn dense(l: &Layer, x: &Array1<f64>) -> f64 {
    (x.dot(&l.w) + &l.b).tanh().sum()
}

#[differentiate(wrt(m))]
fn two_layers(m: &Model, x: &Array1<f64>) -> f64 {
    dense(&m.hidden, x) * m.scale + dense(&m.out, x)
}

fn finite_difference_check<F: Fn(&Model) -> f64>(f: F, m: &Model, g: &ModelGrad) {
    let mut at = m.clone();
    let mut eps = m.zeros_like();
    let mut g = g.clone();
    for k in 0..eps.count() {
        let h = 1e-6;
        *eps.element_mut(k) = 1.0;
        at.scaled_add(h, &eps);
        let up = f(&at);
        at.scaled_add(-2.0 * h, &eps);
        let down = f(&at);
        at.scaled_add(h, &eps);
        *eps.element_mut(k) = 0.0;
        let fd = (up - down) / (2.0 * h);
        let got = *g.element_mut(k);
        assert!(
            (got - fd).abs() < 1e-6 * fd.abs().max(1.0),
            "element {k}: {got} vs {fd}"
        );
    }
}

#[test]
fn structs_and_their_fields_pass_whole_to_other_functions() {
    let m = model();
    let x = array![0.3, -0.7];
    let (value, g) = two_layers::grad(&m, &x);
    assert_eq!(value, two_layers(&m, &x));
    finite_difference_check(|m| two_layers(m, &x), &m, &g.m);
}

/// Second order on a struct of scalars and a sequence.
#[derive(Differentiable, Clone, Debug)]
pub struct Quad {
    pub a: f64,
    pub b: f64,
    pub c: Vec<f64>,
}

#[differentiate(hessian)]
fn energy(q: &Quad, x: f64) -> f64 {
    let mut s = q.a * q.a * x + (q.b * x).sin();
    for i in 0..q.c.len() {
        s += q.c[i] * q.c[i] * q.a;
    }
    s
}

#[test]
fn hessians_of_struct_functions() {
    let q = Quad {
        a: 0.5,
        b: -1.5,
        c: vec![1.0, 2.0],
    };
    let x = 0.7;
    let (_, g, rows) = energy::hessian(&q, x);
    // Rows: q.a, q.b, q.c[0], q.c[1], then x.
    assert_eq!(rows.len(), 5);
    let h = 1e-5;
    let grad_at = |q: &Quad, x: f64| energy::grad(q, x).1;
    for k in 0..4 {
        let mut up = q.clone();
        let mut down = q.clone();
        let mut e = q.zeros_like();
        *e.element_mut(k) = 1.0;
        up.scaled_add(h, &e);
        down.scaled_add(-h, &e);
        let (gu, gd) = (grad_at(&up, x), grad_at(&down, x));
        let fd_x = (gu.x - gd.x) / (2.0 * h);
        assert!(
            (rows[k].x - fd_x).abs() < 1e-6,
            "row {k}: {} vs {fd_x}",
            rows[k].x
        );
        let fd_a = (gu.q.a - gd.q.a) / (2.0 * h);
        assert!(
            (rows[k].q.a - fd_a).abs() < 1e-6,
            "row {k}: {} vs {fd_a}",
            rows[k].q.a
        );
    }
    let (gu, gd) = (grad_at(&q, x + h), grad_at(&q, x - h));
    assert!((rows[4].q.b - (gu.q.b - gd.q.b) / (2.0 * h)).abs() < 1e-6);
    assert_eq!(g.q.c, vec![2.0 * q.c[0] * q.a, 2.0 * q.c[1] * q.a]);
    // hvp along a direction equals the Hessian times it.
    let dq = QuadGrad {
        a: 1.0,
        b: 0.5,
        c: vec![0.0, -1.0],
    };
    let (_, _, hv) = energy::hvp(&q, x, &dq, 0.25);
    let expected = rows[0].x * 1.0 + rows[1].x * 0.5 - rows[3].x + rows[4].x * 0.25;
    assert!((hv.x - expected).abs() < 1e-9, "{} vs {expected}", hv.x);
}

// ------------------------------------------------------------------ methods

#[differentiate]
impl Layer {
    /// The layer's mean squared output against a target: a method of `&self`.
    #[differentiate(reverse, forward)]
    pub fn fit(&self, x: &Array1<f64>, target: f64) -> f64 {
        let y = x.dot(&self.w) + &self.b;
        let d = y.sum() - target;
        d * d
    }

    /// Second order, with respect to `self` only.
    #[differentiate(hessian, wrt(self))]
    pub fn norm(&self, scale: f64) -> f64 {
        (&self.w * &self.w).sum() * scale + (&self.b * &self.b).sum()
    }

    /// Another struct as a parameter: its tangent is its gradient type.
    #[differentiate(reverse, forward)]
    pub fn gap(&self, other: &Layer) -> f64 {
        (&self.b - &other.b).sum() * 2.0
    }

    /// Untouched: no attribute.
    pub fn width(&self) -> usize {
        self.b.len()
    }
}

#[test]
fn methods_have_derivatives() {
    let l = model().hidden;
    let x = array![0.3, -0.7];
    let (value, g) = l.fit_grad(&x, 1.0);
    assert_eq!(value, l.fit(&x, 1.0));
    // The module beside the block, named after the type and the method, says the same.
    let (_, same) = layer_fit::grad(&l, &x, 1.0);
    assert_eq!(g, same);
    // d/dtarget = -2 d.
    let d = (x.dot(&l.w) + &l.b).sum() - 1.0;
    assert!((g.target + 2.0 * d).abs() < 1e-12);
    // d/db_j = 2 d, d/dw_ij = 2 d x_i.
    assert_eq!(g.this.b, array![2.0 * d, 2.0 * d]);
    assert!((g.this.w[[1, 0]] - 2.0 * d * x[1]).abs() < 1e-12);
    // Forward mode along a direction against the gradient.
    let mut dir = l.zeros_like();
    dir.w[[0, 1]] = 1.0;
    dir.b[0] = -0.5;
    let (_, dot) = l.fit_jvp(&x, 1.0, &dir, &array![0.0, 0.0], 0.25);
    let expected = g.this.w[[0, 1]] - 0.5 * g.this.b[0] + 0.25 * g.target;
    assert!((dot - expected).abs() < 1e-12);
    assert_eq!(l.width(), 2);
    let (_, g) = l.gap_grad(&model().hidden);
    assert_eq!(
        (g.this.b, g.other.b),
        (array![2.0, 2.0], array![-2.0, -2.0])
    );
    let mut db = l.zeros_like();
    db.b[0] = 1.0;
    let (_, dot) = l.gap_jvp(&model().hidden, &db, &model().hidden.zeros_like());
    assert_eq!(dot, 2.0);
    // Second order: the norm's Hessian is diagonal, 2·scale on weights and 2 on biases.
    let (_, g, rows) = l.norm_hessian(3.0);
    assert_eq!(g.this.b, array![1.0, -1.0]);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0].this.w[[0, 0]], 6.0);
    assert_eq!(rows[5].this.b[1], 2.0);
    assert_eq!(rows[5].this.w[[0, 0]], 0.0);
}

// ------------------------------------------------- more of the body: branches, gates, Jacobians

/// A vector result: its Jacobian has one `Grad` per output.
#[differentiate(reverse, forward)]
fn outputs(q: &Quad, x: f64) -> [f64; 2] {
    let first = if x > 0.0 { q.a * x } else { q.b * x };
    [first, backprop::sigmoid(q.c[0] * q.b)]
}

#[test]
fn jacobians_of_struct_functions() {
    let q = Quad {
        a: 0.5,
        b: -1.5,
        c: vec![1.0, 2.0],
    };
    let (value, rows) = outputs::jacobian(&q, 0.7);
    assert_eq!(value, outputs(&q, 0.7));
    assert_eq!(rows[0].q.a, 0.7);
    assert_eq!(rows[0].q.b, 0.0);
    assert_eq!(rows[0].x, 0.5);
    let s = backprop::sigmoid(q.c[0] * q.b);
    let ds = s * (1.0 - s);
    assert!((rows[1].q.b - ds * q.c[0]).abs() < 1e-12);
    assert!((rows[1].q.c[0] - ds * q.b).abs() < 1e-12);
    assert_eq!(rows[1].q.c[1], 0.0);
    // The other branch reads another field.
    let (_, rows) = outputs::jacobian(&q, -0.7);
    assert_eq!((rows[0].q.a, rows[0].q.b), (0.0, -0.7));
}

/// A generic struct in a generic function: `Grad<T>` holds a `WeightsGrad<T>`.
#[derive(Differentiable, Clone, Debug)]
pub struct Weights<T: backprop::Real> {
    pub w: Vec<T>,
    pub bias: T,
}

#[differentiate]
fn affine<T: backprop::Real>(p: &Weights<T>, x: &[T]) -> T {
    let mut s = p.bias;
    for i in 0..x.len() {
        s += p.w[i] * x[i];
    }
    s * s
}

#[test]
fn generic_structs_in_generic_functions() {
    let p = Weights {
        w: vec![1.0f32, -2.0],
        bias: 0.5,
    };
    let (v, g): (f32, affine::Grad<f32>) = affine::grad(&p, &[3.0, 1.0]);
    // s = 0.5 + 3 − 2 = 1.5.
    assert_eq!(v, 2.25);
    assert_eq!(g.p.bias, 3.0);
    assert_eq!(g.p.w, vec![9.0, 3.0]);
    assert_eq!(g.x, vec![3.0, -6.0]);
    let p64 = Weights {
        w: vec![1.0f64],
        bias: 0.0,
    };
    assert_eq!(affine::grad(&p64, &[2.0]).1.p.w, vec![8.0]);
}

/// Methods of a generic `impl` block (`impl<T: Real> Weights<T>`): each module's `Grad<T>`,
/// one method calling another, for `f32` and `f64`, in every mode.
#[differentiate]
impl<T: backprop::Real> Weights<T> {
    #[differentiate(hessian)]
    pub fn predict(&self, x: &[T]) -> T {
        let mut s = self.bias;
        for i in 0..x.len() {
            s += self.w[i] * x[i];
        }
        s.tanh()
    }

    #[differentiate(hessian)]
    pub fn loss(&self, xs: &[Vec<T>], ys: &[T]) -> T {
        let mut l = T::zero();
        for k in 0..ys.len() {
            let r = self.predict(&xs[k]) - ys[k];
            l += r * r;
        }
        l
    }
}

#[test]
fn methods_of_generic_impl_blocks() {
    let p = Weights {
        w: vec![0.5, -0.3],
        bias: 0.1,
    };
    let (xs, ys) = (vec![vec![1.0, 2.0], vec![0.5, -1.0]], [0.3, -0.2]);
    let (value, g): (f64, weights_loss::Grad<f64>) = p.loss_grad(&xs, &ys);
    assert_eq!(value, p.loss(&xs, &ys));
    let flat = |q: &[f64]| {
        let p = Weights {
            w: q[..2].to_vec(),
            bias: q[2],
        };
        p.loss(&xs, &ys)
    };
    let at = [0.5, -0.3, 0.1];
    let analytic = [g.this.w[0], g.this.w[1], g.this.bias];
    assert_fd(flat, &at, &analytic);
    // Forward mode along the weights against the gradient, and a Hessian-vector product
    // against the Hessian's rows.
    let dir = WeightsGrad {
        w: vec![1.0, -0.5],
        bias: 0.25,
    };
    let zero: Vec<Vec<f64>> = vec![vec![0.0; 2]; 2];
    let (_, dot) = p.loss_jvp(&xs, &ys, &dir, &zero, &[0.0; 2]);
    let expected = g.this.w[0] - 0.5 * g.this.w[1] + 0.25 * g.this.bias;
    assert!((dot - expected).abs() < 1e-12);
    let (_, _, hv) = p.loss_hvp(&xs, &ys, &dir, &zero, &[0.0; 2]);
    let (_, _, rows) = p.loss_hessian(&xs, &ys);
    let column: f64 = rows[0].this.w[0] - 0.5 * rows[1].this.w[0] + 0.25 * rows[2].this.w[0];
    assert!((hv.this.w[0] - column).abs() < 1e-10);
    // The same block for `f32`.
    let p32 = Weights {
        w: vec![0.5f32, -0.3],
        bias: 0.1,
    };
    let (v32, g32) = p32.predict_grad(&[1.0, 2.0]);
    assert_eq!(v32, p32.predict(&[1.0, 2.0]));
    assert!((g32.this.bias - (1.0 - v32 * v32)).abs() < 1e-6);
}

/// Fields in loops over their elements, iterator chains, transposes and reductions.
#[differentiate(wrt(m))]
fn field_methods(m: &Model, x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in m.v.iter() {
        s += v * v;
    }
    for (i, t) in m.taps.iter().enumerate() {
        s += t * (i as f64);
    }
    let total: f64 = m.v.iter().map(|a| a * 2.0).sum();
    let w = m.hidden.w.t().dot(x);
    s + total
        + w.sum()
        + m.out.w.sum_axis(backprop::ndarray::Axis(0)).sum()
        + backprop::sigmoid(m.scale)
}

#[test]
fn fields_in_loops_chains_and_reductions() {
    let m = model();
    let x = array![0.5, 1.5];
    let (_, g) = field_methods::grad(&m, &x);
    finite_difference_check(|m| field_methods(m, &x), &m, &g.m);
}

/// `self` by value.
#[differentiate]
impl Quad {
    #[differentiate]
    pub fn spread(self, t: f64) -> f64 {
        self.a * t + self.b * t * t
    }
}

#[test]
fn methods_taking_self_by_value() {
    let q = Quad {
        a: 1.0,
        b: 2.0,
        c: vec![],
    };
    let (v, g) = q.clone().spread_grad(3.0);
    assert_eq!(v, 21.0);
    assert_eq!((g.this.a, g.this.b, g.t), (3.0, 9.0, 13.0));
}

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct Spring {
    pub k: f64,
    pub rest: f64,
}

#[differentiate]
impl Spring {
    #[differentiate(reverse, forward)]
    pub fn force(&self, x: f64) -> f64 {
        -self.k * (x - self.rest)
    }

    #[differentiate(reverse, forward)]
    pub fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * (x - self.rest).powi(2)
    }

    /// Calls the block's other differentiated methods on `self`.
    #[differentiate(reverse, forward)]
    pub fn work(&self, xs: &[f64]) -> f64 {
        let mut w = 0.0;
        for x in xs {
            w += self.force(*x) * x + self.energy(*x).sqrt();
        }
        w
    }

    /// Taking `self`, it calls them with `&self`.
    #[differentiate(reverse, forward)]
    pub fn relaxed(self, x: f64) -> f64 {
        self.force(x) * self.work(&[x, 2.0 * x])
    }
}

#[test]
fn methods_call_the_blocks_other_differentiated_methods() {
    let s = Spring { k: 1.5, rest: 0.25 };
    let xs = [0.5, -1.0, 2.0];
    let (value, g) = s.work_grad(&xs);
    assert_eq!(value, s.work(&xs));
    let h = 1e-6;
    let central = |f: &dyn Fn(f64) -> f64| (f(h) - f(-h)) / (2.0 * h);
    let dk = central(&|e| Spring { k: s.k + e, ..s }.work(&xs));
    let drest = central(&|e| {
        Spring {
            rest: s.rest + e,
            ..s
        }
        .work(&xs)
    });
    let dx0 = central(&|e| s.work(&[xs[0] + e, xs[1], xs[2]]));
    assert!((g.this.k - dk).abs() < 1e-6 && (g.this.rest - drest).abs() < 1e-6);
    assert!((g.xs[0] - dx0).abs() < 1e-6);
    let dir = SpringGrad { k: 0.5, rest: -1.0 };
    let (_, dot) = s.work_jvp(&xs, &dir, &[1.0, 0.0, 0.0]);
    assert!((dot - (0.5 * g.this.k - g.this.rest + g.xs[0])).abs() < 1e-12);
    let (value, g) = s.relaxed_grad(0.75);
    assert_eq!(value, s.relaxed(0.75));
    let dx = central(&|e| s.relaxed(0.75 + e));
    let dk = central(&|e| Spring { k: s.k + e, ..s }.relaxed(0.75));
    assert!((g.x - dx).abs() < 1e-6 && (g.this.k - dk).abs() < 1e-6);
}

#[derive(Differentiable, Clone, Debug)]
pub struct Averaged {
    pub w: Vec<f64>,
    pub count: usize,
    pub offset: i32,
}

/// Integer fields cast to a float in arithmetic (`m.count as f64`): constants.
#[differentiate(reverse, forward)]
fn averaged(m: &Averaged, x: f64) -> f64 {
    let total: f64 = m.w.iter().map(|w| w * x).sum();
    total / m.count as f64 + (m.offset as f64) * x
}

#[test]
fn integer_fields_cast_to_floats_are_constants() {
    let m = Averaged {
        w: vec![1.0, 2.0, 4.0],
        count: 4,
        offset: -2,
    };
    let (value, g) = averaged::grad(&m, 0.5);
    assert_eq!(value, averaged(&m, 0.5));
    assert_eq!(g.m.w, vec![0.125; 3]);
    assert_eq!(g.x, 7.0 / 4.0 - 2.0);
    let (_, dot) = averaged::jvp(
        &m,
        0.5,
        &AveragedGrad {
            w: vec![1.0, 0.0, 0.0],
        },
        1.0,
    );
    assert_eq!(dot, 0.125 + g.x);
}

/// Fields inside `vec![..]` carry their derivatives; an integer field as `powi`'s exponent is
/// a constant.
#[derive(Differentiable, Clone, Debug)]
pub struct Poly2 {
    pub a: f64,
    pub b: f64,
    pub n: i32,
}

#[differentiate]
#[allow(clippy::useless_vec)]
fn in_a_vec(q: &Poly2, x: f64) -> f64 {
    let v = vec![q.a * x, q.b];
    v[0] + v[1] * x.powi(q.n)
}

#[test]
fn fields_in_vec_macros_and_integer_exponents() {
    let q = Poly2 {
        a: 0.5,
        b: -1.5,
        n: 3,
    };
    let (_, g) = in_a_vec::grad(&q, 2.0);
    assert_eq!((g.q.a, g.q.b, g.x), (2.0, 8.0, 0.5 + 3.0 * -1.5 * 4.0));
}

// ------------------------------------------------------------------ nested sequences in fields

#[derive(Differentiable, Clone, Debug)]
pub struct Dense {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
    pub mix: [[f64; 2]; 2],
}

/// Nested fields read every way a row is taken: `l.w[i][j]`, `let row = &l.w[i];`,
/// `for row in l.w.iter()`, a chain `l.w.iter().map(|row| ..)`, and rows passed whole.
#[differentiate(hessian)]
fn dense_energy(l: &Dense, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..l.w.len() {
        let mut z = l.b[i];
        for j in 0..x.len() {
            z += l.w[i][j] * x[j];
        }
        s += z.tanh() * l.mix[i % 2][1];
    }
    let first = &l.w[0];
    s += first[1] * first[0];
    for (i, row) in l.w.iter().enumerate() {
        s += row[i % 2] * l.mix[0][0];
    }
    let corners: f64 = l.w.iter().map(|row| row[0] * row[1]).sum();
    s + corners + l.mix[1][0] * weighted_sum(&l.w[1], x)
}

#[differentiate(hessian)]
fn weighted_sum(v: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for j in 0..v.len() {
        s += v[j] * x[j] * v[j];
    }
    s
}

#[test]
fn nested_sequences_in_struct_fields() {
    let l = Dense {
        w: vec![vec![0.5, -0.2], vec![0.1, 0.7], vec![-0.4, 0.3]],
        b: vec![0.1, -0.2, 0.3],
        mix: [[0.9, -0.5], [0.4, 1.1]],
    };
    let x = [0.8, -1.3];
    let (value, g) = dense_energy::grad(&l, &x);
    assert_eq!(value, dense_energy(&l, &x));
    assert_eq!(g.l.w.len(), 3);
    let n = g.l.count();
    assert_eq!(n, 6 + 3 + 4);
    let h = 1e-6;
    for k in 0..n {
        let mut e = l.zeros_like();
        *e.element_mut(k) = 1.0;
        let (mut up, mut down) = (l.clone(), l.clone());
        up.scaled_add(h, &e);
        down.scaled_add(-h, &e);
        let fd = (dense_energy(&up, &x) - dense_energy(&down, &x)) / (2.0 * h);
        assert!(
            (g.l.element(k) - fd).abs() < 1e-6,
            "element {k}: {} vs {fd}",
            g.l.element(k)
        );
    }
    // Forward mode against reverse mode, and the Hessian along a direction against
    // differences of gradients.
    let mut dir = l.zeros_like();
    for k in 0..n {
        *dir.element_mut(k) = ((k as f64) * 0.7).sin();
    }
    let zero = [0.0, 0.0];
    let (_, d) = dense_energy::jvp(&l, &x, &dir, &zero);
    let expected: f64 = (0..n).map(|k| g.l.element(k) * dir.element(k)).sum();
    assert!((d - expected).abs() < 1e-12, "{d} vs {expected}");
    let (_, _, hv) = dense_energy::hvp(&l, &x, &dir, &zero);
    let (mut up, mut down) = (l.clone(), l.clone());
    up.scaled_add(h, &dir);
    down.scaled_add(-h, &dir);
    let (gu, gd) = (
        dense_energy::grad(&up, &x).1,
        dense_energy::grad(&down, &x).1,
    );
    for k in 0..n {
        let fd = (gu.l.element(k) - gd.l.element(k)) / (2.0 * h);
        assert!(
            (hv.l.element(k) - fd).abs() < 1e-5,
            "element {k}: {} vs {fd}",
            hv.l.element(k)
        );
    }
}

/// A field read as a sequence through `windows`, `first` and `last` (not an array).
#[derive(Differentiable, Clone, Debug)]
pub struct Curve {
    pub w: Vec<f64>,
}

#[differentiate(hessian)]
fn smoothness(c: &Curve, x: f64) -> f64 {
    let mut s = 0.0;
    for pair in c.w.windows(2) {
        s += (pair[1] - pair[0]).powi(2);
    }
    s + c.w.first().unwrap() * x + c.w.last().unwrap() * x * x
}

#[test]
fn fields_read_through_windows_first_and_last() {
    let c = Curve {
        w: vec![0.5, -1.0, 2.0, 0.3],
    };
    let (value, g) = smoothness::grad(&c, 0.7);
    assert_eq!(value, smoothness(&c, 0.7));
    let h = 1e-6;
    for k in 0..4 {
        let (mut up, mut down) = (c.clone(), c.clone());
        up.w[k] += h;
        down.w[k] -= h;
        let fd = (smoothness(&up, 0.7) - smoothness(&down, 0.7)) / (2.0 * h);
        assert!((g.c.w[k] - fd).abs() < 1e-6, "w[{k}]: {} vs {fd}", g.c.w[k]);
    }
}

// ---------------------------------------------------------------------------------------
// A slice of `Copy` structs, an element bound by value and read by its fields.

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct Vertex {
    pub x: f64,
    pub y: f64,
}

/// The shoelace area: `let p = pts[i];` read only as `p.x`, `p.y` is the element itself (it
/// was taken for a row used whole: an error).
#[differentiate(hessian)]
fn shoelace(pts: &[Vertex]) -> f64 {
    let n = pts.len();
    let mut a = 0.0;
    for i in 0..n {
        let p = pts[i];
        let q = pts[(i + 1) % n];
        a += p.x * q.y - q.x * p.y;
    }
    0.5 * a
}

#[test]
fn elements_of_a_slice_of_structs_bound_by_value() {
    let pts = vec![
        Vertex { x: 0.0, y: 0.0 },
        Vertex { x: 1.0, y: 0.1 },
        Vertex { x: 0.8, y: 1.2 },
        Vertex { x: -0.2, y: 0.7 },
    ];
    let (value, g) = shoelace::grad(&pts);
    assert_eq!(value, shoelace(&pts));
    let flat: Vec<f64> = pts.iter().flat_map(|p| [p.x, p.y]).collect();
    let grad: Vec<f64> = g.pts.iter().flat_map(|p| [p.x, p.y]).collect();
    let unflat =
        |q: &[f64]| -> Vec<Vertex> { q.chunks(2).map(|c| Vertex { x: c[0], y: c[1] }).collect() };
    assert_fd(|q| shoelace(&unflat(q)), &flat, &grad);
}
