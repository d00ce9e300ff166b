//! Losses over data, written the way one writes them: samples as tuples or structs, labels
//! as integers or `bool`s, a mask, each a sequence of constants walked beside the
//! parameters (`data.iter().map(|&(x, y)| ..)`, `for &Sample { x, y } in data`, `let (x, y)
//! = data[i];`, `w.iter().zip(flags)`). Each gradient is checked against finite
//! differences, forward mode by the dot product, and the Hessian-vector product against
//! finite differences of the gradient.

#![allow(clippy::needless_range_loop)]
#![deny(warnings)]

#[macro_use]
mod common;
use backprop::differentiate;
use common::{Points, assert_close, assert_fd, check_hvp};

#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub x: f64,
    pub y: f64,
}

/// Least squares of a line `w[0] x + w[1]` through `(x, y)` pairs, by a chain.
#[differentiate(hessian, wrt(w))]
fn line_by_chain(w: &[f64], data: &[(f64, f64)]) -> f64 {
    data.iter()
        .map(|&(x, y)| (w[0] * x + w[1] - y).powi(2))
        .sum::<f64>()
        / data.len() as f64
}

/// The same by an index loop taking each pair apart with `let`.
#[differentiate(hessian, wrt(w))]
fn line_by_index(w: &[f64], data: &[(f64, f64)]) -> f64 {
    let mut s = 0.0;
    for i in 0..data.len() {
        let (x, y) = data[i];
        s += (w[0] * x + w[1] - y).powi(2);
    }
    s / data.len() as f64
}

/// Samples as structs: a `for` loop with a struct pattern, an index loop with `..`, and a
/// chain reading fields.
#[differentiate(hessian, wrt(w))]
fn line_over_structs(w: &[f64], data: &[Sample]) -> f64 {
    let mut s = 0.0;
    for &Sample { x, y } in data {
        s += (w[0] * x + w[1] - y).powi(2);
    }
    for i in 0..data.len() {
        let Sample { x, .. } = data[i];
        s += 0.1 * (w[0] * x).sin();
    }
    s + data.iter().map(|d| (w[1] * d.x - d.y).tanh()).sum::<f64>()
}

/// Logistic regression with `bool` labels zipped with the inputs, and a `usize` class per
/// point picking which weight scales it.
#[differentiate(hessian, wrt(w))]
fn logistic(w: &[f64], x: &[f64], labels: &[bool], class: &[usize]) -> f64 {
    x.iter()
        .zip(labels)
        .zip(class)
        .map(|((&xi, &label), &c)| {
            let z = w[c] * xi + w[2];
            if label {
                (1.0 + (-z).exp()).ln()
            } else {
                (1.0 + z.exp()).ln()
            }
        })
        .sum()
}

/// A mask: only the flagged weights count, by a filter on the zipped flags and by an
/// enumeration of the flags.
#[differentiate(hessian)]
fn masked(w: &[f64], flags: &Vec<bool>) -> f64 {
    let kept: f64 = w
        .iter()
        .zip(flags)
        .filter(|(_, f)| **f)
        .map(|(v, _)| v.exp())
        .sum();
    let picked: f64 = flags
        .iter()
        .enumerate()
        .map(|(i, &f)| if f { w[i] * w[i] } else { 0.0 })
        .sum();
    kept + picked
}

/// An observation: declared here without a derive of `Differentiable`, so the macro, which
/// reads this file, passes parameters of it (and sequences of it) as constants when `wrt`
/// is not given, as it does integers.
#[derive(Clone, Copy, Debug)]
pub struct Obs {
    pub x: f64,
    pub y: f64,
    pub weight: f64,
}

/// Weighted least absolute deviations over observations, and a prior observation, without
/// `wrt`: the gradient has a field for `w` only.
#[differentiate(hessian)]
fn weighted_fit(w: &[f64], obs: &[Obs], prior: &Obs) -> f64 {
    let mut s = prior.weight * (w[0] - prior.x).powi(2);
    for &Obs { x, y, weight } in obs {
        s += weight * (w[0] * x + w[1] - y).abs();
    }
    s + obs
        .iter()
        .map(|o| (w[1] * o.x).sin() * o.weight)
        .sum::<f64>()
}

/// A record that is not `Copy` (it owns its tags).
#[derive(Clone, Debug)]
pub struct Record {
    pub x: f64,
    pub tags: Vec<usize>,
}

/// Ordinary functions of data, inlined: a sample by value, a `Copy` observation by
/// reference (bound to a copy), a record that is not `Copy` by reference (kept one).
fn residual(s: Sample, w: &[f64]) -> f64 {
    w[0] * s.x + w[1] - s.y
}

fn weighted(o: &Obs, r: f64) -> f64 {
    o.weight * r * r
}

fn tagged(r: &Record, w: &[f64]) -> f64 {
    r.x * w[r.tags[0] % w.len()]
}

#[differentiate(hessian, wrt(w))]
fn fit_by_helpers(w: &[f64], samples: &[Sample], obs: &[Obs], records: &[Record]) -> f64 {
    let mut s = 0.0;
    for i in 0..samples.len() {
        let r = residual(samples[i], w);
        s += weighted(&obs[i], r);
    }
    for rec in records {
        s += tagged(rec, w).sin();
    }
    for k in 0..records.len() {
        s += tagged(&records[k], w) * 0.5;
    }
    s
}

/// Points as rows `[x, y]` taken apart by an array pattern through the row's reference,
/// each scaled by the parameter its label picks.
#[differentiate(hessian, wrt(w))]
fn labelled_points(w: &[f64], pts: &[[f64; 2]], labels: &[usize]) -> f64 {
    let mut s = 0.0;
    for (k, pt) in pts.iter().enumerate() {
        let [x, y] = *pt;
        s += (w[labels[k]] * x - y).powi(2);
    }
    s
}

/// Pairs borrowed by the zip, their elements references in the user's code (`p: &f64`),
/// multiplying values that carry a derivative, in every mode (`jvps` too).
#[differentiate(hessian, wrt(w))]
fn borrowed_pairs(w: &[f64], pairs: &[(f64, f64)]) -> f64 {
    w.iter()
        .zip(pairs)
        .map(|(e, (p, q))| e * p + (e / q).sin() * p)
        .sum::<f64>()
}

/// Constants the user's code holds by reference, in every position: pairs walked by `for
/// (x, y) in data.iter()` (no `wrt`: tuples have no gradient, so `data` is data), a struct
/// taken apart through a borrow, fields of a borrowed struct, labels and flags borrowed by
/// a zip (`if *f`).
#[differentiate(hessian)]
fn borrowed_everywhere(
    w: &[f64],
    data: &[(f64, f64)],
    samples: &[Sample],
    labels: &[usize],
    flags: &[bool],
) -> f64 {
    let mut s = 0.0;
    for (x, y) in data.iter() {
        s += w[0] * x - y / (2.0 + w[1]) + w[1] / x - (x * w[1]).sin() * y;
    }
    for i in 0..samples.len() {
        let Sample { x, y } = &samples[i];
        s += w[1] * x * y + x / (2.0 + w[1] * w[1]);
    }
    for (k, &l) in labels.iter().enumerate() {
        s += w[l] * (k as f64 + 1.0) + l as f64 * w[0];
    }
    let m: f64 = w
        .iter()
        .zip(flags)
        .map(|(v, f)| if *f { v * 2.0 } else { -v })
        .sum();
    s + m
        + samples
            .iter()
            .map(|d| (d.x * w[0]).exp() * d.y)
            .sum::<f64>()
}

/// A table of constants local to a block (the value of a `let`), its pairs borrowed by a
/// zip (`p: &f64`) and walked again by a `for` loop. Saving each item would save a borrow
/// of a table its block drops: the reverse computes the zip's items again from the table
/// (itself a literal, computed again too), and the `for` loop's items, saved per
/// iteration, are kept as copies. (The early `return` makes the rest of the body a branch
/// of its own.)
#[differentiate(hessian, wrt(w))]
fn local_table(w: &[f64], n: usize) -> f64 {
    let mut a = w[0];
    for i in 0..2 {
        if n > 5 {
            return a;
        }
        a *= w[i + 1].sin();
    }
    let t = {
        let pairs: [(f64, f64); 3] = [(0.5, 1.0), (-1.0, 0.25), (2.0, -0.5)];
        let mut s = w
            .iter()
            .zip(&pairs)
            .map(|(e, (p, _))| e * p * a)
            .sum::<f64>();
        for (p, q) in pairs.iter() {
            s += (p * w[2] + q * a).tanh();
        }
        s
    };
    a + t * w[1]
}

/// `⟨∇f, v⟩` from `grad` against `jvp` along `v`.
#[track_caller]
fn assert_jvp_matches(grad: &[f64], jvp: f64, v: &[f64]) {
    let dot: f64 = grad.iter().zip(v).map(|(g, v)| g * v).sum();
    assert_close(dot, jvp, 1e-10);
}

/// Value, finite differences, forward mode and `hvp` of `f(w, data)` for `w` in `[-1, 1)`.
macro_rules! check_over_data {
    ($f:ident, $n:expr, $($data:expr),+) => {{
        let mut points = Points::new(17);
        for seed in 0..3 {
            let w = points.vec($n, -1.0, 1.0);
            let v = points.vec($n, -1.0, 1.0);
            let (value, g) = $f::grad(&w, $($data),+);
            assert_eq!(value, $f(&w, $($data),+));
            assert_fd(|w| $f(w, $($data),+), &w, &g.w);
            assert_jvp_matches(&g.w, $f::jvp(&w, $($data,)+ &v).1, &v);
            check_hvp(
                |w| $f::grad(w, $($data),+).1.w,
                |w, u| $f::hvp(w, $($data,)+ u).2.w,
                &w,
                seed,
            );
        }
    }};
}

#[test]
fn pairs_taken_apart_in_chains_and_lets() {
    let data = [(0.1, 0.5), (1.0, 2.0), (-0.5, 0.3), (2.0, -1.0)];
    check_over_data!(line_by_chain, 2, &data);
    check_over_data!(line_by_index, 2, &data);
    // The two are the same function, summed in the same order.
    let w = [0.7, -0.2];
    let (by_chain, by_index) = (
        line_by_chain::grad(&w, &data),
        line_by_index::grad(&w, &data),
    );
    assert_eq!((by_chain.0, &by_chain.1.w), (by_index.0, &by_index.1.w));
}

#[test]
fn ordinary_functions_of_data() {
    let samples = [Sample { x: 0.5, y: 1.0 }, Sample { x: -1.5, y: 0.2 }];
    let obs = [
        Obs {
            x: 0.0,
            y: 0.0,
            weight: 2.0,
        },
        Obs {
            x: 0.0,
            y: 0.0,
            weight: 0.5,
        },
    ];
    let records = [
        Record {
            x: 0.7,
            tags: vec![1],
        },
        Record {
            x: -0.4,
            tags: vec![2, 0],
        },
    ];
    check_over_data!(fit_by_helpers, 2, &samples, &obs, &records);
}

#[test]
fn samples_as_structs() {
    let data: Vec<Sample> = [(0.1, 0.5), (1.0, 2.0), (-0.5, 0.3)]
        .iter()
        .map(|&(x, y)| Sample { x, y })
        .collect();
    check_over_data!(line_over_structs, 2, &data);
}

#[test]
fn labels_and_classes_zipped_with_the_inputs() {
    let x = [0.3, -1.2, 2.5, 0.7, -0.1];
    let labels = [true, false, true, true, false];
    let class = [0, 1, 1, 0, 1];
    check_over_data!(logistic, 3, &x, &labels, &class);
}

#[test]
fn rows_taken_apart_through_their_reference() {
    let pts = [[0.1, 0.5], [1.0, 2.0], [-0.5, 0.3]];
    check_over_data!(labelled_points, 2, &pts, &[0, 1, 0]);
}

#[test]
fn a_mask_of_flags() {
    let flags = vec![true, false, true, true];
    check_over_data!(masked, 4, &flags);
    let (_, g) = masked::grad(&[0.5, 0.5, 0.5, 0.5], &flags);
    assert_eq!(g.w[1], 0.0);
}

#[test]
fn structs_of_data_without_a_gradient_are_constants() {
    let obs: Vec<Obs> = [(0.1, 0.5, 1.0), (1.0, 2.0, 0.5), (-0.5, 0.3, 2.0)]
        .iter()
        .map(|&(x, y, weight)| Obs { x, y, weight })
        .collect();
    let prior = Obs {
        x: 0.2,
        y: 0.0,
        weight: 0.1,
    };
    check_over_data!(weighted_fit, 2, &obs, &prior);
    // `weighted_fit::Grad` has the one field: this destructuring is exhaustive.
    let weighted_fit::Grad { w } = weighted_fit::grad(&[0.7, -0.2], &obs, &prior).1;
    assert_eq!(w.len(), 2);
}

#[test]
fn pairs_borrowed_in_every_mode() {
    let pairs = [(0.5, 1.5), (-1.0, 0.25), (2.0, -0.5)];
    check_over_data!(borrowed_pairs, 3, &pairs);
    // Two directions at once, against one `jvp` each.
    let (w, u, v) = ([0.3, -0.7, 1.1], [1.0, 0.5, -0.5], [0.0, -1.0, 2.0]);
    let (value, lanes) = borrowed_pairs::jvps(&w, &pairs, [&u[..], &v[..]]);
    assert_eq!(value, borrowed_pairs(&w, &pairs));
    assert_eq!(lanes[0], borrowed_pairs::jvp(&w, &pairs, &u).1);
    assert_eq!(lanes[1], borrowed_pairs::jvp(&w, &pairs, &v).1);
}

#[test]
fn a_local_table_of_constants() {
    check_over_data!(local_table, 3, 0);
    // The early return: the table is never made.
    check_over_data!(local_table, 3, 7);
}

#[test]
fn constants_borrowed_in_every_position() {
    let data = [(0.5, 1.5), (-1.0, 0.25)];
    let samples = [Sample { x: 0.3, y: -0.2 }, Sample { x: 1.1, y: 0.4 }];
    let (labels, flags) = ([0, 1, 1], [true, false]);
    check_over_data!(borrowed_everywhere, 2, &data, &samples, &labels, &flags);
    let (w, u, v) = ([0.7, -1.3], [1.0, 0.5], [-0.5, 2.0]);
    let (_, lanes) =
        borrowed_everywhere::jvps(&w, &data, &samples, &labels, &flags, [&u[..], &v[..]]);
    for (lane, t) in lanes.iter().zip([&u, &v]) {
        assert_eq!(
            *lane,
            borrowed_everywhere::jvp(&w, &data, &samples, &labels, &flags, t).1
        );
    }
}

/// A sample with a feature vector, declared without a derive: data.
#[derive(Clone, Debug)]
pub struct Features {
    pub xs: Vec<f64>,
    pub y: f64,
}

/// A linear model's squared loss over samples' feature vectors, walked beside the weights:
/// `o.xs` of `for o in data`, `data[i].xs` by index, and bound to a name first.
#[differentiate(hessian)]
fn featured(w: &[f64], data: &[Features]) -> f64 {
    let mut s = 0.0;
    for o in data {
        let p: f64 = o.xs.iter().zip(w).map(|(a, b)| a * b).sum();
        s += (p - o.y).powi(2);
    }
    for i in 0..data.len() {
        let q: f64 = w.iter().zip(&data[i].xs).map(|(a, b)| (a * b).sin()).sum();
        s += q * data[i].y;
    }
    for o in data.iter() {
        let xs = &o.xs;
        s += xs.iter().map(|v| v * w[0] * w[1]).sum::<f64>();
    }
    s
}

/// The same samples walked by chains whose closures walk each sample's features (a chain
/// inside a chain's closure), and bound to a name by index: each was "cannot index a
/// float" or "not nested indexing", the item taken for a float.
#[differentiate(hessian)]
fn featured_by_chains(w: &[f64], data: &[Features]) -> f64 {
    let fit: f64 = data
        .iter()
        .map(|o| (w.iter().zip(&o.xs).map(|(a, b)| a * b).sum::<f64>() - o.y).powi(2))
        .sum();
    let tilted: f64 = data
        .iter()
        .zip(w)
        .map(|(o, k)| k * o.xs.iter().map(|v| (v * w[0]).sin()).sum::<f64>())
        .sum();
    let mut s = fit + tilted;
    for i in 0..data.len() {
        let o = &data[i];
        s += o.xs[1] * w[2] * o.y;
    }
    s
}

#[test]
fn feature_vectors_of_samples() {
    let data = [
        Features {
            xs: vec![1.0, 2.0, -0.5],
            y: 0.5,
        },
        Features {
            xs: vec![-1.0, 0.5, 0.25],
            y: 0.1,
        },
    ];
    check_over_data!(featured, 3, &data);
    check_over_data!(featured_by_chains, 3, &data);
}

/// Logistic regression over samples held as `(features, label)` pairs: the feature vector
/// bound by the closure's or the loop's pattern and walked beside the weights (refused
/// before: the pattern's names were constants of no known type, not sequences).
#[differentiate(hessian, wrt(w))]
fn logistic_over_pairs(w: &[f64], data: &[(Vec<f64>, f64)]) -> f64 {
    let loss = data
        .iter()
        .map(|(xs, y)| {
            let z: f64 = xs.iter().zip(w).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>();
    let mut decay = 0.0;
    for (xs, y) in data {
        for (k, v) in xs.iter().enumerate() {
            decay += (v * w[k]).cos() * y;
        }
    }
    for (xs, _) in data.iter() {
        decay += xs.iter().zip(w).map(|(a, b)| (a - b).powi(2)).sum::<f64>() * 0.1;
    }
    loss / data.len() as f64 + decay
}

#[test]
fn feature_vectors_in_pairs() {
    let data = vec![
        (vec![1.0, 0.5, -0.3], 1.0),
        (vec![0.2, -1.0, 0.7], 0.0),
        (vec![-0.4, 0.3, 1.2], 1.0),
    ];
    check_over_data!(logistic_over_pairs, 3, &data);
}

/// A sample's feature vector cloned, then normalized by the parameters (`o.xs.clone()` then
/// written with values that carry a derivative; was "cannot index a float": the copy was
/// taken for a float), a whole sample cloned and written (`data[i].clone()`), and a copy of
/// a parameter's pairs written by element (`data.to_vec()` then `d[i].0 = ..`; both were
/// "does not support assigning to fields").
#[differentiate(hessian, wrt(w))]
fn normalized_features(w: &[f64], data: &[Features], pairs: &[(f64, f64)]) -> f64 {
    let mut s = 0.0;
    for o in data {
        let mut xs = o.xs.clone();
        for (k, x) in xs.iter_mut().enumerate() {
            *x = (*x - w[k]) * w[(k + 1) % w.len()];
        }
        s += xs.iter().map(|x| x * x).sum::<f64>() * o.y;
    }
    let mut first = data[0].xs.to_vec();
    first[0] *= w[2];
    // A whole sample cloned (not `Copy`), then its label and a feature written.
    let i = 1;
    let mut o = data[i].clone();
    o.y *= w[0];
    o.xs[2] += w[1] * o.xs[0];
    s += o.y * o.xs.iter().sum::<f64>();
    let mut d = pairs.to_vec();
    for i in 0..d.len() {
        d[i].0 = w[i % w.len()] * d[i].1;
    }
    s + first.iter().sum::<f64>() + d.iter().map(|(a, b)| a * a + b).sum::<f64>()
}

#[test]
fn copies_of_data_written_with_derivatives() {
    let data = vec![
        Features {
            xs: vec![1.0, 0.5, -0.3],
            y: 1.0,
        },
        Features {
            xs: vec![0.2, -1.0, 0.7],
            y: 0.5,
        },
    ];
    let pairs = [(0.5, 2.0), (1.0, -1.0), (0.3, 0.4), (-0.7, 0.2)];
    check_over_data!(normalized_features, 3, &data, &pairs);
}
