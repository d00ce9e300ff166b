//! Nested differentiation: a differentiated function calling another one's `grad`.
#![allow(clippy::needless_range_loop)] // loops written as the lecture and numerical code write them

use backprop::differentiate;

/// A potential well with a parameter `w`.
#[differentiate(hessian)]
fn potential(x: f64, y: f64, w: f64) -> f64 {
    w * x * x + 0.5 * (y - 1.0).powi(2) * (1.0 + w * y)
}

/// The API's example: a trajectory in the potential's force field, its miss distance.
#[differentiate(reverse, forward)]
fn miss(w: f64) -> f64 {
    let (mut x, mut y, mut vx, mut vy) = (0.0, 8.0, 0.75, 0.0);
    for _ in 0..100 {
        let (_, g) = potential::grad(x, y, w); // force = -∇ potential
        vx -= 0.01 * g.x;
        vy -= 0.01 * g.y;
        x += 0.01 * vx;
        y += 0.01 * vy;
    }
    x * x
}

#[test]
fn reverse_and_forward_over_reverse() {
    let w = 0.1;
    let (value, g) = miss::grad(w);
    assert_eq!(value, miss(w));
    let h = 1e-6;
    let fd = (miss(w + h) - miss(w - h)) / (2.0 * h);
    assert!(
        (g.w - fd).abs() < 1e-6 * fd.abs().max(1.0),
        "{} vs {fd}",
        g.w
    );
    let (_, dot) = miss::jvp(w, 1.0);
    assert!(
        (dot - g.w).abs() < 1e-9 * g.w.abs().max(1.0),
        "{dot} vs {}",
        g.w
    );
}

/// The value of the inner call is used too.
#[differentiate]
fn energy_and_slope(x: f64, w: f64) -> f64 {
    let (e, g) = potential::grad(x, 2.0 * x, w);
    e * g.w + g.x * g.x
}

#[test]
fn the_inner_value_and_gradient_both_carry_derivatives() {
    let (x, w) = (0.7, 0.3);
    let (_, g) = energy_and_slope::grad(x, w);
    let h = 1e-6;
    let fd_x = (energy_and_slope(x + h, w) - energy_and_slope(x - h, w)) / (2.0 * h);
    let fd_w = (energy_and_slope(x, w + h) - energy_and_slope(x, w - h)) / (2.0 * h);
    assert!((g.x - fd_x).abs() < 1e-6, "{} vs {fd_x}", g.x);
    assert!((g.w - fd_w).abs() < 1e-6, "{} vs {fd_w}", g.w);
}

/// A call to another function's `jvp`: a directional derivative inside the objective.
#[differentiate(reverse, forward)]
fn slope_along(x: f64, w: f64, a: f64) -> f64 {
    let (e, d) = potential::jvp(x, 1.0 - x, w, a, -a, 0.0);
    e + d * d
}

#[test]
fn calls_to_jvp_differentiate_too() {
    let (x, w, a) = (0.4, 0.2, 1.5);
    let (value, g) = slope_along::grad(x, w, a);
    assert_eq!(value, slope_along(x, w, a));
    let h = 1e-6;
    let fd = |i: usize| {
        let mut up = [x, w, a];
        let mut down = up;
        up[i] += h;
        down[i] -= h;
        (slope_along(up[0], up[1], up[2]) - slope_along(down[0], down[1], down[2])) / (2.0 * h)
    };
    assert!((g.x - fd(0)).abs() < 1e-5, "{} vs {}", g.x, fd(0));
    assert!((g.w - fd(1)).abs() < 1e-5, "{} vs {}", g.w, fd(1));
    assert!((g.a - fd(2)).abs() < 1e-5, "{} vs {}", g.a, fd(2));
    let (_, dot) = slope_along::jvp(x, w, a, 0.3, -0.2, 0.5);
    let expected = 0.3 * g.x - 0.2 * g.w + 0.5 * g.a;
    assert!((dot - expected).abs() < 1e-9, "{dot} vs {expected}");
}

/// The gradient's name bound again: each `g.x` reads its own call.
#[differentiate]
fn two_calls(x: f64, y: f64, w: f64) -> f64 {
    let (_, g) = potential::grad(x, y, w);
    let a = g.x;
    let (_, g) = potential::grad(y, x, w);
    a * g.x
}

#[test]
fn a_gradient_bound_again_reads_the_new_call() {
    let (x, y, w) = (0.3, 1.4, 0.2);
    let first = potential::grad(x, y, w).1.x;
    let second = potential::grad(y, x, w).1.x;
    assert!((two_calls(x, y, w) - first * second).abs() < 1e-15);
    let (value, g) = two_calls::grad(x, y, w);
    assert!((value - first * second).abs() < 1e-15);
    let h = 1e-6;
    let fd = (two_calls(x + h, y, w) - two_calls(x - h, y, w)) / (2.0 * h);
    assert!((g.x - fd).abs() < 1e-6, "{} vs {fd}", g.x);
}

#[differentiate(hessian)]
fn bowl(q: f64, r: f64) -> f64 {
    q * q * r + (q * r).sin()
}

/// A nested gradient's float fields called their own methods (`g.q.abs()`): floats, not
/// sequences (only a field walked, borrowed or indexed is one).
#[differentiate(reverse, forward)]
fn damped(q0: f64) -> f64 {
    let mut q = q0;
    for _ in 0..5 {
        let (_, g) = bowl::grad(q, 2.0);
        q -= 0.1 * g.q.abs().sqrt() + 0.01 * g.r.powi(2);
    }
    q
}

#[test]
fn a_nested_gradients_fields_called_their_methods() {
    let (value, g) = damped::grad(0.5);
    assert_eq!(value, damped(0.5));
    let h = 1e-6;
    let central = (damped(0.5 + h) - damped(0.5 - h)) / (2.0 * h);
    assert!((g.q0 - central).abs() < 1e-6 * central.abs().max(1.0));
    let (_, dot) = damped::jvp(0.5, 1.0);
    assert!((dot - g.q0).abs() < 1e-12 * g.q0.abs().max(1.0));
}

/// `f`'s gradient `(gq, gk)` at `(q, k)` against central differences, and `dot`, forward
/// mode along `(dq, dk)`, against it (the dot-product test).
fn check_gradient(
    f: impl Fn(&[f64], f64) -> f64,
    (q, k): (&[f64], f64),
    (gq, gk): (&[f64], f64),
    (dq, dk, dot): (&[f64], f64, f64),
) {
    let h = 1e-6;
    for i in 0..q.len() {
        let (mut a, mut b) = (q.to_vec(), q.to_vec());
        a[i] += h;
        b[i] -= h;
        let central = (f(&a, k) - f(&b, k)) / (2.0 * h);
        assert!(
            (gq[i] - central).abs() < 1e-6 * central.abs().max(1.0),
            "[{i}]: {} vs {central}",
            gq[i]
        );
    }
    let central = (f(q, k + h) - f(q, k - h)) / (2.0 * h);
    assert!(
        (gk - central).abs() < 1e-6 * central.abs().max(1.0),
        "{gk} vs {central}"
    );
    let expected: f64 = gq.iter().zip(dq).map(|(g, d)| g * d).sum::<f64>() + gk * dk;
    assert!(
        (dot - expected).abs() < 1e-10 * expected.abs().max(1.0),
        "{dot} vs {expected}"
    );
}

/// The energy of a chain of `n` beads: springs of stiffness `k` to the origin, a quartic
/// term, and a bending term between neighbours.
#[differentiate(hessian)]
fn chain_energy(q: &[f64], k: f64) -> f64 {
    let mut e = 0.0;
    for i in 0..q.len() {
        e += 0.5 * k * q[i] * q[i] + 0.1 * q[i].powi(4);
    }
    for i in 1..q.len() {
        e += (q[i] - q[i - 1]).cos();
    }
    e
}

/// Leapfrog steps of the chain in its own force field (`p -= dt·∇q E`, `q += dt·p`), and a
/// loss of where it ends: its energy, its gradient's squared length (walked), and the
/// gradient with respect to `k`.
#[differentiate(reverse, forward)]
fn leapfrog(q0: &[f64], k: f64) -> f64 {
    let mut q = q0.to_vec();
    let mut p = vec![0.0; q.len()];
    for _ in 0..20 {
        let (_, g) = chain_energy::grad(&q, k);
        for i in 0..q.len() {
            p[i] -= 0.05 * g.q[i];
        }
        for i in 0..q.len() {
            q[i] += 0.05 * p[i];
        }
    }
    let (e, g) = chain_energy::grad(&q, k);
    let slope: f64 = g.q.iter().map(|v| v * v).sum();
    let mut last = 0.0;
    for (i, v) in g.q.iter().enumerate().skip(g.q.len() - 2) {
        last += v * p[i];
    }
    e + slope + g.k + last
}

#[test]
fn a_nested_gradient_with_respect_to_a_slice() {
    let (q0, k) = ([0.3, 0.7, -1.1, 0.2], 1.5);
    let (value, g) = leapfrog::grad(&q0, k);
    assert_eq!(value, leapfrog(&q0, k));
    // Forward over reverse against reverse over reverse: the dot-product test.
    let (dq, dk) = ([0.3, -0.2, 0.5, 1.0], 0.7);
    let (_, dot) = leapfrog::jvp(&q0, k, &dq, dk);
    check_gradient(leapfrog, (&q0, k), (&g.q0, g.k), (&dq, dk, dot));
}

/// A generic callee taking `&Vec<T>` with the sequence first, the nested gradient read
/// through `len()`, a borrowed loop and `zip`.
#[allow(clippy::ptr_arg)] // a `&Vec` parameter, as some code takes one
#[differentiate(hessian)]
fn well<T: backprop::Real>(v: &Vec<T>, depth: T, n: usize) -> T {
    let mut e = T::zero();
    for x in v.iter().take(n) {
        e += depth * (*x * *x - T::one()).powi(2);
    }
    e
}

#[differentiate(reverse, forward)]
fn relax<T: backprop::Real>(v0: &[T], depth: T) -> T {
    let mut v = v0.to_vec();
    for _ in 0..3 {
        let (_, g) = well::grad(&v, depth, 3);
        let n = g.v.len();
        let mut norm = T::zero();
        for d in &g.v {
            norm += *d * *d;
        }
        for (i, d) in g.v.iter().enumerate() {
            if i + 1 < n {
                v[i] -= T::from_f64(0.02) * *d / (T::one() + norm);
            }
        }
    }
    let (_, g) = well::grad(&v, depth, 3);
    let mut s = g.depth;
    for (a, b) in v.iter().zip(g.v.iter()) {
        s += *a * *b;
    }
    s
}

#[test]
fn a_nested_gradient_of_a_generic_function_of_a_vec() {
    let (v0, depth): ([f64; 4], f64) = ([0.4, 1.3, -0.8, 0.5], 0.7);
    let (value, g) = relax::grad(&v0, depth);
    assert_eq!(value, relax(&v0, depth));
    let (dv, dd) = ([1.0, -0.5, 0.25, 2.0], -0.3);
    let (_, dot) = relax::jvp(&v0, depth, &dv, dd);
    check_gradient(relax, (&v0, depth), (&g.v0, g.depth), (&dv, dd, dot));
    // In `f32` too.
    let (value, _) = relax::grad(&[0.4f32, 1.3, -0.8, 0.5], 0.7f32);
    assert!((value as f64 - relax(&v0, depth)).abs() < 1e-4);
}

/// A potential with a sequence of data beside the differentiated one (`wrt(q, k)`): the
/// nested gradient is with respect to `q` and `k` only.
#[differentiate(hessian, wrt(q, k))]
fn weighted(q: &[f64], masses: &[f64], k: f64) -> f64 {
    let mut e = 0.0;
    for i in 0..q.len() {
        e += 0.5 * k * masses[i] * q[i] * q[i] + 0.1 * q[i].powi(4);
    }
    e
}

#[differentiate(reverse, forward, wrt(q0, k))]
fn descend(q0: &[f64], masses: &[f64], k: f64) -> f64 {
    let mut q = q0.to_vec();
    for _ in 0..5 {
        let (_, g) = weighted::grad(&q, masses, k);
        for i in 0..q.len() {
            q[i] -= 0.1 * g.q[i] / masses[i];
        }
    }
    q.iter().map(|v| v * v).sum()
}

#[test]
fn a_nested_gradient_beside_a_sequence_of_data() {
    let (q0, masses, k) = ([0.3, 0.7, -1.1], [1.0, 2.0, 0.5], 1.5);
    let (value, g) = descend::grad(&q0, &masses, k);
    assert_eq!(value, descend(&q0, &masses, k));
    let dq = [0.5, -1.0, 0.25];
    let (_, dot) = descend::jvp(&q0, &masses, k, &dq, 0.0);
    let f = |q: &[f64], k: f64| descend(q, &masses, k);
    check_gradient(f, (&q0, k), (&g.q0, g.k), (&dq, 0.0, dot));
}

/// A nested `jvp` of a function of a slice, along a direction that depends on the
/// arguments: reverse over forward and forward over forward.
#[differentiate(reverse, forward)]
fn slope_steps(q0: &[f64], k: f64) -> f64 {
    let mut q = q0.to_vec();
    let dir: Vec<f64> = q0.iter().map(|v| v.sin()).collect();
    let mut acc = 0.0;
    for _ in 0..3 {
        let (e, d) = chain_energy::jvp(&q, k, &dir, 0.5);
        acc += e * 0.1 + d * d;
        for i in 0..q.len() {
            q[i] -= 0.05 * d * dir[i];
        }
    }
    acc
}

#[test]
fn a_nested_jvp_along_a_slice() {
    let (q0, k) = ([0.3, 0.7, -1.1, 0.2], 1.5);
    let (value, g) = slope_steps::grad(&q0, k);
    assert_eq!(value, slope_steps(&q0, k));
    let (dq, dk) = ([0.3, -0.2, 0.5, 1.0], 0.7);
    let (_, dot) = slope_steps::jvp(&q0, k, &dq, dk);
    check_gradient(slope_steps, (&q0, k), (&g.q0, g.k), (&dq, dk, dot));
}

/// A Hamiltonian of positions `q` and momenta `p` (two sequences, a float between them, the
/// second a `&Vec`): its nested gradient's two sequences each read where they are in the
/// gradient's vector.
#[allow(clippy::ptr_arg)] // a `&Vec` parameter, as some code takes one
#[differentiate(hessian)]
fn hamiltonian(q: &[f64], k: f64, p: &Vec<f64>) -> f64 {
    let kinetic: f64 = p.iter().map(|v| 0.5 * v * v * (1.0 + 0.1 * v * v)).sum();
    let mut potential = 0.0;
    for i in 0..q.len() {
        potential += 0.5 * k * q[i] * q[i] + 0.2 * (q[i] * p[i]).sin();
    }
    kinetic + potential
}

/// Symplectic Euler steps through the Hamiltonian's gradient (`p -= dt·∂H/∂q`, `q +=
/// dt·∂H/∂p`, both from one nested `grad`), a loss of where the state ends and of the
/// gradient's parts (walked, zipped, summed), and a nested `jvp` along both sequences.
#[differentiate(reverse, forward)]
fn flow(q0: &[f64], k: f64) -> f64 {
    let mut q = q0.to_vec();
    let mut p: Vec<f64> = q0.iter().map(|v| 0.5 - v).collect();
    for _ in 0..6 {
        let (_, g) = hamiltonian::grad(&q, k, &p);
        for i in 0..q.len() {
            p[i] -= 0.1 * g.q[i];
            q[i] += 0.1 * g.p[i];
        }
    }
    let (h, g) = hamiltonian::grad(&q, k, &p);
    let cross: f64 = g.q.iter().zip(&g.p).map(|(a, b)| a * b).sum();
    let (_, slope) = hamiltonian::jvp(&q, k, &p, &p, 0.5, &q);
    h + cross + g.k * g.p.len() as f64 + g.q.iter().sum::<f64>() + slope
}

#[test]
fn a_nested_gradient_with_respect_to_two_sequences() {
    let (q0, k) = ([0.3, 0.7, -1.1, 0.2], 1.5);
    let (value, g) = flow::grad(&q0, k);
    assert_eq!(value, flow(&q0, k));
    let (dq, dk) = ([0.3, -0.2, 0.5, 1.0], 0.7);
    let (_, dot) = flow::jvp(&q0, k, &dq, dk);
    check_gradient(flow, (&q0, k), (&g.q0, g.k), (&dq, dk, dot));
}
