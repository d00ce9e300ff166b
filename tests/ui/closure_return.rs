use backprop::differentiate;

// A closure bound to a local is inlined at its calls after the `Option`s carrying a
// derivative are split into a float and a flag: one that makes such an `Option` (here by
// `?`, which in a closure making an `Option` is a `let .. else` returning `None`) is
// refused. (A function beside this one that makes it, or a closure given to one, is
// inlined before: `tests/higher_order.rs`.)
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let third = |t: f64| -> Option<f64> { Some(t * x.get(2)?) };
    third(x[1]).unwrap_or(0.0) + 10.0 * x[0]
}

fn main() {}
