use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> i32 {
    x as i32
}

#[differentiate]
fn g(x: f64) {
    let _ = x;
}

fn main() {}
