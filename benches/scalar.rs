//! The core issue's benchmark: F1 (the lecture's neuron, with `sigmoid`) and F2 (50 terms
//! over 20 inputs), each as the plain function, the generated gradient, a hand-written flat
//! gradient, forward-mode dual numbers (`num-dual`) and a tape (`reverse`), in one run.
//! `python3 benches/report.py` turns criterion's results into the ratios of BENCHMARKS.md.

#[path = "common/functions.rs"]
mod functions;

use criterion::{Criterion, criterion_group, criterion_main};
use functions::*;
use nalgebra::SVector;
use reverse::{Gradient, Tape};
use std::hint::black_box;

const F1_ARGS: [f64; 5] = [2.0, -1.0, -3.0, -2.0, -3.0];

/// Every method's gradient, checked against the hand-written one before anything is timed.
fn check_peers() {
    let [w0, x0, w1, x1, w2] = F1_ARGS;
    let (_, hand) = f1_hand(w0, x0, w1, x1, w2);
    let (_, g) = f1::grad(w0, x0, w1, x1, w2);
    assert_eq!(
        [g.w0, g.x0, g.w1, g.x1, g.w2],
        hand,
        "generated F1 gradient"
    );
    let (_, dual) = num_dual::gradient(f1_dual, &SVector::from(F1_ARGS));
    assert_close(dual.as_slice(), &hand, "num-dual F1");
    let tape = Tape::new();
    let v = tape.add_vars(&F1_ARGS);
    let tape_grad = f1_tape(&v).grad().wrt(&v);
    assert_close(&tape_grad, &hand, "tape F1");
    tape.clear();
    let v = tape.add_vars(&F1_ARGS);
    let wrong = f1_tape_division(&v).grad().wrt(&v);
    eprintln!(
        "tape F1 written as 1 / (1 + e^-s): gradient {wrong:?}, correct {hand:?} (the tape drops -c/x²)"
    );

    let x = f2_input();
    let (_, hand) = f2_hand(&x);
    let (_, g) = f2::grad(&x);
    assert_close(&g.x, &hand, "generated F2");
    let (_, dual) = num_dual::gradient(f2_dual, &SVector::from(x));
    assert_close(dual.as_slice(), &hand, "num-dual F2");
    tape.clear();
    let v = tape.add_vars(&x);
    assert_close(&f2_tape(&v).grad().wrt(&v), &hand, "tape F2");
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            "{what}: {a:?} != {b:?}"
        );
    }
}

fn f1_group(c: &mut Criterion) {
    check_peers();
    let mut g = c.benchmark_group("F1");
    let a = F1_ARGS;
    g.bench_function("plain", |b| {
        b.iter(|| {
            f1(
                black_box(a[0]),
                black_box(a[1]),
                black_box(a[2]),
                black_box(a[3]),
                black_box(a[4]),
            )
        })
    });
    g.bench_function("generated", |b| {
        b.iter(|| {
            f1::grad(
                black_box(a[0]),
                black_box(a[1]),
                black_box(a[2]),
                black_box(a[3]),
                black_box(a[4]),
            )
        })
    });
    g.bench_function("hand-written", |b| {
        b.iter(|| {
            f1_hand(
                black_box(a[0]),
                black_box(a[1]),
                black_box(a[2]),
                black_box(a[3]),
                black_box(a[4]),
            )
        })
    });
    g.bench_function("num-dual", |b| {
        b.iter(|| num_dual::gradient(f1_dual, &SVector::from(black_box(a))))
    });
    let tape = Tape::new();
    g.bench_function("tape", |b| {
        b.iter(|| {
            tape.clear();
            let v = tape.add_vars(&black_box(a));
            let r = f1_tape(&v);
            (r.val, r.grad().wrt(&v))
        })
    });
    g.finish();
}

fn f2_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("F2");
    let x = f2_input();
    g.bench_function("plain", |b| b.iter(|| f2(black_box(&x))));
    g.bench_function("generated", |b| b.iter(|| f2::grad(black_box(&x))));
    g.bench_function("hand-written", |b| b.iter(|| f2_hand(black_box(&x))));
    g.bench_function("num-dual", |b| {
        b.iter(|| num_dual::gradient(f2_dual, &SVector::from(black_box(x))))
    });
    let tape = Tape::new();
    g.bench_function("tape", |b| {
        b.iter(|| {
            tape.clear();
            let v = tape.add_vars(&black_box(x));
            let r = f2_tape(&v);
            (r.val, r.grad().wrt(&v))
        })
    });
    g.finish();
}

criterion_group!(benches, f1_group, f2_group);
criterion_main!(benches);
