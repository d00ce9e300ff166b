//! The public contract of API.md: items, visibility, `wrt`, `crate = path`, gates, calls
//! across modules, hygiene, and warning-free output under `#![deny(warnings)]`.

#![deny(warnings)]

mod common;
use backprop::differentiate;

/// User code that defines names the generated code must not rely on.
mod hostile {
    #![allow(dead_code, non_upper_case_globals, clippy::all)]
    use backprop::differentiate;

    pub struct Result;
    pub struct Option;
    pub struct Vec;
    pub fn grad_x() -> f64 {
        1.0
    }
    pub fn pullback() {}
    pub fn sigmoid(_: f64) -> f64 {
        0.0
    }
    pub fn vjp() {}
    pub fn grad() {}
    pub struct Grad;
    pub struct Stack;
    pub fn value() -> f64 {
        3.0
    }
    pub fn upstream() {}
    pub fn s0() {}
    pub trait Clone {}
    pub trait Debug {}
    pub mod core {}

    #[differentiate(reverse, forward)]
    pub fn f(x: f64, y: f64) -> f64 {
        let grad_y = x * y;
        let pullback = grad_y.exp();
        pullback / (1.0 + x * x)
    }

    #[differentiate]
    pub fn g(x: &[f64], n: usize) -> f64 {
        let mut s = 0.0;
        for i in 0..n {
            s += x[i] * x[i];
        }
        s
    }
}

#[test]
fn generated_code_ignores_user_names() {
    let (v, g) = hostile::f::grad(0.5, -1.5);
    assert_eq!(v, hostile::f(0.5, -1.5));
    let e = (-0.75f64).exp();
    let d = 1.25;
    common::assert_close(g.x, (-1.5 * e * d - e * 2.0 * 0.5) / (d * d), 1e-14);
    common::assert_close(g.y, 0.5 * e / d, 1e-14);
    let (_, t) = hostile::f::jvp(0.5, -1.5, 1.0, 0.0);
    common::assert_close(t, g.x, 1e-14);
    let (_, g) = hostile::g::grad(&[1.0, 2.0, 3.0], 2);
    assert_eq!(g.x, vec![2.0, 4.0, 0.0]);
}

mod models {
    use backprop::differentiate;

    #[differentiate]
    pub(crate) fn square(x: f64) -> f64 {
        x * x
    }

    pub mod deeper {
        use backprop::differentiate;

        #[differentiate(reverse, forward)]
        pub fn cube(x: f64) -> f64 {
            x * x * x
        }
    }
}

use models::deeper::cube;

/// Calls differentiated functions from other modules, by path and by `use`.
#[differentiate(reverse, forward)]
fn composed(x: f64) -> f64 {
    let a = cube(x);
    let b = models::deeper::cube(a + 1.0);
    b * 2.0
}

#[test]
fn visibility_and_calls_across_modules() {
    let (_, g) = models::square::grad(3.0);
    assert_eq!(g.x, 6.0);
    let (v, g) = composed::grad(0.5);
    assert_eq!(v, composed(0.5));
    let a = 0.125f64;
    common::assert_close(g.x, 2.0 * 3.0 * (a + 1.0).powi(2) * 3.0 * 0.25, 1e-14);
    let (_, t) = composed::jvp(0.5, 1.0);
    common::assert_close(t, g.x, 1e-14);
}

#[test]
fn function_nested_in_a_block() {
    #[differentiate]
    fn local(x: f64, y: f64) -> f64 {
        (x * y).sin()
    }
    let (_, g) = local::grad(1.0, 2.0);
    common::assert_close(g.x, 2.0 * 2.0f64.cos(), 1e-15);
}

mod reexport {
    pub use backprop as bp;
}

#[crate::reexport::bp::differentiate(crate = crate::reexport::bp)]
fn through_reexport(x: f64) -> f64 {
    x.exp()
}

#[test]
fn crate_argument_points_at_a_renamed_facade() {
    let (v, g) = through_reexport::grad(1.0);
    assert_eq!(v, g.x);
}

backprop::gate! {
    /// softplus(x) = ln(1 + eˣ), declared with a hand-written backward.
    pub fn softplus(x: f64) -> f64 {
        x.exp().ln_1p()
    }
    backward(out, grad) {
        grad * (1.0 - (-out).exp())
    }
    tangent(out, dx) {
        dx * (1.0 - (-out).exp())
    }
}

backprop::gate! {
    /// A gate of two inputs: `a·b` with its two local gradients.
    fn product(a: f64, b: f64) -> f64 {
        a * b
    }
    backward(out, grad) {
        (grad * b, grad * a)
    }
    tangent(out, da, db) {
        da * b + a * db
    }
}

#[differentiate(reverse, forward)]
fn uses_gates(w: f64, x: f64) -> f64 {
    softplus(product(w, x)) + product(x, 3.0)
}

#[test]
fn user_declared_gates() {
    let (v, g) = uses_gates::grad(2.0, 0.5);
    assert_eq!(v, uses_gates(2.0, 0.5));
    let s = backprop::sigmoid(1.0_f64);
    common::assert_close(g.w, s * 0.5, 1e-15);
    common::assert_close(g.x, s * 2.0 + 3.0, 1e-15);
    let (_, t) = uses_gates::jvp(2.0, 0.5, 1.0, 1.0);
    common::assert_close(t, g.w + g.x, 1e-15);
}

#[test]
fn grad_struct_derives() {
    let (_, g) = composed::grad(0.5);
    let h = g;
    assert_eq!(format!("{h:?}"), format!("{g:?}"));
    assert_eq!(h, g.clone());
}

backprop::gate! {
    /// A gate over a borrowed array, generic only over the borrow's lifetime.
    pub fn sum_of_squares<'a>(x: &'a backprop::ndarray::Array1<f64>) -> f64 {
        x.mapv(|v| v * v).sum()
    }
    backward(out, grad) {
        x.mapv(|v| 2.0 * v * grad)
    }
    tangent(out, dx) {
        2.0 * x.dot(&dx)
    }
}

#[differentiate(reverse, forward)]
fn scaled_energy(x: &backprop::ndarray::Array1<f64>, s: f64) -> f64 {
    sum_of_squares(x) * s
}

#[test]
fn gate_with_a_lifetime_parameter() {
    let x = backprop::ndarray::array![1.0, -2.0, 0.5];
    let (v, g) = scaled_energy::grad(&x, 0.5);
    assert_eq!(v, 0.5 * 5.25);
    assert_eq!(g.x.to_vec(), vec![1.0, -2.0, 0.5]);
    assert_eq!(g.s, 5.25);
    let dx = backprop::ndarray::array![1.0, 0.0, 2.0];
    let (_, t) = scaled_energy::jvp(&x, 0.5, &dx, 1.0);
    common::assert_close(t, g.x.dot(&dx) + g.s, 1e-15);
}

thread_local! {
    /// How many times `counted_energy`'s forward pass has run on this thread.
    static ENERGY_RUNS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

backprop::gate! {
    /// Σ xᵢ², counting its forward passes.
    pub fn counted_energy<'a>(x: &'a [f64]) -> f64 {
        ENERGY_RUNS.with(|r| r.set(r.get() + 1));
        x.iter().map(|v| v * v).sum()
    }
    backward(_, grad) {
        x.iter().map(|v| 2.0 * v * grad).collect::<Vec<f64>>()
    }
}

/// The gate borrows a local: the backward pass makes its pullback from the argument and the
/// result (the function's own), without running its forward pass again.
#[differentiate]
#[allow(clippy::needless_range_loop)]
fn energy_of_shifted(x: &[f64], s: f64) -> f64 {
    let mut y = x.to_vec();
    for i in 0..y.len() {
        y[i] = y[i] * s + 1.0;
    }
    counted_energy(&y)
}

/// The same through a float-annotated local, in a loop that changes the borrowed vector
/// after each call (restored backward before the pullback is made).
#[differentiate]
fn energies_in_a_loop(x: &[f64], s: f64) -> f64 {
    let mut y = x.to_vec();
    let mut total = 0.0;
    for _ in 0..3 {
        let e: f64 = counted_energy(&y);
        total += e * s;
        y[0] = y[0] * 0.5 + e * 0.01;
    }
    total
}

fn forward_runs(f: impl FnOnce()) -> usize {
    let before = ENERGY_RUNS.with(|r| r.get());
    f();
    ENERGY_RUNS.with(|r| r.get()) - before
}

#[test]
fn a_gate_borrowing_a_local_runs_its_forward_pass_once() {
    let x = [0.3, -1.2, 0.7];
    let mut g = None;
    // Once per call of the gate: not again in the backward pass.
    assert_eq!(
        forward_runs(|| g = Some(energy_of_shifted::grad(&x, 1.5))),
        1
    );
    let (value, g) = g.unwrap();
    assert_eq!(value, energy_of_shifted(&x, 1.5));
    common::assert_fd(|x| energy_of_shifted(x, 1.5), &x, &g.x);
    let fd = (energy_of_shifted(&x, 1.5 + 1e-6) - energy_of_shifted(&x, 1.5 - 1e-6)) / 2e-6;
    common::assert_close(g.s, fd, 1e-6);

    let mut g = None;
    assert_eq!(
        forward_runs(|| g = Some(energies_in_a_loop::grad(&x, 0.8))),
        3
    );
    let (value, g) = g.unwrap();
    assert_eq!(value, energies_in_a_loop(&x, 0.8));
    common::assert_fd(|x| energies_in_a_loop(x, 0.8), &x, &g.x);
    let fd = (energies_in_a_loop(&x, 0.8 + 1e-6) - energies_in_a_loop(&x, 0.8 - 1e-6)) / 2e-6;
    common::assert_close(g.s, fd, 1e-6);
}
