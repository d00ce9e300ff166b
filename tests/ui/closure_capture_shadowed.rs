use backprop::differentiate;

// The closure reads `w`; at its call inside the chain, `w` names the chain's item. Inlined
// there it would read the item, so it is not inlined (and rejected) rather than
// differentiated wrong.
#[differentiate]
fn f(x: &[f64]) -> f64 {
    let w = x[0];
    let scaled = |t: f64| t * w;
    x.iter().map(|w| scaled(*w)).sum()
}

fn main() {}
