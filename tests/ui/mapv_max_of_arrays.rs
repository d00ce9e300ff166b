use backprop::differentiate;
use backprop::ndarray::Array1;

// Inside `mapv`, `max`, `min` and `clamp` against constants are the `maximum` and `minimum`
// gates; a max of the element against another expression of it (two arrays) is not.
#[differentiate]
fn f(x: &Array1<f64>) -> f64 {
    x.mapv(|v| v.max(v * 0.1)).sum()
}

fn main() {}
