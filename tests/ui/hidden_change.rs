// A statement evaluated for its effect that may change a value carrying a derivative is
// refused at the borrow or the method: the derivative would not follow the change. A
// `&mut` borrow in a statement that reads only constants stays a constant statement.
use backprop::{Differentiable, differentiate};
use std::ops::AddAssign;

#[derive(Differentiable, Clone, Debug)]
pub struct Params {
    pub w: Vec<f64>,
}

// A function beside the caller writing floats through `&mut` is inlined, the write then
// the caller's own (`tests/mut_borrows.rs`); one in another module is not.
mod util {
    pub fn nudge(v: &mut f64, by: f64) {
        *v += by;
    }
}

fn count(n: &mut usize) {
    *n += 1;
}

#[differentiate]
fn f(x: f64) -> f64 {
    let mut q = x * 2.0;
    util::nudge(&mut q, 1.0);
    let mut buf = 0.0;
    util::nudge(&mut buf, x);
    q.add_assign(x);
    let mut calls = 0;
    count(&mut calls);
    q + buf + calls as f64
}

// An optimizer step on a struct, `Differentiable::scaled_add`, changes it in place.
#[differentiate(wrt(p))]
fn stepped(mut p: Params, g: &ParamsGrad) -> f64 {
    p.scaled_add(-0.1, g);
    p.w[0] * p.w[0]
}

fn main() {}
