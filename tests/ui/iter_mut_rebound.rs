use backprop::differentiate;

// `*v` of `y.iter_mut()` is the element `y[i]`, read by the sequence's name; the body binds
// `y` again, which that element would then read: an error, not a wrong value.
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut y = x.to_vec();
    for v in y.iter_mut() {
        let y = 3.0;
        *v *= y;
    }
    y.iter().sum()
}

fn main() {}
