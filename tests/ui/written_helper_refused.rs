// A function writing floats through `&mut` is inlined where it is given a local or a row of
// one (`&mut k`, `&mut m[i]`: `tests/mut_borrows.rs`); given a part of a slice, or
// binding the parameter's name again, it is not, and the errors say what is supported. So
// is a struct's method taking `&mut self` that returns early: an error at the struct.
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

#[derive(Clone, Copy)]
struct P {
    x: f64,
    v: f64,
}

impl P {
    fn kick(&mut self, f: f64) {
        if f > 10.0 {
            return;
        }
        self.v += f;
    }
}

#[differentiate]
fn g(x: f64) -> f64 {
    let mut p = P { x, v: 0.0 };
    p.kick(x);
    p.x + p.v
}

fn main() {}
