use backprop::differentiate;

// A closure making a `Result` (here returning early with `Err`): its value carries a
// derivative inside a `Result`, which the macro does not hold. (One making an `Option`,
// `|t| -> Option<f64> { Some(t * x.get(2)?) }`, is held as a float and a flag:
// `tests/higher_order.rs`.)
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let checked = |t: f64| -> Result<f64, &'static str> {
        if t < 0.0 {
            return Err("negative");
        }
        Ok(t.sqrt())
    };
    checked(x[1]).unwrap_or(0.0) + 10.0 * x[0]
}

fn main() {}
