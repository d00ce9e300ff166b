use backprop::differentiate;

macro_rules! twice {
    ($e:expr) => {
        $e * 2.0
    };
}

#[differentiate]
fn f(x: f64) -> f64 {
    println!("x = {x}"); // run on the forward pass as written
    twice!(x)
}

fn main() {}
