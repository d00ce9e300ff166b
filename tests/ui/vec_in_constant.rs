use backprop::differentiate;

// A `vec!` inside an expression that the macro reads as a constant is one only where its
// elements carry no derivative (`vec![0; k]`, flags); here the element does, and the
// derivative would be lost, so it is an error at the `vec!`.
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let k = vec![x[0] * 2.0; 2][1];
    k * x[1]
}

fn main() {}
