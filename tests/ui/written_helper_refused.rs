// A function writing floats through `&mut` is inlined where it is given a local, a row of
// one or a part of one (`&mut k`, `&mut m[i]`, `&mut a[1..]`: `tests/mut_borrows.rs`);
// binding the parameter's name again, it is not, and the errors say what is supported.
use backprop::differentiate;

fn square_into(out: &mut [f64], x: &[f64]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v * v;
    }
}

fn shifted(out: &mut [f64], v: f64) {
    let out = &mut out[1..];
    out[0] = v;
}

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut a = vec![0.0; x.len() + 1];
    square_into(&mut a[1..], x);
    shifted(&mut a, x[0]);
    a.iter().sum()
}

fn main() {}
