use backprop::differentiate;

#[differentiate(wrt(x))]
fn f(x: f64, v: Vec<u8>) -> f64 {
    let mut it = v.iter();
    let mut s = x;
    while let Some(_) = it.next() {
        s *= x;
    }
    s
}

fn main() {}
