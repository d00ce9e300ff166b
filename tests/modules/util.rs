//! Vector helpers in a module file beside the crate's root; `norm` calls `dot`.

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}
