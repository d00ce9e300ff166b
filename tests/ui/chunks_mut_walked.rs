// A chunk of `chunks_mut` written other than by index (here walked by `iter_mut`): one
// error at the loop, listing what is supported (chunks written by index among them).
use backprop::differentiate;

#[differentiate]
fn scaled(x: &[f64]) -> f64 {
    let mut y = x.to_vec();
    for c in y.chunks_mut(2) {
        for v in c.iter_mut() {
            *v *= 2.0;
        }
    }
    y.iter().sum()
}

fn main() {}
