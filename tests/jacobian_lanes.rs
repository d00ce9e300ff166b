//! A Jacobian of an array result `[T; M]` (small `M`) from one backward pass carrying all
//! `M` rows at once (`__jacobian_lanes`): each row equals the pullback at that output's unit
//! vector bit for bit, through branches, loops, sums kept in locals, routed gradients
//! (`max`, `abs`, `clamp`), restored elements, slices and `Vec`s, `f32`.

#![allow(clippy::needless_range_loop)]

mod common;
use backprop::differentiate;
use common::{Points, assert_close};

/// The rows of a Jacobian from the pullback, one unit vector at a time.
macro_rules! rows_by_pullbacks {
    ($f:ident, $m:expr, $zero:expr, $one:expr, ($($arg:expr),*)) => {{
        core::array::from_fn::<_, $m, _>(|k| {
            let mut unit = [$zero; $m];
            unit[k] = $one;
            $f::vjp($($arg),*).1(unit)
        })
    }};
}

/// Bundle adjustment's reprojection of one point (GradBench's `ba`): branches, a loop,
/// divisions.
#[differentiate(reverse, forward, wrt(cam, x, w))]
fn project(cam: &[f64; 11], x: &[f64; 3], w: f64, feat: &[f64; 2]) -> [f64; 2] {
    let pt = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let sqtheta = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let mut rotated = [0.0; 3];
    if sqtheta != 0.0 {
        let theta = sqtheta.sqrt();
        let (sin, cos) = (theta.sin(), theta.cos());
        let u = [cam[0] / theta, cam[1] / theta, cam[2] / theta];
        let cross = [
            u[1] * pt[2] - u[2] * pt[1],
            u[2] * pt[0] - u[0] * pt[2],
            u[0] * pt[1] - u[1] * pt[0],
        ];
        let tmp = (u[0] * pt[0] + u[1] * pt[1] + u[2] * pt[2]) * (1.0 - cos);
        for i in 0..3 {
            rotated[i] = pt[i] * cos + cross[i] * sin + u[i] * tmp;
        }
    } else {
        rotated[0] = pt[0] + cam[1] * pt[2] - cam[2] * pt[1];
        rotated[1] = pt[1] + cam[2] * pt[0] - cam[0] * pt[2];
        rotated[2] = pt[2] + cam[0] * pt[1] - cam[1] * pt[0];
    }
    let px = rotated[0] / rotated[2];
    let py = rotated[1] / rotated[2];
    let rsq = px * px + py * py;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    [
        w * (px * distortion * cam[6] + cam[7] - feat[0]),
        w * (py * distortion * cam[6] + cam[8] - feat[1]),
    ]
}

#[test]
fn bundle_adjustment_rows_equal_pullbacks_bit_for_bit() {
    let x = [0.5, -0.7, 10.0];
    let feat = [300.0, 200.0];
    for cam in [
        [
            0.1, -0.2, 0.3, 1.0, 2.0, -3.0, 500.0, 320.0, 240.0, 1e-3, 1e-6,
        ],
        [
            0.0, 0.0, 0.0, 1.0, 2.0, -3.0, 500.0, 320.0, 240.0, 1e-3, 1e-6,
        ],
    ] {
        let (value, rows) = project::jacobian(&cam, &x, 0.7, &feat);
        assert_eq!(value, project(&cam, &x, 0.7, &feat));
        let want = rows_by_pullbacks!(project, 2, 0.0, 1.0, (&cam, &x, 0.7, &feat));
        assert_eq!(rows, want);
        assert_eq!(project::jacrev(&cam, &x, 0.7, &feat).1, want);
        // Against forward mode, column by column.
        let (_, columns) = project::jacfwd(&cam, &x, 0.7, &feat);
        for k in 0..2 {
            for j in 0..11 {
                assert_close(rows[k].cam[j], columns[k].cam[j], 1e-12);
            }
            assert_close(rows[k].w, columns[k].w, 1e-12);
        }
    }
}

/// Slices and `Vec`s in, loops that restore elements and sum into one element, routed
/// gradients, a local `Vec`.
#[differentiate(reverse, forward)]
fn stats(x: &[f64], y: Vec<f64>, s: f64) -> [f64; 4] {
    let n = x.len();
    let mut acc = vec![0.0; n];
    let mut total = 0.0;
    let mut peak = f64::NEG_INFINITY;
    for i in 0..n {
        acc[i] = x[i] * y[i];
        if i > 0 {
            acc[i] *= acc[i - 1].abs().max(0.5);
        }
        total += acc[i];
        peak = peak.max(x[i] * s);
    }
    let mut inner = 0.0;
    for i in 0..n {
        for j in 0..i {
            inner += x[j] * y[i];
        }
    }
    [
        total * s,
        peak,
        inner.clamp(-1.0, 1.0) + s * s,
        (total / s).sin(),
    ]
}

#[test]
fn sequences_loops_and_routed_gradients_equal_pullbacks_bit_for_bit() {
    for seed in 0..6 {
        let x = Points::new(40 + seed).vec(7, -1.0, 1.0);
        let y = Points::new(50 + seed).vec(7, -1.0, 1.0);
        let s = 0.3 + 0.2 * seed as f64;
        let (value, rows) = stats::jacobian(&x, y.clone(), s);
        assert_eq!(value, stats(&x, y.clone(), s));
        let want = rows_by_pullbacks!(stats, 4, 0.0, 1.0, (&x, y.clone(), s));
        assert_eq!(rows, want);
    }
}

/// In `f32`, three outputs.
#[differentiate(reverse, forward)]
fn small(a: f32, b: &[f32; 2]) -> [f32; 3] {
    let mut v = [a, b[0], b[1]];
    for i in 1..3 {
        v[i] = v[i] * v[i - 1] + a;
    }
    v
}

#[test]
fn f32_rows_equal_pullbacks_bit_for_bit() {
    let (a, b) = (0.7f32, [1.5f32, -0.25]);
    let (_, rows) = small::jacobian(a, &b);
    let want = rows_by_pullbacks!(small, 3, 0.0f32, 1.0f32, (a, &b));
    assert_eq!(rows, want);
}

/// Names the generated code also uses: a parameter `k`, a local `value`, a result the
/// backward pass restores (its elements overwritten in a loop whose rules read them).
#[differentiate(reverse, forward)]
fn named(k: &[f64; 2], value: f64) -> [f64; 2] {
    let mut out = [value, value * value];
    for i in 0..2 {
        out[i] = out[i] * out[1 - i] + k[i];
    }
    out
}

#[test]
fn names_of_the_users_do_not_clash_with_the_generated_ones() {
    let (k, value) = ([0.3, -0.6], 1.2);
    let (v, rows) = named::jacobian(&k, value);
    assert_eq!(v, named(&k, value));
    assert_eq!(rows, rows_by_pullbacks!(named, 2, 0.0, 1.0, (&k, value)));
    assert_eq!(rows[0].k, [1.0, 0.0]);
}

/// A tangent nothing reads (the sign argument of `copysign`, whose derivative is zero): a
/// zero nothing else types along several directions (the random-function generator's
/// rf_367 of seed 2047 did not compile).
#[differentiate(reverse, forward)]
fn signed(x: f64, v: &[f64]) -> [f64; 2] {
    let s = 0.5_f64.copysign(x * v[1]);
    [v[0].hypot(1.0).copysign(s) * x, x.sin()]
}

#[test]
fn a_tangent_nothing_reads() {
    let v = [0.5, -0.2];
    let (value, rows) = signed::jacobian(0.3, &v);
    assert_eq!(value, signed(0.3, &v));
    assert_eq!(rows, rows_by_pullbacks!(signed, 2, 0.0, 1.0, (0.3, &v)));
    let (_, columns) = signed::jacfwd(0.3, &v);
    for k in 0..2 {
        assert_close(rows[k].x, columns[k].x, 1e-12);
    }
}

/// A local `Vec` used as a stack (`push`, `pop().unwrap_or(..)`, `clear`): the backward pass
/// puts each popped element back on the adjoints too, a zero of every row (was a `0.0` pushed
/// onto a `Vec` of `Tangents`, which did not compile).
#[differentiate(reverse, forward)]
fn stacked(a: f64, b: f64) -> [f64; 2] {
    let mut p = vec![(a * b).tanh(); 2];
    for k in 0..3 {
        p.push(p[k % p.len()] * a + p[(k + 1) % p.len()]);
    }
    let top = p.pop().unwrap_or(0.0) + p[0];
    p.clear();
    p.push(top);
    p.push(b * top);
    [p[0] * a, p[1] + p[0] * b]
}

#[test]
fn stacks_popped_equal_pullbacks_bit_for_bit() {
    for (a, b) in [(0.3, -0.7), (1.1, 0.4)] {
        let (value, rows) = stacked::jacobian(a, b);
        assert_eq!(value, stacked(a, b));
        let want = rows_by_pullbacks!(stacked, 2, 0.0, 1.0, (a, b));
        assert_eq!(rows, want);
        let h = 1e-6;
        let (up, down) = (stacked(a + h, b), stacked(a - h, b));
        for k in 0..2 {
            assert_close(rows[k].a, (up[k] - down[k]) / (2.0 * h), 1e-6);
        }
    }
}
