use backprop::differentiate;

#[differentiate]
fn f<T: Copy + core::ops::Mul<Output = T>>(x: T) -> f64 {
    let _ = x * x;
    1.0
}

fn main() {}
