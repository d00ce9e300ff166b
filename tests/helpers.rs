//! Ordinary functions beside a differentiated one, without `#[differentiate]` of their own,
//! as numerical Rust is written: `sigmoid`, `dot`, a Huber loss that returns early,
//! `softmax` returning a `Vec`. Each is inlined where a call gives it a value carrying a
//! derivative (it was "`sigmoid` is an ordinary function, so #[differentiate] has no
//! derivative for it"); called with constants only, it stays an ordinary call.

#![allow(clippy::needless_range_loop)]

use backprop::{Differentiable, differentiate};
#[macro_use]
mod common;
use common::{assert_close, assert_fd, check_hvp};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn log_loss(p: f64, y: f64) -> f64 {
    -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
}

/// Logistic regression's mean loss over three labeled points.
#[differentiate(hessian)]
fn logistic(x: &[f64]) -> f64 {
    let xs = [[1.0, 0.5, -1.2], [1.0, -0.3, 0.8], [1.0, 2.0, 0.1]];
    let ys = [1.0, 0.0, 1.0];
    let mut loss = 0.0;
    for i in 0..3 {
        loss += log_loss(sigmoid(dot(x, &xs[i])), ys[i]);
    }
    loss / 3.0
}

fn huber(r: f64, delta: f64) -> f64 {
    let a = r.abs();
    if a <= delta {
        return 0.5 * r * r;
    }
    delta * (a - 0.5 * delta)
}

/// Residuals under the Huber loss: an early `return` in the helper.
#[differentiate(hessian)]
fn robust(x: &[f64]) -> f64 {
    x.iter().map(|&r| huber(r - 0.3, 1.0)).sum()
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|&v| v / s).collect()
}

/// Cross-entropy of class 1 through a helper returning a `Vec`.
#[differentiate(hessian)]
fn cross_entropy(x: &[f64]) -> f64 {
    let p = softmax(x);
    -p[1].ln()
}

fn sq(x: f64) -> f64 {
    x * x
}

fn rosen_term(a: f64, b: f64) -> f64 {
    100.0 * sq(b - sq(a)) + sq(1.0 - a)
}

/// Rosenbrock by a helper calling a helper, plus a ridge term by `.map(sq)`.
#[differentiate(hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    let ridge: f64 = x.iter().copied().map(sq).sum();
    x.windows(2).map(|w| rosen_term(w[0], w[1])).sum::<f64>() + 0.01 * ridge
}

fn horner(c: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for &ci in c.iter().rev() {
        s = s * t + ci;
    }
    s
}

fn median(d: &[f64]) -> f64 {
    let mut s = d.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s[s.len() / 2]
}

/// A helper given the caller's slice and a literal one; another (sorting) given constants
/// only, which stays a call.
#[differentiate(hessian)]
fn polynomials(x: &[f64]) -> f64 {
    let scale = median(&[3.0, 1.0, 2.0]);
    horner(x, 0.7) * horner(&[1.0, -2.0, 0.5], x[0]) * scale
}

fn first_above(v: &[f64], t: f64) -> f64 {
    for &x in v {
        if x > t {
            return x * x;
        }
    }
    0.0
}

/// A helper returning from inside its loop: a labeled block's `break`.
#[differentiate(hessian)]
fn thresholded(x: &[f64]) -> f64 {
    first_above(x, 0.5) + first_above(&x[1..], 2.0) * x[0]
}

/// The same inside a chain's closure, and a labeled block written in one (each was "a
/// labeled block .. where nothing inside it leaves an enclosing loop").
#[differentiate(hessian)]
fn thresholded_each(x: &[f64]) -> f64 {
    let each: f64 = x.iter().map(|&e| e * first_above(x, e)).sum();
    let found: f64 = x
        .iter()
        .map(|&e| {
            let r = 'b: {
                for &q in x {
                    if q > e {
                        break 'b q * e;
                    }
                }
                e * 2.0
            };
            r * r
        })
        .sum();
    each + found
}

/// The Cholesky factor of a symmetric positive definite matrix, as a `Vec` of rows.
fn cholesky(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            l[i][j] = if i == j { s.sqrt() } else { s / l[j][j] };
        }
    }
    l
}

/// A Gaussian process's negative log marginal likelihood in its log hyperparameters
/// (amplitude, length scale, noise): the kernel matrix, its Cholesky factor from a helper
/// returning a `Vec<Vec<f64>>` (was "indexed too deep"), a triangular solve, the log
/// determinant.
#[differentiate(hessian, wrt(theta))]
fn gp_nll(theta: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len();
    let (amp, ls, noise) = (theta[0].exp(), theta[1].exp(), theta[2].exp());
    let mut k = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            let d = xs[i] - xs[j];
            k[i][j] = amp * (-0.5 * d * d / (ls * ls)).exp();
        }
        k[i][i] += noise;
    }
    let l = cholesky(&k);
    let mut z = vec![0.0; n];
    for i in 0..n {
        let mut s = ys[i];
        for j in 0..i {
            s -= l[i][j] * z[j];
        }
        z[i] = s / l[i][i];
    }
    let logdet: f64 = (0..n).map(|i| l[i][i].ln()).sum();
    0.5 * z.iter().map(|v| v * v).sum::<f64>() + logdet
}

/// Where a ray from `o` along the unit `d` first meets the sphere at `c` of radius `r`:
/// `None` where it misses (an early `return`).
fn hit(o: [f64; 3], d: [f64; 3], c: [f64; 3], r: f64) -> Option<f64> {
    let oc = [o[0] - c[0], o[1] - c[1], o[2] - c[2]];
    let b = oc[0] * d[0] + oc[1] * d[1] + oc[2] * d[2];
    let cc = oc[0] * oc[0] + oc[1] * oc[1] + oc[2] * oc[2] - r * r;
    let disc = b * b - cc;
    if disc < 0.0 {
        return None;
    }
    Some(-b - disc.sqrt())
}

/// A helper returning an `Option`, its result matched, tested by `if let`, bound and
/// defaulted, also inside a `vec![..]` (each was "`match` arms and `if let` that use what
/// their pattern binds ..."):
/// the caller holds it as a float and a flag.
#[differentiate(hessian)]
fn rays(x: &[f64]) -> f64 {
    let d = [0.0, 0.0, 1.0];
    let c = [0.0, 0.0, 5.0];
    let depth = match hit([x[0], x[1], 0.0], d, c, x[2]) {
        Some(t) => t * t,
        None => 0.0,
    };
    let shade = if let Some(t) = hit([x[1], x[0], 0.5], d, c, x[2]) {
        t.sqrt()
    } else {
        1.0
    };
    let h = hit([x[0], 0.0, 0.0], d, c, x[2] * 0.5);
    let far = hit([0.0, x[1], 1.0], d, c, x[2]).unwrap_or(10.0);
    // Matched inside a `vec![..]` of pairs.
    let pairs: Vec<(f64, f64)> = vec![
        (
            match hit([x[1], 0.0, 0.0], d, c, x[2]) {
                Some(t) => t * 0.5,
                None => x[0],
            },
            x[1],
        ),
        (x[2], x[0]),
    ];
    let listed: f64 = pairs.iter().map(|&(p, q)| p * q).sum();
    listed
        + depth
        + shade
        + far * x[0]
        + h.map_or(x[2], |t| t * x[1])
        + if h.is_none() { 0.5 } else { x[0] }
}

/// Running sums in a struct without a gradient deriving `Default` (`Copy` or not), made by
/// `S::default()` (was "does not support assigning to fields"): its zeros, one local per
/// field, its method inlined.
#[derive(Clone, Copy, Default)]
struct Moments {
    sum: f64,
    sq: f64,
    count: usize,
}

impl Moments {
    fn variance(&self) -> f64 {
        let n = self.count as f64;
        self.sq / n - (self.sum / n).powi(2)
    }
}

#[derive(Default)]
struct Extremes {
    hi: f64,
    lo: f64,
}

#[differentiate(hessian)]
fn spread(x: &[f64]) -> f64 {
    let mut m = Moments::default();
    let mut e = Extremes::default();
    for &v in x {
        m.sum += v;
        m.sq += v * v;
        m.count += 1;
        e.hi = e.hi.max(v);
        e.lo = e.lo.min(v);
    }
    m.variance() + e.hi - e.lo
}

/// The same structs made with the struct update syntax from their defaults
/// (`..Default::default()`, `..Moments::default()`; was "holds a tuple or a struct value as
/// one local per element .. not a value written out elsewhere").
#[differentiate(hessian)]
fn spread_updated(x: &[f64]) -> f64 {
    let mut m = Moments {
        count: 0,
        ..Default::default()
    };
    let mut e = Extremes {
        hi: x[0],
        ..Extremes::default()
    };
    for (k, &v) in x.iter().enumerate() {
        m.sum += v * 0.5;
        m.sq += v * v;
        m.count += k + 1;
        e.lo = e.lo.min(v * e.hi);
    }
    m.variance() * e.hi - e.lo
}

#[test]
fn helpers_of_floats_are_inlined_where_derivatives_go_through_them() {
    check_slice_function!(spread_updated, &[0.2, -0.4, 0.9], 10);
    check_slice_function!(logistic, &[0.1, -0.4, 0.3], 1);
    check_slice_function!(robust, &[0.2, 2.5, -1.9, 0.9, -0.4], 2);
    check_slice_function!(cross_entropy, &[0.5, -1.0, 2.0, 0.1], 3);
    check_slice_function!(rosenbrock, &[-1.2, 1.0, 0.8, 0.3], 4);
    check_slice_function!(polynomials, &[0.4, -1.1, 0.6], 5);
    check_slice_function!(thresholded, &[0.2, 0.4, 0.9, 2.5], 6);
    check_slice_function!(thresholded, &[0.7, 3.0], 7);
    check_slice_function!(thresholded_each, &[0.2, 0.4, 0.9, 2.5], 8);
    check_slice_function!(thresholded_each, &[0.7, -0.3, 1.6], 9);
}

#[test]
fn closed_forms() {
    // d/dz of -ln softmax(z)₁ is softmax(z) - e₁.
    let z = [0.5, -1.0, 2.0, 0.1];
    let p = softmax(&z);
    let g = cross_entropy::grad(&z).1.x;
    for i in 0..4 {
        assert_close(g[i], p[i] - if i == 1 { 1.0 } else { 0.0 }, 1e-14);
    }
    // Huber: r inside the band, the slope ±δ outside.
    let g = robust::grad(&[0.2, 2.5, -1.9]).1.x;
    assert_eq!(g, vec![0.2 - 0.3, 1.0, -1.0]);
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// The norm of a torque: a helper of arrays, its result walked by a chain.
#[differentiate]
fn torque(r: [f64; 3], f: [f64; 3]) -> f64 {
    let t = cross(r, f);
    t.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[test]
fn a_helper_of_arrays() {
    let (r, f) = ([0.3, -1.2, 0.8], [1.1, 0.4, -0.7]);
    let (value, g) = torque::grad(r, f);
    assert_eq!(value, torque(r, f));
    let at = |v: &[f64]| torque([v[0], v[1], v[2]], [v[3], v[4], v[5]]);
    let x: Vec<f64> = r.iter().chain(&f).copied().collect();
    let grad: Vec<f64> = g.r.iter().chain(&g.f).copied().collect();
    assert_fd(at, &x, &grad);
}

#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

fn length(p: Point) -> f64 {
    if p.x == 0.0 {
        return p.y.abs();
    }
    (p.x * p.x + p.y * p.y).sqrt()
}

#[derive(Clone, Copy)]
struct Body {
    x: f64,
    v: f64,
}

impl Body {
    fn kick(&mut self, f: f64) {
        if f > 10.0 {
            return;
        }
        self.v += f;
    }
}

/// Early returns in a function of a struct (given a struct of constants too, whose fields
/// are typed from the struct) and in a method taking `&mut self`.
#[differentiate]
fn lengths(x: f64, y: f64) -> f64 {
    let mut b = Body { x, v: 0.0 };
    b.kick(x * y);
    length(Point { x, y }) + length(Point { x: 0.0, y: -2.0 }) + b.v * b.x
}

#[test]
fn early_returns_of_struct_helpers_and_methods() {
    for (x, y) in [(3.0, 4.0), (6.0, 2.0), (0.5, -0.25)] {
        let (value, g) = lengths::grad(x, y);
        assert_eq!(value, lengths(x, y));
        assert_fd(|v| lengths(v[0], v[1]), &[x, y], &[g.x, g.y]);
    }
}

#[derive(Differentiable, Clone, Debug)]
pub struct Model {
    pub w: Vec<f64>,
    pub b: f64,
}

/// A free function of the model (not a method): inlined like the others.
fn predict(m: &Model, x: &[f64]) -> f64 {
    let mut s = m.b;
    for i in 0..x.len() {
        s += m.w[i] * x[i];
    }
    s
}

#[differentiate(wrt(m))]
fn model_loss(m: &Model, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..ys.len() {
        loss += log_loss(sigmoid(predict(m, &xs[i])), ys[i]);
    }
    loss
}

#[test]
fn a_helper_of_a_struct_with_a_gradient() {
    let xs = vec![vec![1.0, 2.0], vec![-0.5, 0.3], vec![0.8, -1.1]];
    let ys = [1.0, 0.0, 1.0];
    let model = |v: &[f64]| Model {
        w: v[..2].to_vec(),
        b: v[2],
    };
    let at = [0.2, -0.1, 0.05];
    let (value, g) = model_loss::grad(&model(&at), &xs, &ys);
    assert_eq!(value, model_loss(&model(&at), &xs, &ys));
    let grad = [g.m.w[0], g.m.w[1], g.m.b];
    assert_fd(|v| model_loss(&model(v), &xs, &ys), &at, &grad);
}

/// An activation chosen by an enum declared beside the function.
#[derive(Clone, Copy)]
enum Act {
    Tanh,
    Softplus,
    Relu,
}

fn activate(a: Act, z: f64) -> f64 {
    match a {
        Act::Tanh => z.tanh(),
        Act::Softplus => (1.0 + z.exp()).ln(),
        Act::Relu => z.max(0.0),
    }
}

#[differentiate(hessian, wrt(w))]
fn activated(w: &[f64], x: &[f64], a: Act) -> f64 {
    w.chunks(x.len())
        .map(|row| activate(a, row.iter().zip(x).map(|(p, q)| p * q).sum()))
        .sum()
}

#[test]
fn a_helper_taking_an_enum_of_the_file() {
    let (w, x) = ([0.1, 0.2, -0.3, 0.4, 0.5, -0.6], [0.9, -0.4, 0.2]);
    for a in [Act::Tanh, Act::Softplus, Act::Relu] {
        let (value, g) = activated::grad(&w, &x, a);
        assert_eq!(value, activated(&w, &x, a));
        assert_fd(|v| activated(v, &x, a), &w, &g.w);
        check_hvp(
            |v| activated::grad(v, &x, a).1.w,
            |v, u| activated::hvp(v, &x, a, u).2.w,
            &w,
            7,
        );
    }
}

#[test]
fn a_gaussian_process_through_a_cholesky_helper() {
    let (xs, ys) = ([0.1, 0.6, 1.1, 1.9, 2.4], [0.3, -0.2, 0.5, 0.9, 0.4]);
    let theta = [0.1, -0.3, -1.5];
    let (value, g) = gp_nll::grad(&theta, &xs, &ys);
    assert_eq!(value, gp_nll(&theta, &xs, &ys));
    assert_fd(|t| gp_nll(t, &xs, &ys), &theta, &g.theta);
    check_hvp(
        |t| gp_nll::grad(t, &xs, &ys).1.theta,
        |t, u| gp_nll::hvp(t, &xs, &ys, u).2.theta,
        &theta,
        21,
    );
}

#[test]
fn a_helper_returning_an_option() {
    // Every ray hits, some miss, all miss.
    for x in [[0.3, 0.2, 1.5], [0.3, 0.9, 1.0], [0.9, 1.1, 0.5]] {
        check_slice_function!(rays, &x, 22);
    }
}

#[test]
fn structs_made_by_default() {
    check_slice_function!(spread, &[0.3, 0.5, -0.2, 0.9], 23);
}

/// `ln` of a positive value, `None` otherwise.
fn safe_log(v: f64) -> Option<f64> {
    if v <= 0.0 { None } else { Some(v.ln()) }
}

/// The sum of the logs, `None` at the first value that has none (by `?`).
fn log_sum(x: &[f64]) -> Option<f64> {
    let mut s = 0.0;
    for &v in x {
        s += safe_log(v)?;
    }
    Some(s)
}

/// The first value above a threshold, doubled (`?` on a position).
fn first_past(x: &[f64], t: f64) -> Option<f64> {
    let i = x.iter().position(|&v| v > t)?;
    Some(x[i] * 2.0)
}

/// The third value times the first, if there is one (`let .. else`, as written before
/// `?` was), and a product that stops at the first negative value (`return None` from
/// inside the loop).
#[allow(clippy::question_mark)]
fn third_scaled(x: &[f64]) -> Option<f64> {
    let Some(&c) = x.get(2) else {
        return None;
    };
    Some(c * x[0])
}

fn positive_product(x: &[f64]) -> Option<f64> {
    let mut p = 1.0;
    for &v in x {
        if v < 0.0 {
            return None;
        }
        p *= v;
    }
    Some(p)
}

#[differentiate(hessian)]
fn options_left_early(x: &[f64]) -> f64 {
    let logs = log_sum(x).unwrap_or(-1.0) * x[0];
    let above = first_past(x, 0.5).map_or(0.0, |a| a * a);
    let third = match third_scaled(x) {
        Some(t) => t.sin(),
        None => x[1],
    };
    let product = if let Some(p) = positive_product(x) {
        p.sqrt()
    } else {
        0.5 * x[0]
    };
    logs + above + third + product
}

#[test]
fn options_left_early_from_loops_by_question_marks_and_let_else() {
    for (seed, x) in [
        (1, vec![0.3, 0.7]),
        (2, vec![0.3, -0.7]),
        (3, vec![0.3, 0.7, 1.5]),
        (4, vec![0.2, 0.4, 0.45, -0.1]),
    ] {
        check_slice_function!(options_left_early, &x, seed);
    }
}

/// A model, as a trait: a prediction and a loss provided from it.
trait Predictor {
    fn predict(&self, x: f64) -> f64;
    fn loss(&self, x: f64, y: f64) -> f64 {
        (self.predict(x) - y).powi(2)
    }
}

#[derive(Clone, Copy)]
struct Line {
    w: f64,
    b: f64,
}

impl Predictor for Line {
    fn predict(&self, x: f64) -> f64 {
        self.w * x + self.b
    }
}

#[derive(Clone, Differentiable)]
struct Quadratic {
    a: f64,
    b: f64,
    c: f64,
}

impl Predictor for Quadratic {
    fn predict(&self, x: f64) -> f64 {
        (self.a * x + self.b) * x + self.c
    }
}

/// Mean squared error of any model: given by `&impl Predictor`, and by `&M` with the bound in
/// a `where` clause.
fn mean_loss(m: &impl Predictor, xs: &[f64], ys: &[f64]) -> f64 {
    xs.iter().zip(ys).map(|(x, y)| m.loss(*x, *y)).sum::<f64>() / xs.len() as f64
}

fn sum_of_squares<M>(m: &M, xs: &[f64], ys: &[f64]) -> f64
where
    M: Predictor,
{
    let mut s = 0.0;
    for i in 0..xs.len() {
        let e = m.predict(xs[i]) - ys[i];
        s += e * e;
    }
    s
}

#[differentiate(hessian)]
fn line_fit(p: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let m = Line { w: p[0], b: p[1] };
    mean_loss(&m, xs, ys) + 0.1 * sum_of_squares(&m, xs, ys)
}

#[differentiate]
fn quadratic_fit(q: &Quadratic, xs: &[f64], ys: &[f64]) -> f64 {
    sum_of_squares(q, xs, ys) + mean_loss(q, xs, ys)
}

#[test]
fn helpers_generic_over_a_model_trait() {
    let (xs, ys) = ([0.1, 0.5, 0.9, 1.4], [1.0, 0.5, 0.2, -0.3]);
    let p = [0.3, 0.8];
    let (value, g) = line_fit::grad(&p, &xs, &ys);
    assert_eq!(value, line_fit(&p, &xs, &ys));
    assert_fd(|p| line_fit(p, &xs, &ys), &p, &g.p);
    check_hvp(
        |p| line_fit::grad(p, &xs, &ys).1.p,
        |p, u| line_fit::hvp(p, &xs, &ys, u, &[0.0; 4], &[0.0; 4]).2.p,
        &p,
        7,
    );
    let q = Quadratic {
        a: 0.3,
        b: 0.8,
        c: -0.1,
    };
    let (value, g) = quadratic_fit::grad(&q, &xs, &ys);
    assert_eq!(value, quadratic_fit(&q, &xs, &ys));
    let at = |z: &[f64]| Quadratic {
        a: z[0],
        b: z[1],
        c: z[2],
    };
    assert_fd(
        |z| quadratic_fit(&at(z), &xs, &ys),
        &[0.3, 0.8, -0.1],
        &[g.q.a, g.q.b, g.q.c],
    );
}
