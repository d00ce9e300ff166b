use backprop::differentiate;

// A name bound to a `&mut` borrow of a local or a row is read and written as what it
// borrows (`tests/mut_borrows.rs`); not one declared `mut`, which may borrow something else
// later, nor a row whose index changes while it is borrowed.
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

fn main() {}
