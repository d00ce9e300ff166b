//! Fields without a gradient read as the constants they are: a field marked
//! `#[differentiable(constant)]` (a temperature, a mask, a rate) or an integer, read in
//! arithmetic, indexed, walked beside a differentiable field, through nested structs, in a
//! sequence of structs and in the struct's own methods. These failed to build (`no field
//! `temperature` on type `ModelGrad``): the generated code added a gradient into a field the
//! gradient does not have. Checked against central differences over every element of the
//! gradient, `jvp` against the gradient and `hvp` against differences of it.

#![allow(clippy::needless_range_loop)]
#![deny(warnings)]

mod common;
use backprop::__private::ZerosLike;
use backprop::ndarray::{Array1, Array2, array};
use backprop::{Differentiable, Real, differentiate};
use common::{
    assert_close, assert_fd, assert_fd_array, assert_fd_elements, check_hvp, elements_of,
    set_elements,
};

#[derive(Differentiable, Clone, Debug)]
pub struct Unit {
    pub b: f64,
    #[differentiable(constant)]
    pub rate: f64,
}

#[derive(Differentiable, Clone, Debug)]
pub struct Tempered {
    pub w: Vec<f64>,
    pub scale: f64,
    #[differentiable(constant)]
    pub temperature: f64,
    #[differentiable(constant)]
    pub mask: Vec<f64>,
    pub steps: usize,
    pub inner: Unit,
    pub units: Vec<Unit>,
}

impl Tempered {
    fn soft(&self, z: f64) -> f64 {
        (z / self.temperature).tanh() * self.scale
    }
}

#[differentiate(hessian, wrt(m, x))]
fn tempered(m: &Tempered, x: &[f64]) -> f64 {
    // An integer field in integer arithmetic, then cast.
    let k = m.steps * 2 + 1;
    let mut s = 0.0;
    for i in 0..x.len() {
        s += m.w[i] * m.mask[i] * x[i];
    }
    s += m.w.iter().zip(&m.mask).map(|(w, c)| w * c).sum::<f64>() / m.temperature;
    s += m.inner.b * m.inner.rate;
    for u in &m.units {
        s += u.b * u.rate;
    }
    for j in 0..m.units.len() {
        s += m.units[j].b.powi(2) * m.units[j].rate;
    }
    m.soft(s) * k as f64 + m.steps as f64 * m.temperature * m.scale
}

fn model() -> Tempered {
    let unit = |b, rate| Unit { b, rate };
    Tempered {
        w: vec![0.3, -0.7, 0.5],
        scale: 1.2,
        temperature: 2.5,
        mask: vec![1.0, 0.0, 0.5],
        steps: 2,
        inner: unit(0.4, 0.9),
        units: vec![unit(-0.6, 1.5), unit(0.2, 0.3)],
    }
}

#[test]
fn constant_and_integer_fields_read_in_arithmetic() {
    let m = model();
    let x = [0.8, -0.3, 1.1];
    let (value, g) = tempered::grad(&m, &x);
    assert_eq!(value, tempered(&m, &x));
    assert_fd_elements(|m: &Tempered| tempered(m, &x), &m, &g.m);
    assert_fd(|x| tempered(&m, x), &x, &g.x);
    // The masked weight's gradient is zero: the mask is a constant, not a parameter.
    assert_eq!(g.m.w[1], 0.0);
    // Forward mode: the dot-product test.
    let mut points = common::Points::new(41);
    let n = elements_of(&g.m).len();
    let dir = points.vec(n, -1.0, 1.0);
    let mut dm = m.zeros_like();
    set_elements(&mut dm, &dir);
    let dx = [0.5, -0.25, 1.0];
    let projected: f64 = elements_of(&g.m)
        .iter()
        .zip(&dir)
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + g.x.iter().zip(&dx).map(|(a, b)| a * b).sum::<f64>();
    assert_close(tempered::jvp(&m, &x, &dm, &dx).1, projected, 1e-12);
    // Second order over the model's elements.
    let at = |w: &[f64]| {
        let (mut moved, mut d) = (m.clone(), m.zeros_like());
        set_elements(&mut d, w);
        moved.scaled_add(1.0, &d);
        moved
    };
    let grad_at = |w: &[f64]| elements_of(&tempered::grad(&at(w), &x).1.m);
    let hvp_at = |w: &[f64], u: &[f64]| {
        let mut du = m.zeros_like();
        set_elements(&mut du, u);
        elements_of(&tempered::hvp(&at(w), &x, &du, &[0.0; 3]).2.m)
    };
    check_hvp(grad_at, hvp_at, &vec![0.0; n], 42);
}

/// A generic struct's constant field of the float type.
#[derive(Differentiable, Clone, Debug)]
pub struct Scaled<T: Real> {
    pub w: T,
    #[differentiable(constant)]
    pub c: T,
}

#[differentiate(reverse, forward)]
fn scaled<T: Real>(m: &Scaled<T>, x: T) -> T {
    m.w * x * m.c + (m.c * x).sin()
}

#[test]
fn a_constant_field_of_a_generic_struct() {
    let m = Scaled { w: 0.7, c: 1.9 };
    let (value, g) = scaled::grad(&m, 0.4);
    assert_eq!(value, scaled(&m, 0.4));
    assert_close(g.m.w, 0.4 * 1.9, 1e-15);
    assert_fd(|x| scaled(&m, x[0]), &[0.4], &[g.x]);
    let (_, single) = scaled::grad(&Scaled { w: 0.7f32, c: 1.9 }, 0.4);
    assert!((single.m.w - 0.76).abs() < 1e-6);
}

/// An integer field of a sequence's element bound to a name and used in integer
/// arithmetic: known from the declaration (was "reads this field as a float, but it is
/// `usize`").
#[derive(Differentiable, Clone, Debug)]
pub struct Counted {
    pub w: Vec<f64>,
    pub inputs: usize,
}

#[differentiate]
fn counted(layers: &[Counted], x: f64) -> f64 {
    let n = layers[0].inputs;
    let mut s = 0.0;
    for i in 0..n {
        s += layers[0].w[i] * x * x;
    }
    s * (layers[1].inputs * 2) as f64
}

#[test]
fn an_integer_field_of_an_element_bound_to_a_name() {
    let c = |w: Vec<f64>, inputs| Counted { w, inputs };
    let layers = vec![c(vec![0.5, -1.5, 9.0], 2), c(vec![1.0], 3)];
    let (value, g) = counted::grad(&layers, 0.7);
    assert_eq!(value, counted(&layers, 0.7));
    assert_fd_elements(|l: &Vec<Counted>| counted(l, 0.7), &layers, &g.layers);
    assert_fd(|x| counted(&layers, x[0]), &[0.7], &[g.x]);
    // The third weight is past `inputs`: no gradient.
    assert_eq!(g.layers[0].w[2], 0.0);
}

/// Constant arrays of a struct of ndarray arrays: a mask multiplied in and a projection
/// applied (`.dot`), beside a differentiable matrix.
#[derive(Differentiable, Clone, Debug)]
pub struct Masked {
    pub w: Array2<f64>,
    #[differentiable(constant)]
    pub mask: Array1<f64>,
    #[differentiable(constant)]
    pub proj: Array2<f64>,
}

#[differentiate(wrt(m, x))]
fn masked(m: &Masked, x: &Array1<f64>) -> f64 {
    let h = m.w.dot(x) * &m.mask;
    let p = m.proj.dot(&h);
    p.mapv(|v| v.tanh()).sum() + m.mask.dot(x)
}

#[test]
fn constant_arrays_of_a_struct() {
    let m = Masked {
        w: array![[0.1, 0.2], [0.3, -0.4]],
        mask: array![1.0, 0.5],
        proj: array![[1.0, -1.0], [0.5, 2.0]],
    };
    let x = array![0.7, -0.2];
    let (value, g) = masked::grad(&m, &x);
    assert_eq!(value, masked(&m, &x));
    assert_fd_elements(|m: &Masked| masked(m, &x), &m, &g.m);
    assert_fd_array(|x| masked(&m, x), &x, &g.x);
}
