// Rows of a nested sequence: indexed, measured and iterated through a name, never used
// whole.
use backprop::differentiate;

#[differentiate]
fn sum_all(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in v {
        s += x;
    }
    s
}

#[differentiate]
fn row_passed(m: &[Vec<f64>]) -> f64 {
    let row = &m[0];
    sum_all(row)
}

#[differentiate]
fn row_copied(m: &[Vec<f64>]) -> f64 {
    let s = m[0].clone();
    s[1] * 2.0
}

#[differentiate]
fn row_summed(m: &[Vec<f64>]) -> f64 {
    m[0].iter().sum::<f64>() + sum_all(&m[1])
}

fn main() {}
