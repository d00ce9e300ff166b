//! Functions generic over their float type (`T: backprop::Real`), used with `f32` and
//! `f64` in one program, checked against finite differences and forward mode.

#![allow(clippy::needless_range_loop)]

mod common;

use backprop::{Real, differentiate};

/// The API's example: Horner's rule.
#[differentiate]
fn horner<T: Real>(x: T, c: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..c.len() {
        s = s * x + c[i];
    }
    s
}

#[test]
fn horner_in_f32_and_f64() {
    let (v, g) = horner::grad(2.0f32, &[1.0, -3.0, 2.0]);
    let _: horner::Grad<f32> = g.clone();
    assert_eq!(v, 0.0);
    // d/dx (x² − 3x + 2) = 2x − 3; d/dc = (x², x, 1).
    assert_eq!(g.x, 1.0);
    assert_eq!(g.c, vec![4.0, 2.0, 1.0]);
    let (v, g) = horner::grad(0.5f64, &[1.0, 0.0, 0.0, 1.0]);
    assert_eq!(v, 0.125 + 1.0);
    assert_eq!(g.x, 0.75);
}

/// Rosenbrock, with constants as generic code writes them and a `where` clause.
#[differentiate(reverse, forward, hessian)]
fn rosenbrock<T>(x: &[T]) -> T
where
    T: Real,
{
    let (a, b) = (T::one(), T::from_f64(100.0));
    let mut s = T::zero();
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        s += b * t * t + (a - x[i]).powi(2);
    }
    s
}

fn rosenbrock_f64(x: &[f64]) -> f64 {
    (0..x.len() - 1)
        .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
        .sum()
}

#[test]
fn rosenbrock_generic_matches_finite_differences_and_forward_mode() {
    let x = vec![0.3, -1.2, 0.8, 1.1];
    let (v, g) = rosenbrock::grad(&x);
    assert!((v - rosenbrock_f64(&x)).abs() < 1e-12);
    for k in 0..x.len() {
        let h = 1e-6;
        let (mut up, mut down) = (x.clone(), x.clone());
        up[k] += h;
        down[k] -= h;
        let fd = (rosenbrock_f64(&up) - rosenbrock_f64(&down)) / (2.0 * h);
        assert!(
            (g.x[k] - fd).abs() < 1e-5 * fd.abs().max(1.0),
            "{k}: {} vs {fd}",
            g.x[k]
        );
    }
    let dir = vec![0.5, -1.0, 0.25, 2.0];
    let (_, dot) = rosenbrock::jvp(&x, &dir);
    let expected: f64 = g.x.iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert!((dot - expected).abs() < 1e-9);
    // f32 too, the same code.
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let (_, g32) = rosenbrock::grad(&x32);
    for (a, b) in g32.x.iter().zip(&g.x) {
        assert!((*a as f64 - b).abs() < 1e-3 * b.abs().max(1.0));
    }
    // The Hessian against finite differences of the gradient.
    let (_, _, rows) = rosenbrock::hessian(&x);
    for k in 0..x.len() {
        let h = 1e-6;
        let (mut up, mut down) = (x.clone(), x.clone());
        up[k] += h;
        down[k] -= h;
        let (gu, gd) = (rosenbrock::grad(&up).1, rosenbrock::grad(&down).1);
        for j in 0..x.len() {
            let fd = (gu.x[j] - gd.x[j]) / (2.0 * h);
            assert!((rows[k].x[j] - fd).abs() < 1e-4 * fd.abs().max(1.0));
        }
    }
}

/// Const generics: a fixed-size array of any length.
#[differentiate]
fn dot_self<T: Real, const N: usize>(v: [T; N], w: T) -> T {
    let mut s = T::zero();
    for i in 0..N {
        s += v[i] * v[i] * w;
    }
    s
}

#[test]
fn const_generic_lengths() {
    let (v, g) = dot_self::grad([1.0f64, 2.0, 3.0], 0.5);
    assert_eq!(v, 7.0);
    assert_eq!(g.v, [1.0, 2.0, 3.0]);
    let (_, g) = dot_self::grad([1.0f32, -1.0], 2.0);
    assert_eq!(g.v, [4.0, -4.0]);
}

/// A determinant by minors generic over its float: it calls itself on one tape, whose
/// stacks hold `T`.
#[differentiate]
fn det_minor<T: Real>(a: &[T], n: usize, row: usize, used: usize) -> T {
    if row + 1 == n {
        let mut last = T::zero();
        for j in 0..n {
            if used & (1 << j) == 0 {
                last = a[row * n + j];
            }
        }
        return last;
    }
    let mut det = T::zero();
    let mut sign = T::one();
    for j in 0..n {
        if used & (1 << j) == 0 {
            det += sign * a[row * n + j] * det_minor(a, n, row + 1, used | (1 << j));
            sign = -sign;
        }
    }
    det
}

#[test]
fn recursion_on_one_tape_in_f32_and_f64() {
    // [[2, 1, 0], [1, 3, 1], [0, 1, 4]]: det = 18; the gradient is the cofactor matrix.
    let a = [2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0];
    let cofactors = [11.0, -4.0, 1.0, -4.0, 8.0, -2.0, 1.0, -2.0, 5.0];
    let (v, g) = det_minor::grad(&a, 3, 0, 0);
    assert_eq!(v, 18.0);
    assert_eq!(g.a, cofactors);
    let a32 = a.map(|v| v as f32);
    let (v, g) = det_minor::grad(&a32, 3, 0, 0);
    assert_eq!(v, 18.0f32);
    assert_eq!(g.a, cofactors.map(|v| v as f32));
}

/// Generic code through this session's forms: a triangle whose reverse sums into one
/// element in partial sums (`sum_lanes` with `T::zero()`), and a sine and cosine of one
/// value read as each other's derivative.
#[differentiate(reverse, forward)]
fn rotated_triangle<T: Real>(x: &[T], theta: T) -> T {
    let n = x.len();
    let (s, c) = theta.sin_cos();
    let mut total = T::zero();
    for a in 0..n {
        for r in a + 1..n {
            total += x[a] * x[r] * c - x[r] * s;
        }
    }
    total
}

#[test]
fn rotated_triangle_in_f32_and_f64_against_finite_differences() {
    let x: Vec<f64> = vec![0.3, -1.2, 0.8, 1.1, -0.4, 0.9, 0.2];
    let theta = 0.7f64;
    let (v, g) = rotated_triangle::grad(&x, theta);
    assert!((v - rotated_triangle(&x, theta)).abs() < 1e-15);
    let h = 1e-6;
    for k in 0..x.len() {
        let (mut up, mut down) = (x.clone(), x.clone());
        up[k] += h;
        down[k] -= h;
        let fd = (rotated_triangle(&up, theta) - rotated_triangle(&down, theta)) / (2.0 * h);
        assert!((g.x[k] - fd).abs() < 1e-7, "x[{k}]: {} vs {fd}", g.x[k]);
    }
    let fd = (rotated_triangle(&x, theta + h) - rotated_triangle(&x, theta - h)) / (2.0 * h);
    assert!((g.theta - fd).abs() < 1e-7);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let (_, g32) = rotated_triangle::grad(&x32, theta as f32);
    for k in 0..x.len() {
        assert!((f64::from(g32.x[k]) - g.x[k]).abs() < 1e-4);
    }
    assert!((f64::from(g32.theta) - g.theta).abs() < 1e-4);
}

/// A logistic regression loss written generically as one writes it for `f64`: the dot
/// product by `.sum()` of a zipped chain, and a `.product()` (`Real` includes `Sum` and
/// `Product`, of values and of references, as `f32` and `f64` have them).
#[differentiate(reverse, forward, wrt(w))]
fn logistic_loss<T: Real>(w: &[T], xs: &[Vec<T>], ys: &[T]) -> T {
    let mut loss = T::zero();
    for (x, &y) in xs.iter().zip(ys) {
        let z: T = w.iter().zip(x).map(|(a, b)| *a * *b).sum();
        let p = T::one() / (T::one() + (-z).exp());
        loss -= y * p.ln() + (T::one() - y) * (T::one() - p).ln();
    }
    let shrink: T = w.iter().map(|v| T::one() + *v * *v).product();
    let total: T = w.iter().sum();
    loss / T::from_f64(xs.len() as f64) + T::from_f64(0.01) * (shrink.ln() + total)
}

#[test]
fn generic_sums_and_products_of_chains() {
    let xs = vec![
        vec![1.0, 0.5, -0.2],
        vec![0.3, -1.0, 0.8],
        vec![-0.4, 0.2, 1.5],
    ];
    let ys = [1.0, 0.0, 1.0];
    let w = [0.3, -0.7, 1.2];
    let f = |w: &[f64]| logistic_loss(w, &xs, &ys);
    let (v, g) = logistic_loss::grad(&w, &xs, &ys);
    assert_eq!(v, f(&w));
    common::assert_fd(f, &w, &g.w);
    let u = [0.5, -1.0, 2.0];
    let (_, dot) = logistic_loss::jvp(&w, &xs, &ys, &u);
    let expected: f64 = g.w.iter().zip(&u).map(|(a, b)| a * b).sum();
    common::assert_close(dot, expected, 1e-12);
    let xs32: Vec<Vec<f32>> = xs
        .iter()
        .map(|r| r.iter().map(|&v| v as f32).collect())
        .collect();
    let w32 = w.map(|v| v as f32);
    let (_, g32) = logistic_loss::grad(&w32, &xs32, &[1.0f32, 0.0, 1.0]);
    for k in 0..3 {
        assert!((f64::from(g32.w[k]) - g.w[k]).abs() < 1e-5);
    }
}

// ------------------------------------------------------------ plain methods of generic structs

#[derive(backprop::Differentiable, Clone, Debug)]
pub struct Affine<T: Real> {
    pub w: Vec<T>,
    pub b: T,
}

/// Generic over a parameter named apart from the callers' (`F`, not `T`), with the
/// functions of the float type a generic body calls (`F::zero()`, `F::from_f64`,
/// `F::sqrt(x)`, `F::epsilon()`, `F::PI()`).
impl<F: Real> Affine<F> {
    fn apply(&self, x: &[F]) -> F {
        let mut acc: F = F::zero();
        for (w, x) in self.w.iter().zip(x) {
            acc += *w * *x;
        }
        acc + self.b * F::from_f64(1.5)
    }

    fn size(&self) -> F {
        let sq = self.w.iter().fold(F::epsilon(), |a, &w| a + w * w);
        F::sqrt(sq) / F::PI()
    }
}

#[derive(backprop::Differentiable, Clone, Debug)]
pub struct Stacked<T: Real> {
    pub inner: Affine<T>,
    pub gain: T,
}

/// A generic caller of the generic struct's plain methods, directly and through a field.
#[differentiate(reverse, forward, wrt(s))]
fn stacked_loss<T: Real>(s: &Stacked<T>, xs: &[Vec<T>]) -> T {
    let mut l = T::zero();
    for x in xs {
        l += (s.inner.apply(x) * s.gain).tanh();
    }
    l + s.inner.size()
}

/// A caller at `f64`: the generic body's `F::zero()` as `<f64 as Zero>::zero()`.
#[differentiate(reverse, forward, wrt(a))]
fn concrete_loss(a: &Affine<f64>, xs: &[Vec<f64>]) -> f64 {
    xs.iter().map(|x| a.apply(x).powi(2)).sum::<f64>() + a.size()
}

#[test]
fn plain_methods_of_generic_structs() {
    let xs = vec![vec![0.5, 1.0], vec![-0.3, 0.2], vec![1.5, -0.5]];
    let make = |p: &[f64]| Stacked {
        inner: Affine {
            w: p[..2].to_vec(),
            b: p[2],
        },
        gain: p[3],
    };
    let at = [0.2, -0.4, 0.1, 0.8];
    let (value, g) = stacked_loss::grad(&make(&at), &xs);
    assert_eq!(value, stacked_loss(&make(&at), &xs));
    let flat = [g.s.inner.w[0], g.s.inner.w[1], g.s.inner.b, g.s.gain];
    common::assert_fd(|p| stacked_loss(&make(p), &xs), &at, &flat);
    let ds = StackedGrad {
        inner: AffineGrad {
            w: vec![0.3, -0.1],
            b: 0.2,
        },
        gain: -0.5,
    };
    let tangent = stacked_loss::jvp(&make(&at), &xs, &ds).1;
    let dot: f64 = flat
        .iter()
        .zip([0.3, -0.1, 0.2, -0.5])
        .map(|(g, d)| g * d)
        .sum();
    common::assert_close(tangent, dot, 1e-12);
    // The same function at `f32`.
    let xs32: Vec<Vec<f32>> = xs
        .iter()
        .map(|r| r.iter().map(|&v| v as f32).collect())
        .collect();
    let s32 = Stacked {
        inner: Affine {
            w: vec![0.2f32, -0.4],
            b: 0.1,
        },
        gain: 0.8,
    };
    let (v32, g32) = stacked_loss::grad(&s32, &xs32);
    assert!((v32 as f64 - value).abs() < 1e-5);
    assert!((g32.s.gain as f64 - g.s.gain).abs() < 1e-4);

    let affine = |p: &[f64]| Affine {
        w: p[..2].to_vec(),
        b: p[2],
    };
    let (value, g) = concrete_loss::grad(&affine(&at), &xs);
    assert_eq!(value, concrete_loss(&affine(&at), &xs));
    let flat = [g.a.w[0], g.a.w[1], g.a.b];
    common::assert_fd(|p| concrete_loss(&affine(p), &xs), &at[..3], &flat);
    let da = AffineGrad {
        w: vec![0.3, -0.1],
        b: 0.2,
    };
    let tangent = concrete_loss::jvp(&affine(&at), &xs, &da).1;
    let dot: f64 = flat.iter().zip([0.3, -0.1, 0.2]).map(|(g, d)| g * d).sum();
    common::assert_close(tangent, dot, 1e-12);
}

/// A generic local `Vec` written through `iter_mut` (its elements' gradients are given
/// back as the float type's, which must be `Discard`: a compile error before).
#[differentiate(reverse, forward)]
fn tanh_pairs<T: Real>(x: &[T]) -> T {
    let mut out = vec![T::zero(); x.len()];
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v.tanh();
    }
    out.windows(2)
        .map(|w| w[0] * w[1])
        .fold(T::zero(), |a, b| a + b)
}

#[test]
fn generic_locals_written_through_iter_mut() {
    let x = [0.3, -0.7, 1.1, 0.4];
    let (value, g) = tanh_pairs::grad(&x);
    assert_eq!(value, tanh_pairs(&x));
    common::assert_fd(tanh_pairs, &x, &g.x);
    let d = [0.2, -0.1, 0.4, 0.3];
    let dot: f64 = g.x.iter().zip(&d).map(|(a, b)| a * b).sum();
    common::assert_close(tanh_pairs::jvp(&x, &d).1, dot, 1e-12);
    let (v32, _) = tanh_pairs::grad(&[0.3f32, -0.7, 1.1, 0.4]);
    assert!((v32 as f64 - value).abs() < 1e-5);
}

/// Generic helpers without `#[differentiate]`, as generic code writes them: inlined with
/// their type parameter the caller's float type (`T` here, `f64` or `f32` below).
fn softplus<U>(x: U) -> U
where
    U: Real,
{
    if x > U::from_f64(20.0) {
        return x;
    }
    (U::one() + x.exp()).ln()
}

fn weighted_sum<U: Real>(w: &[U], x: &[U]) -> U {
    let mut s = U::zero();
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    s
}

#[differentiate(reverse, forward)]
fn soft_layer<T: Real>(w: &[T], x: &[T]) -> T {
    softplus(weighted_sum(w, x)) * T::from_f64(0.5) + softplus(w[0])
}

#[differentiate]
fn soft_layer_f64(w: &[f64], x: &[f64]) -> f64 {
    softplus(weighted_sum(w, x)) * 0.5 + softplus(w[0])
}

#[differentiate]
fn soft_layer_f32(w: &[f32], x: &[f32]) -> f32 {
    softplus(weighted_sum(w, x)) * 0.5 + softplus(w[0])
}

#[test]
fn generic_helpers_take_the_callers_float_type() {
    let (w, x) = ([0.4, -1.3, 0.7], [1.5, 0.2, -0.9]);
    let (v, g) = soft_layer::grad(&w, &x);
    let (v64, g64) = soft_layer_f64::grad(&w, &x);
    assert_eq!((v, &g.w, &g.x), (v64, &g64.w, &g64.x));
    common::assert_fd(|w| soft_layer_f64(w, &x), &w, &g64.w);
    common::assert_fd(|x| soft_layer_f64(&w, x), &x, &g64.x);
    let dir = [0.5, -1.0, 0.25];
    let dot: f64 = g.w.iter().zip(&dir).map(|(a, b)| a * b).sum();
    common::assert_close(soft_layer::jvp(&w, &x, &dir, &[0.0; 3]).1, dot, 1e-12);
    let (w32, x32) = (w.map(|v| v as f32), x.map(|v| v as f32));
    let (_, g32) = soft_layer_f32::grad(&w32, &x32);
    for (a, b) in g32.w.iter().zip(&g64.w) {
        assert!((*a as f64 - b).abs() < 1e-5);
    }
}

/// A point of the plane generic over its float type, with methods, a function of the type
/// and operators in `impl` blocks generic over it too.
#[derive(Clone, Copy, Debug)]
struct V2<T> {
    x: T,
    y: T,
}

impl<T: Real> V2<T> {
    fn new(x: T, y: T) -> Self {
        V2 { x, y }
    }

    fn zero() -> Self {
        V2 {
            x: T::zero(),
            y: T::zero(),
        }
    }

    fn dot(&self, o: &V2<T>) -> T {
        self.x * o.x + self.y * o.y
    }

    fn norm(self) -> T {
        self.dot(&self).sqrt()
    }
}

impl<T: Real> std::ops::Add for V2<T> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        V2::new(self.x + o.x, self.y + o.y)
    }
}

impl<T: Real> std::ops::Sub for V2<T> {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        V2::new(self.x - o.x, self.y - o.y)
    }
}

impl<T: Real> std::ops::Mul<T> for V2<T> {
    type Output = Self;
    fn mul(self, s: T) -> Self {
        V2::new(self.x * s, self.y * s)
    }
}

/// A damped particle pulled towards a point, in the caller's float type.
#[differentiate(reverse, forward)]
fn pulled<T: Real>(q: &[T]) -> T {
    let mut p = V2::new(q[0], q[1]);
    let mut v = V2::zero();
    let c = V2::<T>::new(T::one(), T::zero());
    let h = T::from(0.1).unwrap();
    for _ in 0..10 {
        let d = p - c;
        v = v - d * (h / (d.norm() + T::one()));
        p = p + v * h;
    }
    p.norm() + v.x
}

/// The same struct in a function of `f64`: written `V2<f64>` in a `Vec`'s type, built by
/// its function, its methods called on elements of the `Vec`; and given to an ordinary
/// function generic over the float type.
fn spread<T: Real>(a: &V2<T>, pts: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..pts.len() {
        s += (pts[i] * a.x - a.y).powi(2);
    }
    s
}

#[differentiate]
fn aligned(q: &[f64]) -> f64 {
    let a = V2::new(q[0], q[1]);
    let b = a * 2.0;
    let pts: Vec<V2<f64>> = q.chunks(2).map(|c| V2::new(c[0], c[1])).collect();
    pts.iter().map(|p| p.dot(&b)).sum::<f64>() + a.dot(&a) + spread(&a, q)
}

/// Such a point made in a `match` arm's value and given by value to an ordinary function,
/// and bound with its type written (`let h: V2<T> = g + g * ..`).
fn stretched<T: Real>(g: V2<T>) -> T {
    let h: V2<T> = g + g * T::from_f64(0.5);
    h.norm() + h.dot(&g)
}

#[differentiate(hessian)]
fn arms(q: &[f64], k: usize) -> f64 {
    let t = match k % 3 {
        0 => q[0] * 2.0,
        1 | 2 if q[1] > 0.2 => stretched(V2::new(q[0], q[1])) - q[1],
        _ => (V2::new(q[1], q[0]) * 0.5 + V2::new(q[0], 0.5)).norm(),
    };
    t * q[0]
}

#[test]
fn structs_generic_over_the_float_type() {
    let q = [0.3, 0.8];
    let (value, g) = pulled::grad(&q);
    assert_eq!(value, pulled(&q));
    common::assert_fd(pulled, &q, &g.q);
    let (_, dot) = pulled::jvp(&q, &[0.5, -1.0]);
    common::assert_close(dot, 0.5 * g.q[0] - g.q[1], 1e-12);
    let g32 = pulled::grad(&[0.3f32, 0.8]).1.q;
    for (a, b) in g32.iter().zip(&g.q) {
        common::assert_close(f64::from(*a), *b, 1e-4);
    }
    for (k, q) in [
        (0, [0.3, 0.8]),
        (1, [0.3, 0.8]),
        (2, [0.3, 0.1]),
        (2, [-0.6, 0.4]),
    ] {
        let (value, g) = arms::grad(&q, k);
        assert_eq!(value, arms(&q, k));
        common::assert_fd(|q| arms(q, k), &q, &g.q);
        common::check_hvp(
            |q| arms::grad(q, k).1.q,
            |q, u| arms::hvp(q, k, u).2.q,
            &q,
            k as u64,
        );
    }
    let q = [0.3, 0.8, -0.4, 0.2];
    let (value, g) = aligned::grad(&q);
    assert_eq!(value, aligned(&q));
    common::assert_fd(aligned, &q, &g.q);
}
