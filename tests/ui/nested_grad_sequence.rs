use backprop::differentiate;

// Nested differentiation reads a gradient's float fields; a gradient with respect to a
// slice is refused where it is read as a sequence, with what is supported.
#[differentiate(hessian)]
fn energy(q: &[f64]) -> f64 {
    let mut e = 0.0;
    for i in 1..q.len() {
        e += (q[i] - q[i - 1]).powi(2);
    }
    e
}

#[differentiate(reverse)]
fn settle(q0: &[f64], dt: f64) -> f64 {
    let mut q = q0.to_vec();
    for _ in 0..10 {
        let (_, g) = energy::grad(&q);
        for i in 0..q.len() {
            q[i] -= dt * g.q[i];
        }
    }
    q.iter().sum()
}

fn main() {}
