use backprop::differentiate;

// An item of `iter_mut()` bound to another name: the rewrite cannot follow it.
#[differentiate]
fn bound_again(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for vi in v.iter_mut() {
        let r = vi;
        *r *= 2.0;
    }
    v[0]
}

// Inside a macro, its tokens are not read.
#[differentiate]
fn in_macro(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.iter_mut().for_each(|vi| {
        debug_assert!(*vi > -10.0);
        *vi *= 2.0;
    });
    v[0]
}

// Mutable items through `.map(..)`.
#[differentiate]
fn mapped(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for vi in v.iter_mut().map(|a| a) {
        *vi *= 2.0;
    }
    v[0]
}

fn main() {
    bound_again(&[1.0]);
    in_macro(&[1.0]);
    mapped(&[1.0]);
}
