use backprop::differentiate;

// Nested differentiation goes through the callee's `hvp`: a callee without `hessian` or
// with an array parameter (`grad` or `jvp`), and a caller with `hessian` (third derivatives),
// are errors at the user's call that say what is supported; a gradient used whole is
// refused where it is used.
#[differentiate(hessian)]
fn spring(a: &[f64], b: &[f64; 3]) -> f64 {
    let mut e = 0.0;
    for i in 0..a.len() {
        e += (a[i] - b[i]).powi(2);
    }
    e
}

#[differentiate]
fn bowl(x: f64, y: f64) -> f64 {
    x * x + y * y
}

#[differentiate(hessian)]
fn chain(q: &[f64]) -> f64 {
    let mut e = 0.0;
    for i in 1..q.len() {
        e += (q[i] - q[i - 1]).powi(2);
    }
    e
}

#[differentiate(reverse)]
fn settle(q0: &[f64], dt: f64) -> f64 {
    let mut q = q0.to_vec();
    let rest = [0.0; 3];
    for _ in 0..10 {
        let (_, g) = spring::grad(&q, &rest);
        for i in 0..q.len() {
            q[i] -= dt * g.a[i];
        }
    }
    q.iter().sum()
}

#[differentiate(reverse)]
fn roll(x: f64) -> f64 {
    let (_, g) = bowl::grad(x, 1.0);
    g.x
}

#[differentiate(reverse)]
fn slope(q: &[f64]) -> f64 {
    let (_, d) = spring::jvp(q, &[0.0; 3], q, &[1.0; 3]);
    d
}

#[differentiate(reverse)]
fn whole(q: &[f64]) -> f64 {
    let (_, g) = chain::grad(q);
    let copy = g;
    copy.q[0]
}

// Third derivatives: a caller differentiated twice.
#[differentiate(hessian)]
fn stiffness(q: &[f64]) -> f64 {
    let (_, g) = chain::grad(q);
    g.q[0] * g.q[0]
}

fn main() {}
