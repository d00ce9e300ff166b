//! Issue 3's benchmark: Rosenbrock over n = 10, 1 000, 100 000, and a loop that needs saved
//! values, as the plain function, the generated gradient, a hand-written adjoint loop and a
//! tape (`reverse`). Peak memory is measured by `cargo run --release --example memory`.

#[path = "common/loops.rs"]
mod loops;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use loops::*;
use reverse::{Gradient, Tape};
use std::hint::black_box;

fn check(n: usize) {
    let (x, y) = inputs(n);
    let (_, hand) = rosenbrock_hand(&x);
    let (_, g) = rosenbrock::grad(&x);
    close(&g.x, &hand, "rosenbrock generated");
    let tape = Tape::new();
    let v = tape.add_vars(&x);
    close(
        &rosenbrock_tape(&v).grad().wrt(&v),
        &hand,
        "rosenbrock tape",
    );
    let (_, hx, hc) = recurrence_hand(&y, &x);
    let (_, g) = recurrence::grad(&y, &x);
    close(&g.x, &hx, "recurrence generated x");
    close(&g.c, &hc, "recurrence generated c");
}

fn close(a: &[f64], b: &[f64], what: &str) {
    for (p, q) in a.iter().zip(b) {
        assert!(
            (p - q).abs() <= 1e-9 * p.abs().max(1.0),
            "{what}: {p} != {q}"
        );
    }
}

fn rosenbrock_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("rosenbrock");
    for n in [10, 1_000, 100_000] {
        check(n);
        let (x, _) = inputs(n);
        g.bench_with_input(BenchmarkId::new("plain", n), &x, |b, x| {
            b.iter(|| rosenbrock(black_box(x)))
        });
        g.bench_with_input(BenchmarkId::new("generated", n), &x, |b, x| {
            b.iter(|| rosenbrock::grad(black_box(x)))
        });
        g.bench_with_input(BenchmarkId::new("hand-written", n), &x, |b, x| {
            b.iter(|| rosenbrock_hand(black_box(x)))
        });
        let tape = Tape::new();
        g.bench_with_input(BenchmarkId::new("tape", n), &x, |b, x| {
            b.iter(|| {
                tape.clear();
                let v = tape.add_vars(black_box(x));
                let r = rosenbrock_tape(&v);
                (r.val, r.grad().wrt(&v))
            })
        });
    }
    g.finish();
}

fn recurrence_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("recurrence");
    for n in [10, 1_000, 100_000] {
        let (c_in, x) = inputs(n);
        let input = (x, c_in);
        g.bench_with_input(BenchmarkId::new("plain", n), &input, |b, (x, c)| {
            b.iter(|| recurrence(black_box(x), black_box(c)))
        });
        g.bench_with_input(BenchmarkId::new("generated", n), &input, |b, (x, c)| {
            b.iter(|| recurrence::grad(black_box(x), black_box(c)))
        });
        g.bench_with_input(BenchmarkId::new("hand-written", n), &input, |b, (x, c)| {
            b.iter(|| recurrence_hand(black_box(x), black_box(c)))
        });
        let tape = Tape::new();
        g.bench_with_input(BenchmarkId::new("tape", n), &input, |b, (x, c)| {
            b.iter(|| {
                tape.clear();
                let xv = tape.add_vars(black_box(x));
                let cv = tape.add_vars(black_box(c));
                let r = recurrence_tape(&xv, &cv);
                let grads = r.grad();
                (r.val, grads.wrt(&xv), grads.wrt(&cv))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, rosenbrock_group, recurrence_group);
criterion_main!(benches);
