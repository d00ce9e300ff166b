/// GradBench's determinant by minors: every call passes the whole matrix on and saves only
/// floats, so it runs on one tape: `__forward_tape` pushes onto the stacks its caller
/// passes in, `__backward_tape` pops them and adds into the caller's gradient.
#[differentiate]
fn det_minor(a: &[f64], n: usize, row: usize, used: usize) -> f64 {
    if row + 1 == n {
        let mut last = 0.0;
        for j in 0..n {
            if used & (1 << j) == 0 {
                last = a[row * n + j];
            }
        }
        return last;
    }
    let mut det = 0.0;
    let mut sign = 1.0;
    for j in 0..n {
        if used & (1 << j) == 0 {
            det += sign * a[row * n + j] * det_minor(a, n, row + 1, used | (1 << j));
            sign = -sign;
        }
    }
    det
}
