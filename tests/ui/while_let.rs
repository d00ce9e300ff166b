// `while let` is the `loop { match .. }` it means: a pattern that binds nothing works over
// anything (`while let Some(_) = it.next()`), and one that binds the items of a stack of
// constants works (`tests/language.rs`); an iterator bound to a name and stepped by
// `while let Some(&b) = it.next()` alone is the `for` loop it means (`tests/language.rs`).
use backprop::differentiate;

#[differentiate(wrt(x))]
fn f(x: f64, v: Vec<u8>) -> f64 {
    let mut it = v.iter();
    let mut s = x;
    while let Some(_) = it.next() {
        s *= x;
    }
    let mut again = v.iter();
    while let Some(&b) = again.next() {
        s += b as f64 * x;
    }
    s
}

fn step(pos: &mut usize, n: usize) -> Option<usize> {
    *pos += 1;
    (*pos < n).then_some(*pos)
}

// A matched value that lends a local mutably is matched once, through a local; lending
// `&mut` to a call is not supported, and the error says so at the borrow.
#[differentiate]
fn lent(x: &[f64]) -> f64 {
    let mut pos = 0;
    let mut s = 0.0;
    while let Some(k) = step(&mut pos, x.len()) {
        s += x[k];
    }
    s
}

fn main() {}
