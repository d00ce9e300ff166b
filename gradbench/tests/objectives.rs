//! The benchmarked objectives' gradients, at small sizes, against finite differences, and
//! their reverse mode against their forward mode (the dot-product test).

use backprop::check::check_gradient;
use backprop_gradbench::objectives::*;

/// Checks `grad` (the gradient of `f` with respect to its one slice `x`) against finite
/// differences.
fn check(name: &str, f: impl Fn(&[f64]) -> f64, x: &[f64], grad: &[f64]) {
    if let Err(e) = check_gradient(f, x, grad, 1e-6) {
        panic!("{name}: {e}");
    }
}

#[test]
fn llsq_gradient() {
    let x = uniform(1, 6);
    let (v, g) = llsq::grad(&x, 9);
    assert_eq!(v, llsq(&x, 9));
    check("llsq", |x| llsq(x, 9), &x, &g.x);
}

#[test]
fn lse_gradient() {
    let x = uniform(2, 12);
    let (_, g) = lse::grad(&x);
    check("lse", lse, &x, &g.x);
}

#[test]
fn ode_last_element_gradient() {
    let x = uniform(3, 7);
    let (y, g) = ode_gradient(&x, 4);
    assert_eq!(y, ode(&x, 4));
    check("ode", |x| ode(x, 4)[6], &x, &g);
}

#[test]
fn det_gradient() {
    let a = uniform(4, 16);
    let (v, g) = det::grad(&a, 4);
    // The 4 × 4 determinant by Gaussian elimination, an independent value.
    let mut m = a.clone();
    let mut expected = 1.0;
    for p in 0..4 {
        expected *= m[p * 4 + p];
        for r in p + 1..4 {
            let f = m[r * 4 + p] / m[p * 4 + p];
            for c in p..4 {
                m[r * 4 + c] -= f * m[p * 4 + c];
            }
        }
    }
    assert!((v - expected).abs() < 1e-12, "{v} != {expected}");
    check("det", |a| det(a, 4), &a, &g.a);
}

#[test]
fn lstm_gradient() {
    let (l, b, c) = (2, 3, 4);
    let main = uniform(5, 8 * b * l);
    let extra = uniform(6, 3 * b);
    let state = uniform(7, 2 * b * l);
    let sequence = uniform(8, c * b);
    let (_, g) = lstm::grad(&main, &extra, &state, &sequence, l, b);
    check(
        "lstm main",
        |p| lstm(p, &extra, &state, &sequence, l, b),
        &main,
        &g.main,
    );
    check(
        "lstm extra",
        |p| lstm(&main, p, &state, &sequence, l, b),
        &extra,
        &g.extra,
    );
}

#[test]
fn ba_jacobian() {
    let mut cam: [f64; 11] = uniform(9, 11).try_into().unwrap();
    cam[5] -= 4.0; // the point in front of the camera
    let x: [f64; 3] = uniform(10, 3).try_into().unwrap();
    let feat: [f64; 2] = uniform(11, 2).try_into().unwrap();
    for cam in [cam, {
        let mut c = cam;
        c[..3].fill(0.0);
        c
    }] {
        let (_, rows) = ba::jacobian(&cam, &x, 0.7, &feat);
        for (r, row) in rows.iter().enumerate() {
            check(
                "ba cam",
                |c| ba(c.try_into().unwrap(), &x, 0.7, &feat)[r],
                &cam,
                &row.cam,
            );
            check(
                "ba x",
                |p| ba(&cam, p.try_into().unwrap(), 0.7, &feat)[r],
                &x,
                &row.x,
            );
            check("ba w", |w| ba(&cam, &x, w[0], &feat)[r], &[0.7], &[row.w]);
        }
    }
}

#[test]
fn gmm_gradient() {
    let (d, k, n) = (3, 4, 5);
    let alpha = uniform(12, k);
    let mu = uniform(13, k * d);
    let q = uniform(14, k * d);
    let l = uniform(15, k * d * (d - 1) / 2);
    let x = uniform(16, n * d);
    let (_, g) = gmm::grad(&alpha, &mu, &q, &l, &x, d, 0, 1.0);
    check(
        "gmm alpha",
        |p| gmm(p, &mu, &q, &l, &x, d, 0, 1.0),
        &alpha,
        &g.alpha,
    );
    check(
        "gmm mu",
        |p| gmm(&alpha, p, &q, &l, &x, d, 0, 1.0),
        &mu,
        &g.mu,
    );
    check(
        "gmm q",
        |p| gmm(&alpha, &mu, p, &l, &x, d, 0, 1.0),
        &q,
        &g.q,
    );
    check(
        "gmm l",
        |p| gmm(&alpha, &mu, &q, p, &x, d, 0, 1.0),
        &l,
        &g.l,
    );
}

/// `⟨∇f, v⟩` from reverse mode equals `J·v` from forward mode.
fn dot_product(name: &str, reverse: &[f64], v: &[f64], forward: f64) {
    let dot: f64 = reverse.iter().zip(v).map(|(g, v)| g * v).sum();
    assert!(
        (dot - forward).abs() <= 1e-10 * dot.abs().max(1.0),
        "{name}: {dot} != {forward}"
    );
}

#[test]
fn forward_agrees_with_reverse() {
    let x = uniform(17, 7);
    let v = uniform(18, 7);
    dot_product("ode", &ode_gradient(&x, 4).1, &v, ode::jvp(&x, 4, &v).1[6]);
    dot_product("llsq", &llsq::grad(&x, 9).1.x, &v, llsq::jvp(&x, 9, &v).1);
    dot_product("lse", &lse::grad(&x).1.x, &v, lse::jvp(&x, &v).1);
    let a = uniform(19, 9);
    let va = uniform(20, 9);
    dot_product("det", &det::grad(&a, 3).1.a, &va, det::jvp(&a, 3, &va).1);
    let (l, b) = (2, 3);
    let (main, extra) = (uniform(21, 8 * b * l), uniform(22, 3 * b));
    let (vm, ve) = (uniform(23, 8 * b * l), uniform(24, 3 * b));
    let (state, sequence) = (uniform(25, 2 * b * l), uniform(26, 4 * b));
    let g = lstm::grad(&main, &extra, &state, &sequence, l, b).1;
    let joined: Vec<f64> = g.main.iter().chain(&g.extra).copied().collect();
    let v: Vec<f64> = vm.iter().chain(&ve).copied().collect();
    let jv = lstm::jvp(&main, &extra, &state, &sequence, l, b, &vm, &ve).1;
    dot_product("lstm", &joined, &v, jv);
}

#[test]
fn kmeans_gradient_and_diagonal_hessian() {
    let d = 2;
    let p = uniform(27, 10 * d);
    let c = uniform(28, 3 * d);
    let (_, g) = kmeans::grad(&p, &c, d);
    check("kmeans", |c| kmeans(&p, c, d), &c, &g.c);
    // The Hessian is diagonal (each centroid's coordinate meets only its own square): H·1
    // is its diagonal, which finite differences of the gradient give coordinate by
    // coordinate.
    let ones = vec![1.0; c.len()];
    let (_, _, h) = kmeans::hvp(&p, &c, d, &ones);
    for i in 0..c.len() {
        let step = 1e-5;
        let (mut plus, mut minus) = (c.clone(), c.clone());
        plus[i] += step;
        minus[i] -= step;
        let numeric =
            (kmeans::grad(&p, &plus, d).1.c[i] - kmeans::grad(&p, &minus, d).1.c[i]) / (2.0 * step);
        assert!(
            (h.c[i] - numeric).abs() < 1e-6,
            "H[{i}][{i}]: {} != {numeric}",
            h.c[i]
        );
    }
}
