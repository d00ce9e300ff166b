//! Writes through `&mut`, as numerical Rust makes them. Ordinary functions that write their
//! results through `&mut` parameters, the way output buffers are passed (`fn rhs(x: &[f64],
//! y: &[f64], dy: &mut [f64])`, the right-hand side of an ODE solver): inlined where called
//! with a place of the caller's (`&mut k1`, `&mut m[i]`, `&mut s`), the body writing that
//! place. Names bound to a borrow (`let row = &mut m[i];`, `let r = &mut s;`): read and
//! written as what they borrow. Methods of small `Copy` structs taking `&mut self`
//! (`body.advance(dt)`) and their compound assignments (`pos += vel * dt` of `impl
//! AddAssign`), on locals and on elements of a `Vec` of them. All were refused ("does not
//! support changing a value ... through a `&mut` borrow").
// Index loops and `&mut Vec` parameters, as such code is written.
#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

use backprop::differentiate;
use std::ops::{Add, AddAssign, Mul};
mod common;
use common::{assert_close, assert_fd, check_hvp, draws};

fn assert_jvp_matches(grad: &[f64], jvp: f64, v: &[f64]) {
    let dot: f64 = grad.iter().zip(v).map(|(g, v)| g * v).sum();
    assert_close(jvp, dot, 1e-12);
}

/// A function of one slice, checked four ways: its value from `grad`, the gradient against
/// central differences, `hvp` against differences of the gradient, `jvp` by the dot
/// product.
macro_rules! check_every_mode {
    ($f:ident, $x:expr, $v:expr, $seed:expr) => {{
        let (x, v): (&[f64], &[f64]) = ($x, $v);
        let (value, g) = $f::grad(x);
        assert_eq!(value, $f(x));
        assert_fd($f, x, &g.x);
        check_hvp(|x| $f::grad(x).1.x, |x, u| $f::hvp(x, u).2.x, x, $seed);
        assert_jvp_matches(&g.x, $f::jvp(x, v).1, v);
    }};
}

/// `y₀' = x₀`, `yᵢ' = xᵢ yᵢ₋₁` (GradBench's ode), written into `dy`.
fn rhs(x: &[f64], y: &[f64], dy: &mut [f64]) {
    dy[0] = x[0];
    for i in 1..y.len() {
        dy[i] = x[i] * y[i - 1];
    }
}

/// `y += a · x`, through a second helper.
fn axpy(a: f64, x: &[f64], y: &mut Vec<f64>) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `out = y + h · k`.
fn stage(y: &[f64], h: f64, k: &[f64], out: &mut [f64]) {
    for i in 0..out.len() {
        out[i] = y[i] + h * k[i];
    }
}

/// The classical fourth-order Runge–Kutta method over `[0, 2]` in 4 steps, as one writes it
/// with a right-hand side filling buffers.
#[differentiate(hessian)]
fn rk4(x: &[f64]) -> f64 {
    let n = x.len();
    let s = 4;
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        rhs(x, &y, &mut k1);
        stage(&y, h / 2.0, &k1, &mut tmp);
        rhs(x, &tmp, &mut k2);
        stage(&y, h / 2.0, &k2, &mut tmp);
        rhs(x, &tmp, &mut k3);
        stage(&y, h, &k3, &mut tmp);
        rhs(x, &tmp, &mut k4);
        axpy(h / 6.0, &k1, &mut y);
        axpy(h / 3.0, &k2, &mut y);
        axpy(h / 3.0, &k3, &mut y);
        axpy(h / 6.0, &k4, &mut y);
    }
    y.iter().map(|v| v * v).sum::<f64>() + y[n - 1]
}

/// The same steps written out by hand, no helper: the inlined ones must agree bit for bit.
fn rk4_by_hand(x: &[f64]) -> f64 {
    let n = x.len();
    let h = 0.5;
    let mut y = vec![0.0; n];
    for _ in 0..4 {
        let f = |y: &[f64]| {
            let mut d = vec![x[0]; n];
            for i in 1..n {
                d[i] = x[i] * y[i - 1];
            }
            d
        };
        let k1 = f(&y);
        let t: Vec<f64> = (0..n).map(|i| y[i] + h / 2.0 * k1[i]).collect();
        let k2 = f(&t);
        let t: Vec<f64> = (0..n).map(|i| y[i] + h / 2.0 * k2[i]).collect();
        let k3 = f(&t);
        let t: Vec<f64> = (0..n).map(|i| y[i] + h * k3[i]).collect();
        let k4 = f(&t);
        for (i, k) in [
            (h / 6.0, &k1),
            (h / 3.0, &k2),
            (h / 3.0, &k3),
            (h / 6.0, &k4),
        ]
        .into_iter()
        .flat_map(|(a, k)| (0..n).map(move |i| (i, a * k[i])))
        {
            y[i] += k;
        }
    }
    y.iter().map(|v| v * v).sum::<f64>() + y[n - 1]
}

#[test]
fn an_ode_solver_with_a_right_hand_side_writing_buffers() {
    for (k, x, v) in draws(61, &[1, 2, 5, 8], 1.2) {
        assert_eq!(rk4(&x), rk4_by_hand(&x));
        check_every_mode!(rk4, &x, &v, 610 + k);
    }
}

/// A float written through `&mut f64`, the helper returning a value too.
fn accumulate(total: &mut f64, v: f64) -> f64 {
    let sq = v * v;
    *total += sq;
    sq.sqrt()
}

/// Normalizes a row in place (a softmax), returning its log-sum-exp.
fn softmax_in_place(row: &mut [f64]) -> f64 {
    let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for r in row.iter_mut() {
        *r = (*r - m).exp();
        s += *r;
    }
    for r in row.iter_mut() {
        *r /= s;
    }
    s.ln() + m
}

/// Rows of a local matrix, each normalized in place through the helper (`&mut m[i]`), and
/// a scalar accumulated through another (`&mut total`).
#[differentiate(hessian)]
fn attention(x: &[f64]) -> f64 {
    let n = x.len();
    let mut m = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            m[i][j] = x[i] * x[j] / (1.0 + j as f64);
        }
    }
    let mut total = 0.0;
    let mut lse = 0.0;
    for i in 0..n {
        lse += softmax_in_place(&mut m[i]);
        let r = accumulate(&mut total, m[i][0] + x[i]);
        lse += 0.5 * r;
    }
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            s += m[i][j] * x[j];
        }
    }
    s + total + lse
}

#[test]
fn rows_and_floats_written_through_helpers() {
    for (k, x, v) in draws(62, &[1, 3, 5], 1.5) {
        check_every_mode!(attention, &x, &v, 620 + k);
    }
}

/// A fixed-size array written through, inside a branch and a closure's call.
fn cross(a: &[f64; 3], b: &[f64; 3], out: &mut [f64; 3]) {
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

#[differentiate(hessian)]
fn torque(x: &[f64]) -> f64 {
    let r = [x[0], x[1], x[2]];
    let f = [x[3], x[4], x[5]];
    let mut t = [0.0; 3];
    if x[0] > 0.0 {
        cross(&r, &f, &mut t);
    } else {
        cross(&f, &r, &mut t);
    }
    t[0] * t[0] + t[1] * t[1] + t[2] * t[2] + t[2]
}

#[test]
fn arrays_written_through_inside_branches() {
    for (k, x, v) in draws(63, &[6, 6, 6, 6], 2.0) {
        check_every_mode!(torque, &x, &v, 630 + k);
    }
}

/// A tuple written through its elements, and a small `Copy` struct through its fields.
fn bump(p: &mut (f64, f64), by: f64) {
    p.0 += by * p.1;
    p.1 *= by;
}

#[derive(Clone, Copy)]
struct V2 {
    x: f64,
    y: f64,
}

fn rotate(v: &mut V2, angle: f64) {
    let (s, c) = angle.sin_cos();
    let x = c * v.x - s * v.y;
    v.y = s * v.x + c * v.y;
    v.x = x;
}

#[differentiate(hessian)]
fn spun(x: &[f64]) -> f64 {
    let mut pair = (x[0], x[1]);
    bump(&mut pair, x[2]);
    let mut v = V2 {
        x: pair.0,
        y: pair.1,
    };
    rotate(&mut v, x[2]);
    rotate(&mut v, 0.3);
    v.x * v.y + pair.0
}

#[test]
fn tuples_and_structs_written_through() {
    for (k, x, v) in draws(64, &[3, 3, 3], 2.0) {
        check_every_mode!(spun, &x, &v, 640 + k);
    }
}

/// Rows borrowed by name and filled through the borrow, a whole buffer (`&mut w[..]`) and a
/// float the same way.
#[differentiate(hessian)]
fn borrowed_rows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut m = vec![vec![0.0; n]; n];
    for i in 0..n {
        let row = &mut m[i];
        for j in 0..n {
            row[j] = x[i] * x[j] + 0.1 * j as f64;
        }
        let s: f64 = row.iter().map(|v| v * v).sum::<f64>() + 1.0;
        for v in row.iter_mut() {
            *v /= s;
        }
    }
    let mut w = x.to_vec();
    let all: &mut [f64] = &mut w[..];
    all[0] = all[n - 1] * 3.0;
    for v in all {
        *v = v.tanh();
    }
    let mut total = 0.0;
    let t = &mut total;
    for i in 0..n {
        *t += m[i][0] * w[i];
    }
    *t *= 0.5;
    total + m[n - 1].iter().sum::<f64>()
}

#[test]
fn names_bound_to_borrows_write_what_they_borrow() {
    for (k, x, v) in draws(65, &[1, 2, 4, 6], 1.5) {
        check_every_mode!(borrowed_rows, &x, &v, 650 + k);
    }
}

#[derive(Clone, Copy)]
struct P2 {
    x: f64,
    y: f64,
}

impl Add for P2 {
    type Output = P2;
    fn add(self, o: P2) -> P2 {
        P2 {
            x: self.x + o.x,
            y: self.y + o.y,
        }
    }
}

impl Mul<f64> for P2 {
    type Output = P2;
    fn mul(self, k: f64) -> P2 {
        P2 {
            x: self.x * k,
            y: self.y * k,
        }
    }
}

impl AddAssign for P2 {
    fn add_assign(&mut self, o: P2) {
        self.x += o.x;
        self.y += o.y;
    }
}

#[derive(Clone, Copy)]
struct Body {
    pos: P2,
    vel: P2,
}

impl Body {
    /// Semi-implicit Euler: the velocity, then the position with the new velocity.
    fn advance(&mut self, acc: P2, dt: f64) {
        self.vel += acc * dt;
        self.pos += self.vel * dt;
    }

    fn damp(&mut self, k: f64) {
        self.vel = self.vel * (1.0 - k);
    }

    fn energy(&self) -> f64 {
        0.5 * (self.vel.x * self.vel.x + self.vel.y * self.vel.y) + 9.81 * self.pos.y
    }
}

/// A projectile with drag, stepped by a method taking `&mut self`.
#[differentiate(hessian)]
fn flight(x: &[f64]) -> f64 {
    let mut b = Body {
        pos: P2 { x: 0.0, y: 0.0 },
        vel: P2 { x: x[0], y: x[1] },
    };
    let drag = x[2] * x[2];
    for _ in 0..25 {
        let acc = P2 {
            x: -drag * b.vel.x,
            y: -9.81 - drag * b.vel.y,
        };
        b.advance(acc, 0.02);
        b.damp(0.01);
    }
    let mut total = P2 { x: 0.0, y: 0.0 };
    total += b.pos;
    total += b.vel * 0.5;
    total.x * total.y + b.energy()
}

/// The same steps written out by hand.
fn flight_by_hand(x: &[f64]) -> f64 {
    let (mut px, mut py, mut vx, mut vy) = (0.0, 0.0, x[0], x[1]);
    let drag = x[2] * x[2];
    for _ in 0..25 {
        let (ax, ay) = (-drag * vx, -9.81 - drag * vy);
        vx += ax * 0.02;
        vy += ay * 0.02;
        px += vx * 0.02;
        py += vy * 0.02;
        vx *= 1.0 - 0.01;
        vy *= 1.0 - 0.01;
    }
    let (tx, ty) = (px + vx * 0.5, py + vy * 0.5);
    tx * ty + 0.5 * (vx * vx + vy * vy) + 9.81 * py
}

#[test]
fn methods_taking_mut_self_and_compound_assignments() {
    for (k, x, v) in draws(66, &[3, 3, 3, 3], 1.5) {
        assert_close(flight(&x), flight_by_hand(&x), 1e-12);
        check_every_mode!(flight, &x, &v, 660 + k);
    }
}

#[derive(Clone, Copy)]
struct Particle {
    x: f64,
    v: f64,
}

impl Particle {
    fn step(&mut self, force: f64, dt: f64) {
        self.v += force * dt;
        self.x += self.v * dt;
    }

    fn energy(&self) -> f64 {
        0.5 * self.v * self.v + self.x.sin()
    }
}

/// Particles in a `Vec`, each stepped through `&mut self` at an index and through
/// `iter_mut`, and a sum of points added into an element (`AddAssign`).
#[differentiate(hessian)]
fn particles(x: &[f64]) -> f64 {
    let n = x.len();
    let mut ps = vec![Particle { x: 0.0, v: 0.0 }; n];
    for i in 0..n {
        ps[i].x = x[i];
        ps[i].v = x[(i + 1) % n] * 0.5;
    }
    for _ in 0..5 {
        for i in 0..n {
            let f = -ps[i].x + 0.1 * ps[(i + 1) % n].x;
            ps[i].step(f, 0.1);
        }
        for p in ps.iter_mut() {
            p.step(-0.2 * p.v, 0.05);
        }
    }
    let mut acc = [P2 { x: 0.0, y: 0.0 }; 2];
    for p in &ps {
        acc[0] += P2 { x: p.x, y: p.v };
        acc[1] += P2 { x: p.v, y: 1.0 } * p.x;
    }
    let mut e = 0.0;
    for p in &ps {
        e += p.energy();
    }
    e + acc[0].x * acc[1].y + acc[1].x
}

#[test]
fn methods_taking_mut_self_on_elements_of_a_vec() {
    for (k, x, v) in draws(67, &[1, 2, 5], 1.2) {
        check_every_mode!(particles, &x, &v, 670 + k);
    }
}

/// A helper with a buffer of its own (`vec!`) and a local named like the caller's place.
fn mix(k1: &mut [f64], x: &[f64]) {
    let mut tmp = vec![0.0; x.len()];
    for i in 0..x.len() {
        tmp[i] = x[i] * 2.0;
    }
    let k2 = tmp[0];
    for i in 0..k1.len() {
        k1[i] = tmp[i] + k2 * k1[i];
    }
}

/// Scales a `Vec` in place and appends the factor.
fn scale_and_push(v: &mut Vec<f64>, k: f64) {
    for e in v.iter_mut() {
        *e *= k;
    }
    v.push(k);
}

#[differentiate(hessian)]
fn mixed(x: &[f64]) -> f64 {
    let mut tmp = x.to_vec();
    let mut k2 = vec![1.0; x.len()];
    mix(&mut k2, &tmp);
    mix(&mut tmp, x);
    let k1 = &mut k2;
    scale_and_push(k1, x[0]);
    let mut s = 0.0;
    for i in 0..k2.len() {
        s += k2[i] * tmp[i % tmp.len()];
    }
    s
}

#[test]
fn helpers_with_buffers_of_their_own_and_borrows_passed_on() {
    for (k, x, v) in draws(68, &[1, 3, 5], 1.5) {
        check_every_mode!(mixed, &x, &v, 680 + k);
    }
}

// ------------------------------------------------------------ sub-slices lent

fn scale_into(v: &mut [f64], k: f64) {
    for e in v.iter_mut() {
        *e *= k;
    }
}

fn rhs_half(x: &[f64], y: &[f64], dy: &mut [f64]) {
    for i in 0..dy.len() {
        dy[i] = x[i] * y[i].sin();
    }
}

/// A helper given sub-slices (`&mut v[1..]`, `&mut d[..h]`, `&mut d[h..n]`, `&x[h..]`), and
/// a name bound to one (`let tail = &mut v[2..];`) walked by `iter_mut()` and measured
/// with `len()`: each writes and reads the part it borrows.
#[differentiate(hessian)]
fn sub_slices_lent(x: &[f64]) -> f64 {
    let n = x.len();
    let h = n / 2;
    let mut v = x.to_vec();
    scale_into(&mut v[1..], x[0]);
    let mut d = vec![0.0; n];
    rhs_half(&x[..h], &x[h..], &mut d[..h]);
    rhs_half(&x[h..], &v[..h], &mut d[h..n]);
    let tail = &mut v[2..];
    for e in tail.iter_mut() {
        *e = e.sin() * x[1];
    }
    let m = tail.len() as f64;
    v.iter().sum::<f64>() * m
        + d.iter()
            .enumerate()
            .map(|(i, a)| a * (i as f64 + 1.0))
            .sum::<f64>()
}

/// A sub-slice lent out of bounds panics where the borrow would, though nothing reads it.
#[differentiate]
fn lent_out_of_bounds(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    scale_into(&mut v[2..9], 0.0);
    v[0] * x[1]
}

#[test]
fn sub_slices_lent_to_helpers_and_bound_to_names() {
    let x = [0.3, 0.5, -0.2, 0.7, 1.1, 0.4];
    check_every_mode!(sub_slices_lent, &x, &[0.2, -0.4, 0.9, 0.1, -0.3, 0.5], 61);
    let out = std::panic::catch_unwind(|| lent_out_of_bounds::grad(&[1.0, 2.0, 3.0]));
    assert!(out.is_err());
}
