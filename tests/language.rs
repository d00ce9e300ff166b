//! Plain Rust that once failed to compile or gave a wrong gradient (issue 9's
//! reproductions), each checked against finite differences, forward mode against reverse
//! mode, and, where second order applies, the Hessian-vector product. The reproductions are
//! kept as users wrote them, hence the clippy allowances.

#![allow(
    clippy::needless_range_loop,
    clippy::useless_vec,
    clippy::ptr_arg,
    clippy::redundant_closure,
    clippy::assign_op_pattern,
    clippy::let_and_return
)]
#![deny(warnings)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp, draws};

/// `⟨∇f, v⟩` from `grad` against `jvp` along `v`.
#[track_caller]
fn assert_jvp_matches(grad: &[f64], jvp: f64, v: &[f64]) {
    let dot: f64 = grad.iter().zip(v).map(|(g, v)| g * v).sum();
    assert_close(jvp, dot, 1e-12);
}

/// A function of one vector of inputs (`f`, `grad`, and `jvp` and `hvp` at a point along a
/// direction) checked three ways at `p`: the gradient against central differences, `jvp`
/// against the gradient (the dot-product test, its value the function's) and `hvp` against
/// differences of the gradient.
fn check_three_ways(
    p: &[f64],
    f: impl Fn(&[f64]) -> f64,
    grad: impl Fn(&[f64]) -> Vec<f64>,
    jvp: impl Fn(&[f64], &[f64]) -> (f64, f64),
    hvp: impl Fn(&[f64], &[f64]) -> Vec<f64>,
    seed: u64,
) {
    assert_fd(&f, p, &grad(p));
    let v: Vec<f64> = (0..p.len())
        .map(|i| (i as f64 * 0.7 + seed as f64).cos())
        .collect();
    let (value, tangent) = jvp(p, &v);
    assert_eq!(value, f(p));
    assert_jvp_matches(&grad(p), tangent, &v);
    check_hvp(grad, hvp, p, seed);
}

/// [`check_three_ways`] for `f(x: &[f64], t: f64)` (every mode) at each `x`, `t = 1.3`.
macro_rules! check_slice_and_float {
    ($f:ident, $seed:expr, $([$($x:expr),*]),*) => {
        for x in [$(vec![$($x),*]),*] {
            let n = x.len();
            let p = [x.as_slice(), &[1.3]].concat();
            assert_eq!($f::grad(&x, 1.3).0, $f(&x, 1.3));
            check_three_ways(
                &p,
                |p| $f(&p[..n], p[n]),
                |p| {
                    let (_, g) = $f::grad(&p[..n], p[n]);
                    [g.x, vec![g.t]].concat()
                },
                |p, v| $f::jvp(&p[..n], p[n], &v[..n], v[n]),
                |p, u| {
                    let (_, _, h) = $f::hvp(&p[..n], p[n], &u[..n], u[n]);
                    [h.x, vec![h.t]].concat()
                },
                $seed,
            );
        }
    };
}

// ------------------------------------------------- `return` inside a `let` initializer

#[differentiate(hessian)]
fn return_in_let_if(x: f64) -> f64 {
    let y = if x > 0.0 {
        return x * 2.0;
    } else {
        x * 3.0
    };
    y * y
}

#[differentiate(hessian)]
fn return_in_let_block(x: f64) -> f64 {
    let y = {
        if x > 5.0 {
            return x;
        }
        x * 2.0
    };
    y * x
}

#[test]
fn a_let_initializer_may_return() {
    for x in [1.5, -1.5, 6.0, 2.0] {
        let (value, g) = return_in_let_if::grad(x);
        assert_eq!(value, return_in_let_if(x));
        assert_fd(|v| return_in_let_if(v[0]), &[x], &[g.x]);
        assert_jvp_matches(&[g.x], return_in_let_if::jvp(x, 0.5).1, &[0.5]);
        let (value, g) = return_in_let_block::grad(x);
        assert_eq!(value, return_in_let_block(x));
        assert_fd(|v| return_in_let_block(v[0]), &[x], &[g.x]);
        assert_jvp_matches(&[g.x], return_in_let_block::jvp(x, 0.5).1, &[0.5]);
        let (_, _, h) = return_in_let_block::hessian(x);
        assert_eq!(h[0].x, if x > 5.0 { 0.0 } else { 4.0 });
    }
    // Shadowing: the initializer reads the outer `x`, the rest the new one.
    assert_eq!(
        return_in_let_if::grad(-1.0),
        (9.0, return_in_let_if::Grad { x: -18.0 })
    );
}

// ------------------------------------- `let mut y = if ...` updated afterwards

#[differentiate(hessian)]
fn updated_after_if(t: f64) -> f64 {
    let mut y = if t > 0.0 { t } else { -t };
    y += 1.0;
    y * t
}

#[differentiate(hessian)]
fn updated_in_a_loop(t: f64, x: &[f64]) -> f64 {
    let mut y = if t > 0.0 { t } else { -t };
    for j in 0..x.len() {
        y -= x[j];
    }
    y * y
}

#[test]
fn a_variable_initialized_by_an_if_can_be_updated() {
    // Once `grad_y += grad_y;`, doubling the adjoint at every iteration: [16, 8].
    let (value, g) = updated_in_a_loop::grad(1.0, &[1.0, 2.0]);
    assert_eq!(value, 4.0);
    assert_eq!((g.t, g.x.clone()), (-4.0, vec![4.0, 4.0]));
    for (t, x) in [(1.0, vec![1.0, 2.0]), (-0.7, vec![0.3, -2.0, 1.1])] {
        let (_, g) = updated_in_a_loop::grad(t, &x);
        let mut point = vec![t];
        point.extend(&x);
        let mut analytic = vec![g.t];
        analytic.extend(&g.x);
        assert_fd(|v| updated_in_a_loop(v[0], &v[1..]), &point, &analytic);
        let dir: Vec<f64> = (0..point.len()).map(|i| 0.3 - 0.2 * i as f64).collect();
        let (_, tangent) = updated_in_a_loop::jvp(t, &x, dir[0], &dir[1..]);
        assert_jvp_matches(&analytic, tangent, &dir);
        check_hvp(
            |v| {
                let g = updated_in_a_loop::grad(v[0], &v[1..]).1;
                std::iter::once(g.t).chain(g.x).collect()
            },
            |v, u| {
                let (_, _, h) = updated_in_a_loop::hvp(v[0], &v[1..], u[0], &u[1..]);
                std::iter::once(h.t).chain(h.x).collect()
            },
            &point,
            3,
        );
    }
    for t in [2.0, -2.0] {
        let (_, g) = updated_after_if::grad(t);
        assert_fd(|v| updated_after_if(v[0]), &[t], &[g.t]);
        assert_eq!(updated_after_if::hessian(t).2[0].t, 2.0 * t.signum());
    }
}

// ------------------------------------------------------------- copies of sequences

#[differentiate(reverse, forward)]
fn written_copy_of_a_slice(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v[0] = 2.0 * v[1];
    v[0] * v[1] + x[0]
}

#[differentiate(reverse, forward)]
fn clone_of_a_borrowed_vec(x: &Vec<f64>) -> f64 {
    let mut v = x.clone();
    v[1] *= v[0];
    v[0] * v[1]
}

#[differentiate(reverse, forward)]
fn clone_of_a_local_vec(x: f64) -> f64 {
    let v = vec![x, 2.0 * x];
    let w = v.clone();
    w[0] + v[1] * w[1]
}

#[differentiate(reverse, forward)]
fn moved_vec(x: Vec<f64>) -> f64 {
    let w = x;
    w[0] * w[1]
}

#[test]
fn sequences_are_copied_not_aliased() {
    let x = [1.5, -0.5];
    let (value, g) = written_copy_of_a_slice::grad(&x);
    assert_eq!(value, written_copy_of_a_slice(&x));
    assert_fd(|v| written_copy_of_a_slice(v), &x, &g.x);
    assert_jvp_matches(
        &g.x,
        written_copy_of_a_slice::jvp(&x, &[0.3, 0.7]).1,
        &[0.3, 0.7],
    );

    let xv = x.to_vec();
    let (_, g) = clone_of_a_borrowed_vec::grad(&xv);
    assert_fd(|v| clone_of_a_borrowed_vec(&v.to_vec()), &x, &g.x);
    assert_jvp_matches(
        &g.x,
        clone_of_a_borrowed_vec::jvp(&xv, &vec![0.3, 0.7]).1,
        &[0.3, 0.7],
    );

    let (value, g) = clone_of_a_local_vec::grad(3.0);
    assert_eq!((value, g.x), (39.0, 25.0));
    assert_eq!(clone_of_a_local_vec::jvp(3.0, 2.0).1, 50.0);

    let (_, g) = moved_vec::grad(xv.clone());
    assert_eq!(g.x, vec![-0.5, 1.5]);
    assert_jvp_matches(&g.x, moved_vec::jvp(xv, vec![0.3, 0.7]).1, &[0.3, 0.7]);
}

// ---------------------------------------------------- indexing a call's vector result

#[differentiate(hessian)]
fn polar(r: f64, theta: f64) -> [f64; 2] {
    [r * theta.cos(), r * theta.sin()]
}

#[differentiate(hessian)]
fn area_of_polar(r: f64, theta: f64) -> f64 {
    let p = polar(r, theta);
    p[0] * p[1]
}

#[test]
fn a_calls_vector_result_can_be_indexed() {
    let (value, g) = area_of_polar::grad(2.0, 0.5);
    assert_close(value, 2.0 * 1.0f64.sin(), 1e-15);
    assert_fd(|v| area_of_polar(v[0], v[1]), &[2.0, 0.5], &[g.r, g.theta]);
    assert_jvp_matches(
        &[g.r, g.theta],
        area_of_polar::jvp(2.0, 0.5, 0.4, -0.3).1,
        &[0.4, -0.3],
    );
    check_hvp(
        |v| {
            let g = area_of_polar::grad(v[0], v[1]).1;
            vec![g.r, g.theta]
        },
        |v, u| {
            let h = area_of_polar::hvp(v[0], v[1], u[0], u[1]).2;
            vec![h.r, h.theta]
        },
        &[2.0, 0.5],
        5,
    );
}

/// A differentiated function returning a `Vec`, its result walked (never indexed): the file
/// says it is a sequence.
#[differentiate(reverse, forward)]
fn normalized(x: &[f64]) -> Vec<f64> {
    let s = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    x.iter().map(|v| v / s).collect()
}

#[differentiate(reverse, forward)]
fn walked_results(a: [f64; 2], x: &[f64]) -> f64 {
    let p = polar(a[0], a[1]);
    let n = normalized(x);
    let mut t = p.iter().map(|v| v * v).sum::<f64>().sqrt();
    for (k, v) in n.iter().enumerate() {
        t += (k as f64 + 1.0) * v * p[k % 2];
    }
    t * n.len() as f64
}

#[test]
fn a_calls_vector_result_can_be_walked() {
    let (a, x) = ([1.5, 0.7], [0.3, -1.2, 2.0]);
    let (value, g) = walked_results::grad(a, &x);
    assert_eq!(value, walked_results(a, &x));
    let all = [&a[..], &x[..]].concat();
    let f = |v: &[f64]| walked_results([v[0], v[1]], &v[2..]);
    assert_fd(f, &all, &[&g.a[..], &g.x[..]].concat());
    let (da, dx) = ([0.4, -0.3], [0.1, 0.5, -0.2]);
    let dot = walked_results::jvp(a, &x, da, &dx).1;
    assert_jvp_matches(
        &[&g.a[..], &g.x[..]].concat(),
        dot,
        &[&da[..], &dx[..]].concat(),
    );
}

// -------------------------------------------------------- `for &l in labels`

#[differentiate(reverse, forward)]
fn picked(x: &[f64], labels: &[usize], more: &Vec<usize>) -> f64 {
    let mut s = 0.0;
    for &l in labels {
        s += x[l] * x[l];
    }
    for &m in more {
        s += x[m];
    }
    s
}

#[test]
fn for_over_borrowed_integers() {
    let x = [1.0, 2.0, 3.0];
    let (value, g) = picked::grad(&x, &[0, 2, 2], &vec![1]);
    assert_eq!(value, 1.0 + 9.0 + 9.0 + 2.0);
    assert_eq!(g.x, vec![2.0, 1.0, 12.0]);
    assert_jvp_matches(
        &g.x,
        picked::jvp(&x, &[0, 2, 2], &vec![1], &[1.0, -1.0, 0.5]).1,
        &[1.0, -1.0, 0.5],
    );
}

// ------------------------------------------- `for v in xs` reads `*v` in its conditions

/// Elements bound by reference, as iterating over a slice binds them, read in conditions
/// the way the user has them (`*v`, `v > &t`), beside elements bound by value.
#[differentiate(hessian)]
fn thresholds(x: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for v in x {
        if *v > t {
            s += v * v;
        }
    }
    for (i, v) in x.iter().enumerate() {
        if v > &t && i % 2 == 0 {
            s += v.sin() * t;
        }
    }
    let tail = &x[1..];
    for v in tail {
        if v.abs() < 0.5 * *v + t {
            s += *v * t;
        }
    }
    for v in x.iter().copied() {
        if v < t {
            s += v.exp();
        }
    }
    for &v in x {
        if v * v > t {
            s -= v * t;
        }
    }
    s
}

#[test]
fn elements_bound_by_reference_read_in_conditions() {
    let x = [0.3, -0.8, 1.4, 0.05, 0.9, -0.2];
    let t = 0.1;
    let (value, g) = thresholds::grad(&x, t);
    assert_eq!(value, thresholds(&x, t));
    let mut at = x.to_vec();
    at.push(t);
    let full = |a: &[f64]| thresholds(&a[..x.len()], a[x.len()]);
    let mut grad = g.x.clone();
    grad.push(g.t);
    assert_fd(full, &at, &grad);
    let v = [0.5, -1.0, 0.25, 1.0, -0.5, 0.75];
    assert_jvp_matches(&g.x, thresholds::jvp(&x, t, &v, 0.0).1, &v);
    check_hvp(
        |a| thresholds::grad(a, t).1.x,
        |a, u| thresholds::hvp(a, t, u, 0.0).2.x,
        &x,
        8,
    );
}

// ------------------------------- references from zips, maps and `let a = &x[i]`

/// Items of zipped and mapped chains, and a borrowed element, read through `*` in
/// conditions, as slices' iterators give them.
#[differentiate(hessian)]
fn zipped_conditions(x: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for (xi, wi) in x.iter().zip(w.iter()) {
        if *wi > 0.0 && *xi < 1.0 {
            s += xi * wi;
        }
    }
    let first = &x[0];
    if *first > 0.0 {
        s *= first;
    }
    s + w
        .iter()
        .map(|v| if *v > 0.0 { v * v } else { -v })
        .sum::<f64>()
}

#[test]
fn references_from_zips_and_maps_read_in_conditions() {
    let x = [0.4, 1.3, -0.6, 0.2];
    let w = [0.5, 0.7, -0.3, 1.1];
    let (value, g) = zipped_conditions::grad(&x, &w);
    assert_eq!(value, zipped_conditions(&x, &w));
    let all: Vec<f64> = x.iter().chain(&w).copied().collect();
    let split = |a: &[f64]| zipped_conditions(&a[..4], &a[4..]);
    let grad: Vec<f64> = g.x.iter().chain(&g.w).copied().collect();
    assert_fd(split, &all, &grad);
    let v = [0.5, -1.0, 0.25, 1.0];
    assert_jvp_matches(&g.x, zipped_conditions::jvp(&x, &w, &v, &[0.0; 4]).1, &v);
    check_hvp(
        |a| zipped_conditions::grad(a, &w).1.x,
        |a, u| zipped_conditions::hvp(a, &w, u, &[0.0; 4]).2.x,
        &x,
        9,
    );
}

// ------------------------------------------------- items declared inside the function

/// `const`, `static`, `use` and `fn` items inside the body: declared again in the generated
/// module. A differentiated helper is called with a derivative, an ordinary one with
/// constants only.
#[differentiate(hessian)]
fn with_local_items(x: &[f64]) -> f64 {
    use std::f64::consts::PI;
    const SCALE: f64 = 0.5;
    static OFFSETS: [f64; 2] = [0.25, -0.75];
    fn weight(k: usize) -> f64 {
        1.0 / (k as f64 + 1.0)
    }
    // (Its generated module, inside this body, sees the enclosing module, not the `use`.)
    #[differentiate(hessian)]
    fn bump(t: f64) -> f64 {
        (t * 3.0).sin() * t
    }
    let mut s = 0.0;
    for k in 0..x.len() {
        s += weight(k) * bump(x[k] + OFFSETS[k % 2]) * SCALE;
    }
    s * PI
}

#[test]
fn items_inside_the_function() {
    let x = [0.3, -0.2, 0.9];
    let (value, g) = with_local_items::grad(&x);
    assert_eq!(value, with_local_items(&x));
    assert_fd(with_local_items, &x, &g.x);
    let v = [1.0, 0.5, -0.25];
    assert_jvp_matches(&g.x, with_local_items::jvp(&x, &v).1, &v);
    check_hvp(
        |a| with_local_items::grad(a).1.x,
        |a, u| with_local_items::hvp(a, u).2.x,
        &x,
        10,
    );
}

// ------------------------------------ `for (k, &l) in labels.iter().enumerate()`

/// Constant items taken apart by the loop's pattern, as counts into bins.
#[differentiate(hessian)]
fn binned(x: &[f64], labels: &[usize]) -> f64 {
    let mut bins = vec![0.0; 3];
    for (k, &l) in labels.iter().enumerate() {
        bins[l] += x[k] * x[k];
    }
    for (j, (&a, &b)) in labels.iter().zip(labels.iter().skip(1)).enumerate() {
        if a != b {
            bins[b] += x[j].sin() * x[j + 1];
        }
    }
    bins.iter().map(|b| b * b).sum()
}

#[test]
fn constant_items_taken_apart_by_the_loop_pattern() {
    let x = [0.3, -0.7, 1.1, 0.4];
    let labels = [0, 2, 2, 1];
    let (value, g) = binned::grad(&x, &labels);
    assert_eq!(value, binned(&x, &labels));
    assert_fd(|a| binned(a, &labels), &x, &g.x);
    let v = [0.5, -1.0, 0.25, 1.0];
    assert_jvp_matches(&g.x, binned::jvp(&x, &labels, &v).1, &v);
    check_hvp(
        |a| binned::grad(a, &labels).1.x,
        |a, u| binned::hvp(a, &labels, u).2.x,
        &x,
        11,
    );
}

// ------------------------------------- `match` arms and `if let` using their bindings

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Relu,
    Leaky(f64),
    Scaled { k: f64, shift: f64 },
}

/// Names bound from constants (an `Option` parameter, an enum's fields) read in guards,
/// bodies and `if let`, beside arms that bind nothing.
#[differentiate(hessian, wrt(x))]
fn activated(x: &[f64], a: Unit, k: Option<u8>) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += match a {
            Unit::Relu => v.max(0.0),
            Unit::Leaky(alpha) if alpha > 0.0 => {
                if *v > 0.0 {
                    *v
                } else {
                    alpha * v
                }
            }
            Unit::Leaky(_) => *v,
            Unit::Scaled { k, shift } => k * v.sin() + shift,
        };
    }
    let scale = match k {
        Some(0) | None => 1.0,
        Some(n) if n > 3 => 0.5,
        Some(n) => n as f64,
    };
    if let Some(n) = k {
        s += x[0] * x[0] * n as f64;
    }
    s * scale
}

/// `Option`s of integers, `&str` and `char` are constants, as integers are: no `wrt(..)`
/// needed, no gradient field.
#[differentiate(reverse, forward)]
fn configured(x: f64, steps: Option<usize>, label: &str, mark: char) -> f64 {
    let mut y = x;
    for _ in 0..steps.unwrap_or(2) {
        y = y.sin() + x;
    }
    if let Some(n) = steps {
        y += n as f64 * 0.01;
    }
    if label.len() > 3 && mark == 'x' {
        y * 2.0
    } else {
        y
    }
}

#[test]
fn options_and_strings_are_constants() {
    for (steps, label) in [(None, "ab"), (Some(3), "long"), (Some(0), "long")] {
        let (value, g) = configured::grad(0.4, steps, label, 'x');
        assert_eq!(value, configured(0.4, steps, label, 'x'));
        assert_fd(|a| configured(a[0], steps, label, 'x'), &[0.4], &[g.x]);
        assert_jvp_matches(
            &[g.x],
            configured::jvp(0.4, steps, label, 'x', 1.0).1,
            &[1.0],
        );
    }
}

/// A binding of the same name and type as a parameter: the guard and the arm read the
/// binding, the last arm the parameter.
#[differentiate(wrt(x))]
fn guard_shadows(x: f64, k: Option<usize>, n: usize) -> f64 {
    match k {
        Some(n) if n > 3 => x * 2.0,
        Some(n) => x * n as f64,
        None => x + n as f64,
    }
}

#[test]
fn a_guard_reads_its_binding_not_a_parameter_of_the_same_name() {
    for (k, n, slope) in [
        (Some(5), 0, 2.0),
        (Some(2), 7, 2.0),
        (Some(3), 9, 3.0),
        (None, 9, 1.0),
    ] {
        let (value, g) = guard_shadows::grad(1.5, k, n);
        assert_eq!(value, guard_shadows(1.5, k, n));
        assert_eq!(g.x, slope);
    }
}

/// Arms that bind the matched float whole, by a lone name, with guards: the name is the
/// value itself, and carries its derivative (`mut` too).
#[differentiate(hessian)]
fn guarded_arms(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += match v * 2.0 {
            small if small.abs() < 1.0 => small * small,
            big if big > 3.0 => 0.0,
            mut other => {
                other *= 3.0;
                other.abs().sqrt()
            }
        };
    }
    s
}

/// A function of one slice, checked as `check_slice_function!` does (its value, finite
/// differences, `hvp`), and forward mode along `v` by the dot product.
macro_rules! check_every_mode {
    ($f:ident, $x:expr, $v:expr, $seed:expr) => {{
        let (x, v): (&[f64], &[f64]) = ($x, $v);
        check_slice_function!($f, x, $seed);
        assert_jvp_matches(&$f::grad(x).1.x, $f::jvp(x, v).1, v);
    }};
}

#[test]
fn a_lone_name_binds_the_matched_value() {
    for (k, x, v) in draws(31, &[4; 4], 2.5) {
        check_every_mode!(guarded_arms, &x, &v, 40 + k);
    }
}

/// The same arms inside an iterator chain's closure, and `if let` in a fold's.
#[differentiate(hessian, wrt(x))]
fn activated_in_chains(x: &[f64], a: Unit, k: Option<u8>) -> f64 {
    let s: f64 = x
        .iter()
        .map(|v| match a {
            Unit::Relu => v.max(0.0),
            Unit::Leaky(alpha) if alpha > 0.0 => {
                if *v > 0.0 {
                    *v
                } else {
                    alpha * v
                }
            }
            Unit::Leaky(_) => *v,
            Unit::Scaled { k, shift } => k * v.sin() + shift,
        })
        .sum();
    x.iter().fold(s, |acc, &v| {
        if let Some(n) = k {
            acc + v * v * n as f64
        } else {
            acc
        }
    })
}

#[test]
fn match_arms_and_if_let_read_their_bindings() {
    let x = [0.7, -1.2, 0.3];
    let v = [0.5, -1.0, 0.25];
    let kinds = [
        Unit::Relu,
        Unit::Leaky(0.1),
        Unit::Leaky(-1.0),
        Unit::Scaled { k: 2.0, shift: 0.5 },
    ];
    for (i, a) in kinds.into_iter().enumerate() {
        for k in [None, Some(0), Some(2), Some(5)] {
            let (value, g) = activated_in_chains::grad(&x, a, k);
            assert_eq!(value, activated_in_chains(&x, a, k));
            assert_fd(|p| activated_in_chains(p, a, k), &x, &g.x);
            assert_jvp_matches(&g.x, activated_in_chains::jvp(&x, a, k, &v).1, &v);
            let (value, g) = activated::grad(&x, a, k);
            assert_eq!(value, activated(&x, a, k));
            assert_fd(|p| activated(p, a, k), &x, &g.x);
            assert_jvp_matches(&g.x, activated::jvp(&x, a, k, &v).1, &v);
            check_hvp(
                |p| activated::grad(p, a, k).1.x,
                |p, u| activated::hvp(p, a, k, u).2.x,
                &x,
                12 + i as u64,
            );
        }
    }
}

/// An enum parameter left to the default `wrt`: matched against its variants, it is a
/// constant (no derive makes an enum `Differentiable`), as an integer is. By value and by
/// reference, through `match`, `if let`, `matches!` and `==`.
#[differentiate(hessian)]
fn unit_by_value(x: &[f64], a: Unit, b: Unit) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += match a {
            Unit::Relu => v.max(0.0),
            Unit::Leaky(alpha) => alpha * v * v,
            Unit::Scaled { k, shift } => k * v.sin() + shift,
        };
        if matches!(b, Unit::Leaky(k) if k > 0.5) {
            s += v * v * v;
        }
    }
    if b == Unit::Relu { s * s } else { s }
}

#[differentiate(hessian)]
fn unit_by_ref(x: f64, a: &Unit) -> f64 {
    if let Unit::Leaky(alpha) = a {
        *alpha * x * x + alpha.abs() * x.sin()
    } else if let Unit::Scaled { k, .. } = a {
        k * x.exp()
    } else {
        x.tanh()
    }
}

#[test]
fn an_enum_parameter_is_a_constant_without_wrt() {
    let x = [0.7, -1.2, 0.3];
    let u = [0.5, -1.0, 0.25];
    let kinds = [
        Unit::Relu,
        Unit::Leaky(0.1),
        Unit::Leaky(0.9),
        Unit::Scaled { k: 2.0, shift: 0.5 },
    ];
    for (i, a) in kinds.into_iter().enumerate() {
        for b in kinds {
            // The gradient has no field for the enums.
            let (value, unit_by_value::Grad { x: g }) = unit_by_value::grad(&x, a, b);
            assert_eq!(value, unit_by_value(&x, a, b));
            assert_fd(|p| unit_by_value(p, a, b), &x, &g);
            assert_jvp_matches(&g, unit_by_value::jvp(&x, a, b, &u).1, &u);
            check_hvp(
                |p| unit_by_value::grad(p, a, b).1.x,
                |p, w| unit_by_value::hvp(p, a, b, w).2.x,
                &x,
                30 + i as u64,
            );
        }
        let (value, unit_by_ref::Grad { x: g }) = unit_by_ref::grad(-0.4, &a);
        assert_eq!(value, unit_by_ref(-0.4, &a));
        assert_fd(|p| unit_by_ref(p[0], &a), &[-0.4], &[g]);
        assert_eq!(unit_by_ref::jvp(-0.4, &a, 1.0).1, g);
        let second = unit_by_ref::hessian(-0.4, &a).2[0].x;
        let h = 1e-5;
        let fd =
            (unit_by_ref::grad(-0.4 + h, &a).1.x - unit_by_ref::grad(-0.4 - h, &a).1.x) / (2.0 * h);
        assert_close(second, fd, 1e-6);
    }
}

// ----------------------------------------------------------- sorting a local vector

/// A median, and a weighted sum of sorted squares without the extremes: each sorted
/// element's gradient goes back to the element it came from.
#[differentiate(hessian)]
fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[differentiate(hessian)]
fn sorted_squares(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|e| e * e.sin()).collect();
    v.sort_unstable_by(|a, b| b.total_cmp(a));
    let mut s = 0.0;
    for k in 1..v.len() - 1 {
        s += v[k] * v[k] * (k as f64);
    }
    s
}

/// Any comparison: by magnitude around a value that carries a derivative (the order is a
/// constant; the values sorted carry the derivative), `unwrap_or`, and a key of two floats.
#[differentiate(hessian)]
fn weighted_by_distance(x: &[f64], c: f64) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|e| e - c).collect();
    v.sort_by(|a, b| {
        a.abs()
            .partial_cmp(&b.abs())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut s = 0.0;
    for k in 0..v.len() {
        s += v[k] * v[k] * (k as f64 + 1.0);
    }
    s
}

#[differentiate(hessian)]
fn nearest_two(x: &[f64], c: f64) -> f64 {
    let mut v = x.to_vec();
    v.sort_unstable_by(|a, b| (a - c).abs().total_cmp(&(b - c).abs()));
    v[0] * v[0] + v[1] * c
}

#[test]
fn sorted_by_any_comparison() {
    let x = [0.3, -1.2, 2.5, 0.9, -0.4];
    for c in [0.1, 0.5, -1.0] {
        let mut p = x.to_vec();
        p.push(c);
        let split = |p: &[f64]| (p[..5].to_vec(), p[5]);
        for (f, grad, hvp) in [
            (
                weighted_by_distance as fn(&[f64], f64) -> f64,
                (|a: &[f64], c| {
                    let g = weighted_by_distance::grad(a, c).1;
                    [g.x, vec![g.c]].concat()
                }) as fn(&[f64], f64) -> Vec<f64>,
                (|a: &[f64], c, u: &[f64]| {
                    let g = weighted_by_distance::hvp(a, c, &u[..5], u[5]).2;
                    [g.x, vec![g.c]].concat()
                }) as fn(&[f64], f64, &[f64]) -> Vec<f64>,
            ),
            (
                nearest_two,
                |a, c| {
                    let g = nearest_two::grad(a, c).1;
                    [g.x, vec![g.c]].concat()
                },
                |a, c, u| {
                    let g = nearest_two::hvp(a, c, &u[..5], u[5]).2;
                    [g.x, vec![g.c]].concat()
                },
            ),
        ] {
            let g = grad(&x, c);
            assert_fd(
                |q| {
                    let (a, c) = split(q);
                    f(&a, c)
                },
                &p,
                &g,
            );
            check_hvp(
                |q| {
                    let (a, c) = split(q);
                    grad(&a, c)
                },
                |q, u| {
                    let (a, c) = split(q);
                    hvp(&a, c, u)
                },
                &p,
                17,
            );
        }
        assert_eq!(
            weighted_by_distance::grad(&x, c).0,
            weighted_by_distance(&x, c)
        );
        let dir = [0.2, -0.1, 0.4, 0.3, -0.5];
        let (_, t) = nearest_two::jvp(&x, c, &dir, 0.7);
        let g = nearest_two::grad(&x, c).1;
        let dot: f64 = g.x.iter().zip(&dir).map(|(a, b)| a * b).sum::<f64>() + g.c * 0.7;
        assert_close(t, dot, 1e-12);
    }
}

#[test]
fn sorted_local_vectors() {
    for x in [
        vec![0.3, -1.2, 2.5, 0.9, -0.4],
        vec![0.3, -1.2, 2.5, 0.9, -0.4, 1.7],
    ] {
        let (value, g) = median::grad(&x);
        assert_eq!(value, median(&x));
        assert_fd(median, &x, &g.x);
        let (value, g) = sorted_squares::grad(&x);
        assert_eq!(value, sorted_squares(&x));
        assert_fd(sorted_squares, &x, &g.x);
        let v: Vec<f64> = (0..x.len()).map(|i| 0.3 * i as f64 - 0.5).collect();
        assert_jvp_matches(&g.x, sorted_squares::jvp(&x, &v).1, &v);
        check_hvp(
            |a| sorted_squares::grad(a).1.x,
            |a, u| sorted_squares::hvp(a, u).2.x,
            &x,
            13,
        );
    }
}

// ------------------------------------------------------- atan2 at extreme magnitudes

#[differentiate(hessian)]
fn angle(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

#[test]
fn atan2_is_right_at_extreme_magnitudes() {
    // d/dy = x / (x² + y²), d/dx = -y / (x² + y²): x² + y² over- or underflows here.
    let (_, g) = angle::grad(1e-300, 1e-300);
    assert_close(g.y, 5e299, 1e-14);
    assert_close(g.x, -5e299, 1e-14);
    let (_, g) = angle::grad(3e200, 4e200);
    assert_close(g.y / 1.6e-201, 1.0, 1e-14);
    assert_close(g.x / -1.2e-201, 1.0, 1e-14);
    // Ordinary magnitudes: finite differences, forward mode and the Hessian.
    for (y, x) in [(0.3, -1.2), (-2.0, 0.5)] {
        let (_, g) = angle::grad(y, x);
        assert_fd(|v| angle(v[0], v[1]), &[y, x], &[g.y, g.x]);
        assert_jvp_matches(&[g.y, g.x], angle::jvp(y, x, 0.7, 0.2).1, &[0.7, 0.2]);
        check_hvp(
            |v| {
                let g = angle::grad(v[0], v[1]).1;
                vec![g.y, g.x]
            },
            |v, u| {
                let h = angle::hvp(v[0], v[1], u[0], u[1]).2;
                vec![h.y, h.x]
            },
            &[y, x],
            9,
        );
    }
}

// ----------------------------------------------------- division at extreme magnitudes

#[differentiate(hessian)]
fn ratio(a: f64, b: f64) -> f64 {
    a / b
}

#[test]
fn division_is_right_at_extreme_magnitudes() {
    // d/db = -a / b²: b² overflows at |b| > 1e154 and underflows below 1e-154, where the
    // ratio and its derivative are ordinary numbers.
    for (a, b, db) in [
        (1e200, 1e200, -1e-200),
        (1e-170, 1e-170, -1e170),
        (3e-160, -1e-160, -3e160),
    ] {
        let (value, g) = ratio::grad(a, b);
        assert_close(value, a / b, 1e-15);
        assert_close(g.a, 1.0 / b, 1e-15);
        assert_close(g.b / db, 1.0, 1e-14);
        // Forward mode along b, and along a and b together.
        assert_close(ratio::jvp(a, b, 0.0, 1.0).1 / db, 1.0, 1e-14);
        let both = ratio::jvp(a, b, 2.0 * b, -b).1;
        assert_close(both, 2.0 + a / b, 1e-14);
    }
    for (a, b) in [(0.3, -1.2), (-2.0, 0.5)] {
        let (_, g) = ratio::grad(a, b);
        assert_fd(|v| ratio(v[0], v[1]), &[a, b], &[g.a, g.b]);
        check_hvp(
            |v| {
                let g = ratio::grad(v[0], v[1]).1;
                vec![g.a, g.b]
            },
            |v, u| {
                let h = ratio::hvp(v[0], v[1], u[0], u[1]).2;
                vec![h.a, h.b]
            },
            &[a, b],
            9,
        );
    }
}

// ----------------------------------------------- printing and checking in the body

#[differentiate(hessian)]
fn checked(x: f64, v: &[f64]) -> f64 {
    let mut s = x * 2.0;
    println!("s = {s}, x = {x:.3}, {{not a capture}} {}", v[0]);
    assert!(s.is_finite(), "s is {s}");
    s = s * x;
    debug_assert_eq!(v.len(), 2);
    for i in 0..v.len() {
        s += v[i] * x;
        eprintln!("step {i}: {s}");
    }
    assert_ne!(s, 1.0e300, "{}", s);
    s
}

#[test]
fn print_and_assert_run_on_the_forward_pass() {
    // 2x² + x(v0 + v1): the macros read the values, and the derivatives are untouched.
    let (value, g) = checked::grad(1.5, &[1.0, 2.0]);
    assert_eq!((value, g.x, g.v.clone()), (9.0, 9.0, vec![1.5, 1.5]));
    assert_eq!(checked::hessian(1.5, &[1.0, 2.0]).2[0].x, 4.0);
    assert_eq!(checked::jvp(1.5, &[1.0, 2.0], 1.0, &[0.0, 0.0]).1, 9.0);
}

#[test]
#[should_panic(expected = "s is NaN")]
fn a_failing_assert_panics_as_written() {
    let _ = checked::grad(f64::NAN, &[1.0, 2.0]);
}

// ------------------------------------------------------------------------ sub-slices

#[differentiate(hessian)]
fn camera(cam: &[f64], x: &[f64]) -> f64 {
    let rot = &cam[0..3];
    let t: &[f64] = &cam[3..6];
    let f = &cam[6..];
    let tail = &x[1..=2];
    let mut s = 0.0;
    for i in 0..3 {
        s += (rot[i] * x[i] + t[i]).sin() * f[0];
    }
    s * tail[1] + rot.len() as f64
}

#[test]
fn sub_slices_of_parameters() {
    let cam = [0.1, 0.2, 0.3, 1.0, 2.0, 3.0, 0.5];
    let x = [1.0, -1.0, 0.5];
    let (value, g) = camera::grad(&cam, &x);
    assert_eq!(value, camera(&cam, &x));
    let point: Vec<f64> = cam.iter().chain(&x).copied().collect();
    let analytic: Vec<f64> = g.cam.iter().chain(&g.x).copied().collect();
    assert_fd(|v| camera(&v[..7], &v[7..]), &point, &analytic);
    let dir: Vec<f64> = (0..10).map(|i| 0.1 * i as f64 - 0.4).collect();
    assert_jvp_matches(
        &analytic,
        camera::jvp(&cam, &x, &dir[..7], &dir[7..]).1,
        &dir,
    );
    let flat = |g: camera::Grad| g.cam.into_iter().chain(g.x).collect::<Vec<f64>>();
    check_hvp(
        |v| flat(camera::grad(&v[..7], &v[7..]).1),
        |v, u| flat(camera::hvp(&v[..7], &v[7..], &u[..7], &u[7..]).2),
        &point,
        17,
    );
}

// A value declared by a `let` whose initializer may `return`, then read only by a cheap
// operation the reverse loop recomputes: the pullback captures it, so it needs a value on
// the returning path too (E0381 before; found by the random-function tests).
#[differentiate(reverse, forward)]
fn early_exit_then_branch(x: f64, n: usize) -> [f64; 2] {
    let t = if x > 2.0 {
        return [x, 1.0];
    } else {
        x.sin() * 0.5
    };
    let mut acc = x;
    for _ in 0..n {
        acc = acc * (-t).sin();
    }
    [acc, x * acc]
}

#[test]
fn a_value_read_by_a_recomputation_after_an_early_exit() {
    for (x, n) in [(0.7, 3), (0.7, 0), (2.5, 3)] {
        assert_eq!(
            early_exit_then_branch::vjp(x, n).0,
            early_exit_then_branch(x, n)
        );
        let (_, tangent) = early_exit_then_branch::jvp(x, n, 1.0);
        for (k, upstream) in [[1.0, 0.0], [0.0, 1.0]].into_iter().enumerate() {
            // Row k of the 2×1 Jacobian, by reverse mode, against differences and forward mode.
            let row = early_exit_then_branch::vjp(x, n).1(upstream).x;
            assert_fd(|p: &[f64]| early_exit_then_branch(p[0], n)[k], &[x], &[row]);
            assert_close(tangent[k], row, 1e-12);
        }
    }
}

// ---------------------------------------------------------------------------------------
// `match`, as the `if` chain it means.

#[derive(Clone, Copy)]
enum Activation {
    Tanh,
    Relu,
    Softplus,
}

#[differentiate(hessian, wrt(x))]
fn activate(x: f64, act: Activation) -> f64 {
    match act {
        Activation::Tanh => x.tanh(),
        Activation::Relu => backprop::relu(x),
        Activation::Softplus => (1.0 + x.exp()).ln(),
    }
}

#[differentiate(hessian)]
fn piecewise(x: &[f64], k: usize, s: f64) -> f64 {
    let mut acc = 0.0;
    for i in 0..x.len() {
        // In a loop, as a statement, with ranges, `|` and a guard.
        match i % 4 {
            0 => acc += x[i] * s,
            1 | 2 if k > 1 => {
                acc += (x[i] * x[i]).sin();
            }
            1 | 2 => acc -= x[i],
            _ => {}
        }
    }
    // As a `let` initializer, with an arm that returns and a nested match.
    let scale = match k {
        0 => return acc,
        1..=3 => s * s,
        _ => match s > 0.0 {
            true => s.exp(),
            false => 1.0,
        },
    };
    acc * scale
}

#[test]
fn match_arms_are_branches() {
    for act in [Activation::Tanh, Activation::Relu, Activation::Softplus] {
        for x in [-0.7, 0.4, 1.3] {
            let (value, g) = activate::grad(x, act);
            assert_eq!(value, activate(x, act));
            assert_fd(|p: &[f64]| activate(p[0], act), &[x], &[g.x]);
            assert_close(activate::jvp(x, act, 1.0).1, g.x, 1e-12);
        }
    }
    let x = [0.3, -0.8, 1.1, 0.5, -0.2, 0.9];
    for k in 0..6 {
        for s in [-0.6, 0.8] {
            let (value, g) = piecewise::grad(&x, k, s);
            assert_eq!(value, piecewise(&x, k, s));
            let f = |p: &[f64]| piecewise(&p[..6], k, p[6]);
            let mut point = x.to_vec();
            point.push(s);
            let mut grad = g.x.clone();
            grad.push(g.s);
            assert_fd(f, &point, &grad);
            check_hvp(
                |p| {
                    let g = piecewise::grad(&p[..6], k, p[6]).1;
                    let mut out = g.x;
                    out.push(g.s);
                    out
                },
                |p, t| {
                    let h = piecewise::hvp(&p[..6], k, p[6], &t[..6], t[6]).2;
                    let mut out = h.x;
                    out.push(h.s);
                    out
                },
                &point,
                k as u64,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// `loop` with a value: `break v` as the assignment it means.

/// The square root by Newton's iteration, as `let r = loop { ... break next; ... }`.
#[differentiate(hessian)]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a;
    let r = loop {
        let next = 0.5 * (x + a / x);
        if (next - x).abs() < 1e-12 {
            break next;
        }
        x = next;
    };
    r * 2.0
}

/// The loop's value as the function's value, and `y = loop { ... }`.
#[differentiate(hessian)]
#[allow(clippy::needless_late_init)]
fn halvings(x: f64, limit: f64) -> f64 {
    let mut y = x;
    let mut steps = 0;
    let z: f64;
    z = loop {
        y = y * 0.5 + 0.1 * limit.sin();
        steps += 1;
        if y < limit || steps > 50 {
            break y * x;
        }
    };
    let mut w = z;
    loop {
        if w > 1.0 {
            break w.ln();
        }
        w = w * 1.5 + 0.6;
    }
}

#[test]
fn loops_with_a_value() {
    for a in [0.3, 2.0, 17.0] {
        let (value, g) = newton_sqrt::grad(a);
        assert_eq!(value, newton_sqrt(a));
        assert_close(value, 2.0 * a.sqrt(), 1e-12);
        // d(2√a)/da = 1/√a, which the converged iteration's derivative matches.
        assert_close(g.a, 1.0 / a.sqrt(), 1e-9);
        assert_fd(|p: &[f64]| newton_sqrt(p[0]), &[a], &[g.a]);
        assert_close(newton_sqrt::jvp(a, 1.0).1, g.a, 1e-12);
    }
    for (x, limit) in [(3.0, 0.4), (0.9, 0.2), (5.0, 1.1)] {
        let (value, g) = halvings::grad(x, limit);
        assert_eq!(value, halvings(x, limit));
        assert_fd(
            |p: &[f64]| halvings(p[0], p[1]),
            &[x, limit],
            &[g.x, g.limit],
        );
        check_hvp(
            |p| {
                let g = halvings::grad(p[0], p[1]).1;
                vec![g.x, g.limit]
            },
            |p, t| {
                let h = halvings::hvp(p[0], p[1], t[0], t[1]).2;
                vec![h.x, h.limit]
            },
            &[x, limit],
            3,
        );
    }
}

// ---------------------------------------------------------------------------------------
// Labeled `break` and `continue`, as the flags they mean.

#[differentiate(hessian)]
fn labeled(x: &[f64], a: f64) -> f64 {
    let mut s = a;
    'rows: for i in 0..x.len() {
        let mut j = 0;
        'cols: while j < x.len() {
            j += 1;
            for k in 0..2 {
                s = s * 0.9 + x[(i + j + k) % x.len()] * a;
                if s > 4.0 {
                    break 'rows;
                }
                if s < -1.0 {
                    continue 'rows;
                }
                if k == 1 && s.abs() < 0.05 {
                    continue 'cols;
                }
            }
            if j > 2 {
                break 'cols;
            }
            s += 0.1 * x[i];
        }
        s = s.tanh() * 3.0;
    }
    s
}

#[test]
fn labeled_break_and_continue() {
    let points = [
        (vec![0.3, -0.4, 0.8], 0.7),
        (vec![1.5, 1.2, 0.9, 2.0], 1.3),
        (vec![-1.2, -0.8, 0.4], 0.9),
        (vec![0.01, -0.02, 0.03], 0.05),
    ];
    for (x, a) in points {
        let (value, g) = labeled::grad(&x, a);
        assert_eq!(value, labeled(&x, a));
        let mut point = x.clone();
        point.push(a);
        let n = x.len();
        let mut grad = g.x.clone();
        grad.push(g.a);
        assert_fd(|p: &[f64]| labeled(&p[..n], p[n]), &point, &grad);
        let tangent: Vec<f64> = (0..=n).map(|i| 0.3 - 0.2 * i as f64).collect();
        let (_, dot) = labeled::jvp(&x, a, &tangent[..n], tangent[n]);
        let inner: f64 = grad.iter().zip(&tangent).map(|(g, t)| g * t).sum();
        assert_close(dot, inner, 1e-10);
        check_hvp(
            |p| {
                let g = labeled::grad(&p[..n], p[n]).1;
                let mut out = g.x;
                out.push(g.a);
                out
            },
            |p, t| {
                let h = labeled::hvp(&p[..n], p[n], &t[..n], t[n]).2;
                let mut out = h.x;
                out.push(h.a);
                out
            },
            &point,
            5,
        );
    }
}

/// A labeled `loop` with a value, left from an inner loop.
#[differentiate(hessian)]
fn first_above(x: f64, limit: f64) -> f64 {
    let mut s = x;
    let z = 'search: loop {
        for k in 0..3 {
            s = s * 1.3 + 0.1 * k as f64;
            if s > limit {
                break 'search s * x;
            }
        }
        s -= 0.05;
    };
    z + s
}

#[test]
fn a_labeled_loop_with_a_value() {
    for (x, limit) in [(0.5, 2.0), (1.2, 1.3), (0.9, 7.0)] {
        let (value, g) = first_above::grad(x, limit);
        assert_eq!(value, first_above(x, limit));
        assert_fd(
            |p: &[f64]| first_above(p[0], p[1]),
            &[x, limit],
            &[g.x, g.limit],
        );
        assert_close(first_above::jvp(x, limit, 1.0, 0.0).1, g.x, 1e-12);
    }
}

// ---------------------------------------------------------------------------------------
// Iterator chains over slices, as the loops they mean.

#[differentiate(hessian)]
fn chains(x: &[f64], y: &[f64], w: f64) -> f64 {
    let dot: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let weighted = x
        .iter()
        .enumerate()
        .fold(0.0, |acc, (i, &v)| acc + v * (i as f64 + w));
    let prod: f64 = y.iter().map(|&v| 1.0 + 0.1 * v).product();
    let mut s = 0.0;
    for (a, &b) in x.iter().zip(y.iter()) {
        s += (a * w).sin() * b;
    }
    dot + norm * w + weighted + prod + s + y.iter().sum::<f64>()
}

#[test]
fn iterator_chains_over_slices() {
    let (x, y, w) = (vec![0.3, -0.7, 1.1, 0.4], vec![0.9, 0.2, -0.5], 0.6);
    let (value, g) = chains::grad(&x, &y, w);
    assert_eq!(value, chains(&x, &y, w));
    let (nx, ny) = (x.len(), y.len());
    let mut point = x.clone();
    point.extend(&y);
    point.push(w);
    let mut grad = g.x.clone();
    grad.extend(&g.y);
    grad.push(g.w);
    let f = |p: &[f64]| chains(&p[..nx], &p[nx..nx + ny], p[nx + ny]);
    assert_fd(f, &point, &grad);
    let t: Vec<f64> = (0..point.len()).map(|i| 0.5 - 0.1 * i as f64).collect();
    let (_, dot) = chains::jvp(&x, &y, w, &t[..nx], &t[nx..nx + ny], t[nx + ny]);
    let inner: f64 = grad.iter().zip(&t).map(|(g, t)| g * t).sum();
    assert_close(dot, inner, 1e-10);
    check_hvp(
        |p| {
            let g = chains::grad(&p[..nx], &p[nx..nx + ny], p[nx + ny]).1;
            let mut out = g.x;
            out.extend(g.y);
            out.push(g.w);
            out
        },
        |p, t| {
            let h = chains::hvp(
                &p[..nx],
                &p[nx..nx + ny],
                p[nx + ny],
                &t[..nx],
                &t[nx..nx + ny],
                t[nx + ny],
            )
            .2;
            let mut out = h.x;
            out.extend(h.y);
            out.push(h.w);
            out
        },
        &point,
        9,
    );
}

/// Filters, reversed walks, `for_each` and `collect`.
#[differentiate(hessian)]
fn more_chains(x: &[f64], w: f64) -> f64 {
    let positive: f64 = x.iter().filter(|&&v| v > 0.0).map(|v| v.ln() * w).sum();
    let mut tail = 0.0;
    x.iter()
        .rev()
        .enumerate()
        .for_each(|(i, &v)| tail += v * (i as f64 + 1.0));
    let squares: Vec<f64> = x.iter().map(|v| v * v * w).collect();
    let mut last = 0.0;
    for v in x.iter().rev().filter(|v| **v < 1.0) {
        last = last * 0.5 + v;
    }
    let largest = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let smallest = x.iter().map(|v| v * w).fold(f64::INFINITY, f64::min);
    positive + tail * w + squares[1] + squares[squares.len() - 1] + last + largest * smallest
}

#[test]
fn filters_reversal_for_each_and_collect() {
    let (x, w) = (vec![0.3, -0.7, 1.1, 0.4], 0.6);
    let (value, g) = more_chains::grad(&x, w);
    assert_eq!(value, more_chains(&x, w));
    let n = x.len();
    let mut point = x.clone();
    point.push(w);
    let mut grad = g.x.clone();
    grad.push(g.w);
    let f = |p: &[f64]| more_chains(&p[..n], p[n]);
    assert_fd(f, &point, &grad);
    let t: Vec<f64> = (0..point.len()).map(|i| 0.5 - 0.2 * i as f64).collect();
    let (_, dot) = more_chains::jvp(&x, w, &t[..n], t[n]);
    assert_jvp_matches(&grad, dot, &t);
    check_hvp(
        |p| {
            let g = more_chains::grad(&p[..n], p[n]).1;
            let mut out = g.x;
            out.push(g.w);
            out
        },
        |p, t| {
            let h = more_chains::hvp(&p[..n], p[n], &t[..n], t[n]).2;
            let mut out = h.x;
            out.push(h.w);
            out
        },
        &point,
        11,
    );
}

/// Horner's rule by `fold` with `mul_add`, and a running maximum with `acc.max(..)`: the
/// accumulator starts as an untyped literal, which Rust types from where the fold's value
/// goes (here a typed `let`, and the function's result).
#[differentiate(hessian)]
fn folds_calling_methods(c: &[f64], x: f64) -> f64 {
    let peak: f64 = c.iter().fold(-1.0, |acc, &v| acc.max(v * x));
    if peak > 10.0 {
        return peak;
    }
    c.iter()
        .rev()
        .fold(0.0, |acc, &ci| acc.mul_add(x, ci * peak))
}

#[test]
fn folds_whose_closure_calls_a_method_on_the_accumulator() {
    let (c, x) = (vec![0.5, -1.5, 2.0, 0.25], 0.7);
    let (value, g) = folds_calling_methods::grad(&c, x);
    assert_eq!(value, folds_calling_methods(&c, x));
    let n = c.len();
    let mut point = c.clone();
    point.push(x);
    let mut grad = g.c.clone();
    grad.push(g.x);
    let f = |p: &[f64]| folds_calling_methods(&p[..n], p[n]);
    assert_fd(f, &point, &grad);
    let t: Vec<f64> = (0..point.len()).map(|i| 0.3 - 0.2 * i as f64).collect();
    let (_, dot) = folds_calling_methods::jvp(&c, x, &t[..n], t[n]);
    assert_jvp_matches(&grad, dot, &t);
    check_hvp(
        |p| {
            let g = folds_calling_methods::grad(&p[..n], p[n]).1;
            let mut out = g.c;
            out.push(g.x);
            out
        },
        |p, t| {
            let h = folds_calling_methods::hvp(&p[..n], p[n], &t[..n], t[n]).2;
            let mut out = h.c;
            out.push(h.x);
            out
        },
        &point,
        12,
    );
}

/// `scan` as people write running sums, products and averages: collected, in a `for` head,
/// summed, the state read through `*acc` and as a method's receiver.
#[differentiate(hessian)]
fn scans(x: &[f64], w: f64) -> f64 {
    let sums: Vec<f64> = x
        .iter()
        .scan(0.0, |acc, &v| {
            *acc += v * w;
            Some(*acc)
        })
        .collect();
    let mut total = 0.0;
    for p in x.iter().scan(1.0, |prod, &v| {
        *prod *= 1.0 + 0.1 * v;
        Some(*prod * v)
    }) {
        total += p;
    }
    let smooth: f64 = x
        .iter()
        .scan(x[0], |m, v| {
            *m = w * *m + (1.0 - w) * v;
            Some(m.sin())
        })
        .sum();
    sums.iter().map(|s| s * s).sum::<f64>() + total + smooth
}

#[test]
fn scans_as_maps_over_a_state() {
    let (x, w) = (vec![0.3, -0.7, 1.1, 0.4, -0.2], 0.6);
    let (value, g) = scans::grad(&x, w);
    assert_eq!(value, scans(&x, w));
    let n = x.len();
    let mut point = x.clone();
    point.push(w);
    let mut grad = g.x.clone();
    grad.push(g.w);
    let f = |p: &[f64]| scans(&p[..n], p[n]);
    assert_fd(f, &point, &grad);
    let t: Vec<f64> = (0..point.len()).map(|i| 0.4 - 0.15 * i as f64).collect();
    let (_, dot) = scans::jvp(&x, w, &t[..n], t[n]);
    assert_jvp_matches(&grad, dot, &t);
    check_hvp(
        |p| {
            let g = scans::grad(&p[..n], p[n]).1;
            let mut out = g.x;
            out.push(g.w);
            out
        },
        |p, t| {
            let h = scans::hvp(&p[..n], p[n], &t[..n], t[n]).2;
            let mut out = h.x;
            out.push(h.w);
            out
        },
        &point,
        13,
    );
}

/// `if let`, `while let` and `match` over items taken from a stack of indices
/// (`stack.pop()`: matched once, each item taken once), `while let` over `x.get(i)`.
#[differentiate(reverse, forward)]
fn taken_items(x: &[f64], idx: Vec<usize>) -> f64 {
    let mut stack = idx.clone();
    let mut s = 0.5;
    if let Some(k) = stack.pop() {
        s += x[k] * 10.0;
    }
    while let Some(k) = stack.pop() {
        s = s * x[k] + 1.0;
    }
    let mut rest = idx.clone();
    while let Some(k) = rest.pop() {
        s += (x[k] * s).sin();
    }
    let mut i = 0;
    while let Some(&v) = x.get(i) {
        s = s * 0.9 + v * v;
        i += 2;
    }
    let mut again = idx;
    s + match again.pop() {
        Some(k) => x[k].exp(),
        None => 0.0,
    } + stack.len() as f64
}

/// The stack moved in from a parameter: the macro sees its type, and an `if let` over its
/// `pop()` was accepted, its value taken twice (a wrong value and gradient).
#[differentiate(reverse, forward)]
fn popped_once(x: &[f64], idx: Vec<usize>) -> f64 {
    let mut stack = idx;
    // Named as the local the matched item goes through: that one takes another name.
    let mut matched = 0.0;
    if let Some(k) = stack.pop() {
        matched += x[k] * 10.0;
    }
    matched + stack.len() as f64
}

#[test]
fn items_taken_from_a_stack_are_taken_once() {
    let x = [0.5, 1.5, -0.3, 0.8];
    let (value, g) = popped_once::grad(&x, vec![0, 1, 2]);
    assert_eq!(value, popped_once(&x, vec![0, 1, 2]));
    assert_eq!(g.x, [0.0, 0.0, 10.0, 0.0]);
    for idx in [vec![], vec![2], vec![0, 3, 1, 2]] {
        let (value, g) = taken_items::grad(&x, idx.clone());
        assert_eq!(value, taken_items(&x, idx.clone()));
        assert_fd(|p| taken_items(p, idx.clone()), &x, &g.x);
        let v = [0.3, -0.2, 0.5, 1.0];
        assert_jvp_matches(&g.x, taken_items::jvp(&x, idx.clone(), &v).1, &v);
    }
}

/// An index found in a loop, held in an `Option` declared `None` (a constant: an
/// assignment of a value that carries a derivative to it is refused), then matched.
#[differentiate(reverse, forward)]
fn first_past(x: &[f64], t: f64) -> f64 {
    let mut hit = None;
    let mut acc = 0.0;
    for (i, v) in x.iter().enumerate() {
        acc += v * v;
        if acc > t {
            hit = Some(i);
            break;
        }
    }
    let mut last = None;
    for (i, &v) in x.iter().enumerate() {
        if v < 0.0 {
            last.replace(i);
        }
    }
    let scale = match hit {
        Some(i) => i as f64 + 1.0,
        None => 0.5,
    };
    let tail = if let Some(k) = last { x[k] } else { 0.0 };
    acc * scale + tail
}

#[test]
fn an_index_held_in_an_option() {
    let x = [0.1, 0.7, -0.4, 1.3];
    for t in [0.3, 0.6, 10.0] {
        let (value, g) = first_past::grad(&x, t);
        assert_eq!(value, first_past(&x, t));
        assert_fd(|p| first_past(p, t), &x, &g.x);
        let v = [0.3, -0.2, 0.5, 1.0];
        assert_jvp_matches(&g.x, first_past::jvp(&x, t, &v, 0.0).1, &v);
    }
}

/// The first element passing a test, `x.iter().find(..)`: the element at the position the
/// same test finds (a constant), read as an element, with or without a default.
#[differentiate(reverse, forward)]
fn found_first(x: &[f64], t: f64) -> f64 {
    let above = x.iter().find(|&&v| v > t).copied().unwrap_or(0.0);
    let below = x.iter().copied().find(|v| *v < -t).unwrap_or(1.0);
    let mut s = above * 2.0 + below * below;
    if let Some(&v) = x.iter().find(|&&v| v.abs() > 2.0 * t) {
        s += v.sin();
    }
    let small = *x.iter().find(|v| v.abs() < 10.0).unwrap();
    s + small * t
}

#[test]
fn the_first_element_found() {
    let x = [0.1, 0.7, -0.9, 1.3];
    for t in [0.04, 0.5, 2.0] {
        let (value, g) = found_first::grad(&x, t);
        assert_eq!(value, found_first(&x, t));
        assert_fd(|p| found_first(p, t), &x, &g.x);
        let v = [0.3, -0.2, 0.5, 1.0];
        assert_jvp_matches(&g.x, found_first::jvp(&x, t, &v, 0.0).1, &v);
    }
}

/// `find` and `position` bound to names, read later: by `match` (with a guard), `if let`,
/// `*hit.unwrap()`, `.copied().unwrap_or(..)`, `.is_some()`; the position, a constant,
/// picks the element that carries the derivative.
#[differentiate(reverse, forward)]
fn found_later(x: &[f64], t: f64) -> f64 {
    let hit = x.iter().find(|&&v| v > t);
    let base = match hit {
        Some(&v) if v > 2.0 * t => v * v,
        Some(&v) => v * t,
        None => t,
    };
    let twice = if let Some(v) = hit { *v * 2.0 } else { 0.0 };
    let neg = x.iter().copied().find(|v| *v < -t);
    let n = neg.unwrap_or(t);
    let at = x.iter().position(|&v| v.abs() < 0.5);
    let near = match at {
        Some(k) => x[k] * (k as f64 + 1.0),
        None => 0.0,
    };
    let last = x.iter().rposition(|&v| v > 0.0).unwrap_or(0);
    let s = base + near + x[last].powi(2) + if hit.is_none() { t } else { 0.0 };
    if neg.is_some() && t < 1.0 {
        s * 2.0 + twice + *hit.unwrap() + n
    } else {
        s + n
    }
}

#[test]
fn a_search_bound_to_a_name() {
    let x = [0.1, 0.7, -0.9, 1.3];
    for t in [0.04, 0.5, 0.8, 2.0] {
        let (value, g) = found_later::grad(&x, t);
        assert_eq!(value, found_later(&x, t));
        assert_fd(|p| found_later(p, t), &x, &g.x);
        let h = 1e-6;
        let central = (found_later(&x, t + h) - found_later(&x, t - h)) / (2.0 * h);
        assert!((g.t - central).abs() < 1e-6 * central.abs().max(1.0), "{t}");
        let v = [0.3, -0.2, 0.5, 1.0];
        assert_jvp_matches(&g.x, found_later::jvp(&x, t, &v, 0.0).1, &v);
    }
}

/// The last element passing a test (`x.iter().rev().find(..)`, also over `.copied()` on
/// either side of `rev`), and whether any passes (`find(..).is_some()`).
#[differentiate(reverse, forward)]
fn found_from_the_end(x: &[f64], t: f64) -> f64 {
    let last = x.iter().rev().find(|&&v| v < t).copied().unwrap_or(t);
    let before = x.iter().copied().rev().find(|v| *v > -t).unwrap_or(0.0);
    let none_far = x.iter().find(|&&v| v.abs() > 4.0 * t).is_none();
    let mut s = last * last + before * t;
    if let Some(&v) = x.iter().rev().find(|&&v| v > t) {
        s += v.sin();
    }
    if none_far { s * 2.0 } else { s }
}

#[test]
fn the_last_element_found() {
    let x = [0.1, 0.7, -0.9, 1.3];
    for t in [0.05, 0.5, 1.0, 3.0] {
        let (value, g) = found_from_the_end::grad(&x, t);
        assert_eq!(value, found_from_the_end(&x, t));
        assert_fd(|p| found_from_the_end(p, t), &x, &g.x);
        let v = [0.3, -0.2, 0.5, 1.0];
        assert_jvp_matches(&g.x, found_from_the_end::jvp(&x, t, &v, 0.0).1, &v);
    }
}

/// Folds over tuples of accumulators: a range in one pass, moments of a mapped walk (the
/// step a block, the `let` typed), a tuple held by a name; each the loop it means.
#[differentiate(reverse, forward)]
fn folded_pairs(x: &[f64], t: f64) -> f64 {
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (s, s2, n): (f64, f64, usize) =
        x.iter()
            .map(|v| v * t)
            .fold((0.0, 0.0, 0), |(s, s2, n), v| {
                let w = v * 0.5;
                (s + w, s2 + w * w, n + 1)
            });
    let mean = s / n as f64;
    let stats = x
        .iter()
        .fold((0.0, 1.0), |(sum, prod), &v| (sum + v, prod * v));
    // The item's parameter typed (the loop's pattern takes no type: the macro panicked).
    let (a, b) = x
        .iter()
        .fold((0.0, 0.0), |(a, b), v: &f64| (a + v * t, b - v));
    lo * hi + t + s2 / n as f64 - mean * mean + stats.0 * stats.1 + a * b
}

#[test]
fn folds_over_tuples() {
    let x = [0.3, 0.7, -1.1, 0.2];
    let t = 0.5;
    let (value, g) = folded_pairs::grad(&x, t);
    assert_eq!(value, folded_pairs(&x, t));
    assert_fd(|p| folded_pairs(p, t), &x, &g.x);
    let h = 1e-6;
    let central = (folded_pairs(&x, t + h) - folded_pairs(&x, t - h)) / (2.0 * h);
    assert!((g.t - central).abs() < 1e-6 * central.abs().max(1.0));
    let v = [0.3, -0.2, 0.5, 1.0];
    assert_jvp_matches(&g.x, folded_pairs::jvp(&x, t, &v, 0.0).1, &v);
}

/// `take_while` in chains and loops: the walk ends at the first item that fails its test.
#[differentiate(reverse, forward)]
fn taken_while(x: &[f64], t: f64) -> f64 {
    let head: f64 = x.iter().take_while(|&&v| v > 0.0).map(|v| v * t).sum();
    let run = x
        .iter()
        .map(|v| v * v)
        .take_while(|s| *s < 1.0)
        .fold(0.0, |a, s| a + s.sin());
    let mut c = 0.0;
    for (i, v) in x.iter().enumerate().take_while(|(_, v)| **v > -1.0) {
        c += v * i as f64;
    }
    head + run + c
}

#[test]
fn walks_taken_while_a_test_holds() {
    for x in [
        [0.3, 0.7, -1.1, 0.2],
        [0.3, 0.7, 0.5, 0.2],
        [-0.3, 0.7, 1.1, 0.2],
    ] {
        let (value, g) = taken_while::grad(&x, 0.5);
        assert_eq!(value, taken_while(&x, 0.5));
        assert_fd(|p| taken_while(p, 0.5), &x, &g.x);
        let v = [0.3, -0.2, 0.5, 1.0];
        assert_jvp_matches(&g.x, taken_while::jvp(&x, 0.5, &v, 0.0).1, &v);
    }
}

/// Walks joined end to end: `chain` walks one sequence then the next, `flatten` and
/// `flat_map` each row of a nested sequence in turn; maps, filters and copies after the
/// join apply to every part, and the terminal's additions keep the standard library's order.
/// Copies joined by `concat`, grown by `extend_from_slice` of a row, a row walked by `for`.
#[differentiate(reverse, forward, hessian)]
fn joined(x: &[f64], y: &Vec<f64>, m: &[Vec<f64>]) -> f64 {
    let energy: f64 = x.iter().chain(y).map(|v| v.exp()).sum::<f64>().ln();
    let three: f64 = x
        .iter()
        .map(|v| v * 0.5)
        .chain(y.iter().copied())
        .chain(m[0].iter().map(|v| v + 1.0))
        .map(|v| v.sin() + 2.0)
        .product();
    let norm = m.iter().flatten().map(|v| v * v).sum::<f64>().sqrt();
    let decayed = m
        .iter()
        .flat_map(|row| row.iter().map(|v| v * 0.9))
        .fold(1.0, |acc, v| acc * 0.5 + v);
    let positive: f64 = x
        .iter()
        .chain(&m[1])
        .filter(|v| **v > 0.0)
        .copied()
        .map(f64::ln)
        .sum();
    let all: Vec<f64> = m.iter().flatten().chain(x).copied().collect();
    let rough: f64 = all.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    let mut s: f64 = 0.0;
    for v in x.iter().chain(y.iter()) {
        if *v < 0.0 {
            continue;
        }
        s += v * v * (1.0 + s).ln();
    }
    let mut best = f64::MIN;
    for &v in m.iter().flatten() {
        best = best.max(v * y[0]);
    }
    // Copies joined whole, and a row walked by `for`.
    let cat = [x, y.as_slice(), &m[0]].concat();
    let rows = m.concat();
    let mut grown = y.clone();
    grown.extend_from_slice(&m[3]);
    let mut firsts = 0.0;
    for &e in m[0].iter() {
        firsts += e * e;
    }
    let copies = cat.iter().map(|v| v.cos()).sum::<f64>() * rows[1] + grown.iter().product::<f64>();
    // Counted across the parts.
    let mut weighted = 0.0;
    for (i, v) in x.iter().chain(y).enumerate() {
        if *v < 0.0 {
            continue;
        }
        weighted += v * i as f64;
    }
    let evens: f64 = m
        .iter()
        .flatten()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, v)| v * (i as f64 + 1.0))
        .sum();
    // Searches over joined walks: the greatest, the least, a reduction.
    let top = x
        .iter()
        .chain(y)
        .copied()
        .max_by(|a, b| a.total_cmp(b))
        .unwrap();
    let low = m
        .iter()
        .flatten()
        .map(|v| v * 2.0)
        .min_by(f64::total_cmp)
        .unwrap_or(0.0);
    let folded = x
        .iter()
        .chain(&m[3])
        .copied()
        .reduce(|a, b| a * 0.5 + b)
        .unwrap();
    energy
        + three
        + norm
        + decayed
        + positive
        + rough
        + s
        + best
        + copies
        + firsts
        + top
        + low
        + folded
        + weighted
        + evens
}

/// A walk making a few values of each item (`flat_map` to an array written out): features
/// expanded and collected, walked by `for`, and a fold over an enumerated walk whose
/// closure is a block.
#[differentiate(hessian)]
fn expanded(x: &[f64]) -> f64 {
    let w = x;
    let feats: Vec<f64> = w.iter().flat_map(|&t| [t, t * t, 1.0]).collect();
    let mut s = 0.0;
    for (k, f) in feats.iter().enumerate() {
        s += f * (k as f64 * 0.5 - 1.0);
    }
    for v in w.iter().flat_map(|&t| [t.sin(), t.cos()]) {
        s += v * v * v;
    }
    let scaled = w
        .iter()
        .enumerate()
        .flat_map(|(i, &v)| {
            let k = i as f64 + 1.0;
            [v * k, v.sin()]
        })
        .fold(0.0, |a, b| a + b * b);
    s + scaled
        + w.iter()
            .flat_map(|&a| [a, a * a])
            .map(|v| v.sin())
            .sum::<f64>()
}

#[test]
fn walks_flat_mapped_to_arrays() {
    for (seed, w) in [
        (1, vec![0.3, 0.7, -0.2]),
        (2, vec![1.1]),
        (3, vec![-0.4, 0.9]),
    ] {
        check_slice_function!(expanded, &w, seed);
    }
}

#[test]
fn walks_joined_by_chain_and_flatten() {
    let m = vec![vec![0.3, -1.2, 0.7], vec![1.1], vec![], vec![0.4, 2.0]];
    let shape: Vec<usize> = m.iter().map(|r| r.len()).collect();
    // Every input in one vector: `x` (3), `y` (2), then `m`'s rows.
    let split = |p: &[f64]| {
        let (x, rest) = p.split_at(3);
        let (y, mut flat) = rest.split_at(2);
        let mut rows = Vec::new();
        for &n in &shape {
            let (row, tail) = flat.split_at(n);
            rows.push(row.to_vec());
            flat = tail;
        }
        (x.to_vec(), y.to_vec(), rows)
    };
    let p = [[0.3, -0.8, 0.6].as_slice(), &[1.1, 0.4], &m.concat()].concat();
    let (x, y, _) = split(&p);
    assert_eq!(joined::grad(&x, &y, &m).0, joined(&x, &y, &m));
    check_three_ways(
        &p,
        |p| {
            let (x, y, m) = split(p);
            joined(&x, &y, &m)
        },
        |p| {
            let (x, y, m) = split(p);
            let g = joined::grad(&x, &y, &m).1;
            [g.x, g.y, g.m.concat()].concat()
        },
        |p, v| {
            let ((x, y, m), (dx, dy, dm)) = (split(p), split(v));
            joined::jvp(&x, &y, &m, &dx, &dy, &dm)
        },
        |p, u| {
            let ((x, y, m), (ux, uy, um)) = (split(p), split(u));
            let (_, _, h) = joined::hvp(&x, &y, &m, &ux, &uy, &um);
            [h.x, h.y, h.m.concat()].concat()
        },
        7,
    );
}

/// `collect()` after a filter (or `take_while`): the items kept, pushed; a copy of a
/// parameter grown by `push` and `extend_from_slice`.
#[differentiate(reverse, forward, hessian)]
fn kept(x: &[f64], y: &[f64], t: f64) -> f64 {
    let pos: Vec<f64> = x.iter().copied().filter(|v| *v > 0.0).collect();
    let mean = pos.iter().sum::<f64>() / pos.len() as f64;
    let head: Vec<f64> = x.iter().map(|v| v * t).take_while(|v| *v < 1.0).collect();
    let both: Vec<f64> = x
        .iter()
        .chain(y)
        .filter(|v| v.abs() > 0.25)
        .map(|v| v * v)
        .collect();
    // A copy of a parameter grown: its gradient goes back at the length it had.
    let mut more = x.to_vec();
    more.push(t * 2.0);
    more.extend_from_slice(y);
    mean * t
        + head.iter().map(|v| v.sin()).sum::<f64>()
        + both.iter().product::<f64>()
        + more.iter().sum::<f64>()
}

#[test]
fn collected_after_a_filter() {
    let (x, y, t) = ([0.3, -0.7, 0.9, 0.2], [0.1, -0.6], 1.4);
    let p = [x.as_slice(), &y, &[t]].concat();
    assert_eq!(kept::grad(&x, &y, t).0, kept(&x, &y, t));
    check_three_ways(
        &p,
        |p| kept(&p[..4], &p[4..6], p[6]),
        |p| {
            let (_, g) = kept::grad(&p[..4], &p[4..6], p[6]);
            [g.x, g.y, vec![g.t]].concat()
        },
        |p, v| kept::jvp(&p[..4], &p[4..6], p[6], &v[..4], &v[4..6], v[6]),
        |p, u| {
            let (_, _, h) = kept::hvp(&p[..4], &p[4..6], p[6], &u[..4], &u[4..6], u[6]);
            [h.x, h.y, vec![h.t]].concat()
        },
        17,
    );
}

/// Chains over a sub-slice written in place (`x[1..].iter()`), after the bounds check the
/// slice makes; an array built by `std::array::from_fn`, element by element.
#[differentiate(reverse, forward, hessian)]
fn in_place(x: &[f64], t: f64) -> f64 {
    let n = x.len();
    let head = x[..n - 1].iter().sum::<f64>() * x[n - 1];
    let tail = x[1..].iter().map(|v| v * t).fold(0.0, |a, b| a + b.sin());
    let top = x[1..=2]
        .iter()
        .copied()
        .max_by(|a, b| a.total_cmp(b))
        .unwrap();
    x[2..].iter().for_each(|v| assert!(v.is_finite()));
    let built: [f64; 3] = std::array::from_fn(|i| x[i] * t + i as f64);
    let ignored: [f64; 2] = std::array::from_fn(|_| t * t);
    head + tail + top + built[0] * built[1] - built[2] + ignored[1]
}

#[test]
fn chains_over_sub_slices_and_arrays_from_fn() {
    let (x, t) = ([0.3, -0.7, 0.9, 0.2], 1.4);
    let p = [x.as_slice(), &[t]].concat();
    assert_eq!(in_place::grad(&x, t).0, in_place(&x, t));
    check_three_ways(
        &p,
        |p| in_place(&p[..4], p[4]),
        |p| {
            let (_, g) = in_place::grad(&p[..4], p[4]);
            [g.x, vec![g.t]].concat()
        },
        |p, v| in_place::jvp(&p[..4], p[4], &v[..4], v[4]),
        |p, u| {
            let (_, _, h) = in_place::hvp(&p[..4], p[4], &u[..4], u[4]);
            [h.x, vec![h.t]].concat()
        },
        19,
    );
}

/// `Option` locals that hold values carrying derivatives (the previous item, the best so
/// far, the first found): a float and a flag, each use the test or the value it makes.
#[differentiate(reverse, forward, hessian)]
fn options_held(x: &[f64], t: f64) -> f64 {
    let mut prev = None;
    let mut variation = 0.0;
    for &v in x {
        if let Some(p) = prev {
            variation += (v - p) * (v - p);
        }
        prev = Some(v * t);
    }
    let mut best: Option<f64> = None;
    for &v in x {
        let cand = v.sin() * t;
        best = Some(match best {
            Some(b) if b > cand => b,
            _ => cand,
        });
    }
    let mut found = None;
    let mut kept = Some(t);
    for &v in x {
        if v > 0.0 && found.is_none() {
            found = Some(v.sqrt());
        }
        if v < -0.5 {
            kept.replace(v * v);
        }
    }
    let lead = found.map_or(-1.0, |f: f64| f * f * 3.0) + kept.unwrap();
    let tail = match found {
        Some(f) if f > 0.5 => f,
        Some(_) => 0.25,
        None => 0.0,
    };
    let any = found.is_some_and(|f| f < 2.0);
    let pick = if variation > 0.5 {
        Some(variation * t)
    } else {
        None
    };
    let picked = match pick {
        Some(p) => p.sqrt(),
        None => t,
    };
    variation + best.unwrap_or(0.0) + lead + tail + if any { t } else { 0.0 } + picked
}

#[test]
fn options_of_floats() {
    check_slice_and_float!(
        options_held,
        23,
        [0.3, -0.7, 0.9, 1.2, -0.4],
        [-0.3, -0.2],
        []
    );
}

/// Labeled blocks: the loop that runs once, left with a value by `break 'label v`.
#[differentiate(reverse, forward, hessian)]
fn labeled_blocks(x: &[f64], t: f64) -> f64 {
    let first_big = 'found: {
        for &v in x {
            if v * t > 1.0 {
                break 'found v * t;
            }
        }
        t * 0.5
    };
    let mut s = 0.0;
    'outer: for &v in x {
        let w = 'w: {
            if v < 0.0 {
                continue 'outer;
            }
            if v > 0.8 {
                break 'w v.sqrt();
            }
            v * v
        };
        s += w;
    }
    'check: {
        if s > 10.0 {
            break 'check;
        }
        s += t;
    }
    first_big * s
}

#[test]
fn labeled_blocks_run_once() {
    check_slice_and_float!(labeled_blocks, 29, [0.3, -0.7, 0.9, 1.2], [0.1, 0.2], []);
}

/// `skip_while`: the walk from the first item that fails the test.
#[differentiate(reverse, forward, hessian)]
fn skipped(x: &[f64], t: f64) -> f64 {
    let a: f64 = x.iter().skip_while(|&&v| v < t).map(|v| v * v).sum();
    let b = x
        .iter()
        .copied()
        .skip_while(|v| *v < 0.0)
        .fold(1.0, |acc, v| acc * 0.5 + v * t);
    let mut c = 0.0;
    for (i, v) in x.iter().skip_while(|v| v.abs() < 0.5).enumerate() {
        c += v * i as f64;
    }
    a + b + c
}

#[test]
fn walks_skipping_while_a_test_holds() {
    check_slice_and_float!(
        skipped,
        31,
        [0.3, -0.7, 1.9, 1.2],
        [-0.1, 0.2],
        [2.0, 0.1],
        []
    );
}

/// `let .. else` and `if let` chains (Rust 2024): the test and projection, and the `if`s and
/// `match`es, they mean.
#[differentiate(reverse, forward, hessian)]
fn let_else_and_chains(x: &[f64], w: f64, k: Option<usize>) -> f64 {
    let Some(&first) = x.first() else {
        return w;
    };
    let Some(mut last) = x.last().copied() else {
        return 0.0;
    };
    last *= w;
    let Some(i) = k else {
        return first * last;
    };
    let a = if let Some(&v) = x.first()
        && v > 0.0
    {
        v.sqrt() * w
    } else {
        w
    };
    let b = if w > 0.5
        && i < x.len()
        && let Some(&u) = x.get(i)
        && u < 1.0
    {
        u * w
    } else {
        -w
    };
    let mut c = 0.0;
    if let Some(j) = k
        && j < x.len()
        && x[j] > 0.2
    {
        c += x[j] * x[j];
    }
    first * 2.0 + last + a + b + c
}

#[test]
fn let_else_and_if_let_chains() {
    let x = [0.3, 0.7, -0.2];
    for (w, k) in [
        (1.3, Some(1)),
        (0.2, Some(2)),
        (0.9, None),
        (0.9, Some(0)),
        (0.7, Some(5)),
    ] {
        let p = [x.as_slice(), &[w]].concat();
        assert_eq!(
            let_else_and_chains::grad(&x, w, k).0,
            let_else_and_chains(&x, w, k)
        );
        check_three_ways(
            &p,
            |p| let_else_and_chains(&p[..3], p[3], k),
            |p| {
                let (_, g) = let_else_and_chains::grad(&p[..3], p[3], k);
                [g.x, vec![g.w]].concat()
            },
            |p, v| let_else_and_chains::jvp(&p[..3], p[3], k, &v[..3], v[3]),
            |p, u| {
                let (_, _, h) = let_else_and_chains::hvp(&p[..3], p[3], k, &u[..3], u[3]);
                [h.x, vec![h.w]].concat()
            },
            11,
        );
    }
    assert_eq!(let_else_and_chains::grad(&[], 2.0, None).0, 2.0);
}

/// An `else if` ladder of `if let` chains, each with a condition before its `let`, in a
/// loop with `continue`: its `else` is written once per level (a flag), not twice (the
/// generated code doubled per level, 40,000 lines at ten levels).
#[differentiate(hessian)]
fn chain_ladder(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.8
            && let Some(&v) = x.get(i + 1)
            && v > 0.0
        {
            s += v * x[i];
        } else if x[i] > 0.2
            && let Some(&v) = x.get(i + 2)
        {
            s += (v - x[i]).sin();
        } else if x[i] > -0.4
            && let Some(&v) = x.first()
            && v < 0.5
        {
            if v < -0.5 {
                continue;
            }
            s += v * v * x[i];
        } else if x[i] > -0.9
            && let Some(&v) = x.last()
        {
            s -= v * 0.5;
        } else {
            s += x[i].exp();
        }
    }
    s
}

/// `.rev()` after maps and filters (the walk reversed before them), then collected and
/// folded in that order.
#[differentiate(hessian)]
fn reversed_after_maps(x: &[f64]) -> f64 {
    let doubled: Vec<f64> = x.iter().map(|v| v * 2.0).rev().collect();
    let weighted: f64 = x
        .iter()
        .filter(|v| **v > -0.5)
        .map(|v| v.sin())
        .rev()
        .fold(0.0, |acc, s| acc * 0.5 + s);
    doubled[0] * doubled[doubled.len() - 1] + weighted
}

#[test]
fn reversed_after_maps_and_filters() {
    for (k, x, v) in draws(113, &[3, 5, 7], 1.0) {
        check_every_mode!(reversed_after_maps, &x, &v, 200 + k);
    }
}

#[test]
fn a_ladder_of_if_let_chains() {
    for (k, x, v) in draws(111, &[3, 5, 6, 8], 1.0) {
        check_every_mode!(chain_ladder, &x, &v, 190 + k);
    }
}

/// Slice patterns: a length test, then each name the element (or, for `rest @ ..`, the
/// sub-slice) at its place, from the front or from the end.
#[differentiate(reverse, forward, hessian)]
fn sliced(x: &[f64], p: [f64; 3], w: f64) -> f64 {
    let head = match x {
        [a, b] => a * b * w,
        [a, .., z] if a > z => (a - z) * w,
        [a, rest @ ..] => a + rest.len() as f64 * w + rest.iter().map(|v| v * v).sum::<f64>(),
        [] => w,
    };
    let [first, ..] = x else {
        return head;
    };
    let doubled: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
    let mut tail = 0.0;
    if let [.., y, z] = doubled.as_slice() {
        tail += y * z;
    }
    let [a, _, c] = p;
    match p {
        [u, v, _] if u < v => head + first * tail + a * v,
        _ => head + first * tail - c,
    }
}

#[test]
fn slice_patterns() {
    let p = [0.2, -0.4, 0.9];
    for x in [
        vec![0.3, 0.7],
        vec![1.3, 0.7, 0.2],
        vec![0.3, 0.7, 0.9, 1.1],
        vec![0.5],
        vec![],
    ] {
        let n = x.len();
        let q = [x.as_slice(), &p, &[1.7]].concat();
        let arr = |q: &[f64]| [q[n], q[n + 1], q[n + 2]];
        assert_eq!(sliced::grad(&x, p, 1.7).0, sliced(&x, p, 1.7));
        check_three_ways(
            &q,
            |q| sliced(&q[..n], arr(q), q[n + 3]),
            |q| {
                let (_, g) = sliced::grad(&q[..n], arr(q), q[n + 3]);
                [g.x, g.p.to_vec(), vec![g.w]].concat()
            },
            |q, v| sliced::jvp(&q[..n], arr(q), q[n + 3], &v[..n], arr(v), v[n + 3]),
            |q, u| {
                let (_, _, h) = sliced::hvp(&q[..n], arr(q), q[n + 3], &u[..n], arr(u), u[n + 3]);
                [h.x, h.p.to_vec(), vec![h.w]].concat()
            },
            13,
        );
    }
}

/// An iterator bound to a name and stepped by hand: the `for` loop it means.
#[allow(clippy::while_let_on_iterator)] // as people write it
#[differentiate(reverse, forward)]
fn stepped(x: &[f64], w: f64) -> f64 {
    let mut pairs = x.iter().zip(x.iter().skip(1));
    let mut s = 0.0;
    while let Some((&a, &b)) = pairs.next() {
        s += a * b * w;
    }
    let mut it = x.iter();
    'scan: while let Some(v) = it.next() {
        if *v < -0.5 {
            break 'scan;
        }
        s += v.sin();
    }
    s
}

#[test]
fn an_iterator_stepped_by_hand() {
    let x = [0.1, 0.7, -0.9, 1.3];
    let (value, g) = stepped::grad(&x, 1.5);
    assert_eq!(value, stepped(&x, 1.5));
    assert_fd(|p| stepped(p, 1.5), &x, &g.x);
    let v = [0.3, -0.2, 0.5, 1.0];
    assert_jvp_matches(&g.x, stepped::jvp(&x, 1.5, &v, 0.0).1, &v);
}

/// Indices sorted by the values they point at (an argsort) and searched by comparison:
/// the closures only compare, the order is a constant, the values read through it carry
/// their derivatives.
#[differentiate(reverse, forward)]
fn ranked(x: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].partial_cmp(&x[b]).unwrap());
    let mut desc = idx.clone();
    desc.sort_unstable_by(|a, b| x[*b].total_cmp(&x[*a]));
    let median = idx[x.len() / 2];
    let below = idx.partition_point(|&i| x[i] < x[median]);
    let weighted: f64 = idx
        .iter()
        .enumerate()
        .map(|(r, &i)| (r as f64 + 1.0) * x[i])
        .sum();
    weighted + x[desc[0]] * x[median] + below as f64
}

#[test]
fn indices_sorted_by_the_values() {
    let x = [0.3, -0.4, 0.9, 0.2, 1.4];
    let (value, g) = ranked::grad(&x);
    assert_eq!(value, ranked(&x));
    assert_fd(ranked, &x, &g.x);
    let v = [0.3, -0.2, 0.5, 1.0, 0.1];
    assert_jvp_matches(&g.x, ranked::jvp(&x, &v).1, &v);
}

/// A leapfrog integrator whose last step swaps position and momentum with
/// `std::mem::swap`: the `(q, p) = (p, q);` it means (it was evaluated as a constant
/// statement, the gradient not following the swap).
#[differentiate(hessian)]
fn leapfrog_swapped(q0: f64, p0: f64, dt: f64) -> f64 {
    let (mut q, mut p) = (q0, p0);
    for _ in 0..10 {
        p -= 0.5 * dt * q.sin();
        q += dt * p;
        p -= 0.5 * dt * q.sin();
        if q > 1.0 {
            std::mem::swap(&mut q, &mut p);
        }
    }
    core::mem::swap(&mut q, &mut p);
    q * q + p
}

#[test]
fn mem_swap_of_two_floats() {
    let point = [0.3, 0.8, 0.1];
    let f = |p: &[f64]| leapfrog_swapped(p[0], p[1], p[2]);
    let (value, g) = leapfrog_swapped::grad(0.3, 0.8, 0.1);
    assert_eq!(value, f(&point));
    assert_fd(f, &point, &[g.q0, g.p0, g.dt]);
    let t = [0.5, -0.3, 0.2];
    let (_, dot) = leapfrog_swapped::jvp(0.3, 0.8, 0.1, t[0], t[1], t[2]);
    assert_jvp_matches(&[g.q0, g.p0, g.dt], dot, &t);
}

/// A parameter declared `mut` and assigned in a loop: its tangent is assigned too (`jvp`,
/// `jvps` and `hvp` did not compile).
#[differentiate(hessian)]
fn iterated_in_place(mut x: f64, mut v: [f64; 2], n: usize) -> f64 {
    for _ in 0..n {
        x = x.sin() + 0.5 * x;
        v[0] = v[0] * x + v[1];
    }
    x * v[0]
}

#[test]
fn mut_parameters_assigned_in_the_body() {
    let f = |p: &[f64]| iterated_in_place(p[0], [p[1], p[2]], 4);
    let point = [0.7, 0.3, -0.2];
    let (value, g) = iterated_in_place::grad(0.7, [0.3, -0.2], 4);
    assert_eq!(value, f(&point));
    let grad = [g.x, g.v[0], g.v[1]];
    assert_fd(f, &point, &grad);
    let t = [0.5, -1.0, 0.25];
    let (_, dot) = iterated_in_place::jvp(0.7, [0.3, -0.2], 4, t[0], [t[1], t[2]]);
    assert_jvp_matches(&grad, dot, &t);
    let (_, dots) =
        iterated_in_place::jvps(0.7, [0.3, -0.2], 4, [t[0], 1.0], [[t[1], t[2]], [0.0; 2]]);
    assert_eq!(dots[0], dot);
    assert_close(dots[1], g.x, 1e-12);
    check_hvp(
        |p| {
            let g = iterated_in_place::grad(p[0], [p[1], p[2]], 4).1;
            vec![g.x, g.v[0], g.v[1]]
        },
        |p, t| {
            let h = iterated_in_place::hvp(p[0], [p[1], p[2]], 4, t[0], [t[1], t[2]]).2;
            vec![h.x, h.v[0], h.v[1]]
        },
        &point,
        14,
    );
}

/// A polyline's length: points as rows `[x, y]`, taken apart by array patterns from the
/// rows of a window (`w[0]`) and of the sequence (`pts[i]`), elements indexed in place.
#[differentiate(hessian)]
fn polyline(pts: &[[f64; 2]]) -> f64 {
    let mut l = 0.0;
    for w in pts.windows(2) {
        let [x0, y0] = w[0];
        let [x1, y1] = w[1];
        l += ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
    }
    for i in 0..pts.len() {
        let [x, y] = pts[i];
        l += 0.1 * x * y;
    }
    l
}

#[test]
fn array_patterns_over_rows_of_points() {
    let pts = vec![[0.0, 0.0], [1.0, 0.5], [1.5, 2.0], [3.0, 2.2]];
    let (value, g) = polyline::grad(&pts);
    assert_eq!(value, polyline(&pts));
    let flat: Vec<f64> = pts.iter().flatten().copied().collect();
    let grad: Vec<f64> = g.pts.iter().flatten().copied().collect();
    let unflat = |p: &[f64]| -> Vec<[f64; 2]> { p.chunks(2).map(|c| [c[0], c[1]]).collect() };
    assert_fd(|p| polyline(&unflat(p)), &flat, &grad);
    let t: Vec<f64> = (0..flat.len()).map(|i| 0.3 - 0.1 * i as f64).collect();
    let (_, dot) = polyline::jvp(&pts, &unflat(&t));
    assert_jvp_matches(&grad, dot, &t);
}

// ---------------------------------------------------------------------------------------
// `let` with a tuple pattern: from a tuple of values, from `sin_cos`, and a swap.

#[differentiate(hessian)]
fn rotation(x: f64, y: f64, t: f64) -> f64 {
    let (s, c) = (2.0 * t).sin_cos();
    let (mut u, mut v): (f64, f64) = (c * x - s * y, s * x + c * y);
    (u, v) = (v, u);
    let (u, v) = (v * 1.5, u);
    let (p, _) = (u * v, x.exp());
    p + u.powi(2) - v
}

#[test]
fn tuple_lets() {
    for (x, y, t) in [(0.3, -0.8, 0.4), (1.2, 0.5, -1.1)] {
        let (value, g) = rotation::grad(x, y, t);
        assert_eq!(value, rotation(x, y, t));
        assert_fd(
            |p: &[f64]| rotation(p[0], p[1], p[2]),
            &[x, y, t],
            &[g.x, g.y, g.t],
        );
        let (_, dot) = rotation::jvp(x, y, t, 0.3, -0.2, 0.7);
        assert_close(dot, 0.3 * g.x - 0.2 * g.y + 0.7 * g.t, 1e-12);
    }
}

// ---------------------------------------------------------------------------------------
// Closures bound to locals, inlined where they are called.

#[differentiate(hessian)]
fn with_closures(x: f64, w: f64) -> f64 {
    let scaled = |t: f64| t * w;
    let poly = |a, b| a * a + 3.0 * b;
    let mut s = 0.0;
    let mut add = |v: f64| s += v;
    add(scaled(x));
    add(poly(x, scaled(2.0)));
    s + poly(w, x).sin()
}

#[test]
fn closures_bound_to_locals() {
    for (x, w) in [(0.3, -0.8), (1.2, 0.5)] {
        let (value, g) = with_closures::grad(x, w);
        assert_eq!(value, with_closures(x, w));
        assert_fd(|p: &[f64]| with_closures(p[0], p[1]), &[x, w], &[g.x, g.w]);
        assert_jvp_matches(
            &[g.x, g.w],
            with_closures::jvp(x, w, 0.4, -1.0).1,
            &[0.4, -1.0],
        );
        check_hvp(
            |p| {
                let g = with_closures::grad(p[0], p[1]).1;
                vec![g.x, g.w]
            },
            |p, t| {
                let h = with_closures::hvp(p[0], p[1], t[0], t[1]).2;
                vec![h.x, h.w]
            },
            &[x, w],
            12,
        );
    }
}

// ------------------------------------------------------------ max_by and min_by

/// The largest and smallest terms of a chain, by `max_by`/`min_by` with a closure and a
/// method path.
#[differentiate(hessian)]
fn spread(x: &[f64]) -> f64 {
    let top = x
        .iter()
        .map(|v| v * v)
        .max_by(|a, b| a.partial_cmp(b).unwrap())
        .unwrap();
    let low = x.iter().copied().min_by(f64::total_cmp).expect("not empty");
    let mid = x
        .iter()
        .enumerate()
        .map(|(i, a)| a * i as f64)
        .max_by(|&a, &b| a.total_cmp(&b))
        .unwrap();
    top - low.sin() + mid
}

#[test]
fn max_by_and_min_by() {
    let x = [0.4, -1.3, 0.9, 1.1, -0.2];
    let (value, g) = spread::grad(&x);
    assert_eq!(value, spread(&x));
    assert_fd(spread, &x, &g.x);
    check_hvp(
        |v| spread::grad(v).1.x,
        |v, u| spread::hvp(v, u).2.x,
        &x,
        15,
    );
    let u = [0.1, -0.2, 0.3, 0.4, 0.5];
    let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
    assert_close(spread::jvp(&x, &u).1, dot, 1e-12);
}

/// The index of the largest (smallest) element and the element, from one `max_by` over
/// the enumerated walk (`let (i, m) = ..`, `(j, &n)` of references, `(_, r)`): the index a
/// constant the comparison picks, the element read at it.
#[differentiate(hessian)]
fn argmax_with_value(x: &[f64]) -> f64 {
    let (i, m) = x
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    let (j, &n) = x
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.partial_cmp(b.1).unwrap())
        .unwrap();
    let (_, r) = x
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| a.total_cmp(b))
        .unwrap();
    m * (i as f64 + 1.0) + n * x[(j + 1) % x.len()] + r.sin()
}

#[test]
fn an_index_and_its_element_from_one_search() {
    for (k, x, v) in draws(50, &[1, 3, 6], 2.0) {
        check_every_mode!(argmax_with_value, &x, &v, 120 + k);
    }
}

/// `reduce`: with a float method's path (`f64::min`, `f64::max`), with closures over
/// values and over references, ended by `.unwrap()`, `.expect(..)` and `.unwrap_or(..)`
/// (also on an empty chain).
#[differentiate(hessian)]
fn reductions(x: &[f64]) -> f64 {
    let low = x.iter().copied().reduce(f64::min).unwrap_or(0.0);
    let squares = x.iter().map(|v| v * v).reduce(|a, b| a + b).unwrap();
    let top = x
        .iter()
        .reduce(|a, b| if *a > *b { a } else { b })
        .expect("not empty");
    let pairs = x
        .iter()
        .zip(x.iter().skip(1))
        .map(|(a, b)| a * b)
        .reduce(f64::max)
        .unwrap_or(-1.0);
    low.sin() + squares * top + pairs
}

#[test]
fn reduce_as_the_loop_it_means() {
    for x in [vec![0.4, -1.3, 0.9, 1.1, -0.2], vec![0.7]] {
        let (value, g) = reductions::grad(&x);
        assert_eq!(value, reductions(&x));
        assert_fd(reductions, &x, &g.x);
        check_hvp(
            |v| reductions::grad(v).1.x,
            |v, u| reductions::hvp(v, u).2.x,
            &x,
            16,
        );
        let u: Vec<f64> = (0..x.len()).map(|i| 0.1 * i as f64 - 0.2).collect();
        assert_jvp_matches(&g.x, reductions::jvp(&x, &u).1, &u);
    }
}

/// An index picked by comparing values (k-means' nearest centroid, an argmax): over a
/// range, over `.enumerate()` mapped to the index, taken apart as `let (k, _)`, and in an
/// index; each a constant, the gradient flowing through the values read at it.
#[differentiate(hessian)]
fn picked_indices(x: &[f64], cs: &[f64]) -> f64 {
    let d: Vec<f64> = cs.iter().map(|c| (x[0] - c).powi(2) + x[1] * c).collect();
    let nearest = (0..d.len())
        .min_by(|&a, &b| d[a].partial_cmp(&d[b]).unwrap())
        .unwrap();
    let farthest = d
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap();
    let (last, _) = d
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.partial_cmp(b.1).unwrap())
        .expect("centroids");
    let back = (0..d.len())
        .rev()
        .max_by(|&a, &b| d[a].total_cmp(&d[b]))
        .unwrap();
    // In an index, as tests are.
    let top = x[(0..x.len()).max_by(|&a, &b| x[a].total_cmp(&x[b])).unwrap()];
    d[nearest] * cs[farthest] + d[last].sin() + d[back] * x[0] + top * top
}

#[test]
fn indices_picked_by_comparisons_are_constants() {
    let cs = [0.0, 0.5, 1.0, -0.7];
    for x in [[0.45, 0.3], [-0.6, 1.2]] {
        let (value, g) = picked_indices::grad(&x, &cs);
        assert_eq!(value, picked_indices(&x, &cs));
        let both: Vec<f64> = x.iter().chain(&cs).copied().collect();
        let whole = [g.x.clone(), g.cs.clone()].concat();
        assert_fd(|p| picked_indices(&p[..2], &p[2..]), &both, &whole);
        let (tx, tc) = ([0.3, -0.5], [0.1, 0.2, -0.3, 0.4]);
        let (_, t) = picked_indices::jvp(&x, &cs, &tx, &tc);
        let dot: f64 = whole
            .iter()
            .zip(tx.iter().chain(&tc))
            .map(|(a, b)| a * b)
            .sum();
        assert_close(t, dot, 1e-12);
        check_hvp(
            |p| {
                let g = picked_indices::grad(&p[..2], &p[2..]).1;
                [g.x, g.cs].concat()
            },
            |p, u| {
                let g = picked_indices::hvp(&p[..2], &p[2..], &u[..2], &u[2..]).2;
                [g.x, g.cs].concat()
            },
            &both,
            17,
        );
    }
}

/// Ties: `max_by` keeps the last of equal greatest items, `min_by` the first of equal
/// least ones, as the standard library does; the gradient goes to that one.
#[differentiate]
fn ties(x: &[f64]) -> f64 {
    let hi = x.iter().map(|v| v.abs()).max_by(f64::total_cmp).unwrap();
    let lo = x.iter().map(|v| v.abs()).min_by(f64::total_cmp).unwrap();
    hi * 2.0 + lo * 3.0
}

#[test]
fn ties_go_where_the_standard_library_puts_them() {
    let x = [1.0, -2.0, 0.5, 2.0, -0.5];
    let g = ties::grad(&x).1.x;
    assert_eq!(g, vec![0.0, 0.0, 3.0, 2.0, 0.0]);
}

/// An element of an integer slice bound to a name is an integer, usable as an index (a
/// mesh's triangle corners, as GradBench's hand tracking reads them). It used to be taken
/// for a float: "not nested indexing".
#[differentiate(reverse, forward, wrt(x))]
fn corners(x: &[f64], triangles: &[usize], which: &[usize]) -> f64 {
    let mut s = 0.0;
    for i in 0..which.len() {
        let c = which[i];
        let (a, b) = (triangles[3 * c], triangles[3 * c + 1]);
        let d = triangles[3 * c + 2];
        s += x[a] * x[b] - x[d];
    }
    s
}

#[test]
fn integer_elements_are_indices() {
    let x = [0.4, -1.3, 0.9, 1.1];
    let (triangles, which) = ([0, 1, 2, 1, 2, 3], [1, 0, 1]);
    let (value, g) = corners::grad(&x, &triangles, &which);
    assert_eq!(value, corners(&x, &triangles, &which));
    assert_fd(|x| corners(x, &triangles, &which), &x, &g.x);
    let u = [0.1, -0.2, 0.3, 0.4];
    assert_jvp_matches(&g.x, corners::jvp(&x, &triangles, &which, &u).1, &u);
}

/// The same after an early `return` in one branch: the statements after the `if` are
/// lowered once per path that goes on, and the second copy reads renamed variables
/// (`ks_1[..]`); its integers stayed floats there ("`%` on floats").
#[differentiate(reverse, forward)]
fn corners_after_return(x: f64, n: usize) -> f64 {
    if n > 5 {
        let _ = x;
    } else if x > 2.0 {
        return x;
    }
    let ks: [usize; 3] = [2, 0, 1];
    let c = ks[n % 3];
    let d = (c + 1) % 3;
    x * x * (d as f64 + 1.0)
}

#[test]
fn integer_elements_are_indices_on_every_path() {
    for (x, n) in [(0.7, 1), (0.7, 7), (2.5, 2)] {
        let (value, g) = corners_after_return::grad(x, n);
        assert_eq!(value, corners_after_return(x, n));
        assert_fd(|p| corners_after_return(p[0], n), &[x], &[g.x]);
        assert_jvp_matches(&[g.x], corners_after_return::jvp(x, n, 0.3).1, &[0.3]);
    }
}

// ------------------------------------------------------------ ends and swaps

/// `x.first().unwrap()`, `x.last().expect(..)` (also of a row), and `v.swap(i, j)` on a
/// local copy.
#[differentiate(hessian)]
fn ends_and_swaps(x: &[f64], m: &[Vec<f64>]) -> f64 {
    let mut v = x.to_vec();
    v.swap(0, 2);
    let n = v.len();
    v.swap(1, n - 1);
    let mut s = v[0] * 2.0 + v[1] * v[2] * v[2];
    s += x.first().unwrap() * x.last().expect("not empty") + *x.first().unwrap();
    for row in m.iter() {
        s += row.first().unwrap() * row.last().unwrap();
    }
    s + m[0].last().unwrap().sin()
}

#[test]
fn ends_and_swaps_of_sequences() {
    let x = [0.7, -1.2, 0.4, 1.9];
    let m = vec![vec![1.0, 2.0, 3.0], vec![-0.5, 0.25]];
    let (value, g) = ends_and_swaps::grad(&x, &m);
    assert_eq!(value, ends_and_swaps(&x, &m));
    assert_fd(|v| ends_and_swaps(v, &m), &x, &g.x);
    let flat: Vec<f64> = m.concat();
    let rows = |v: &[f64]| vec![v[..3].to_vec(), v[3..].to_vec()];
    let g_m: Vec<f64> = g.m.concat();
    assert_fd(|v| ends_and_swaps(&x, &rows(v)), &flat, &g_m);
    let w = [0.3, -0.5, 0.9, 0.1];
    let zero = vec![vec![0.0; 3], vec![0.0; 2]];
    let d = ends_and_swaps::jvp(&x, &m, &w, &zero).1;
    assert_close(d, g.x.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
    check_hvp(
        |v| ends_and_swaps::grad(v, &m).1.x,
        |v, t| ends_and_swaps::hvp(v, &m, t, &zero).2.x,
        &x,
        41,
    );
}

// ------------------------------------------------------------ windows and chunks

/// `for w in x.windows(2)`, `x.chunks(2).enumerate()` (a shorter last chunk) and
/// `x.chunks_exact(3)` walked by an iterator chain (the chunk is then a copy).
#[differentiate(hessian)]
fn stretches(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(2) {
        s += (w[1] - w[0]).powi(2) * w.len() as f64;
    }
    for (i, c) in x.chunks(2).enumerate() {
        s += c[0] * c[c.len() - 1] * (i as f64 + 1.0);
    }
    for c in x.chunks_exact(3) {
        s += c.iter().map(|v| v.sin()).sum::<f64>();
    }
    s
}

/// A function of one slice at lengths 0 to 6 (windows and chunks that do not fit, a shorter
/// last chunk): its value, its gradient against finite differences, forward mode by the
/// dot product, and its `hvp` against differences of the gradient.
macro_rules! check_at_lengths {
    ($f:ident, $seed:expr) => {
        for n in [0, 1, 2, 5, 6] {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + 0.3).collect();
            let (value, g) = $f::grad(&x);
            assert_eq!(value, $f(&x));
            assert_fd($f, &x, &g.x);
            let w: Vec<f64> = (0..n).map(|i| 0.5 - i as f64 * 0.2).collect();
            let d = $f::jvp(&x, &w).1;
            assert_close(d, g.x.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
            if n > 0 {
                check_hvp(|v| $f::grad(v).1.x, |v, t| $f::hvp(v, t).2.x, &x, $seed);
            }
        }
    };
}

#[test]
fn windows_and_chunks() {
    check_at_lengths!(stretches, 43);
}

/// The same stretches walked backwards, as a recurrence from the end is written:
/// `x.windows(3).rev()`, `x.chunks(4).enumerate().rev()` (the count is the chunk's index;
/// the shorter last chunk comes first), `x.chunks_exact(2).rev()`.
#[differentiate(hessian)]
fn stretches_reversed(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(3).rev() {
        s = s * 0.5 + w[0] * w[2] - w[1];
    }
    for (i, c) in x.chunks(4).enumerate().rev() {
        s = s * c[0] + c[c.len() - 1] * (i as f64 + 1.0);
    }
    for c in x.chunks_exact(2).rev() {
        s = (s + c[0]).sin() * c[1];
    }
    s
}

#[test]
fn windows_and_chunks_reversed() {
    check_at_lengths!(stretches_reversed, 44);
}

/// The same stretches walked by iterator chains: `x.windows(2).map(..).sum()` (the window
/// only indexed: `x` read in place), `.enumerate()`d chunks (a shorter last chunk),
/// `chunks_exact` folded, a filter, a product, `for_each`, and a window named by a
/// pattern the loop cannot take (`|w: &[f64]|`, a copy).
#[differentiate(hessian)]
fn stretch_chains(x: &[f64]) -> f64 {
    let mut s = x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum::<f64>();
    s += x
        .chunks(2)
        .enumerate()
        .map(|(i, c)| c[0] * c[c.len() - 1] * (i as f64 + 1.0))
        .sum::<f64>();
    s += x.chunks_exact(3).fold(0.0, |acc, c| acc * 0.5 + c[1].sin());
    s += x
        .windows(3)
        .filter(|w| w[1] > -2.0)
        .map(|w| w[0] * w[2])
        .sum::<f64>();
    s += x
        .windows(2)
        .map(|w| 1.0 + 0.1 * w[0] * w[1])
        .product::<f64>();
    x.windows(2).for_each(|w| s += w[0].tanh() * w[1]);
    s + x
        .windows(2)
        .map(|w: &[f64]| w.len() as f64 * w[0])
        .sum::<f64>()
}

#[test]
fn windows_and_chunks_in_chains() {
    check_at_lengths!(stretch_chains, 45);
}

/// Two walks zipped, as long as the shorter: chunks of `x` beside its windows (both read in
/// place), enumerated, and chunks beside chunks where one is summed by a chain (a copy).
#[differentiate(hessian)]
fn zipped_stretches(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, (w, c)) in x.windows(2).zip(x.chunks_exact(1)).enumerate() {
        s += (w[1] - w[0]).powi(2) * c[0] * (i as f64 + 1.0);
    }
    for (a, b) in x.chunks(2).zip(x.chunks(3)) {
        let total: f64 = b.iter().sum();
        s += a[0] * a[a.len() - 1] + total.sin();
    }
    s
}

#[test]
fn zipped_windows_and_chunks() {
    check_at_lengths!(zipped_stretches, 47);
}

/// Chunks of a local `Vec` written by index, as a flat buffer of points is filled:
/// `y.chunks_mut(2)` enumerated, zipped with `x.chunks(2)` (a shorter last chunk), and
/// `chunks_exact_mut(3)` updated in place (`c[j] += ..`, `c.len()`).
#[differentiate(hessian)]
fn written_chunks(x: &[f64]) -> f64 {
    let mut y = vec![0.0; x.len()];
    for (k, c) in y.chunks_mut(2).enumerate() {
        c[0] = x[2 * k] * (k as f64 + 1.0);
        if c.len() > 1 {
            c[1] = x[2 * k] * x[2 * k + 1];
        }
    }
    for (c, xc) in y.chunks_mut(2).zip(x.chunks(2)) {
        c[0] += xc[xc.len() - 1].sin();
    }
    for c in y.chunks_exact_mut(3) {
        for j in 0..c.len() {
            c[j] += 0.5 * c[j] * c[(j + 1) % 3];
        }
    }
    y.iter().map(|v| v * v).sum()
}

#[test]
fn chunks_of_a_local_written_by_index() {
    check_at_lengths!(written_chunks, 49);
}

// ------------------------------------------------------------ chains over ranges, tests

/// Chains over ranges (`(0..n).map(|i| ..).sum()`, `.rev()`, `.fold`, `.collect()`, nested),
/// `fold(0.0, f64::max)`, and closures that only test (`any`, `position`, a filter counted)
/// in conditions and indices.
#[differentiate(hessian)]
fn ranges_and_tests(x: &[f64], n: usize) -> f64 {
    let mut s = (0..x.len()).map(|i| x[i] * i as f64).sum::<f64>();
    s += (1..x.len()).rev().map(|i| x[i] * x[i - 1]).product::<f64>();
    s += (0..x.len()).fold(0.0, |acc, i| acc + x[i] * x[i]);
    let v: Vec<f64> = (0..3).map(|i| x[i] * 2.0).collect();
    s += v[0] + v[2] * v[1];
    s += x.iter().map(|v| v.abs()).fold(0.0, f64::max);
    s += (0..n)
        .map(|k| (0..x.len()).map(|i| x[i].powi(k as i32)).sum::<f64>())
        .sum::<f64>();
    s += (0..n).map(|k| k * k).sum::<usize>() as f64;
    if x.iter().any(|&v| v > 10.0) || x.iter().filter(|v| **v < 0.0).count() > 2 {
        return s;
    }
    s + x[0].max(x[1]) * x[x.iter().position(|&v| v > 1.5).unwrap_or(0)]
}

#[test]
fn chains_over_ranges_and_closures_that_test() {
    let x = [1.0, 2.0, -0.5, 3.0];
    let (value, g) = ranges_and_tests::grad(&x, 3);
    assert_eq!(value, ranges_and_tests(&x, 3));
    assert_fd(|v| ranges_and_tests(v, 3), &x, &g.x);
    let w = [0.3, -0.5, 0.9, 0.1];
    let d = ranges_and_tests::jvp(&x, 3, &w).1;
    assert_close(d, g.x.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
    check_hvp(
        |v| ranges_and_tests::grad(v, 3).1.x,
        |v, t| ranges_and_tests::hvp(v, 3, t).2.x,
        &x,
        45,
    );
}

/// The same tests bound to names: an index, a count, a `bool`.
#[differentiate(hessian)]
fn tests_bound_to_names(x: &[f64]) -> f64 {
    let k = x.iter().position(|&v| v > 0.5).unwrap_or(0);
    let n = x.iter().filter(|&&v| v > 0.0).count();
    let any = x.iter().any(|v| *v < -1.0);
    let last = x.iter().rposition(|v| *v < 0.8).expect("one below 0.8");
    x[k] * 2.0 + n as f64 * x[last] * x[last] + if any { x[0].sin() } else { 0.0 }
}

#[test]
fn tests_bound_to_names_are_constants() {
    for x in [[0.1, 0.7, 0.9, -0.3], [-1.5, 0.2, 1.3, 0.6]] {
        let (value, g) = tests_bound_to_names::grad(&x);
        assert_eq!(value, tests_bound_to_names(&x));
        assert_fd(tests_bound_to_names, &x, &g.x);
        let w = [0.3, -0.5, 0.9, 0.1];
        assert_jvp_matches(&g.x, tests_bound_to_names::jvp(&x, &w).1, &w);
        check_hvp(
            |v| tests_bound_to_names::grad(v).1.x,
            |v, t| tests_bound_to_names::hvp(v, t).2.x,
            &x,
            46,
        );
    }
}

// ------------------------------------------------------------ array patterns

/// `let [x, y, z] = p;` of a parameter, of a literal (typed, with `_`), and names rebound
/// from each other.
#[differentiate(hessian)]
fn array_patterns(p: [f64; 3]) -> f64 {
    let [x, y, z] = p;
    let [u, _, w]: [f64; 3] = [z, y, x * y];
    let (s, _) = x.sin_cos();
    let [a, b] = [u * w, s];
    let [a, b] = [b, a];
    x * y + z * u * w + a * b
}

#[test]
fn array_patterns_bind_each_element() {
    let p = [1.5, 2.0, -0.5];
    let (value, g) = array_patterns::grad(p);
    assert_eq!(value, array_patterns(p));
    assert_fd(|v| array_patterns([v[0], v[1], v[2]]), &p, &g.p);
    let w = [0.3, -0.5, 0.9];
    let d = array_patterns::jvp(p, w).1;
    assert_close(d, g.p.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
    check_hvp(
        |v| array_patterns::grad([v[0], v[1], v[2]]).1.p.to_vec(),
        |v, t| {
            array_patterns::hvp([v[0], v[1], v[2]], [t[0], t[1], t[2]])
                .2
                .p
                .to_vec()
        },
        &p,
        47,
    );
}

// ------------------------------------------------------------ skip, take, step_by

/// `.skip(a)`, `.take(b)`, `.step_by(k)` on the sequences (before `.rev()`, on either side
/// of `.enumerate()`), and a zipped sequence that skips (`x.iter().zip(x.iter().skip(1))`).
#[differentiate(hessian)]
fn limited(x: &[f64]) -> f64 {
    let a = x.iter().skip(1).map(|v| v * v).sum::<f64>() + x.iter().take(2).sum::<f64>();
    let b = x.iter().step_by(2).sum::<f64>()
        + x.iter()
            .skip(1)
            .step_by(2)
            .rev()
            .fold(0.0, |acc, &v| acc * 0.5 + v);
    let mut c = 0.0;
    for (i, v) in x.iter().skip(2).enumerate() {
        c += v * (i as f64 + 1.0);
    }
    for v in x.iter().take(3).rev() {
        c = c * 0.9 + v.sin();
    }
    let d: f64 = x.iter().zip(x.iter().skip(1)).map(|(p, q)| p * q).sum();
    let e: f64 = x
        .iter()
        .enumerate()
        .skip(1)
        .step_by(2)
        .map(|(i, v)| v * i as f64)
        .sum();
    a + b + c + d + e
}

#[test]
fn skip_take_and_step_by_in_chains() {
    for n in [0, 1, 2, 5, 6] {
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + 0.3).collect();
        // `limited` itself is the function as written: the standard library's adaptors.
        let (value, g) = limited::grad(&x);
        assert_eq!(value, limited(&x));
        assert_fd(limited, &x, &g.x);
        let w: Vec<f64> = (0..n).map(|i| 0.5 - i as f64 * 0.2).collect();
        let d = limited::jvp(&x, &w).1;
        assert_close(d, g.x.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
        if n > 0 {
            check_hvp(
                |v| limited::grad(v).1.x,
                |v, t| limited::hvp(v, t).2.x,
                &x,
                49,
            );
        }
    }
}

// ------------------------------------------------------------ loops over sub-slices

/// `for &v in &x[1..]`, `x[..n - 1].iter().enumerate()`, `&x[1..=2]`, `&x[..]`, and the
/// last items by `.rev().take(2)` / `.rev().skip(1)`.
#[differentiate(hessian)]
#[allow(clippy::redundant_slicing)]
fn sub_slice_walks(x: &[f64]) -> f64 {
    let mut best = x[0];
    for &v in &x[1..] {
        if v > best {
            best = v;
        }
    }
    let mut s = best;
    for (i, v) in x[..x.len() - 1].iter().enumerate() {
        s += v * i as f64;
    }
    for v in &x[1..=2] {
        s *= v;
    }
    for v in &x[..] {
        s += v.sin();
    }
    let last: f64 = x.iter().rev().take(2).sum();
    let rest: f64 = x.iter().rev().skip(1).map(|v| v * v).sum();
    s + last * rest
}

#[test]
fn loops_over_sub_slices_and_the_last_items() {
    let x = [1.0, 2.5, -0.5, 3.0, 0.7];
    let (value, g) = sub_slice_walks::grad(&x);
    assert_eq!(value, sub_slice_walks(&x));
    assert_fd(sub_slice_walks, &x, &g.x);
    let w = [0.3, -0.5, 0.9, 0.1, -0.2];
    let d = sub_slice_walks::jvp(&x, &w).1;
    assert_close(d, g.x.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
    check_hvp(
        |v| sub_slice_walks::grad(v).1.x,
        |v, t| sub_slice_walks::hvp(v, t).2.x,
        &x,
        51,
    );
}

/// Every other item from the last: `.rev().step_by(2)` (after a `skip`, zipped, in a
/// `for`), the walk `(0..n).rev().step_by(k)` of indices.
#[differentiate(hessian)]
fn stepped_back(x: &[f64], y: &[f64]) -> f64 {
    let odd: f64 = x.iter().rev().step_by(2).map(|v| v * v).sum();
    let prod = x
        .iter()
        .rev()
        .skip(1)
        .step_by(3)
        .fold(1.0, |a, &v| a * (1.0 + v));
    let dot: f64 = x.iter().zip(y).rev().step_by(2).map(|(a, b)| a * b).sum();
    let mut h = 0.0;
    for v in x.iter().rev().take(4).step_by(2) {
        h = h * 0.5 + v.sin();
    }
    // Narrowed before the `.rev()`, stepped after it; counted from the end, then stepped.
    let tail: f64 = x.iter().skip(1).rev().step_by(2).map(|v| v.sin()).sum();
    let counted: f64 = x
        .iter()
        .rev()
        .enumerate()
        .step_by(2)
        .map(|(j, v)| v * (j as f64 + 0.5))
        .sum();
    let mut late = 0.0;
    for (j, v) in x.iter().rev().enumerate().skip(1).step_by(3) {
        late += v.cos() * j as f64;
    }
    for (a, b) in x.iter().zip(y).take(5).rev().skip(1).step_by(2) {
        h += a * b * 0.25;
    }
    odd + prod * dot + h + tail + counted + late
}

#[test]
fn walks_stepped_back_from_the_last_item() {
    for n in [0, 1, 2, 5, 6, 7] {
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + 0.3).collect();
        let y: Vec<f64> = (0..n + 1).map(|i| (i as f64 * 0.3).cos()).collect();
        let (value, g) = stepped_back::grad(&x, &y);
        assert_eq!(value, stepped_back(&x, &y));
        assert_fd(|v| stepped_back(v, &y), &x, &g.x);
        assert_fd(|v| stepped_back(&x, v), &y, &g.y);
        let w: Vec<f64> = (0..n).map(|i| 0.1 * i as f64 - 0.2).collect();
        let d = stepped_back::jvp(&x, &y, &w, &vec![0.0; n + 1]).1;
        assert_close(d, g.x.iter().zip(&w).map(|(a, b)| a * b).sum(), 1e-12);
        if n > 0 {
            check_hvp(
                |v| stepped_back::grad(v, &y).1.x,
                |v, t| stepped_back::hvp(v, &y, t, &vec![0.0; n + 1]).2.x,
                &x,
                52,
            );
        }
    }
}

/// A sub-slice out of range panics as the function itself does.
#[test]
#[should_panic(expected = "slice index out of range")]
fn a_sub_slice_out_of_range_panics() {
    let _ = sub_slice_walks::grad(&[1.0, 2.0]);
}

// ------------------------------------------------------------ zipped again

/// `x.iter().zip(y).zip(z)` (items `((a, b), c)`), in a chain and a `for`, one of them
/// skipping, and zipped a third time.
#[differentiate(hessian)]
fn zipped_thrice(x: &[f64], y: &[f64], z: &[f64]) -> f64 {
    let s: f64 = x.iter().zip(y).zip(z).map(|((a, b), c)| a * b * c).sum();
    let mut t = 0.0;
    for ((a, b), c) in x.iter().zip(y.iter()).zip(z.iter().skip(1)) {
        t += a * b - c;
    }
    let u: f64 = x
        .iter()
        .zip(y)
        .zip(z)
        .zip(x.iter().skip(1))
        .map(|(((a, b), c), d)| a + b * c * d)
        .sum();
    s + t * t + u
}

#[test]
fn sequences_zipped_again() {
    let (x, y, z) = ([1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.3, 0.7, -0.2]);
    let (value, g) = zipped_thrice::grad(&x, &y, &z);
    assert_eq!(value, zipped_thrice(&x, &y, &z));
    assert_fd(|v| zipped_thrice(v, &y, &z), &x, &g.x);
    assert_fd(|v| zipped_thrice(&x, v, &z), &y, &g.y);
    assert_fd(|v| zipped_thrice(&x, &y, v), &z, &g.z);
    let w = [0.3, -0.5, 0.9];
    let d = zipped_thrice::jvp(&x, &y, &z, &w, &w, &w).1;
    let expected: f64 = (0..3).map(|i| (g.x[i] + g.y[i] + g.z[i]) * w[i]).sum();
    assert_close(d, expected, 1e-12);
    check_hvp(
        |v| zipped_thrice::grad(v, &y, &z).1.x,
        |v, t| zipped_thrice::hvp(v, &y, &z, t, &[0.0; 3], &[0.0; 3]).2.x,
        &x,
        53,
    );
}

/// `x.iter().zip(y.iter().zip(z))`, zipped inside (items `(a, (b, c))`): in a chain, a
/// `for` loop, and writing a local through `iter_mut()` in a `for` and a `for_each`, one
/// side skipping and one enumerated.
#[differentiate(hessian)]
fn zipped_inside(x: &[f64], y: &[f64], z: &[f64]) -> f64 {
    let s: f64 = x
        .iter()
        .zip(y.iter().zip(z))
        .map(|(a, (b, c))| a * b + c.sin())
        .sum();
    let mut t = 0.0;
    for (i, (a, (b, c))) in x.iter().zip(y.iter().zip(z.iter().skip(1))).enumerate() {
        t += (i as f64 + 1.0) * a * b * c;
    }
    let mut w = vec![0.0; x.len()];
    for (o, (a, b)) in w.iter_mut().zip(x.iter().zip(y)) {
        *o = a * b;
    }
    let mut v = vec![0.0; x.len()];
    v.iter_mut()
        .zip(w.iter().zip(z))
        .for_each(|(o, (a, c))| *o = a - c * c);
    s + t * t + v.iter().map(|e| e * e).sum::<f64>()
}

#[test]
fn sequences_zipped_inside() {
    let (x, y, z) = ([1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.3, 0.7, -0.2]);
    let (value, g) = zipped_inside::grad(&x, &y, &z);
    assert_eq!(value, zipped_inside(&x, &y, &z));
    assert_fd(|v| zipped_inside(v, &y, &z), &x, &g.x);
    assert_fd(|v| zipped_inside(&x, v, &z), &y, &g.y);
    assert_fd(|v| zipped_inside(&x, &y, v), &z, &g.z);
    let w = [0.3, -0.5, 0.9];
    let d = zipped_inside::jvp(&x, &y, &z, &w, &w, &w).1;
    let expected: f64 = (0..3).map(|i| (g.x[i] + g.y[i] + g.z[i]) * w[i]).sum();
    assert_close(d, expected, 1e-12);
    check_hvp(
        |v| zipped_inside::grad(&x, v, &z).1.y,
        |v, t| zipped_inside::hvp(&x, v, &z, &[0.0; 3], t, &[0.0; 3]).2.y,
        &y,
        54,
    );
}

// ------------------------- elements as options, `fill`, `copy_from_slice`, late copies

/// `x.get(i).copied().unwrap_or(d)`, `x.first()`, `x.last()` (copied, cloned, unwrapped):
/// the element where there is one, the default elsewhere.
#[differentiate(hessian)]
fn neighbours(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let right = x.get(i + 1).copied().unwrap_or(0.0);
        let left = if i > 0 { x[i - 1] } else { 0.0 };
        s += x[i] * (right - left) + right.sin();
    }
    let ends = x.first().cloned().unwrap_or(1.0) * x.last().copied().unwrap_or(2.0);
    s + ends + x.get(1).copied().unwrap() * x.first().copied().expect("nonempty")
}

/// A buffer reset with `fill` and loaded with `copy_from_slice`, then a reversed copy made
/// with `.rev().cloned()`.
#[differentiate(hessian)]
fn buffers(x: &[f64]) -> f64 {
    let mut v = vec![1.0; x.len()];
    v.fill(x[0] * 0.5);
    let head = v[0] * v[1];
    v.copy_from_slice(x);
    let mut w = vec![0.0; 2];
    w.copy_from_slice(&x[1..3]);
    let back: Vec<f64> = v.iter().rev().cloned().collect();
    head + back[0] * 3.0 + back[1] * back[1] + w[0] * w[1]
}

#[test]
fn options_of_elements_fills_and_late_copies() {
    for (k, x, v) in draws(37, &[4; 3], 1.5) {
        check_every_mode!(neighbours, &x, &v, 50 + k);
        check_every_mode!(buffers, &x, &v, 50 + k);
    }
}

/// `[T; N]::map`: a parameter's, a local array's and an array literal's elements mapped.
#[differentiate(hessian)]
fn mapped_arrays(p: [f64; 4]) -> f64 {
    let squares = p.map(|v| v * v);
    let local = [p[0] - p[1], p[2] * p[3]];
    let waves = local.map(|v: f64| v.sin() + 0.5 * v);
    let written = [p[0] * p[3], p[1].cos()].map(|v| v.tanh());
    squares.iter().sum::<f64>() * waves[0] + waves[1] + written[0] * written[1]
}

#[test]
fn array_map_against_finite_differences_and_hessian() {
    let mut points = Points::new(43);
    for seed in 0..3 {
        let x: [f64; 4] = points.vec(4, -1.5, 1.5).try_into().unwrap();
        let (value, g) = mapped_arrays::grad(x);
        assert_eq!(value, mapped_arrays(x));
        let f = |v: &[f64]| mapped_arrays(v.try_into().unwrap());
        assert_fd(f, &x, &g.p);
        check_hvp(
            |v| mapped_arrays::grad(v.try_into().unwrap()).1.p.to_vec(),
            |v, u| {
                let (v, u): ([f64; 4], [f64; 4]) = (v.try_into().unwrap(), u.try_into().unwrap());
                mapped_arrays::hvp(v, u).2.p.to_vec()
            },
            &x,
            60 + seed,
        );
    }
}

// ------------------- tuples matched element by element, elements by `if let`, `split_at`

/// `match (a, b)` binding each float by name, guards reading them; `if let Some(&v) =
/// x.get(i)` (and `.first()`, `.last().copied()`); the two halves of `split_at`, the
/// element and the rest of `split_first` and `split_last`.
#[differentiate(hessian)]
fn tuple_arms_and_elements(x: &[f64]) -> f64 {
    let (a, b) = x.split_at(x.len() / 2);
    let (head, tail) = x.split_first().unwrap();
    let (end, front) = x.split_last().expect("not empty");
    let mut s = head * tail.iter().map(|t| t.sin()).sum::<f64>() + end * front.len() as f64;
    for (p, q) in a.iter().zip(b) {
        s += match (p * 2.0, q.sin()) {
            (u, v) if u > v => u - v * v,
            (u, _) if u < -1.0 => u.exp(),
            (u, mut v) => {
                v *= u;
                v.tanh()
            }
        };
    }
    if let Some(&third) = x.get(2) {
        s += third * third;
    }
    if let Some(&far) = x.get(100) {
        s += far;
    }
    if let Some(first) = x.first() {
        s *= first.cos();
    }
    match x.last().copied() {
        Some(last) if last > 0.0 => s + last.sqrt(),
        Some(last) => s - last,
        None => s,
    }
}

/// `(true, v)` of `(x[i] > 0.0, x[i - 1])`: a test and a float, matched together.
#[differentiate(hessian)]
fn flagged_pairs(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        s += match (x[i] > 0.0, x[i - 1]) {
            (true, v) => v * x[i],
            (false, v) => -v,
        };
    }
    s
}

/// A closure calling another closure: the inner one's body, inlined first, starts the
/// outer one's (`{ .. } * v` once read as a block and then `*v`: a wrong value).
#[differentiate(hessian)]
fn closures_calling_closures(x: &[f64]) -> f64 {
    let sq = |v: f64| v * v;
    let cube = |v: f64| sq(v) * v;
    x.iter().map(|&v| cube(v) + sq(v)).sum()
}

/// A closure called with its own parameters' names swapped (`f(b, a)` of `|a, b|`): each
/// parameter is bound to its argument, renamed apart (bound in order under their own names,
/// `b`'s argument read the new `a`: a wrong value).
#[differentiate(hessian)]
fn swapped_arguments(x: &[f64]) -> f64 {
    let (a, b) = (x[0], x[1]);
    let f = |a: f64, b: f64| {
        debug_assert!(a.is_finite() && b.is_finite());
        a - 2.0 * b * b
    };
    f(b, a) + f(a, b).sin()
}

/// Parameters a format string names (`"{t}"`, `"{x:.3}"`) keep their names: a rename
/// could not follow them into the string.
#[differentiate(hessian)]
fn parameters_in_format_strings(x: &[f64]) -> f64 {
    let f = |t: f64| {
        if t > 1e300 {
            println!("{t}");
        }
        t * 2.0
    };
    let folded = x.iter().fold(0.0, |x, v| {
        if x > 1e300 {
            println!("{x:.3}");
        }
        x * 0.5 + v
    });
    f(x[0]) + folded
}

/// Closures whose bodies bind names of their own (an inner closure's parameter inlined,
/// `let w = ..`) that later statements bind too: what they read from around them keeps its
/// meaning, so they are inlined.
#[differentiate(hessian)]
fn closures_binding_their_own_names(x: &[f64]) -> f64 {
    let sq = |t: f64| t * t;
    let cube = |v: f64| sq(v) * v;
    let twice = |t: f64| {
        let w = t * 2.0;
        w * 3.0
    };
    let mut s = 0.0;
    for t in 0..x.len() {
        let w = x[t];
        s += cube(w) + twice(w) + w;
    }
    s
}

#[test]
fn closures_called_with_their_parameters_names() {
    for (k, x, v) in draws(53, &[1, 4], 1.5) {
        check_every_mode!(closures_binding_their_own_names, &x, &v, 150 + k);
    }
    for (k, x, v) in draws(52, &[1, 3], 1.5) {
        check_every_mode!(parameters_in_format_strings, &x, &v, 140 + k);
    }
    let x = [0.7, -1.3];
    let f = |a: f64, b: f64| a - 2.0 * b * b;
    assert_eq!(
        swapped_arguments::grad(&x).0,
        f(-1.3, 0.7) + f(0.7, -1.3).sin()
    );
    for (k, x, v) in draws(48, &[2, 3], 1.5) {
        check_every_mode!(swapped_arguments, &x, &v, 100 + k);
    }
}

/// A chain's closure parameters named like the sequence it walks (`x.iter().fold(0.0, |x,
/// v| ..)`, `.enumerate().map(|(x, v)| ..)`, `x.windows(2).map(|x| ..)`): renamed apart (the
/// loop bound them where it still read `x` by name: the code did not compile).
#[differentiate(hessian)]
fn parameters_named_like_the_sequence(x: &[f64]) -> f64 {
    let folded = x.iter().fold(0.0, |x, v| x * 0.5 + v * v);
    let reduced = x.iter().copied().reduce(|x, y| x * 0.5 + y).unwrap();
    let indexed: f64 = x.iter().enumerate().map(|(x, v)| v * x as f64).sum();
    let paired: f64 = x.iter().zip(x.iter().skip(1)).map(|(x, y)| x * y).sum();
    let positive: f64 = x.iter().filter(|&&x| x > 0.0).map(|x| x * x).sum();
    let steps: f64 = x.windows(2).map(|x| (x[1] - x[0]).powi(2)).sum();
    folded + reduced.sin() + indexed + paired + positive + steps
}

#[test]
fn chain_parameters_named_like_the_sequence() {
    for (k, x, v) in draws(49, &[2, 5, 8], 2.0) {
        check_every_mode!(parameters_named_like_the_sequence, &x, &v, 110 + k);
    }
}

/// Walks whose bodies bind again the name of the sequence walked (`let x = 5.0;` in `for w
/// in x.windows(2)`: the window read in place read the new `x`, and did not compile) or of
/// the count (`let i = i * 2;`).
#[differentiate(hessian)]
fn names_bound_again_in_walks(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(2) {
        let x = 0.5;
        s += w[0] * w[1] + x;
    }
    for c in x.chunks(2) {
        let x = [2.0, 3.0];
        s += c[0] * x[c.len() - 1];
    }
    for (i, &v) in x.iter().enumerate() {
        let i = (i * 2) as f64;
        s += v * i;
    }
    for (k, w) in x.windows(2).enumerate() {
        let k = k % 2;
        s += w[1] * (k as f64 + 1.0);
    }
    s + x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let i = 1 - i.min(1);
            v * i as f64
        })
        .sum::<f64>()
}

#[test]
fn walks_whose_bodies_bind_their_names_again() {
    for (k, x, v) in draws(51, &[2, 3, 6], 2.0) {
        check_every_mode!(names_bound_again_in_walks, &x, &v, 130 + k);
    }
}

#[test]
fn tuple_arms_elements_and_split_halves() {
    for (k, x, v) in draws(47, &[6, 7, 4, 3, 1], 2.0) {
        check_every_mode!(tuple_arms_and_elements, &x, &v, 70 + k);
        check_every_mode!(closures_calling_closures, &x, &v, 80 + k);
        check_every_mode!(flagged_pairs, &x, &v, 90 + k);
    }
}

// ------------------------------------- `into_iter()`, a search's `.copied().unwrap_or(..)`

/// `into_iter()` over a borrowed slice (references) and an owned copy (values); the greatest
/// item by `max_by`, `.copied()`, then `.unwrap_or(..)`.
#[allow(clippy::into_iter_on_ref)]
#[differentiate(hessian)]
fn into_iter_and_copied_search(x: &[f64]) -> f64 {
    let owned = x.to_vec();
    let squares: f64 = x.into_iter().map(|&v| v * v).sum();
    let waves: f64 = owned.into_iter().map(|v| v.sin()).sum();
    let top = x
        .iter()
        .max_by(|a, b| a.total_cmp(b))
        .copied()
        .unwrap_or(0.0);
    squares * waves + top * top
}

#[test]
fn into_iter_and_a_copied_search() {
    for (k, x, v) in draws(53, &[5, 1, 3], 2.0) {
        check_every_mode!(into_iter_and_copied_search, &x, &v, 100 + k);
    }
    assert_eq!(into_iter_and_copied_search::grad(&[]).0, 0.0);
}

// ------------------------------------------------------------------ `v.reverse()`

/// A local copy reversed in place (odd and even lengths), then read by index and walked.
#[differentiate(hessian)]
fn reversed_copy(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|a| a * a + 0.5 * a).collect();
    v.reverse();
    let mut s = 0.0;
    for (i, a) in v.iter().enumerate() {
        s += a * (i as f64 + 1.0);
    }
    s * v[0]
}

/// A local copy rotated in place both ways (`rotate_left`, `rotate_right`, by up to its
/// length), then read by index (refused before).
#[differentiate(hessian)]
fn rotated_copies(x: &[f64]) -> f64 {
    let mut y: Vec<f64> = x.iter().map(|v| v.sin()).collect();
    y.rotate_left(1);
    let mut z = y.clone();
    let n = y.len();
    z.rotate_right(n);
    z.rotate_right(1);
    y[0] * y[n - 1] + z[0] * 0.5 - z[n - 1] * y[0]
}

#[test]
fn a_local_reversed_in_place() {
    for (k, x, v) in draws(59, &[5, 4, 1], 2.0) {
        check_every_mode!(reversed_copy, &x, &v, 110 + k);
    }
    for (k, x, v) in draws(63, &[1, 2, 5], 2.0) {
        check_every_mode!(rotated_copies, &x, &v, 220 + k);
    }
}

// ------------------------------------------ arrays of constants mapped or copied, indexed

/// `[c1, c2].map(..)`, `base.map(..)` and `base.to_vec()` of constants, indexed: arrays, not
/// floats (the first, found by the random-function generator, was "cannot index a float").
#[differentiate(hessian)]
fn constant_arrays_indexed(x: &[f64]) -> f64 {
    let pair = [(0.783_f64).tanh(), (-1.174_f64).sin()].map(|e| e.tanh());
    let base = [1.0, 2.0, 3.0];
    let squared = base.map(|b: f64| b * b);
    let copy = base.to_vec();
    x[0] * pair[0] * pair[1] + squared[2] * x[1] + copy[1] * x[0] * x[1]
}

#[test]
fn arrays_of_constants_mapped_and_indexed() {
    for (k, x, v) in draws(61, &[2; 3], 2.0) {
        check_every_mode!(constant_arrays_indexed, &x, &v, 120 + k);
    }
}

// ----------------------------- `if let Some(..) = get(..)` of a constant and of the floats

/// A constant's `get` (a map's) stays the projection it is; the floats' own `get` is the
/// element, bound `mut` and changed in the arm.
#[differentiate(hessian, wrt(x))]
fn gets_of_a_map_and_of_the_floats(
    x: &[f64],
    weights: &std::collections::HashMap<usize, f64>,
) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if let Some(&w) = weights.get(&i) {
            s += w * x[i];
        }
        if let Some(mut v) = x.get(i + 1).copied() {
            v *= 2.0;
            s += v * x[i];
        }
    }
    s
}

#[test]
fn a_maps_get_and_the_floats_get() {
    let weights = std::collections::HashMap::from([(0, 2.0), (2, -1.0)]);
    let x = [0.3, -0.5, 1.2];
    let (value, g) = gets_of_a_map_and_of_the_floats::grad(&x, &weights);
    assert_eq!(value, gets_of_a_map_and_of_the_floats(&x, &weights));
    // ∂/∂x0 = 2 + 2·x1, ∂/∂x1 = 2·x0 + 2·x2, ∂/∂x2 = −1 + 2·x1.
    assert_eq!(
        g.x,
        vec![2.0 + 2.0 * -0.5, 2.0 * 0.3 + 2.0 * 1.2, -1.0 + 2.0 * -0.5]
    );
    assert_fd(|p| gets_of_a_map_and_of_the_floats(p, &weights), &x, &g.x);
}

// ------------------------------------------- `.map(f64::exp)`, `.map(f)` of a named closure

/// A chain mapped by a float method's path and by a closure bound to a name: the closures
/// they stand for.
#[differentiate(hessian)]
fn mapped_by_paths(x: &[f64]) -> f64 {
    let w = x[0] * 0.5;
    let f = |v: f64| (v * w).tanh();
    let waves: f64 = x.iter().copied().map(f64::sin).sum();
    waves * x.iter().copied().map(f64::exp).sum::<f64>() + x.iter().copied().map(f).sum::<f64>()
}

#[test]
fn chains_mapped_by_paths() {
    for (k, x, v) in draws(67, &[4, 1, 3], 1.5) {
        check_every_mode!(mapped_by_paths, &x, &v, 130 + k);
    }
}

// ------------------------------------------- tuples and structs held by a name

/// A point built in the body, as a struct people write.
#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

/// A complex number as a tuple iterated (`z ← z² + c`), reassigned whole, and copied.
#[differentiate(hessian)]
fn orbit(x: &[f64]) -> f64 {
    let mut z = (0.0, 0.0);
    let mut prev = z;
    for _ in 0..4 {
        prev = z;
        z = (z.0 * z.0 - z.1 * z.1 + x[0], 2.0 * z.0 * z.1 + x[1]);
    }
    z.0 * z.0 + z.1 * z.1 + 0.5 * prev.0 * prev.1
}

/// Structs built, written by field, reassigned with their fields in another order, copied,
/// taken apart, read in a chain's closure and in a nested block; a name bound again.
#[differentiate(hessian)]
fn springs(x: &[f64]) -> f64 {
    let a = Point { x: x[0], y: x[1] };
    let mut b = Point { x: x[2], y: x[3] };
    b.x += 0.5 * a.y;
    if b.y > a.x {
        b = Point {
            y: b.y * 0.5,
            x: b.x - a.x,
        };
    }
    let d = Point {
        x: b.x - a.x,
        y: b.y - a.y,
    };
    let e = d;
    let Point { x: dx, y: dy } = e;
    let len = (dx * dx + dy * dy + 0.1).sqrt();
    let pulled: f64 = x.iter().map(|v| v * d.x).sum();
    let d = (len, pulled);
    let stretched = {
        let (l, q) = d;
        (l - 1.0) * (l - 1.0) + 0.1 * q
    };
    stretched + d.0
}

/// A tuple returned, copied, taken apart and matched element by element.
#[differentiate(hessian)]
fn polar_pair(x: &[f64]) -> (f64, f64) {
    let (r, t) = (x[0], x[1]);
    let v = (r * t.cos(), r * t.sin());
    let w = v;
    let (a, b) = w;
    let s = match v {
        (u, q) if u > q => u - q,
        (u, q) => q - u,
    };
    (a + s, b * s)
}

#[differentiate(hessian)]
fn polar_sum(x: &[f64]) -> f64 {
    let (u, v) = polar_pair(x);
    u * v + u
}

/// A particle's mass with an integer field, a tuple of a vector and a float, a name bound
/// again from its old value, a swap in a branch, a method chain.
#[derive(Clone, Copy)]
struct Particle {
    m: f64,
    id: usize,
}

#[differentiate(hessian)]
fn mixed_aggregates(x: &[f64]) -> f64 {
    let p = (x[0], x[1]);
    let q = (x[2], x[3]);
    let p = (p.0 + q.0, p.1 * q.1);
    let mut z = (x[0], x[1]);
    if z.0 > 0.0 {
        z = (z.1, z.0);
    }
    let part = Particle {
        m: x[2] * 2.0,
        id: 3,
    };
    let pair = (x.to_vec(), 2.0);
    let s: f64 = pair.0.iter().map(|v| v * pair.1).sum();
    p.0 * p.1 + z.0 * z.1 + part.m * part.id as f64 + s
}

/// Tuples and structs chosen by `if` (`let (lo, hi) = if .. { (a, b) } else { (b, a) }`,
/// an `else if` chain, struct literals with their fields in another order, a mutable one
/// reassigned after) and a struct completed from another (`..p`).
#[differentiate(hessian)]
fn chosen_aggregates(x: &[f64]) -> f64 {
    let (lo, hi) = if x[0] < x[1] {
        (x[0], x[1])
    } else {
        (x[1], x[0])
    };
    let d = if x[2] > 0.0 {
        (x[2], lo)
    } else if x[2] < -5.0 {
        (lo, lo)
    } else {
        (hi, x[2])
    };
    let p = if lo > 0.0 {
        Particle { m: lo * hi, id: 1 }
    } else {
        Particle { id: 2, m: hi }
    };
    let q = Particle { m: 1.5, ..p };
    // Mutable, reassigned after the choice.
    let mut e = if x[1] > 0.0 {
        (x[1], x[2])
    } else {
        (x[2], 0.5)
    };
    e = (e.1 * e.0, e.0);
    hi - lo * 0.5 + d.0 * d.1 + p.m * q.id as f64 + q.m * p.m + e.0 + e.1
}

#[test]
fn tuples_and_structs_held_by_a_name() {
    for (k, x, v) in draws(103, &[3, 3, 3, 3], 1.5) {
        check_every_mode!(chosen_aggregates, &x, &v, 140 + k);
    }
    for (k, x, v) in draws(101, &[4, 4, 4], 1.5) {
        check_every_mode!(mixed_aggregates, &x, &v, 130 + k);
    }
    for (k, x, v) in draws(91, &[2, 2, 2, 4, 4, 4], 1.2) {
        if x.len() == 2 {
            check_every_mode!(orbit, &x, &v, 50 + k);
            check_every_mode!(polar_sum, &x, &v, 60 + k);
            assert_eq!(polar_pair::vjp(&x).0, polar_pair(&x));
        } else {
            check_every_mode!(springs, &x, &v, 70 + k);
        }
    }
}

// ------------------------------- ordinary functions of tuples and structs, inlined

#[derive(Clone, Copy)]
struct V3 {
    x: f64,
    y: f64,
    z: f64,
}

/// The point at `x[k..k + 3]`: a helper of a slice returning a struct.
fn point(x: &[f64], k: usize) -> V3 {
    V3 {
        x: x[k],
        y: x[k + 1],
        z: x[k + 2],
    }
}

fn sub(a: V3, b: V3) -> V3 {
    V3 {
        x: a.x - b.x,
        y: a.y - b.y,
        z: a.z - b.z,
    }
}

fn dot(a: V3, b: V3) -> f64 {
    a.x * b.x + a.y * b.y + a.z * b.z
}

fn cross(a: V3, b: V3) -> V3 {
    V3 {
        x: a.y * b.z - a.z * b.y,
        y: a.z * b.x - a.x * b.z,
        z: a.x * b.y - a.y * b.x,
    }
}

/// `v` scaled to length `k`: calls another helper, binds locals of its own.
fn rescaled(v: V3, k: f64) -> V3 {
    let n = dot(v, v).sqrt();
    let f = k / n;
    V3 {
        x: v.x * f,
        y: v.y * f,
        z: v.z * f,
    }
}

impl V3 {
    /// Associated constants, read as the literals they stand for (`V3::ZERO`, `Self::X`).
    const ZERO: V3 = V3 {
        x: 0.0,
        y: 0.0,
        z: 0.0,
    };
    const X: Self = Self {
        x: 1.0,
        y: 0.0,
        z: 0.0,
    };

    fn dot(self, o: V3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    /// By reference, calling another method on `*self`.
    fn norm(&self) -> f64 {
        self.dot(*self).sqrt()
    }

    fn cross(self, o: Self) -> Self {
        Self {
            x: self.y * o.z - self.z * o.y,
            y: self.z * o.x - self.x * o.z,
            z: self.x * o.y - self.y * o.x,
        }
    }

    fn distance(&self, o: &V3) -> f64 {
        (*self - *o).norm()
    }

    /// The struct update syntax, from `*self`.
    fn with_z(&self, z: f64) -> V3 {
        V3 { z, ..*self }
    }
}

impl std::ops::Add for V3 {
    type Output = V3;
    fn add(self, o: V3) -> V3 {
        V3 {
            x: self.x + o.x,
            y: self.y + o.y,
            z: self.z + o.z,
        }
    }
}

impl std::ops::Sub for V3 {
    type Output = V3;
    fn sub(self, o: V3) -> V3 {
        V3 {
            x: self.x - o.x,
            y: self.y - o.y,
            z: self.z - o.z,
        }
    }
}

impl std::ops::Mul<f64> for V3 {
    type Output = V3;
    fn mul(self, k: f64) -> V3 {
        V3 {
            x: self.x * k,
            y: self.y * k,
            z: self.z * k,
        }
    }
}

impl std::ops::Neg for V3 {
    type Output = V3;
    fn neg(self) -> V3 {
        V3 {
            x: -self.x,
            y: -self.y,
            z: -self.z,
        }
    }
}

/// A body of the plane: a struct of structs.
#[derive(Clone, Copy)]
struct Body {
    pos: V3,
    vel: V3,
}

/// One step of explicit Euler under `g`: a helper of nested structs, with a field given by
/// shorthand.
fn euler(b: Body, g: V3, dt: f64) -> Body {
    let vel = b.vel + g * dt;
    Body {
        pos: b.pos + vel * dt,
        vel,
    }
}

/// A complex number as a struct, with `*` and `+`, a method returning a tuple and one
/// taking another by reference.
#[derive(Clone, Copy)]
struct Complex {
    re: f64,
    im: f64,
}

fn complex(re: f64, im: f64) -> Complex {
    Complex { re, im }
}

impl Complex {
    fn polar(&self) -> (f64, f64) {
        (
            (self.re * self.re + self.im * self.im).sqrt(),
            self.im.atan2(self.re),
        )
    }

    fn distance(&self, o: &Complex) -> f64 {
        ((self.re - o.re).powi(2) + (self.im - o.im).powi(2)).sqrt()
    }
}

impl std::ops::Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        complex(self.re + o.re, self.im + o.im)
    }
}

impl std::ops::Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex {
            re: self.re * o.re - self.im * o.im,
            im: self.re * o.im + self.im * o.re,
        }
    }
}

fn cmul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

/// Helpers nested in each other's arguments, in a method chain, in a branch and in a
/// chain's closure.
#[differentiate(hessian)]
fn triangle(x: &[f64]) -> f64 {
    let (a, b, c) = (point(x, 0), point(x, 3), point(x, 6));
    let d = sub(a, b);
    let n = cross(d, sub(c, b));
    let m = rescaled(n, 2.0);
    let mut e = dot(d, d).sqrt() + dot(m, c) * 0.1;
    if dot(a, c) > 0.0 {
        e += dot(cross(a, c), b);
    }
    let w: f64 = x.iter().map(|v| v * dot(a, b)).sum();
    e + 0.01 * w
}

/// A complex power by a tuple helper, in a loop.
#[differentiate(hessian)]
fn complex_power(x: &[f64]) -> f64 {
    let z = (x[0], x[1]);
    let mut w = (1.0, 0.0);
    for _ in 0..3 {
        w = cmul(w, z);
    }
    w.0 + 2.0 * w.1
}

/// The same vectors through their methods and operators: `a - b`, `n * 2.0`, `-m`, `a + b +
/// c`, `d.cross(c - b)`, `d.norm()` (by reference), `a.distance(&c)`, in a loop too; the
/// associated constants and the struct update syntax (`V3 { y: .., ..b }`).
#[differentiate(hessian)]
fn triangle_by_methods(x: &[f64]) -> f64 {
    let (a, b, c) = (point(x, 0), point(x, 3), point(x, 6));
    let d = a - b;
    let n = d.cross(c - b);
    let m = -(n * 2.0) + a;
    let mut p = a;
    for _ in 0..3 {
        p = p + (c - p) * 0.25;
    }
    let mut q = V3::ZERO;
    q = q + a * 0.5 + V3::X;
    let lifted = V3 { y: q.x * c.z, ..b }.with_z(a.y);
    q = q + lifted;
    d.norm() + m.dot(c) * 0.1 + (a + b + c).norm() + a.distance(&c) * p.dot(p) + q.dot(b)
}

/// A projectile's miss distance: nested structs reassigned whole by a helper, an element
/// of an element updated in place, methods and operators of the inner struct.
#[differentiate(hessian)]
fn flight(x: &[f64]) -> f64 {
    let mut b = Body {
        pos: V3 {
            x: 0.0,
            y: 0.0,
            z: 0.0,
        },
        vel: point(x, 0),
    };
    let g = V3 {
        x: x[3] * 0.1,
        y: -9.8,
        z: 0.0,
    };
    for _ in 0..10 {
        b = euler(b, g, 0.05);
        b.vel.x *= 1.0 - 0.01 * x[3];
    }
    let target = V3 {
        x: 3.0,
        y: 1.0,
        z: 0.5,
    };
    (b.pos - target).norm() + b.vel.norm() * 0.1
}

/// `z ← z² + k` by operators, taken apart from a method's tuple, and distances in a
/// chain's closure (a helper's struct, a method borrowing `k`).
#[differentiate(hessian)]
fn julia(x: &[f64]) -> f64 {
    let k = complex(x[0], x[1]);
    let mut z = complex(0.0, 0.0);
    for _ in 0..4 {
        z = z * z + k;
    }
    let (r, th) = z.polar();
    let ts = [0.1, -0.4, 0.9];
    let s: f64 = ts.iter().map(|&t| complex(t, t * 0.5).distance(&k)).sum();
    r * th.cos() + s + z.distance(&k)
}

/// A float named like a struct bound in an inner block (the struct's operators are not
/// taken for the float's), and a helper whose value is a local of its own.
fn doubled(v: V3) -> V3 {
    let w = v * 2.0;
    w
}

#[differentiate(hessian)]
fn shadowed_in_a_block(x: &[f64]) -> f64 {
    let p = 1.5;
    let q = {
        let p = point(x, 0);
        p.norm()
    };
    let d = doubled(point(x, 1));
    p * q + d.norm() + p - q
}

#[test]
fn ordinary_functions_of_tuples_and_structs_are_inlined() {
    for (k, x, v) in draws(105, &[4, 4], 1.5) {
        check_every_mode!(shadowed_in_a_block, &x, &v, 150 + k);
    }
    for (k, x, v) in draws(99, &[2, 2, 2], 0.6) {
        check_every_mode!(julia, &x, &v, 120 + k);
    }
    for (k, x, v) in draws(97, &[4, 4], 3.0) {
        check_every_mode!(flight, &x, &v, 110 + k);
    }
    for (k, x, v) in draws(95, &[9, 9], 1.5) {
        check_every_mode!(triangle_by_methods, &x, &v, 100 + k);
    }
    for (k, x, v) in draws(93, &[9, 9, 2, 2], 1.5) {
        if x.len() == 9 {
            check_every_mode!(triangle, &x, &v, 80 + k);
        } else {
            check_every_mode!(complex_power, &x, &v, 90 + k);
        }
    }
}

fn sum_and_product(a: f64, b: f64) -> (f64, f64) {
    (a + b, a * b)
}

/// An element of a value computed in place: of an operator's result (`(c - a).x`), of a
/// helper's and a closure's tuple (`sum_and_product(..).1`) and of a tuple written out
/// (`(.., ..).0`). The first three read as a constant, with a zero derivative, before.
#[differentiate(hessian)]
fn elements_in_place(x: &[f64]) -> f64 {
    let (a, c) = (point(x, 0), point(x, 3));
    let mut s = (c - a).x * (a + c).z + (a * 2.0).y;
    let squared = |t: f64| (t, t * t);
    for i in 0..3 {
        s += squared(x[i] - x[i + 3]).1;
        s += sum_and_product(x[i], x[i + 3]).1 + (x[i] * x[i], 2.0).0;
    }
    s
}

/// A struct assigned a value updated from itself or another (`V3 { x: .., ..p }`).
#[differentiate(hessian)]
fn updated_by_rest(x: &[f64]) -> f64 {
    let mut p = point(x, 0);
    let v = point(x, 3);
    for _ in 0..3 {
        p = V3 {
            x: p.x + 0.1 * v.x * p.y,
            ..p
        };
        p = V3 { z: p.z * v.z, ..v };
    }
    p.x * p.y + p.z
}

/// A complex number as a tuple struct: built, taken apart by its pattern, its operators
/// and a method inlined.
#[derive(Clone, Copy)]
struct Cx(f64, f64);

impl std::ops::Mul for Cx {
    type Output = Cx;
    fn mul(self, o: Cx) -> Cx {
        Cx(self.0 * o.0 - self.1 * o.1, self.0 * o.1 + self.1 * o.0)
    }
}

impl std::ops::Add for Cx {
    type Output = Cx;
    fn add(self, o: Cx) -> Cx {
        Cx(self.0 + o.0, self.1 + o.1)
    }
}

impl Cx {
    fn abs2(&self) -> f64 {
        self.0 * self.0 + self.1 * self.1
    }
}

#[differentiate(hessian)]
fn tuple_struct_iteration(x: &[f64]) -> f64 {
    let c = Cx(x[0] * 0.5, x[1] * 0.5);
    let mut z = Cx(x[2] * 0.1, 0.0);
    for _ in 0..4 {
        z = z * z + c;
    }
    let Cx(re, im) = z;
    re * im + z.abs2() + (z + c).0
}

#[test]
fn elements_of_values_computed_in_place() {
    for (k, x, v) in draws(109, &[3, 3], 1.0) {
        check_every_mode!(tuple_struct_iteration, &x, &v, 180 + k);
    }
    for (k, x, v) in draws(107, &[6, 6], 1.5) {
        check_every_mode!(elements_in_place, &x, &v, 160 + k);
        check_every_mode!(updated_by_rest, &x, &v, 170 + k);
    }
}

/// Walks of an owned copy (`x.to_vec().into_iter()`, `x.to_owned().iter()`, `for v in
/// x.to_vec()`), as walks of `x`; a loop that changes what it walks a copy of walks the
/// copy (bound before it), as the function does. (Clippy would walk `x` itself, as the
/// macro does where nothing else names it.)
#[differentiate(hessian)]
#[allow(clippy::unnecessary_to_owned)]
fn walks_of_copies(x: &[f64]) -> f64 {
    let squares: f64 = x.to_vec().into_iter().map(|v| v * v).sum();
    let sines: f64 = x.to_owned().iter().map(|v| v.sin()).sum();
    let mut grown = vec![x[0], 2.0 * x[x.len() - 1]];
    for v in grown.to_vec() {
        grown.push(v * x[0]);
    }
    let mut s = 0.0;
    for v in x.to_vec() {
        s += (0.5 * v).exp();
    }
    squares + sines * x[0] + s + grown.iter().sum::<f64>()
}

/// `[a, b] = [b, a + b];`, the array destructuring assignment: every value first.
#[differentiate(hessian)]
fn arrays_assigned_apart(x: &[f64]) -> f64 {
    let mut a = x[0];
    let mut b = x[1];
    for _ in 0..4 {
        [a, b] = [b, a + 0.5 * b];
    }
    let mut p = [a, b];
    [p[0], p[1]] = [p[1] * p[0], p[0]];
    a * b + p[0] - p[1]
}

#[test]
fn copies_walked_and_arrays_assigned_apart() {
    let x = [0.7, -1.3, 2.1];
    let squares: f64 = x.iter().map(|v| v * v).sum();
    let sines: f64 = x.iter().map(|v| v.sin()).sum();
    let grown = [0.7, 4.2, 0.7 * 0.7, 4.2 * 0.7];
    let s: f64 = x.iter().map(|v| (0.5 * v).exp()).sum();
    assert_eq!(
        walks_of_copies::grad(&x).0,
        squares + sines * 0.7 + s + grown.iter().sum::<f64>()
    );
    for (k, x, v) in draws(57, &[1, 3], 1.5) {
        check_every_mode!(walks_of_copies, &x, &v, 160 + k);
    }
    for (k, x, v) in draws(58, &[2, 3], 1.5) {
        check_every_mode!(arrays_assigned_apart, &x, &v, 170 + k);
    }
}

/// Written types with `_` in them (`Vec<_>`, `_`, `[_; 2]`), on locals defined and
/// declared: the value decides the kind (they were taken for constants, and the derivative
/// through them lost: a wrong gradient).
#[differentiate(hessian)]
#[allow(clippy::let_with_type_underscore, clippy::needless_late_init)]
fn types_left_to_the_value(x: &[f64]) -> f64 {
    let a: Vec<_> = vec![x[0], x[2] * x[1]];
    let c: Vec<_> = x.windows(2).map(|w| w[0] * w[1]).collect();
    let r: _ = x[0] * x[1];
    let v: Vec<_> = x.iter().map(|t| t * r).collect();
    let b: _ = v[2] * 2.0;
    let pair: [_; 2] = [x[0], x[3]];
    let y: _;
    if x[1] > 0.0 {
        y = x[2].sin();
    } else {
        y = x[3] * x[0];
    }
    a[0] * a[0] + a[1] * x[2] + c.iter().sum::<f64>() + r * b + pair[1] * pair[0] + y
}

/// `Vec`s of integers and flags computed from the parameters (`.map(|v| (v * 3.0) as
/// usize).collect()`, `.map(|&v| v > 0.0)`, typed or not), and `vec![0; k]` of integers
/// with its type written: constants (they made generated code that did not compile).
#[differentiate(hessian)]
fn integers_and_flags_collected(x: &[f64]) -> f64 {
    let mask: Vec<bool> = x.iter().map(|&v| v > 0.0).collect();
    let bins = x
        .iter()
        .map(|v| ((v + 5.0) * 2.0) as usize)
        .collect::<Vec<_>>();
    let signs: Vec<_> = x.iter().map(|v| v.signum() as i32).collect();
    let mut counts: Vec<usize> = vec![0; 3];
    let flags: Vec<bool> = vec![true, x[0] > 0.0];
    for &b in &bins {
        counts[b % 3] += 1;
    }
    let mut s = 0.0;
    for (v, &m) in x.iter().zip(&mask) {
        if m {
            s += v * v;
        }
    }
    let kept = flags.iter().filter(|&&f| f).count() as f64;
    s + x.iter().zip(&bins).map(|(v, &b)| v * b as f64).sum::<f64>()
        + x[0] * (counts[0] as f64 + kept)
        + x.iter()
            .zip(&signs)
            .map(|(v, &g)| v * g as f64)
            .sum::<f64>()
}

#[test]
fn written_types_and_constant_vecs() {
    let x = [0.7, -1.3, 2.1, 0.4];
    let (_, g) = types_left_to_the_value::grad(&x);
    assert_ne!(
        g.x[1], 0.0,
        "the derivative through `Vec<_>` and `_` is kept"
    );
    for (k, x, v) in draws(59, &[4, 5], 1.5) {
        check_every_mode!(types_left_to_the_value, &x, &v, 180 + k);
    }
    // s = Σ_{v > 0} v² + Σ v·⌊2(v + 5)⌋ + x₀·(bins ≡ 0 mod 3, none here, + flags kept, 2)
    // + Σ |v|; the bins are 11, 7, 14 and 10.
    let (value, g) = integers_and_flags_collected::grad(&x);
    assert_eq!(value, integers_and_flags_collected(&x));
    let expected = [
        1.4 + 11.0 + 2.0 + 1.0,
        7.0 - 1.0,
        4.2 + 14.0 + 1.0,
        0.8 + 10.0 + 1.0,
    ];
    for (g, e) in g.x.iter().zip(expected) {
        assert_close(*g, e, 1e-12);
    }
    for (k, x, v) in draws(60, &[3, 6], 1.5) {
        check_every_mode!(integers_and_flags_collected, &x, &v, 190 + k);
    }
}

pub type Real = f64;
pub type Vector = Vec<Real>;
pub type Pair = [Real; 2];

/// Type aliases declared beside the function (`type Real = f64;`, an alias of an alias),
/// in its signature and its body: written out (a local so typed was taken for a constant,
/// its derivative lost; a parameter was an unsupported type).
#[differentiate(hessian)]
#[allow(clippy::needless_late_init)]
fn aliased(x: &[Real], k: Real) -> Real {
    let r: Real = x[0] * x[1];
    let v: Vector = x.iter().map(|t| t * r).collect();
    let p: Pair = [x[0], k];
    let y: Real;
    if x[1] > 0.0 {
        y = x[2].sin();
    } else {
        y = x[2] * x[0];
    }
    r * v[2] + p[0] * p[1] + y * k
}

#[test]
fn type_aliases_beside_the_function() {
    for (k, x, v) in draws(61, &[3, 5], 1.5) {
        let f = |x: &[f64]| aliased(x, 0.75);
        let (value, g) = aliased::grad(&x, 0.75);
        assert_eq!(value, f(&x));
        assert_fd(f, &x, &g.x);
        check_hvp(
            |x| aliased::grad(x, 0.75).1.x,
            |x, u| aliased::hvp(x, 0.75, u, 0.0).2.x,
            &x,
            200 + k,
        );
        let (_, tangent) = aliased::jvp(&x, 0.75, &v, 0.0);
        let dot: f64 = g.x.iter().zip(&v).map(|(g, v)| g * v).sum();
        assert_close(tangent, dot, 1e-12);
        // The float parameter's derivative: `p[1] + y`.
        let y = if x[1] > 0.0 { x[2].sin() } else { x[2] * x[0] };
        assert_close(g.k, x[0] + y, 1e-12);
    }
}

/// Arrays converted from sequences (`x.try_into().unwrap()`, of a sub-slice, taken apart
/// by a pattern; refused before), `Vec::from(x)` and `x.into()` (copies), and a sum of
/// integers computed from the values
/// (`.map(|&v| (v * 4.0) as i64).sum::<i64>()`, generated code that did not compile): a
/// constant.
#[differentiate(hessian)]
fn arrays_from_slices_and_integer_sums(x: &[f64]) -> f64 {
    let [a, b]: [f64; 2] = x[..2].try_into().unwrap();
    let head: [f64; 3] = x[..3].try_into().expect("three");
    let tail: [f64; 2] = (&x[x.len() - 2..]).try_into().unwrap();
    let steps = x.iter().map(|&v| (v * 4.0) as i64).sum::<i64>() as f64;
    let total: usize = x.iter().map(|v| (v.abs() * 3.0) as usize).sum();
    let blocky: i64 = x
        .iter()
        .map(|&v| {
            let t = v * 2.0;
            t as i64
        })
        .sum();
    let copied = Vec::from(x);
    let converted: Vec<f64> = x[1..].into();
    a * b
        + head[2] * tail[1].sin()
        + x[0] * (steps + total as f64 + blocky as f64)
        + copied[2] * converted[0]
}

#[test]
fn arrays_from_slices_and_sums_of_integers() {
    for (k, x, v) in draws(62, &[3, 5], 1.5) {
        check_every_mode!(arrays_from_slices_and_integer_sums, &x, &v, 210 + k);
    }
    // The conversion fails on a sequence of another length, as the function's does.
    let short = std::panic::catch_unwind(|| arrays_from_slices_and_integer_sums::grad(&[0.5, 1.0]));
    assert!(short.is_err());
}

/// Functions declared inside the body (called, and mapped by name), `std::mem::replace` of
/// a float (its old value bound, or dropped), and a `Vec`'s `.as_slice()`: an error each
/// before (the inner functions' with errors from generated code after it).
#[differentiate(hessian)]
fn items_and_replacements(x: &[f64]) -> f64 {
    let y = sq(x[0]) + cube(x[1], 2);
    fn sq(v: f64) -> f64 {
        v * v
    }
    fn cube(v: f64, k: usize) -> f64 {
        let w = v * v;
        w * v * k as f64
    }
    let mut a = x[0];
    let mut total = 0.0;
    for &v in &x[1..] {
        let next = v * a;
        let old = std::mem::replace(&mut a, next);
        total += old * v;
        let w = old + a * 0.5;
        let _ = std::mem::replace(&mut a, w);
    }
    let copy = x.to_vec();
    let s = copy.as_slice();
    y + total * a + x.iter().copied().map(sq).sum::<f64>() + s.iter().map(|e| e.sin()).sum::<f64>()
}

#[test]
fn inner_functions_replacements_and_slices_of_vecs() {
    for (k, x, v) in draws(63, &[3, 5], 1.2) {
        check_every_mode!(items_and_replacements, &x, &v, 220 + k);
    }
}

/// The `Option` of a chain's `reduce`, `max_by` and `min_by`, matched (`let .. else`,
/// `match` in either order, `if let` with and without `else`, `Some(&v)` over references):
/// refused before.
#[differentiate(hessian)]
fn matched_reductions(x: &[f64]) -> f64 {
    let Some(m) = x.iter().copied().reduce(f64::max) else {
        return 0.0;
    };
    let mut s = match x
        .iter()
        .copied()
        .filter(|v| *v < 1.0)
        .reduce(|a, b| a * 0.5 + b)
    {
        None => x[0],
        Some(r) => r * m,
    };
    if let Some(&b) = x.iter().max_by(|a, b| a.total_cmp(b)) {
        s += b * b;
    }
    if let Some(&b) = x
        .iter()
        .filter(|v| v.abs() > 0.3)
        .min_by(|a, b| a.total_cmp(b))
    {
        s * b.sin()
    } else {
        s
    }
}

#[test]
fn options_of_reductions_matched() {
    for (k, x, v) in draws(64, &[1, 3, 5], 1.5) {
        check_every_mode!(matched_reductions, &x, &v, 230 + k);
    }
    assert_eq!(matched_reductions::grad(&[]).0, 0.0);
}

/// `std::iter::zip` (and `zip` brought in by `use`), and zipped sequences walked their own
/// way: sub-slices (`zip(&x[1..], &x[..n - 1])`), a side reversed (`x.iter().rev()`), one
/// skipped then taken, and the whole zip reversed. Refused before (the free function was an
/// unknown call, a zipped `.rev()` or `.take(k)` an unsupported adaptor).
#[differentiate(hessian)]
fn zipped_sides(x: &[f64]) -> f64 {
    use std::iter::zip;
    let n = x.len();
    let lag: f64 = zip(&x[1..], &x[..n - 1]).map(|(a, b)| a * b).sum();
    let mirror: f64 = std::iter::zip(x.iter(), x.iter().rev())
        .map(|(&a, &b)| (a - b).powi(2))
        .sum();
    let mut inner = 0.0;
    for (i, (a, b)) in x
        .iter()
        .rev()
        .zip(x.iter().skip(1).take(2).rev())
        .enumerate()
    {
        inner += (i as f64 + 1.0) * a * b.cos();
    }
    let folded = x
        .iter()
        .zip(&x[1..n.min(3)])
        .rev()
        .map(|(a, b)| a * b * b)
        .fold(0.0, |acc, v| acc * 0.5 + v);
    lag + mirror * 0.25 + inner + folded
}

#[test]
fn zips_of_sub_slices_and_reversed_sides() {
    for (k, x, v) in draws(65, &[1, 2, 3, 5], 1.5) {
        check_every_mode!(zipped_sides, &x, &v, 240 + k);
    }
    // The values themselves, against the same sums written out.
    let x: [f64; 4] = [0.5, -1.0, 2.0, 0.25];
    let lag = x[1] * x[0] + x[2] * x[1] + x[3] * x[2];
    let mirror = 2.0 * ((x[0] - x[3]).powi(2) + (x[1] - x[2]).powi(2));
    let inner = x[3] * x[2].cos() + 2.0 * x[2] * x[1].cos();
    let folded = (x[1] * x[2] * x[2]) * 0.5 + x[0] * x[1] * x[1];
    assert_close(
        zipped_sides::grad(&x).0,
        lag + mirror * 0.25 + inner + folded,
        1e-15,
    );
}

/// A slice's first or last element and the rest (`split_first`, `split_last`) matched by
/// `if let`, `match` and `let .. else`, by reference or by value (`Some((&last, init))`),
/// and where a sorted sequence carrying derivatives passes a value (`partition_point`):
/// refused before.
#[differentiate(hessian)]
fn split_ends_and_searches(x: &[f64]) -> f64 {
    let a = if let Some((first, rest)) = x.split_first() {
        first * rest.iter().map(|v| v * v).sum::<f64>()
    } else {
        0.0
    };
    let b = match x.split_last() {
        Some((&last, init)) => last * init.iter().map(|v| v.sin()).sum::<f64>(),
        None => 1.0,
    };
    let Some((_, tail)) = x.split_first() else {
        return a + b;
    };
    let mut c = 0.0;
    if let Some((l, _)) = tail.split_last() {
        c = *l * 2.0;
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(|p, q| p.total_cmp(q));
    let k = sorted.partition_point(|&v| v < 0.5);
    let d = if k < x.len() { sorted[k] * x[0] } else { x[0] };
    a + b + c * x[0] + d
}

#[test]
fn split_ends_matched_and_sorted_searches() {
    for (k, x, v) in draws(66, &[1, 2, 3, 5], 1.5) {
        check_every_mode!(split_ends_and_searches, &x, &v, 250 + k);
    }
    assert_eq!(split_ends_and_searches::grad(&[]).0, 1.0);
}

/// Pairs of chunks (`for q in x.chunks_exact(2).skip(i + 1)`), windows counted then skipped
/// and taken, and chunks mapped to arrays collected into a `Vec<[f64; 2]>`: refused before
/// (`.skip` of a walk of chunks), or "indexed too deep" (the collected `Vec`'s written type
/// was lost).
#[differentiate(hessian)]
fn chunk_pairs(x: &[f64]) -> f64 {
    let mut e = 0.0;
    for (i, p) in x.chunks_exact(2).enumerate() {
        for q in x.chunks_exact(2).skip(i + 1) {
            e += ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + 1.0).ln();
        }
    }
    for (j, w) in x.windows(2).enumerate().skip(1).take(2) {
        e += (j as f64) * w[0] * w[1];
    }
    for c in x.chunks(3).skip(1) {
        e += c[c.len() - 1] * 0.5;
    }
    let pts: Vec<[f64; 2]> = x.chunks_exact(2).map(|c| [c[0] * 0.5, c[1]]).collect();
    for p in &pts {
        e += p[0] * p[1];
    }
    e
}

#[test]
fn chunks_skipped_and_collected_into_arrays() {
    for (k, x, v) in draws(67, &[1, 2, 4, 5, 7], 1.5) {
        check_every_mode!(chunk_pairs, &x, &v, 260 + k);
    }
}

/// Two walks of stretches zipped in a chain (the trapezoid rule over `x.windows(2)` zipped
/// with another walk, enumerated, chunks beside windows, folded, `for_each`): refused before
/// (only a `for` loop over two zipped walks was read).
#[differentiate(hessian)]
fn zipped_stretch_chains(x: &[f64]) -> f64 {
    let area: f64 = x
        .windows(2)
        .zip(x.windows(2))
        .map(|(a, b)| (a[1] - a[0]) * (b[0] + b[1]) / 2.0)
        .sum();
    let weighted: f64 = x
        .chunks(2)
        .zip(x.windows(3))
        .enumerate()
        .map(|(i, (c, w))| (i as f64 + 1.0) * c[0] * w[w.len() - 1])
        .sum();
    let folded = x
        .windows(2)
        .zip(x.chunks_exact(2))
        .fold(0.0, |acc, (w, c)| acc + (w[0] * c[1]).sin());
    let mut each = 0.0;
    x.windows(2)
        .zip(x.windows(2))
        .for_each(|(a, b)| each += a[0] * b[1]);
    let named: f64 = x.windows(2).zip(x.chunks(2)).map(|p| p.0[1] * p.1[0]).sum();
    area + weighted + folded + each + named
}

#[test]
fn stretches_zipped_in_chains() {
    for (k, x, v) in draws(68, &[1, 2, 3, 5, 6], 1.5) {
        check_every_mode!(zipped_stretch_chains, &x, &v, 270 + k);
    }
}

/// A pair bound to one name and read through its elements (`|p| p.0 * p.1`, `|(i, p)|`) in every place
/// a chain binds its item: a map, a filter, a fold, `for_each`, a `for` loop over a chain,
/// counted (`.enumerate()`), zipped twice (`p.0.1`), and windows zipped: refused before, with four
/// errors about `.zip()` and closures.
#[differentiate(hessian)]
fn pairs_by_name(x: &[f64]) -> f64 {
    let n = x.len();
    let dot: f64 = x.iter().zip(x.iter().rev()).map(|p| p.0 * p.1).sum();
    let kept: f64 = x
        .iter()
        .zip(x.iter().skip(1))
        .filter(|p| *p.0 > *p.1)
        .map(|(a, b)| a - b)
        .sum();
    let folded = x
        .iter()
        .enumerate()
        .fold(0.0, |acc, p| acc + (p.0 as f64 + 1.0) * p.1.sin());
    let mut each = 0.0;
    x.iter()
        .zip(x.iter().skip(1))
        .zip(&x[..n.saturating_sub(1)])
        .for_each(|t| each += t.0.0 * t.0.1 - t.1);
    let mut looped = 0.0;
    for p in x.iter().zip(x.iter().skip(2)) {
        looped += p.1 * p.1 * p.0;
    }
    for p in x.iter().enumerate() {
        looped += p.1 * p.1 * (p.0 % 2) as f64;
    }
    let stretched: f64 = x.windows(2).zip(x.chunks(2)).map(|p| p.0[1] * p.1[0]).sum();
    let counted: f64 = x
        .iter()
        .zip(x.iter().rev())
        .enumerate()
        .map(|(i, p)| p.0 * p.1 * i as f64)
        .sum();
    let windows: f64 = x
        .windows(3)
        .zip(x.windows(2))
        .enumerate()
        .map(|(j, p)| p.0[2] * p.1[0] * j as f64)
        .sum();
    dot + kept + folded + each + looped + stretched + counted + windows
}

#[test]
fn pairs_read_through_their_elements() {
    for (k, x, v) in draws(69, &[1, 2, 3, 5, 6], 1.5) {
        check_every_mode!(pairs_by_name, &x, &v, 280 + k);
    }
}

/// Pairs with their types written on the closure's pattern (`|p: (&f64, &f64)|`,
/// `|(i, v): (usize, &f64)|`), and a `for` loop over two walks of stretches zipped with the
/// pair bound to one name (`p.0[1]`; one side never read).
#[differentiate(hessian)]
fn typed_and_looped_pairs(x: &[f64]) -> f64 {
    let a: f64 = x
        .iter()
        .zip(x.iter().rev())
        .map(|p: (&f64, &f64)| p.0 * p.1)
        .sum();
    let b: f64 = x
        .iter()
        .enumerate()
        .map(|(i, v): (usize, &f64)| v.sin() * i as f64)
        .sum();
    let mut s = 0.0;
    for p in x.windows(2).zip(x.chunks(2)) {
        s += p.0[1] * p.1[0] - p.1[p.1.len() - 1];
    }
    for p in x.windows(3).zip(x.chunks(2)) {
        s += p.0[0] * p.0[2];
    }
    a + b + s
}

#[test]
fn typed_pairs_and_pairs_of_stretches_in_loops() {
    for (k, x, v) in draws(70, &[1, 2, 3, 5, 6], 1.5) {
        check_every_mode!(typed_and_looped_pairs, &x, &v, 290 + k);
    }
}

/// A walk's last or `k`-th item (`x.iter().last()`, `x.iter().nth(k)`, through `.copied()`
/// too), the lookups `x.last()` and `x.get(k)` they mean (and what clippy suggests instead).
#[allow(clippy::iter_nth, clippy::double_ended_iterator_last)]
#[differentiate(hessian)]
fn last_and_nth_of_walks(x: &[f64]) -> f64 {
    let last = x.iter().last().unwrap();
    let second = x.iter().copied().nth(1).unwrap_or(0.5);
    let far = x.iter().nth(x.len()).map_or(1.0, |v| v * 3.0);
    last * second.sin() + far + x.iter().cloned().last().unwrap_or(0.0).powi(2)
}

#[test]
fn last_and_nth_items_of_walks() {
    for (k, x, v) in draws(71, &[1, 2, 3, 5], 1.5) {
        check_every_mode!(last_and_nth_of_walks, &x, &v, 300 + k);
    }
}

/// An `Option` a search or a lookup returns, mapped and defaulted in one expression
/// (`position(..).map_or(..)`, `.map(..).unwrap_or(..)`, `map_or_else`, `unwrap_or_else`),
/// and a test's position matched directly (`match x.iter().position(..)`): refused before
/// (a closure outside a chain; the matched position taken for a value carrying a
/// derivative).
#[differentiate(hessian)]
fn options_mapped(x: &[f64]) -> f64 {
    let a = x.iter().position(|&v| v > 0.5).map_or(0.0, |i| x[i] * x[i]);
    let b = x
        .iter()
        .rposition(|&v| v < 0.0)
        .map(|i| x[i].sin())
        .unwrap_or(x[0]);
    let c = x.first().map_or_else(|| 1.0, |v: &f64| v * 3.0);
    let d = x.iter().copied().reduce(f64::max).map_or(0.0, |m| m * m);
    let e = x.get(2).copied().map(|v| v.exp()).unwrap_or_else(|| 0.5);
    let f = match x.iter().position(|&v| v > 1.0) {
        Some(i) => x[i] * x[0],
        None => 0.0,
    };
    a + b + c + d + e + f
}

#[test]
fn options_mapped_and_defaulted() {
    for (k, x, v) in draws(70, &[1, 2, 3, 5], 1.5) {
        check_every_mode!(options_mapped, &x, &v, 290 + k);
    }
}

/// A polygon's area by the shoelace formula, each vertex taken apart from an index computed
/// in place (`let [x1, y1] = pts[(i + 1) % n];`): refused before (the row was copied whole
/// into a temporary), where a named index worked.
#[differentiate(hessian)]
fn shoelace(x: &[f64]) -> f64 {
    let pts: Vec<[f64; 2]> = x.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    let n = pts.len();
    let mut area = 0.0;
    for i in 0..n {
        let [x0, y0] = pts[i];
        let [x1, y1] = pts[(i + 1) % n];
        area += x0 * y1 - x1 * y0;
    }
    0.5 * area
}

#[test]
fn rows_taken_apart_at_computed_indices() {
    for (k, x, v) in draws(71, &[2, 4, 6, 8], 1.5) {
        check_every_mode!(shoelace, &x, &v, 300 + k);
    }
    // The unit square, counter-clockwise.
    let (area, g) = shoelace::grad(&[0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]);
    assert_eq!(area, 1.0);
    assert_eq!(g.x, [-0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5, 0.5]);
}

/// Gauss–Legendre nodes and weights on [-1, 1], tables of the module.
const NODES: [f64; 3] = [-0.774_596_669_241_483_4, 0.0, 0.774_596_669_241_483_4];
static WEIGHTS: [f64; 3] = [5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0];

/// A quadrature over a `const` and a `static` table walked by chains and loops (zipped with
/// each other, enumerated, zipped with the parameters): refused before (the tables were
/// not known as sequences of constants).
#[differentiate(hessian)]
fn quadrature(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (t, w) in NODES.iter().zip(&WEIGHTS) {
        let p: f64 = x
            .iter()
            .enumerate()
            .map(|(k, c)| c * t.powi(k as i32))
            .sum();
        s += w * (0.5 * p).exp();
    }
    s + NODES.iter().zip(x).map(|(t, v)| t * v * v).sum::<f64>()
        + WEIGHTS
            .iter()
            .enumerate()
            .map(|(i, w)| w * x[i % x.len()])
            .sum::<f64>()
}

#[test]
fn tables_of_the_module_walked() {
    for (k, x, v) in draws(72, &[1, 2, 3, 5], 1.0) {
        check_every_mode!(quadrature, &x, &v, 310 + k);
    }
}

// ------------------------------------------------------------ panicking macros

/// `panic!` guarding the input, `unreachable!` as a `match` arm's value, `todo!` and
/// `unimplemented!` in branches not taken: run as written, in every mode.
#[differentiate(hessian)]
fn guarded(x: f64, mode: u8) -> f64 {
    if x < -100.0 {
        panic!("x = {x} is too small");
    }
    let y = match mode {
        0 => x.sin(),
        1 => x.exp() * x,
        2 => todo!(),
        3 => unimplemented!("mode {}", mode),
        _ => unreachable!("mode {mode}"),
    };
    y * x
}

#[test]
fn panicking_macros_run_as_written() {
    for mode in [0, 1] {
        let x = 0.7;
        let (value, g) = guarded::grad(x, mode);
        assert_eq!(value, guarded(x, mode));
        assert_fd(|v| guarded(v[0], mode), &[x], &[g.x]);
        assert_close(guarded::jvp(x, mode, 1.0).1, g.x, 1e-12);
        check_hvp(
            |v| vec![guarded::grad(v[0], mode).1.x],
            |v, t| vec![guarded::hvp(v[0], mode, t[0]).2.x],
            &[x],
            53,
        );
    }
}

#[test]
#[should_panic(expected = "x = -200 is too small")]
fn a_panic_in_the_forward_pass_is_the_functions() {
    let _ = guarded::grad(-200.0, 0);
}

#[test]
#[should_panic(expected = "internal error: entered unreachable code: mode 7")]
fn an_unreachable_arm_panics_as_written() {
    let _ = guarded::jvp(0.5, 7, 1.0);
}

/// A walk of windows whose body binds the sequence's name again (`let v = 0.5;`): the
/// window is bound to its stretch before that (was "cannot index a float", found by the
/// random functions, seed 9).
#[differentiate(reverse, forward)]
fn windows_shadowing(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in v.windows(2) {
        let v = 0.5;
        s += w[0] * w[1] + v * w[1];
    }
    s
}

#[test]
fn windows_whose_body_binds_the_sequence_name_again() {
    let x = [0.3, -1.2, 0.8, 1.1];
    let (value, g) = windows_shadowing::grad(&x);
    assert_eq!(value, windows_shadowing(&x));
    assert_fd(windows_shadowing, &x, &g.v);
    let dir = [0.5, -0.25, 1.0, 0.75];
    let d = windows_shadowing::jvp(&x, &dir).1;
    assert_close(d, g.v.iter().zip(&dir).map(|(a, b)| a * b).sum(), 1e-12);
}

/// A fold whose accumulator is an `Option` (the running maximum, started at `None`), and an
/// `Option` local assigned a `match` of itself: each held as a float and a flag, the
/// assignment taken arm by arm (were "holds a value that carries a derivative in an
/// `Option` local .. this one is used otherwise", once per arm).
#[differentiate(hessian)]
fn option_folds(x: &[f64]) -> f64 {
    let best = x.iter().fold(None, |acc: Option<f64>, &v| match acc {
        None => Some(v),
        Some(b) => Some(if v * v > b { v * v } else { b }),
    });
    let mut run: Option<f64> = None;
    for &v in x {
        run = match run {
            None => Some(v.sin()),
            Some(r) => {
                let t = r * 0.5;
                Some(t + v * r)
            }
        };
    }
    best.unwrap_or(0.0) + run.map_or(1.0, |r| r * r)
}

#[test]
fn option_accumulators_folded_and_matched() {
    check_slice_function!(option_folds, &[0.3, -0.9, 0.5, 0.2], 7);
    assert_eq!(
        option_folds::grad(&[]),
        (1.0, option_folds::Grad { x: vec![] })
    );
}

// ---------------------------------- buffers made by helpers or collected without a type

/// A buffer of floats from an ordinary function (`fn zeros(n) -> Vec<f64>`, `-> [f64; 3]`)
/// or collected as `Vec<_>` from a range, then written with values that carry
/// derivatives (each was "cannot index a float").
fn zeros_of(n: usize) -> Vec<f64> {
    vec![0.0; n]
}

fn ones3() -> [f64; 3] {
    [1.0; 3]
}

#[differentiate(hessian)]
fn buffers_made_elsewhere(x: &[f64]) -> f64 {
    let mut buf = zeros_of(x.len());
    for i in 0..x.len() {
        buf[i] = x[i] * x[(i + 1) % x.len()];
    }
    let mut w = ones3();
    w[1] = x[0].sin();
    let mut ramp: Vec<_> = (0..x.len()).map(|i| i as f64 * 0.5).collect();
    ramp[1] = x[0] * x[1];
    buf.iter().map(|b| b * b).sum::<f64>()
        + w.iter().sum::<f64>()
        + ramp.iter().map(|b| b.tanh()).sum::<f64>() * w[1]
}

#[test]
fn buffers_from_helpers_and_untyped_collects() {
    let x = [0.3, 0.5, 0.2, -0.4];
    let (value, g) = buffers_made_elsewhere::grad(&x);
    assert_eq!(value, buffers_made_elsewhere(&x));
    assert_fd(buffers_made_elsewhere, &x, &g.x);
    check_hvp(
        |v| buffers_made_elsewhere::grad(v).1.x,
        |v, t| buffers_made_elsewhere::hvp(v, t).2.x,
        &x,
        55,
    );
    let u = [0.2, -0.3, 0.5, 0.1];
    let dot: f64 = g.x.iter().zip(&u).map(|(a, b)| a * b).sum();
    assert_close(buffers_made_elsewhere::jvp(&x, &u).1, dot, 1e-12);
}
