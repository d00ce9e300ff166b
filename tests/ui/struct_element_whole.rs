// An element of a sequence of structs is read by its fields, through a name bound to it
// (`let p = ps[i];`) or by walking the sequence; a `mut` copy of one is an error at the
// element, saying what is supported (it said "a row of a nested sequence").
use backprop::{Differentiable, differentiate};

#[derive(Differentiable, Clone, Copy, Debug)]
pub struct P {
    pub x: f64,
    pub y: f64,
}

#[differentiate]
fn copied(ps: &[P]) -> f64 {
    let mut p = ps[0];
    if p.x > 1.0 {
        p = ps[1];
    }
    p.x + p.y
}

fn main() {}
