// Labeled loops are supported (with `break 'label value` too); a labeled block is rejected
// at its label.
use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y = 'found: {
        if x > 1.0 {
            break 'found x;
        }
        x * 2.0
    };
    y * x
}

fn main() {}
