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
