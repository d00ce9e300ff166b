// Generic over the float type: the constants derivative code writes are `T`'s.

#[differentiate(reverse, forward)]
pub fn horner<T: Real>(x: T, c: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..c.len() {
        s = s * x + c[i];
    }
    s * T::from_f64(0.5)
}
