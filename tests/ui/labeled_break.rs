// Labeled loops are supported (with `break 'label value` too), and so are labeled blocks
// (`tests/language.rs` `labeled_blocks_run_once`); a labeled block that leaves an enclosing
// loop by `continue` or `break` without a label is rejected at its label.
use backprop::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        let y = 'found: {
            if v > 1.0 {
                continue;
            }
            v * 2.0
        };
        s += y * v;
    }
    s
}

fn main() {}
