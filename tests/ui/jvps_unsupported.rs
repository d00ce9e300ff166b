use backprop::{Real, differentiate};

#[differentiate(forward)]
fn horner<T: Real>(x: T, c: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..c.len() {
        s = s * x + c[i];
    }
    s
}

fn main() {
    let c = [1.0, 2.0];
    let _ = horner::jvps(2.0, &c, [1.0, 0.0], [&[0.0; 2][..], &[1.0, 0.0][..]]);
}
