//! Ordinary functions of floats in the crate's other files (`mod util;`, a module
//! directory `nn/` with `nn/act.rs`), called by path (`act::gelu(x)`, `nn::act::leaky(x)`)
//! or brought in by `use` (a name, a list, a rename, a glob, a module): each is inlined
//! where a call gives it a value carrying a derivative, as one declared beside the
//! function is. Before, each was rustc's "cannot find module `gelu`" or "expected type,
//! found function". Structs of other files (`structs.rs`) have their methods and
//! operators inlined the same way (before: "no method named `__differentiate_predict`").

#![allow(dead_code)]

#[path = "../common/mod.rs"]
#[macro_use]
mod common;
mod geom;
mod model;
mod nn;
mod structs;
mod util;

use backprop::differentiate;
use common::{assert_fd, check_hvp};
use nn::act;
use nn::loss::*;
use util::midpoint;

/// By path, through a module brought in by `use` and through the declared `nn`; a glob's
/// function that calls one its module imports; a generic one at `f64`; a module's
/// function calling a sibling.
#[differentiate(hessian)]
fn layer(x: &[f64]) -> f64 {
    act::gelu(x[0]) + nn::act::leaky(x[1]) + act::softplus(x[2]) + gelu_sum(x) + util::norm(x)
}

/// A module's constant read by path; a function of two slices.
#[differentiate(hessian, wrt(p))]
fn scaled_mse(p: &[f64], y: &[f64]) -> f64 {
    mse(p, y) * (1.0 + act::LEAK)
}

/// Called with constants only, it stays a call: `act::gelu(0.5)` and `util::dot` of two
/// constant arrays must name the functions where they are.
#[differentiate(hessian)]
fn with_constants(x: &[f64]) -> f64 {
    x[0] * act::gelu(0.5) + x[1] * util::dot(&[1.0, 2.0], &[3.0, 4.0]) + act::gelu(x[2])
}

/// `map` by a path of another file's function.
#[differentiate(hessian)]
fn mapped(x: &[f64]) -> f64 {
    x.iter().copied().map(act::leaky).map(act::softplus).sum()
}

/// The plain functions each stands for, written out.
fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x)).tanh())
}

fn leaky(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.01 * x }
}

fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// A function of another file given a closure, by path and brought in by `use`.
#[differentiate(hessian)]
fn integrated(x: &[f64]) -> f64 {
    util::midpoint(|t| (x[0] * t).exp(), 0.0, 1.0, 16) + midpoint(|t| x[1] * t.cos(), 0.0, x[0], 8)
}

#[test]
fn functions_of_other_files_given_closures() {
    let x = [0.7, -1.3];
    let (value, g) = integrated::grad(&x);
    assert_eq!(value, integrated(&x));
    assert_fd(integrated, &x, &g.x);
    check_hvp(
        |v| integrated::grad(v).1.x,
        |v, u| integrated::hvp(v, u).2.x,
        &x,
        4,
    );
}

#[test]
fn functions_of_other_files_by_path_and_by_use() {
    let x = [0.3, -0.8, 1.1, 0.4];
    let (value, g) = layer::grad(&x);
    let written = gelu(x[0])
        + leaky(x[1])
        + softplus(x[2])
        + x.iter().map(|&v| gelu(v)).sum::<f64>()
        + norm(&x);
    assert!((value - written).abs() <= 1e-12);
    assert_fd(layer, &x, &g.x);
    check_hvp(|v| layer::grad(v).1.x, |v, u| layer::hvp(v, u).2.x, &x, 1);
}

#[test]
fn a_module_file_differentiated_through_crate_and_super_paths() {
    let (w, x) = ([0.7, -0.2, 0.4], [1.0, 0.5, -1.5]);
    let (value, g) = model::score::grad(&w, &x);
    let d: f64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();
    assert!((value - (gelu(d) + leaky(w[0] - 0.5) + norm(&w))).abs() <= 1e-12);
    assert_fd(|v| model::score(v, &x), &w, &g.w);
    check_hvp(
        |v| model::score::grad(v, &x).1.w,
        |v, u| model::score::hvp(v, &x, u).2.w,
        &w,
        2,
    );
}

#[test]
fn constants_read_and_calls_of_constants_left_as_calls() {
    let (p, y) = ([0.3, 0.9, -0.4], [0.1, 0.2, 0.3]);
    let g = scaled_mse::grad(&p, &y).1.p;
    assert_fd(|v| scaled_mse(v, &y), &p, &g);
    check_hvp(
        |v| scaled_mse::grad(v, &y).1.p,
        |v, u| scaled_mse::hvp(v, &y, u).2.p,
        &p,
        3,
    );
    let x = [0.5, -0.25, 0.8];
    let g = with_constants::grad(&x).1.x;
    assert!((g[0] - gelu(0.5)).abs() <= 1e-15 && g[1] == 11.0);
    assert_fd(with_constants, &x, &g);
    let g = mapped::grad(&x).1.x;
    assert_fd(mapped, &x, &g);
    check_hvp(|v| mapped::grad(v).1.x, |v, u| mapped::hvp(v, u).2.x, &x, 4);
}

/// Each float of a layer's gradient in order: the weights row by row, then the biases.
fn flat(d: &nn::layer::DenseGrad) -> Vec<f64> {
    [d.w.concat(), d.b.clone()].concat()
}

/// A layer of `rows` × `cols` weights from [`flat`]'s order.
fn dense(v: &[f64], rows: usize, cols: usize) -> nn::layer::Dense {
    nn::layer::Dense {
        w: v[..rows * cols].chunks(cols).map(<[f64]>::to_vec).collect(),
        b: v[rows * cols..].to_vec(),
    }
}

#[test]
fn structs_of_other_files_their_methods_and_operators() {
    let p = [0.0, 0.0, 1.0, 0.5, 2.0, 2.0, 2.5, 3.5];
    let g = structs::path_len::grad(&p).1.p;
    assert_fd(structs::path_len, &p, &g);
    check_hvp(
        |v| structs::path_len::grad(v).1.p,
        |v, u| structs::path_len::hvp(v, u).2.p,
        &p,
        5,
    );

    let data = vec![
        nn::layer::Sample {
            x: vec![1.0, 2.0],
            y: 0.3,
        },
        nn::layer::Sample {
            x: vec![-0.5, 0.8],
            y: -0.2,
        },
    ];
    let at = [0.1, 0.2, -0.3, 0.4, 0.05, 0.1, 0.5, -0.6, 0.2];
    let mlp = |v: &[f64]| nn::layer::Mlp {
        hidden: dense(&v[..6], 2, 2),
        out: dense(&v[6..], 1, 2),
    };
    let (value, g) = structs::mlp_loss::grad(&mlp(&at), &data);
    assert_eq!(value, structs::mlp_loss(&mlp(&at), &data));
    let grad = [flat(&g.m.hidden), flat(&g.m.out)].concat();
    assert_fd(|v| structs::mlp_loss(&mlp(v), &data), &at, &grad);
    let (chained, g) = structs::mlp_loss_by_chain::grad(&mlp(&at), &data);
    assert_eq!(chained, value);
    assert_eq!([flat(&g.m.hidden), flat(&g.m.out)].concat(), grad);

    let x = [0.7, -1.2];
    let (value, g) = structs::unit_squared::grad(&dense(&at[..6], 2, 2), &x);
    assert_eq!(value, structs::unit_squared(&dense(&at[..6], 2, 2), &x));
    assert_fd(
        |v| structs::unit_squared(&dense(v, 2, 2), &x),
        &at[..6],
        &flat(&g.d),
    );
}

#[test]
fn a_traits_methods_and_a_types_function_of_another_file() {
    let x = [0.7, -1.2, 2.0];
    let squash = |v: &[f64]| nn::layer::Squash {
        w: v.to_vec(),
        gain: 1.5,
    };
    let at = [0.5, 0.3, -0.4];
    let (value, g) = structs::squashed::grad(&squash(&at), &x);
    assert_eq!(value, structs::squashed(&squash(&at), &x));
    assert_fd(|v| structs::squashed(&squash(v), &x), &at, &g.s.w);
    check_hvp(
        |v| structs::squashed::grad(&squash(v), &x).1.s.w,
        |v, u| {
            structs::squashed::hvp(&squash(v), &x, &nn::layer::SquashGrad { w: u.to_vec() })
                .2
                .s
                .w
        },
        &at,
        6,
    );
}

#[test]
fn functions_of_the_crate_root_from_a_module_file() {
    let w = [0.4, -0.9, 1.3];
    let (value, g) = model::rooted::grad(&w);
    assert_eq!(value, model::rooted(&w));
    assert_fd(model::rooted, &w, &g.w);
    check_hvp(
        |v| model::rooted::grad(v).1.w,
        |v, u| model::rooted::hvp(v, u).2.w,
        &w,
        9,
    );
}
