//! Vector helpers in a module file beside the crate's root; `norm` calls `dot`.

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// The midpoint rule on `n` intervals: given a function, inlined where it is called with a
/// closure, by path (`util::midpoint`) or brought in by `use`.
pub fn midpoint(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut s = 0.0;
    for i in 0..n {
        s += f(a + h * (i as f64 + 0.5));
    }
    s * h
}
