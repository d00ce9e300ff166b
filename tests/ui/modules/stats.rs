//! A module file of the crate: one function of floats, one taking an `Option`.

pub fn square(x: f64) -> f64 {
    x * x
}

pub fn capped(x: f64, cap: Option<f64>) -> f64 {
    match cap {
        Some(c) => x.min(c),
        None => x,
    }
}
