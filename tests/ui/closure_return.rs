use backprop::differentiate;

// A closure whose body leaves it by `?` cannot stand where it is called (the `?` would
// leave the function): it is not inlined, and so refused. (One that leaves by `return` is
// its value's branches.)
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let third = |t: f64| -> Option<f64> { Some(t * x.get(2)?) };
    third(x[1]).unwrap_or(0.0) + 10.0 * x[0]
}

fn main() {}
