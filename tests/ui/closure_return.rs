use backprop::differentiate;

// A closure whose body returns from it cannot stand where it is called (the `return` would
// leave the function): it is not inlined, and so refused.
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let half = |t: f64| {
        if t < 0.0 {
            return 0.5;
        }
        t * 2.0
    };
    half(x[1]) + 10.0 * x[0]
}

fn main() {}
