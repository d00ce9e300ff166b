use backprop::differentiate;

// A name bound to a `&mut` borrow of a local or a row is read and written as what it
// borrows (`tests/mut_borrows.rs`); not one declared `mut`, which may borrow something else
// later, nor a row whose index changes while it is borrowed, nor one whose local a later
// `let` binds again (the name would then be another value).
#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    let mut z = x * 2.0;
    let mut r = &mut y;
    *r = 2.0;
    r = &mut z;
    *r += 1.0;
    y + z
}

#[differentiate]
fn g(x: &[f64]) -> f64 {
    let mut m = vec![vec![x[0]; 2]; 2];
    let mut k = 0;
    let row = &mut m[k];
    k += 1;
    row[0] = x[k];
    m[0][0] + m[1][0]
}

#[differentiate]
fn h(x: &[f64]) -> f64 {
    let mut w = x[0];
    let r = &mut w;
    let w = x[1] * 3.0;
    *r += w;
    w
}

fn main() {}
