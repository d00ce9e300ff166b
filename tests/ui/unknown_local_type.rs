use backprop::differentiate;

mod units {
    pub type Real = f64;
}
use units::Real;

// A written type the macro does not know (an alias declared elsewhere) on a local whose
// value carries a derivative: held as a constant, its derivative would be lost, so it is
// an error at the type, on a definition and on a declaration. (An alias declared beside
// the function is written out.)
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let a: Real = x[0] * x[1];
    let b: Real;
    b = x[1].sin();
    a * b
}

fn main() {}
