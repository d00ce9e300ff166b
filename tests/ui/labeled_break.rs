use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut s = x;
    'outer: for _ in 0..3 {
        for _ in 0..3 {
            s *= x;
            if s > 10.0 {
                break 'outer;
            }
        }
    }
    s
}

fn main() {}
