//! Two functions timed in alternating blocks, so that both see the same machine state: a
//! steadier ratio on a noisy machine than two benchmarks run one after the other.

/// Seconds per call of `f`, over a block of `calls` calls.
pub fn block(f: &dyn Fn(), calls: usize) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_secs_f64() / calls as f64
}

/// The medians of seconds per call of `a` and `b`, over `rounds` alternating blocks of
/// `calls` (for `a`, for `b`) calls each, the first `warm_up` rounds dropped.
pub fn medians(
    a: &dyn Fn(),
    b: &dyn Fn(),
    calls: (usize, usize),
    rounds: usize,
    warm_up: usize,
) -> (f64, f64) {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = (block(a, calls.0), block(b, calls.1));
        if round >= warm_up {
            ta.push(x);
            tb.push(y);
        }
    }
    (median(&mut ta), median(&mut tb))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
