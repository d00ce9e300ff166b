// Forward over reverse: `hvp` and `hessian` through `__fob`, where every value and every
// adjoint carries its tangent.
#[differentiate(hessian)]
fn neuron(w: f64, x: f64, b: f64) -> f64 {
    sigmoid(w * x + b)
}
