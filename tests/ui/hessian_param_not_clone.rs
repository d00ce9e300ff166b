// `hessian` runs one pass per row, each on its own copy of the arguments: a parameter
// passed by value must be `Clone`. The error points at the parameter.
use backprop::differentiate;

pub enum Mode {
    Sq,
    Abs,
}

#[differentiate(hessian)]
fn f(x: &[f64], mode: Mode) -> f64 {
    x.iter()
        .map(|&e| match mode {
            Mode::Sq => e * e,
            Mode::Abs => e.abs(),
        })
        .sum()
}

fn main() {}
