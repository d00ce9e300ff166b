// Chains of `iter` (or a range), `zip`, `skip` / `take` / `step_by` (in forward order),
// `enumerate`, `rev`, `map`, `filter`, `scan` (never ending early), joins by `chain` and
// `flatten` (`tests/ui/joined_walk.rs`) and `sum` / `product` /
// `fold` / `for_each` / `collect` / `max_by` over slices are supported; other adaptors, and
// a count from the end of a walk narrowed before its `rev` (`take(3).rev().enumerate()`),
// are rejected at the adaptor, once. A chain over windows or chunks ends in `sum`,
// `product`, `fold` or `for_each`; another end is rejected there, once. A sequence given to
// `zip` is walked as it is (skipped, taken, reversed, zipped again): a `map` there is
// rejected at the `map`, once, saying to map after the zip. An iterator bound to a name
// and stepped by `next()` is rejected once, where it is made.
use backprop::differentiate;

#[differentiate]
fn f(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().peekable() {
        s += v;
    }
    for (a, b) in x.iter().zip(y) {
        s += a * b;
    }
    s
}

#[differentiate]
fn neighbours(x: &[f64]) -> f64 {
    x.iter().take(3).rev().enumerate().skip(1).map(|(i, a)| a * i as f64).sum::<f64>()
        + x.iter().cycle().take(3).map(|a| a * a).product::<f64>()
}

#[differentiate]
fn window_products(x: &[f64]) -> f64 {
    let v: Vec<f64> = x.windows(2).map(|w| w[0] * w[1]).collect();
    v[0] + x.chunks(2).map(|c| c[0]).max_by(|a, b| a.total_cmp(b)).unwrap()
}

// A scan that may end early (`None`) is not a `map`: rejected at the adaptor.
#[differentiate]
fn bounded_sums(x: &[f64]) -> f64 {
    x.iter()
        .scan(0.0, |acc, &v| {
            *acc += v;
            if *acc > 1.0 { None } else { Some(*acc) }
        })
        .sum()
}

#[differentiate]
fn zipped_mapped(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y.iter().map(|v| v * 2.0)).map(|(a, b)| a * b).sum()
}

#[differentiate]
fn stepped_by_hand(x: &[f64]) -> f64 {
    let mut it = x.iter().peekable();
    let mut s = 0.0;
    while let Some(v) = it.next() {
        if let Some(&&n) = it.peek() {
            s += v * n;
        }
    }
    s
}

fn main() {}
