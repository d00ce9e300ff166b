// `match` arms may use what their pattern binds from a constant; from a value that carries
// a derivative (here `y`, in a tuple), that is an error at each such arm's pattern, and the
// only errors.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    match (x > 0.0, y) {
        (true, v) => v * x,
        (false, v) => -v,
    }
}

fn main() {}
