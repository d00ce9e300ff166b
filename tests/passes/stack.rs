#[differentiate(reverse)]
pub fn by_pop(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let mut acc: f64 = 0.0;
    while let Some(t) = v.pop() {
        acc = 0.9 * acc * t + t * t;
    }
    acc
}
