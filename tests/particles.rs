//! Differentiable physics: a sequence parameter of structs with a gradient (`ps: &[Particle]`,
//! `Particle` deriving `Differentiable`), copied (`ps.to_vec()`, `ps.iter().cloned()
//! .collect()`) and stepped in place, by index and through `iter_mut()`, by helpers lent an
//! element (`kick(&st[i], k)`) and by the struct's own methods; the gradient with respect to
//! the initial states. Fields without a gradient (`#[differentiable(constant)]`, integers)
//! ride along as constants. Each function is checked against central differences over every
//! element of its gradient, `jvp` against the gradient (the dot-product test) and `hvp`
//! against differences of the gradient.

#![allow(clippy::needless_range_loop)]
#![deny(warnings)]

mod common;
use backprop::__private::ZerosLike;
use backprop::{Differentiable, differentiate};
use common::{assert_close, assert_fd_elements, check_hvp, elements_of, set_elements};

/// A particle on a spring: position and velocity (with a gradient), its drag and its label
/// (without).
#[derive(Differentiable, Clone, Debug)]
pub struct Particle {
    pub x: f64,
    pub v: f64,
    #[differentiable(constant)]
    pub drag: f64,
    pub id: usize,
}

impl Particle {
    fn energy(&self, k: f64) -> f64 {
        0.5 * self.v * self.v + 0.5 * k * self.x * self.x
    }
}

/// One velocity kick by the spring and the drag.
fn kick(p: &Particle, k: f64, dt: f64) -> Particle {
    Particle {
        x: p.x,
        v: p.v - dt * (k * p.x + p.drag * p.v),
        drag: p.drag,
        id: p.id,
    }
}

/// The position after a drift of `dt`.
fn drifted(p: &Particle, dt: f64) -> f64 {
    p.x + dt * p.v
}

/// Symplectic Euler on a copy of the initial states: whole elements replaced by a helper's
/// result, a field written from a helper given the element, the rest through `iter_mut()`;
/// the energies read through the struct's method.
#[differentiate(hessian, wrt(ps, k))]
fn simulate(ps: &[Particle], k: f64) -> f64 {
    let mut st = ps.to_vec();
    for _ in 0..6 {
        for i in 0..st.len() {
            st[i] = kick(&st[i], k, 0.05);
        }
        for i in 0..st.len() {
            st[i].x = drifted(&st[i], 0.025);
        }
        for p in st.iter_mut() {
            p.x += 0.025 * p.v;
        }
    }
    let mut e = 0.0;
    for (i, p) in st.iter().enumerate() {
        e += p.energy(k) * (p.id as f64 + 1.0) + p.x * ps[i].v;
    }
    e
}

/// The same steps by field writes on a copy made by a chain, its type written.
#[allow(clippy::iter_cloned_collect)] // written as some code writes it
#[differentiate(hessian, wrt(ps, k))]
fn stepped_by_fields(ps: &[Particle], k: f64) -> f64 {
    let mut st: Vec<Particle> = ps.iter().cloned().collect();
    for _ in 0..6 {
        for i in 0..st.len() {
            let a = -k * st[i].x - st[i].drag * st[i].v;
            st[i].v += 0.05 * a;
            st[i].x += 0.05 * st[i].v;
        }
    }
    st.iter()
        .map(|p| p.x * p.x + p.v * p.energy(k))
        .sum::<f64>()
}

fn particles() -> Vec<Particle> {
    let p = |x, v, drag, id| Particle { x, v, drag, id };
    vec![
        p(1.0, 0.0, 0.1, 0),
        p(-0.4, 0.6, 0.3, 1),
        p(0.25, -0.8, 0.0, 2),
    ]
}

type Grads = (Vec<ParticleGrad>, f64);

/// Differences against the gradient, `jvp` against it, `hvp` against differences of it.
fn check(
    f: impl Fn(&[Particle], f64) -> f64,
    grad: impl Fn(&[Particle], f64) -> Grads,
    jvp: impl Fn(&[Particle], f64, &Vec<ParticleGrad>, f64) -> f64,
    hvp: impl Fn(&[Particle], f64, &Vec<ParticleGrad>, f64) -> Grads,
    seed: u64,
) {
    let ps = particles();
    let k = 1.3;
    let (g, gk) = grad(&ps, k);
    assert_fd_elements(|ps: &Vec<Particle>| f(ps, k), &ps, &g);
    let d = 1e-6;
    assert_close(gk, (f(&ps, k + d) - f(&ps, k - d)) / (2.0 * d), 1e-6);
    // Forward mode: the dot-product test.
    let mut points = common::Points::new(seed);
    let mut dps = ps.zeros_like();
    let n = elements_of(&g).len();
    let dir = points.vec(n, -1.0, 1.0);
    set_elements(&mut dps, &dir);
    let projected: f64 = elements_of(&g).iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert_close(jvp(&ps, k, &dps, 0.5), projected + 0.5 * gk, 1e-12);
    // Second order: the gradient and `hvp` over the particles' elements and `k`.
    let at = |w: &[f64]| {
        let (mut moved, mut dw) = (ps.clone(), ps.zeros_like());
        set_elements(&mut dw, &w[..n]);
        moved.scaled_add(1.0, &dw);
        (moved, k + w[n])
    };
    let flat = |(g, gk): Grads| {
        let mut v = elements_of(&g);
        v.push(gk);
        v
    };
    let grad_at = |w: &[f64]| {
        let (moved, k) = at(w);
        flat(grad(&moved, k))
    };
    let hvp_at = |w: &[f64], u: &[f64]| {
        let (moved, k) = at(w);
        let mut du = ps.zeros_like();
        set_elements(&mut du, &u[..n]);
        flat(hvp(&moved, k, &du, u[n]))
    };
    check_hvp(grad_at, hvp_at, &vec![0.0; n + 1], seed);
}

/// [`check`] of a differentiated function of the particles and `k`.
macro_rules! check_particles {
    ($f:ident, $seed:expr) => {
        check(
            $f,
            |ps, k| {
                let g = $f::grad(ps, k).1;
                (g.ps, g.k)
            },
            |ps, k, dps, dk| $f::jvp(ps, k, dps, dk).1,
            |ps, k, dps, dk| {
                let g = $f::hvp(ps, k, dps, dk).2;
                (g.ps, g.k)
            },
            $seed,
        )
    };
}

#[test]
fn a_copy_of_the_initial_states_stepped_in_place() {
    check_particles!(simulate, 31);
    // The constants stay what they were: a particle without drag moves as one with drag
    // would not.
    let mut ps = particles();
    let before = simulate(&ps, 1.3);
    ps[0].drag = 0.5;
    assert!(simulate(&ps, 1.3) != before);
}

#[test]
fn a_copy_made_by_a_chain_stepped_by_its_fields() {
    check_particles!(stepped_by_fields, 32);
}

// ------------------------------------------------------------ copies of a struct parameter

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct P {
    pub x: f64,
    pub y: f64,
}

impl P {
    fn dot(&self, o: &P) -> f64 {
        self.x * o.x + self.y * o.y
    }
}

/// A struct parameter copied into a `mut` binding, or chosen by `if`, then written and
/// read: one local per field, each read from the parameter's (both were errors, and before
/// that a copy whose fields read as constants); an element of a sequence of them copied
/// (`qs[0]`, `Copy`) and cloned (`ps[1].clone()`, not `Copy`), then written; the struct's
/// ordinary methods called on the copies.
#[differentiate(hessian)]
fn copied_structs(a: P, b: P, ps: &[Particle], qs: &[P]) -> f64 {
    let mut c = a;
    c.x *= 2.0;
    let d = if a.x > 0.0 { a } else { b };
    let mut p = ps[1].clone();
    p.x *= d.y;
    p.v += p.x * ps[0].v;
    let mut q = qs[0];
    q.y += q.x * c.y;
    // The struct's methods on the copies.
    c.x * c.y + d.x * d.y + p.x * p.v + q.x * q.y + c.dot(&q) + q.dot(&qs[1])
}

/// The elements of a gradient of [`copied_structs`], in parameter order.
fn flat_grad(g: &copied_structs::Grad) -> Vec<f64> {
    let mut v = vec![g.a.x, g.a.y, g.b.x, g.b.y];
    v.extend(g.ps.iter().flat_map(|p| [p.x, p.v]));
    v.extend(g.qs.iter().flat_map(|q| [q.x, q.y]));
    v
}

#[test]
fn copies_of_struct_parameters_written() {
    let (a, b) = (P { x: 0.7, y: -1.3 }, P { x: 2.0, y: 0.5 });
    let qs = vec![P { x: 0.4, y: -0.6 }, P { x: 1.1, y: 0.3 }];
    let ps = particles();
    for a in [a, P { x: -0.7, ..a }] {
        // Every element of every parameter, in order, and back.
        let flat = |a: &P, b: &P, ps: &Vec<Particle>, qs: &Vec<P>| {
            let mut v = vec![a.x, a.y, b.x, b.y];
            v.extend(ps.iter().flat_map(|p| [p.x, p.v]));
            v.extend(qs.iter().flat_map(|q| [q.x, q.y]));
            v
        };
        let at = |w: &[f64]| {
            let (mut ps, mut qs) = (ps.clone(), qs.clone());
            for (k, p) in ps.iter_mut().enumerate() {
                (p.x, p.v) = (w[4 + 2 * k], w[5 + 2 * k]);
            }
            for (k, q) in qs.iter_mut().enumerate() {
                (q.x, q.y) = (w[10 + 2 * k], w[11 + 2 * k]);
            }
            (P { x: w[0], y: w[1] }, P { x: w[2], y: w[3] }, ps, qs)
        };
        let x = flat(&a, &b, &ps, &qs);
        let f = |w: &[f64]| {
            let (a, b, ps, qs) = at(w);
            copied_structs(a, b, &ps, &qs)
        };
        let grad = |w: &[f64]| {
            let (a, b, ps, qs) = at(w);
            flat_grad(&copied_structs::grad(a, b, &ps, &qs).1)
        };
        common::assert_fd(f, &x, &grad(&x));
        let hvp = |w: &[f64], u: &[f64]| {
            let (a, b, ps, qs) = at(w);
            let (da, db, dps, dqs) = at(u);
            let g = copied_structs::hvp(
                a,
                b,
                &ps,
                &qs,
                PGrad { x: da.x, y: da.y },
                PGrad { x: db.x, y: db.y },
                &(dps.iter())
                    .map(|p| ParticleGrad { x: p.x, v: p.v })
                    .collect(),
                &(dqs.iter()).map(|q| PGrad { x: q.x, y: q.y }).collect(),
            )
            .2;
            flat_grad(&g)
        };
        check_hvp(grad, hvp, &x, 33);
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub inputs: usize,
}

/// A layer cloned out of a slice of them and changed before use: its weights and biases
/// are copies of the parameter's, so their gradients go back to `layers[0]`.
#[differentiate(reverse, forward)]
fn cloned_layer(layers: &[Dense], x: &[f64]) -> f64 {
    let mut l2 = layers[0].clone();
    l2.w[0] *= x[0];
    l2.b[1] += l2.w[1] * x[1];
    let mut s = 0.0;
    for o in 0..l2.b.len() {
        let mut z = l2.b[o];
        for i in 0..l2.inputs {
            z += l2.w[o * l2.inputs + i] * x[i];
        }
        s += z.tanh();
    }
    s
}

#[test]
fn a_layer_cloned_and_changed() {
    let layers = vec![Dense {
        w: vec![0.1, -0.2, 0.3, 0.4],
        b: vec![0.05, -0.1],
        inputs: 2,
    }];
    let x = [0.7, -0.4];
    let (value, g) = cloned_layer::grad(&layers, &x);
    assert_eq!(value, cloned_layer(&layers, &x));
    assert_fd_elements(|l: &Vec<Dense>| cloned_layer(l, &x), &layers, &g.layers);
    common::assert_fd(|x| cloned_layer(&layers, x), &x, &g.x);
    // Forward mode along the first weight: its gradient.
    let mut dl = layers.zeros_like();
    dl[0].w[0] = 1.0;
    let tangent = cloned_layer::jvp(&layers, &x, &dl, &[0.0, 0.0]).1;
    assert_close(tangent, g.layers[0].w[0], 1e-12);
}

/// A local struct of numbers that is not `Copy`: held one local per field, its `&self`
/// methods inlined (they were left as calls: "not inlined" at the value).
#[derive(Clone)]
struct Seg {
    a: f64,
    b: f64,
}

impl Seg {
    fn len(&self) -> f64 {
        self.a.hypot(self.b)
    }

    fn at(&self, t: f64) -> f64 {
        self.a * t + self.b
    }
}

#[differentiate(hessian)]
fn segments(x: &[f64]) -> f64 {
    let s = Seg { a: x[0], b: x[1] };
    let mut q = Seg {
        a: x[1] * x[0],
        b: 2.0,
    };
    q.b *= x[0];
    s.len() + q.at(x[1]) + s.a * q.len()
}

#[test]
fn methods_of_a_local_struct_that_is_not_copy() {
    let x = [0.7, -1.3];
    let (value, g) = segments::grad(&x);
    assert_eq!(value, segments(&x));
    common::assert_fd(segments, &x, &g.x);
    check_hvp(
        |x| segments::grad(x).1.x,
        |x, u| segments::hvp(x, u).2.x,
        &x,
        34,
    );
}
