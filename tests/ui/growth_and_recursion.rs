// Growing a sequence in ways the derivative cannot follow (a nested one, or in the middle),
// and recursion with `hessian` (recursion is supported in reverse and forward mode): errors
// that say what to write instead.
use backprop::differentiate;

#[differentiate]
fn grow_rows(x: f64) -> f64 {
    let mut m: Vec<Vec<f64>> = vec![vec![0.0; 2]; 2];
    m.push(vec![x, x]);
    m[2][0]
}

#[differentiate]
fn insert_front(x: f64) -> f64 {
    let mut v: Vec<f64> = vec![1.0];
    v.insert(0, x * x);
    v[0]
}

#[differentiate(hessian)]
fn power(x: f64, n: u32) -> f64 {
    if n == 0 { 1.0 } else { x * power(x, n - 1) }
}

fn main() {}
