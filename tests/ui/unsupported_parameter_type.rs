use backprop::differentiate;

// A struct parameter named in `wrt` whose type does not derive `Differentiable`. (Left to
// the default `wrt`, a struct declared beside the function without the derive is data: a
// constant, as an integer is.)
struct Params {
    scale: f64,
}

#[differentiate(wrt(x, p))]
fn f(x: f64, p: &Params) -> f64 {
    x * p.scale
}

fn main() {}
