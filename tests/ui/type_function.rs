// A type's function (`Box::new`) given a value that carries a derivative: the macro has no
// derivative for it (differentiated functions are free functions or methods with a
// receiver), an error at the call, not rustc's E0223 at generated code. A function of
// floats of a type declared beside it (`Scale::apply`) is inlined instead.
use backprop::differentiate;

pub struct Scale;

impl Scale {
    pub fn apply(x: f64) -> f64 {
        2.0 * x
    }
}

#[differentiate]
fn boxed(x: f64) -> f64 {
    let b = Box::new(x);
    *b * Scale::apply(x)
}

fn main() {}
