use backprop::differentiate;

// One error, at the parameter: the result and the arguments typed `T` add none of their own.
#[differentiate]
fn product<T: Copy + core::ops::Mul<Output = T>>(x: T, y: T) -> T {
    x * y
}

fn main() {
    let _ = product::grad(1.0f32, 2.0f32);
}
