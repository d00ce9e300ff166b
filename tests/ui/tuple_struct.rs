// A tuple struct of the function's own module is held one local per element, as a struct
// with named fields is (`tests/language.rs` `tuple_struct_iteration`); one of another
// module is read as a call's result, and an element of it built from values that carry a
// derivative is an error at the read. It once read as a constant, with a zero gradient.
use backprop::differentiate;

mod geometry {
    #[derive(Clone, Copy)]
    pub struct P(pub f64, pub f64);
}

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let p = geometry::P(x[0], x[1]);
    p.0 * p.1
}

fn main() {}
