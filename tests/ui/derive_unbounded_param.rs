// A type parameter of a differentiable field without a bound: one error at it, saying to
// bound it by `Real`.
use backprop::Differentiable;

#[derive(Differentiable, Clone)]
pub struct Gauss<T> {
    pub mu: T,
    pub log_sigma: T,
}

fn main() {}
