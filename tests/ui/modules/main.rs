// A function in another file of the crate that the macro does not inline (it takes an
// `Option`) is named at its call, by the path or the name the caller writes, beside one
// it inlines (`stats::square`, which compiles).
mod stats;

use backprop::differentiate;
use stats::capped as cap;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    stats::square(x[0]) + stats::capped(x[1], Some(1.0)) + cap(x[2], None)
}

fn main() {}
