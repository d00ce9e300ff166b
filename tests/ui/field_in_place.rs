// An element of a value computed in place is read where the value is written out there (a
// literal, or an operator, function or closure of the file returning one) and its other
// elements are plain (`tests/language.rs` `elements_of_values_computed_in_place`). A
// function the macro cannot see into, or a sibling element that does something, is an
// error at the read (it once read as a constant and lost its derivative).
use backprop::differentiate;

mod other {
    pub fn pair(a: f64, b: f64) -> (f64, f64) {
        (a * b, a + b)
    }
}

#[differentiate]
fn from_another_module(x: &[f64]) -> f64 {
    other::pair(x[0], x[1]).0
}

#[differentiate]
fn with_a_block_beside(x: &[f64]) -> f64 {
    (x[0], {
        let t = x[1];
        t * 2.0
    })
        .0
}

fn main() {}
