// A gate without the rule a mode needs: one error that says which rule to add.
use backprop::differentiate;

backprop::gate! {
    pub fn cube(x: f64) -> f64 {
        x * x * x
    }
    backward(out, grad) {
        grad * 3.0 * x * x
    }
}

backprop::gate! {
    pub fn square(x: f64) -> f64 {
        x * x
    }
    backward(out, grad) {
        grad * 2.0 * x
    }
    tangent(out, dx) {
        2.0 * x * dx
    }
}

#[differentiate(forward)]
fn f(x: f64) -> f64 {
    cube(x) + 1.0
}

#[differentiate(hessian)]
fn g(x: f64) -> f64 {
    square(x) * 2.0
}

fn main() {}
