// Rows of a nested sequence: indexed, measured, iterated, passed to functions and copied,
// never written or used as a value whole.
use backprop::differentiate;

#[differentiate]
fn row_moved(m: &[Vec<f64>]) -> f64 {
    let row = &m[0];
    let r = row;
    r[0]
}

#[differentiate]
fn row_written(x: f64) -> f64 {
    let mut m = vec![vec![0.0; 2]; 2];
    m[0] = vec![x, x];
    m[0][1]
}

fn main() {}
