//! Points as arrays (`pts: &[[f64; 2]]`, `&[[f64; 3]]`), copied out whole the way geometry
//! code does: `let p = pts[i];`, `norm(pts[i])`, `sub(pts[b], pts[a])`, `for &p in pts`,
//! `.map(|&p| norm(p))`, `let mut q = pts[0]; q[0] *= k;`, `best = pts[i];` (each was "this
//! is a row of a nested sequence ... not written or used as a value whole"). A local of such
//! arrays (`let mut pts = ctrl.to_vec();`, `let mut acc: Vec<[f64; 2]> = ..`, `vec![[0.0;
//! 2]; n]`) also has its rows written whole (`pts[i] = lerp(pts[i], pts[i + 1], t);`).
//! Checked against
//! central differences, `jvp` against the gradient and `hvp` against differences of it.

#![allow(clippy::needless_range_loop)]
#![deny(warnings)]

mod common;
use backprop::{Differentiable, differentiate};
use common::{assert_close, assert_fd, assert_fd_elements, check_hvp, draws};

fn norm(p: [f64; 2]) -> f64 {
    (p[0] * p[0] + p[1] * p[1]).sqrt()
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// A polygon's area (shoelace) and perimeter, its corners copied out, then walked by value.
#[differentiate(hessian)]
fn polygon(pts: &[[f64; 2]], k: f64) -> f64 {
    let n = pts.len();
    let mut area = 0.0;
    for i in 0..n {
        let p = pts[i];
        let q = pts[(i + 1) % n];
        area += p[0] * q[1] - q[0] * p[1];
    }
    let mut radii = 0.0;
    for &p in pts {
        radii += norm(p);
    }
    let spread: f64 = pts.iter().map(|&p| norm(p) * p[0]).sum();
    let mut q = pts[0];
    q[0] *= k;
    q[1] += pts[1][0];
    0.5 * area + radii + spread + q[0] * q[1] + norm(q)
}

/// A triangle mesh's area: each triangle's edges from its corners, copied out by index.
#[differentiate(hessian)]
fn mesh_area(v: &[[f64; 3]], tris: &[[usize; 3]]) -> f64 {
    let mut total = 0.0;
    for t in tris {
        let c = cross(sub(v[t[1]], v[t[0]]), sub(v[t[2]], v[t[0]]));
        total += 0.5 * (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
    }
    // The corner farthest along x, chosen by value.
    let mut best = v[0];
    for i in 1..v.len() {
        if v[i][0] > best[0] {
            best = v[i];
        }
    }
    total + best[1] * best[2]
}

fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

/// A Bézier curve's length by de Casteljau's algorithm: the control points copied, then
/// replaced in place by the interpolations between them, row by row; a polyline through
/// the points on the curve, kept in a local of points written whole.
#[differentiate(hessian, wrt(ctrl))]
fn bezier_length(ctrl: &[[f64; 2]], samples: usize) -> f64 {
    let mut curve = vec![[0.0; 2]; samples + 1];
    for s in 0..=samples {
        let t = s as f64 / samples as f64;
        let mut pts = ctrl.to_vec();
        let n = pts.len();
        for r in 1..n {
            for i in 0..n - r {
                pts[i] = lerp(pts[i], pts[i + 1], t);
            }
        }
        curve[s] = pts[0];
    }
    let mut length = 0.0;
    let mut prev: [f64; 2] = curve[0];
    for s in 1..=samples {
        let p = curve[s];
        length += ((p[0] - prev[0]).powi(2) + (p[1] - prev[1]).powi(2)).sqrt();
        prev = p;
    }
    length
}

fn points<const N: usize>(x: &[f64]) -> Vec<[f64; N]> {
    x.chunks(N).map(|c| c.try_into().unwrap()).collect()
}

fn flat<const N: usize>(g: &[[f64; N]]) -> Vec<f64> {
    g.iter().flatten().copied().collect()
}

#[test]
fn a_polygons_corners_copied_out() {
    for (k, x, v) in draws(301, &[8, 10], 1.5) {
        let f = |x: &[f64]| polygon(&points::<2>(x), 1.3);
        let (value, g) = polygon::grad(&points::<2>(&x), 1.3);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &flat(&g.pts));
        let grad = |x: &[f64]| flat(&polygon::grad(&points::<2>(x), 1.3).1.pts);
        let hvp = |x: &[f64], u: &[f64]| {
            flat(
                &polygon::hvp(&points::<2>(x), 1.3, &points::<2>(u), 0.0)
                    .2
                    .pts,
            )
        };
        check_hvp(grad, hvp, &x, 110 + k);
        let dot: f64 = flat(&g.pts).iter().zip(&v).map(|(a, b)| a * b).sum();
        let tangent = polygon::jvp(&points::<2>(&x), 1.3, &points::<2>(&v), 0.0).1;
        assert_close(tangent, dot, 1e-12);
    }
}

#[test]
fn a_meshs_corners_copied_out_by_index() {
    let tris = [[0, 1, 2], [0, 2, 3], [1, 3, 2]];
    for (k, x, v) in draws(302, &[12, 12], 1.5) {
        let f = |x: &[f64]| mesh_area(&points::<3>(x), &tris);
        let (value, g) = mesh_area::grad(&points::<3>(&x), &tris);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &flat(&g.v));
        let grad = |x: &[f64]| flat(&mesh_area::grad(&points::<3>(x), &tris).1.v);
        let hvp = |x: &[f64], u: &[f64]| {
            flat(&mesh_area::hvp(&points::<3>(x), &tris, &points::<3>(u)).2.v)
        };
        check_hvp(grad, hvp, &x, 120 + k);
        let dot: f64 = flat(&g.v).iter().zip(&v).map(|(a, b)| a * b).sum();
        let tangent = mesh_area::jvp(&points::<3>(&x), &tris, &points::<3>(&v)).1;
        assert_close(tangent, dot, 1e-12);
    }
}

/// A mixture's centres as a field of arrays (`means: Vec<[f64; 2]>`), each copied out
/// (`let mu = g.means[j];`), its variance a constant field.
#[derive(Differentiable, Clone, Debug)]
pub struct Mixture {
    pub means: Vec<[f64; 2]>,
    pub log_w: Vec<f64>,
    #[differentiable(constant)]
    pub var: f64,
}

#[differentiate(reverse, forward, wrt(g))]
fn mixture_nll(g: &Mixture, pts: &[[f64; 2]]) -> f64 {
    let k = g.means.len();
    let m = g.log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse_w = g.log_w.iter().map(|w| (w - m).exp()).sum::<f64>().ln() + m;
    let mut nll = 0.0;
    for p in pts {
        let mut best = f64::NEG_INFINITY;
        let mut terms = vec![0.0; k];
        for j in 0..k {
            let mu = g.means[j];
            let d2 = (p[0] - mu[0]).powi(2) + (p[1] - mu[1]).powi(2);
            terms[j] = g.log_w[j] - lse_w - 0.5 * d2 / g.var;
            best = best.max(terms[j]);
        }
        let s: f64 = terms.iter().map(|t| (t - best).exp()).sum();
        nll -= s.ln() + best;
    }
    nll
}

#[test]
fn a_structs_field_of_points_copied_out() {
    let g = Mixture {
        means: vec![[0.0, 0.1], [1.0, -0.5], [-0.7, 0.4]],
        log_w: vec![0.2, -0.1, 0.3],
        var: 0.7,
    };
    let pts = [[0.3, 0.2], [1.0, 0.1], [0.9, 1.2], [-0.2, 0.8]];
    let (value, grad) = mixture_nll::grad(&g, &pts);
    assert_eq!(value, mixture_nll(&g, &pts));
    assert_fd_elements(|g: &Mixture| mixture_nll(g, &pts), &g, &grad.g);
    // Forward mode along the first centre's x: its gradient.
    let mut dg = backprop::__private::ZerosLike::zeros_like(&g);
    dg.means[0][0] = 1.0;
    assert_close(mixture_nll::jvp(&g, &pts, &dg).1, grad.g.means[0][0], 1e-12);
}

#[test]
fn a_bezier_curves_points_written_whole() {
    for (k, x, v) in draws(303, &[8, 10], 1.5) {
        let f = |x: &[f64]| bezier_length(&points::<2>(x), 12);
        let (value, g) = bezier_length::grad(&points::<2>(&x), 12);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &flat(&g.ctrl));
        let grad = |x: &[f64]| flat(&bezier_length::grad(&points::<2>(x), 12).1.ctrl);
        let hvp = |x: &[f64], u: &[f64]| {
            flat(
                &bezier_length::hvp(&points::<2>(x), 12, &points::<2>(u))
                    .2
                    .ctrl,
            )
        };
        check_hvp(grad, hvp, &x, 130 + k);
        let dot: f64 = flat(&g.ctrl).iter().zip(&v).map(|(a, b)| a * b).sum();
        let tangent = bezier_length::jvp(&points::<2>(&x), 12, &points::<2>(&v)).1;
        assert_close(tangent, dot, 1e-12);
    }
}
