// Differentiated functions and gates declared inside a function body: the module generated
// for `f` cannot see them. One error per call, saying to move them out.
use backprop::{differentiate, gate};

fn main() {
    #[differentiate]
    fn sq(v: f64) -> f64 {
        v * v
    }

    gate! {
        fn cube(x: f64) -> f64 {
            x * x * x
        }
        backward(out, grad) {
            grad * 3.0 * x * x
        }
    }

    #[differentiate]
    fn f(x: f64) -> f64 {
        sq(x) + cube(x)
    }

    let _ = f::grad(1.0);
}
