// `match` arms may use what their pattern binds from a constant, from a tuple written out
// element by element (`(true, v)` of `(x > 0.0, y)`), or the whole value by a lone name; a
// tuple whose elements read the names the pattern binds (`x > 0.0` beside the new `x`) is
// an error at each such arm's pattern, and the only errors.
use backprop::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    match (y, x > 0.0) {
        (x, true) => x * y,
        (x, false) => -x,
    }
}

fn main() {}
