//! Ordinary functions given functions, as numerical code passes them: a quadrature rule
//! (`simpson(|t| (w[0] * t).sin() * w[1], 0.0, 1.0, 10)`), a loss over a model given as a
//! closure, an integrator given the right-hand side, a generic `F: Fn(T) -> T` with its
//! bound in a `where` clause, `&dyn Fn`, `FnMut`, a named function or a closure bound
//! beforehand passed by name, a closure passed on by the helper to another. Each helper is
//! inlined with its parameter bound to the closure, whose calls are then inlined as a local
//! closure's (its parameters may be patterns: `|&(a, b)|`, `|(a, b): (f64, f64)|`, `|mut
//! v|`, `|_|`); closures that return early (a piecewise integrand, a chain's guard) or
//! make an `Option` and leave by `?`; a fold whose accumulator is a sequence, layers
//! applied in turn. Checked against central differences, `jvp` against the gradient (the
//! dot-product test) and `hvp` against differences of the gradient.

#![deny(warnings)]

#[macro_use]
mod common;
use backprop::{Differentiable, differentiate};
use common::{Points, assert_close, assert_fd, assert_fd_elements, check_hvp};

/// Composite Simpson's rule on `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        let t = a + i as f64 * h;
        s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(t);
    }
    s * h / 3.0
}

/// `∫₀¹ sin(x₀ t) x₁ dt`, by Simpson's rule.
#[differentiate(hessian)]
fn area(x: &[f64]) -> f64 {
    simpson(|t| (x[0] * t).sin() * x[1], 0.0, 1.0, 10)
}

/// The mean squared error of a model given as a function.
fn mse(pred: impl Fn(f64) -> f64, xs: &[f64], ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        let e = pred(xs[i]) - ys[i];
        s += e * e;
    }
    s / xs.len() as f64
}

/// A quadratic model's loss, the model a closure over its weights.
#[differentiate(hessian, wrt(w))]
fn fit(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    mse(|x| w[0] * x + w[1] * x * x, xs, ys)
}

/// The trapezoidal rule, its function a type parameter bounded in the `where` clause.
fn trapz<F>(f: F, a: f64, b: f64, n: usize) -> f64
where
    F: Fn(f64) -> f64,
{
    let h = (b - a) / n as f64;
    let mut s = 0.5 * (f(a) + f(b));
    for i in 1..n {
        s += f(a + h * i as f64);
    }
    s * h
}

/// A closure reading two parameters, integrated; the same through `&dyn Fn`.
#[differentiate(hessian)]
fn growth(x: &[f64]) -> f64 {
    trapz(|t| (x[0] * t).exp() * x[1], 0.0, 1.0, 20) + dyn_sum(&|v| (x[0] * v).tanh(), x)
}

fn dyn_sum(f: &dyn Fn(f64) -> f64, xs: &[f64]) -> f64 {
    xs.iter().map(|&x| f(x)).sum()
}

fn square(x: f64) -> f64 {
    x * x
}

fn apply_sum<F: Fn(f64) -> f64>(f: F, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += f(x);
    }
    s
}

/// Twice a sum: the helper passes the function it is given on to another.
fn doubled(f: impl Fn(f64) -> f64, xs: &[f64]) -> f64 {
    apply_sum(f, xs) * 2.0
}

/// Functions passed by name (an ordinary function of floats, `f64::sin`), a closure bound
/// beforehand, one capturing the loop's variable, and one passed on.
#[differentiate(hessian)]
fn by_name(x: &[f64]) -> f64 {
    let a = x[0];
    let g = |t: f64| a * t * t;
    let mut spread = 0.0;
    for j in 0..x.len() {
        let c = x[j];
        spread += apply_sum(|t| (t - c).powi(2), x);
    }
    apply_sum(square, x)
        + apply_sum(f64::sin, x)
        + apply_sum(g, x)
        + spread
        + doubled(|t| a * t.cos(), x)
}

/// A sum of a function of pairs, the function taking two arguments.
fn combine(f: impl Fn(f64, f64) -> f64, a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += f(a[i], b[i]);
    }
    s
}

/// A running total the closure keeps (`FnMut`), and a function of two arguments.
#[differentiate(hessian)]
fn stateful(x: &[f64]) -> f64 {
    let mut seen = 0.0;
    let running = apply_mut(
        |t| {
            seen += t;
            seen * t
        },
        x,
    );
    running + combine(|p, q| p * q + x[0] * p, x, x)
}

fn apply_mut(mut f: impl FnMut(f64) -> f64, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += f(x);
    }
    s
}

/// The classical Runge–Kutta method for `y' = f(t, y)`.
fn rk4(f: impl Fn(f64, f64) -> f64, y0: f64, h: f64, steps: usize) -> f64 {
    let mut y = y0;
    let mut t = 0.0;
    for _ in 0..steps {
        let k1 = f(t, y);
        let k2 = f(t + h / 2.0, y + h * k1 / 2.0);
        let k3 = f(t + h / 2.0, y + h * k2 / 2.0);
        let k4 = f(t + h, y + h * k3);
        y += h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
        t += h;
    }
    y
}

/// Forward Euler for a system, its right-hand side a function of the state's slice.
fn euler(f: impl Fn(&[f64]) -> Vec<f64>, y0: &[f64], h: f64, steps: usize) -> Vec<f64> {
    let mut y = y0.to_vec();
    for _ in 0..steps {
        let dy = f(&y);
        for i in 0..y.len() {
            y[i] += h * dy[i];
        }
    }
    y
}

/// A damped oscillator's state after two integrators, with respect to its rates and its
/// initial value: the gradient of a trajectory through the integrator's steps.
#[differentiate(hessian)]
fn trajectory(x: &[f64]) -> f64 {
    let decay = rk4(|t, y| -x[0] * y + x[1] * t, x[2], 0.1, 10);
    let y = euler(
        |s| vec![s[1], -x[0] * s[0] - x[1] * s[1]],
        &[x[2], 0.0],
        0.05,
        30,
    );
    decay + y[0] * y[0] + y[1]
}

/// Bisection for a root: a function of constants only, the root a constant.
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

#[differentiate(hessian)]
fn scaled_by_root(x: &[f64]) -> f64 {
    let r = bisect(|t| t * t - 2.0, 0.0, 2.0);
    x[0] * r + x[1] * x[1]
}

/// A sum generic over the float type, the function a second type parameter.
fn generic_sum<T: backprop::Real, F: Fn(T) -> T>(f: F, xs: &[T]) -> T {
    let mut s = T::zero();
    for &x in xs {
        s += f(x);
    }
    s
}

#[differentiate]
fn generic_user<T: backprop::Real>(x: &[T]) -> T {
    let a = x[0];
    generic_sum(|t| a * t * t, x)
}

/// Newton's method given the function and its derivative: the root of `t³ + x₀ t − 1` as a
/// function of `x₀`, differentiated through the iterations.
fn newton(f: impl Fn(f64) -> f64, df: impl Fn(f64) -> f64, x0: f64) -> f64 {
    let mut x = x0;
    for _ in 0..30 {
        x -= f(x) / df(x);
    }
    x
}

/// An explicit Euler stepper whose step is a method given the right-hand side.
struct Stepper {
    h: f64,
}

impl Stepper {
    fn step(&self, f: impl Fn(f64) -> f64, y: f64) -> f64 {
        y + self.h * f(y)
    }
}

fn pair_sum(f: impl Fn(&(f64, f64)) -> f64, ps: &[(f64, f64)]) -> f64 {
    ps.iter().map(|p| f(p) * f(p)).sum()
}

/// Two closures given to one function, a method given one; local closures with patterns for
/// parameters (`mut v`, `_`, a tuple).
#[differentiate(hessian)]
fn patterns(x: &[f64]) -> f64 {
    let root = newton(|t| t * t * t + x[0] * t - 1.0, |t| 3.0 * t * t + x[0], 1.0);
    let s = Stepper { h: 0.1 };
    let mut y = x[1];
    for _ in 0..5 {
        y = s.step(|v| -x[0] * v * v, y);
    }
    let g = |mut v: f64| {
        v *= x[1];
        v * v
    };
    let h = |_: f64| x[0];
    let k = |(a, b): (f64, f64)| a * b;
    root + y + g(x[0]) + h(3.0) + k((x[0], x[1]))
}

/// A closure taking a pair of the data apart (`|&(a, b)|`), called twice per item of the
/// helper's chain.
#[differentiate(hessian, wrt(w))]
fn paired(w: &[f64], pairs: &[(f64, f64)]) -> f64 {
    pair_sum(|&(a, b)| w[0] * a + w[1] - b, pairs)
}

/// A smooth maximum returning early, and a function applying a function twice.
fn soft_max(a: f64, b: f64) -> f64 {
    if a > b {
        return a + (b - a).exp().ln_1p();
    }
    b + (a - b).exp().ln_1p()
}

fn twice(f: &dyn Fn(f64) -> f64, x: f64) -> f64 {
    f(f(x) * 0.5)
}

/// A closure whose body branches given to a helper inside a condition (its statements go
/// before the `if`), and one reading a name bound again after its last call.
#[differentiate(hessian)]
fn conditions(x: &[f64]) -> f64 {
    let t = x[0] * 0.5;
    let mut acc = twice(&|u| soft_max(u, x[1] + t), x[0]);
    let t = t * 3.0;
    for k in 0..3 {
        if twice(&|u| soft_max(u, x[1]), acc) > 0.2 * k as f64 {
            acc += (x[1] * t).sin();
        } else {
            acc *= 0.9;
        }
    }
    acc + t
}

/// A layer of a network, applied to a vector.
#[derive(Differentiable, Clone)]
pub struct Dense {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Dense {
    fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| (row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + b).tanh())
            .collect()
    }
}

#[derive(Differentiable, Clone)]
pub struct Mlp {
    pub layers: Vec<Dense>,
}

/// The layers composed by a fold whose accumulator is the activations (`fold(x.to_vec(),
/// |h, l| l.apply(&h))`).
#[differentiate(wrt(m))]
fn composed(m: &Mlp, x: &[f64]) -> f64 {
    let out = m.layers.iter().fold(x.to_vec(), |h, l| l.apply(&h));
    out.iter().map(|v| v * v).sum()
}

#[test]
fn closures_given_to_helpers_against_finite_differences_jvp_and_hvp() {
    check_slice_function!(area, &[0.7, 1.3], 1);
    check_slice_function!(growth, &[0.7, 1.3, -0.4], 2);
    check_slice_function!(by_name, &[0.3, -0.8, 1.1, 0.5], 3);
    check_slice_function!(stateful, &[0.3, 0.7, -1.2], 4);
    check_slice_function!(trajectory, &[0.9, 0.1, 1.4], 5);
    check_slice_function!(scaled_by_root, &[0.6, -0.2], 6);
    check_slice_function!(patterns, &[0.8, 1.2], 9);
    check_slice_function!(conditions, &[0.4, -0.3], 11);
    check_slice_function!(conditions, &[-1.4, 0.9], 12);
    assert_close(
        scaled_by_root::grad(&[0.6, -0.2]).1.x[0],
        2f64.sqrt(),
        1e-12,
    );
    // The dot-product test: ⟨∇f, v⟩ = jvp along v.
    let mut p = Points::new(7);
    macro_rules! dot_test {
        ($f:ident, $x:expr) => {{
            let x: &[f64] = $x;
            let v = p.vec(x.len(), -1.0, 1.0);
            let g = $f::grad(x).1.x;
            let (value, d) = $f::jvp(x, &v);
            assert_eq!(value, $f(x));
            assert_close(d, g.iter().zip(&v).map(|(a, b)| a * b).sum(), 1e-12);
        }};
    }
    dot_test!(area, &[0.7, 1.3]);
    dot_test!(growth, &[0.7, 1.3, -0.4]);
    dot_test!(by_name, &[0.3, -0.8, 1.1, 0.5]);
    dot_test!(stateful, &[0.3, 0.7, -1.2]);
    dot_test!(trajectory, &[0.9, 0.1, 1.4]);
    dot_test!(scaled_by_root, &[0.6, -0.2]);
    dot_test!(patterns, &[0.8, 1.2]);
    dot_test!(conditions, &[0.4, -0.3]);
}

#[test]
fn closures_over_data_and_a_generic_helper() {
    let (xs, ys) = ([0.1, 0.5, 0.9, 1.3], [0.3, 0.2, 0.8, 1.9]);
    let w = [0.4, 0.7];
    let (value, g) = fit::grad(&w, &xs, &ys);
    assert_eq!(value, fit(&w, &xs, &ys));
    assert_fd(|w| fit(w, &xs, &ys), &w, &g.w);
    check_hvp(
        |w| fit::grad(w, &xs, &ys).1.w,
        |w, u| fit::hvp(w, &xs, &ys, u).2.w,
        &w,
        8,
    );
    let pairs = [(0.3, 0.5), (1.2, -0.4), (-0.7, 0.1)];
    let (value, g) = paired::grad(&w, &pairs);
    assert_eq!(value, paired(&w, &pairs));
    assert_fd(|w| paired(w, &pairs), &w, &g.w);
    check_hvp(
        |w| paired::grad(w, &pairs).1.w,
        |w, u| paired::hvp(w, &pairs, u).2.w,
        &w,
        10,
    );
    let x = [0.2, -0.6, 0.9];
    let (value, g) = generic_user::grad(&x);
    assert_eq!(value, generic_user(&x));
    assert_fd(generic_user, &x, &g.x);
    let x32 = [0.2f32, -0.6, 0.9];
    let g32 = generic_user::grad(&x32).1.x;
    for (a, b) in g32.iter().zip(&g.x) {
        assert_close(f64::from(*a), *b, 1e-5);
    }
}

#[test]
fn layers_composed_by_a_fold() {
    let l1 = Dense {
        w: vec![vec![0.3, -0.2], vec![0.5, 0.1], vec![-0.4, 0.7]],
        b: vec![0.1, -0.1, 0.2],
    };
    let l2 = Dense {
        w: vec![vec![0.6, -0.3, 0.2]],
        b: vec![0.05],
    };
    let m = Mlp {
        layers: vec![l1, l2],
    };
    let x = [0.8, -0.5];
    let (value, g) = composed::grad(&m, &x);
    assert_eq!(value, composed(&m, &x));
    assert_fd_elements(|m: &Mlp| composed(m, &x), &m, &g.m);
}

/// A piecewise integrand that returns early, given to Simpson's rule.
#[differentiate(hessian)]
fn piecewise_area(x: &[f64]) -> f64 {
    simpson(
        |t| {
            if t < 0.5 {
                return x[0] * t;
            }
            x[1] * t * t + 0.5 * (x[0] - x[1]) * t
        },
        0.0,
        1.0,
        10,
    )
}

/// A chain's closure returning early, one returning from inside its own loop, and one
/// of nothing leaving early from `for_each`.
#[differentiate(hessian)]
fn guarded_terms(x: &[f64]) -> f64 {
    let logs: f64 = x
        .iter()
        .map(|&v| {
            if v < 0.0 {
                return 0.5 * v * v;
            }
            (1.0 + v).ln() * v
        })
        .sum();
    let first_above = |t: f64| {
        for k in 1..5 {
            let v = t * k as f64;
            if v > 1.0 {
                return v.sqrt();
            }
        }
        t * t
    };
    let mut squares = 0.0;
    x.iter().for_each(|&v| {
        if v > 0.8 {
            return;
        }
        squares += v * v * v;
    });
    logs + x.iter().map(|&v| first_above(v)).sum::<f64>() * x[0] + squares
}

/// A helper whose chain's closure returns early (softplus, linear far out).
fn softplus_sum(x: &[f64]) -> f64 {
    x.iter()
        .map(|&v| {
            if v > 20.0 {
                return v;
            }
            (1.0 + v.exp()).ln()
        })
        .sum()
}

#[differentiate(hessian)]
fn softplus_scaled(x: &[f64]) -> f64 {
    softplus_sum(x) * x[1]
}

/// A total of what a closure makes, where it makes something.
fn total_of(f: impl Fn(f64) -> Option<f64>, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += f(x).unwrap_or(0.0);
    }
    s
}

/// A closure given that makes an `Option` and leaves by `?`.
#[differentiate(hessian)]
fn scaled_by_the_fifth(x: &[f64]) -> f64 {
    total_of(|t| Some(t * x.get(4)?), x) + x[0] * x[1]
}

/// Local closures making an `Option`: by `?`, and by branches, then matched, defaulted and
/// mapped.
#[differentiate(hessian)]
fn local_options(x: &[f64]) -> f64 {
    let third = |t: f64| -> Option<f64> { Some(t * x.get(2)?) };
    let safe = |t: f64| -> Option<f64> { if t > 0.0 { Some(t.ln()) } else { None } };
    let mut s = third(x[1]).unwrap_or(0.0) + 10.0 * x[0];
    for &v in x {
        if let Some(l) = safe(v) {
            s += l * v;
        }
    }
    s + safe(x[0] + 1.0).map_or(0.0, |l| l * l)
}

/// A local closure making an `Option` with no return type written, matched by `match`
/// (arms `Some(l)`, a guard, `None`: the pattern's `None` was taken for a name bound
/// again, and the closure was not inlined).
#[differentiate(hessian)]
fn matched_local_options(x: &[f64]) -> f64 {
    let safe = |t: f64| if t > 0.0 { Some(t.ln()) } else { None };
    let mut s = 0.0;
    for &v in x {
        s += match safe(v * x[0]) {
            Some(l) if l > -1.0 => l * v,
            Some(l) => l * 0.5,
            None => v * v,
        };
    }
    s
}

#[test]
fn closures_returning_early() {
    for (seed, x) in [
        (41, vec![0.3, 0.7]),
        (42, vec![1.3, -0.4]),
        (43, vec![0.3, 0.7, -0.2, 0.05, 0.9]),
        (44, vec![0.3, 0.7, 25.0]),
    ] {
        if x.len() == 2 {
            check_slice_function!(piecewise_area, &x, seed);
        }
        check_slice_function!(guarded_terms, &x, seed);
        check_slice_function!(softplus_scaled, &x, seed);
        check_slice_function!(scaled_by_the_fifth, &x, seed);
        check_slice_function!(local_options, &x, seed);
        check_slice_function!(matched_local_options, &x, seed);
    }
}
