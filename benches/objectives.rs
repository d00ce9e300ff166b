//! Objectives written by others (GradBench's evals), as a numerical programmer writes them
//! from the evals' READMEs: the plain objective, the gradient `#[differentiate]` generates,
//! and the hand-written gradient of GradBench's `manual` tool, in one run. Heap allocations
//! per call are counted by the allocator `memory.rs` uses too (`common/counting.rs`).
//!
//! `cargo bench -p backprop-benches --bench objectives`

#![allow(clippy::needless_range_loop)]

#[path = "common/alternating.rs"]
mod alternating;
#[path = "common/counting.rs"]
mod counting;

use backprop_gradbench::objectives::*;
use counting::{allocations_of, peak};
use criterion::{BenchmarkId, Criterion, criterion_group};
use std::hint::black_box;

/// GradBench's `manual` llsq gradient (tools/manual/llsq.cpp), in Rust, one thread.
pub fn llsq_manual(x: &[f64], n: usize) -> Vec<f64> {
    let m = x.len();
    let t = |i: usize| -1.0 + (i as f64) * 2.0 / ((n - 1) as f64);
    let mut sums = vec![0.0; n];
    for (i, sum) in sums.iter_mut().enumerate() {
        let ti = t(i);
        let mut inner = if ti > 0.0 {
            1.0
        } else if ti < 0.0 {
            -1.0
        } else {
            0.0
        };
        let mut mul = 1.0;
        for xl in x {
            inner -= xl * mul;
            mul *= ti;
        }
        *sum = inner;
    }
    let mut out = vec![0.0; m];
    for (i, sum) in sums.iter().enumerate() {
        let ti = t(i);
        let mut term = 1.0;
        for o in out.iter_mut() {
            *o -= sum * term;
            term *= ti;
        }
    }
    out
}

/// One eval at one size: its objective and its gradient (a Jacobian for ba), each a
/// closure that runs one call.
struct Case {
    name: String,
    objective: Box<dyn Fn()>,
    gradient: Box<dyn Fn()>,
}

fn case(
    name: impl Into<String>,
    objective: impl Fn() + 'static,
    gradient: impl Fn() + 'static,
) -> Case {
    Case {
        name: name.into(),
        objective: Box::new(objective),
        gradient: Box::new(gradient),
    }
}

/// The evals at the sizes of issue 13's table, inputs drawn from `uniform`.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [1024, 4096] {
        let x = uniform(1, 128);
        let y = x.clone();
        cases.push(case(
            format!("llsq n = {n}"),
            move || {
                black_box(llsq(black_box(&x), n));
            },
            move || drop(black_box(llsq::grad(black_box(&y), n))),
        ));
    }
    let x = uniform(2, 80_000);
    let y = x.clone();
    cases.push(case(
        "lse n = 80000",
        move || {
            black_box(lse(black_box(&x)));
        },
        move || drop(black_box(lse::grad(black_box(&y)))),
    ));
    let x = uniform(3, 10_000);
    let y = x.clone();
    cases.push(case(
        "ode n = 10000, s = 10",
        move || drop(black_box(ode(black_box(&x), 10))),
        move || drop(black_box(ode_gradient(black_box(&y), 10))),
    ));
    let a = uniform(4, 64);
    let b = a.clone();
    cases.push(case(
        "det ℓ = 8",
        move || {
            black_box(det(black_box(&a), 8));
        },
        move || drop(black_box(det::grad(black_box(&b), 8))),
    ));
    let (l, c, b) = (4, 1024, 14);
    let inputs = std::rc::Rc::new((
        uniform(5, 8 * b * l),
        uniform(6, 3 * b),
        uniform(7, 2 * b * l),
        uniform(8, c * b),
    ));
    let other = inputs.clone();
    cases.push(case(
        format!("lstm l = {l}, c = {c}"),
        move || {
            let (m, e, s, q) = &*inputs;
            {
                black_box(lstm(black_box(m), e, s, q, l, b));
            }
        },
        move || {
            let (m, e, s, q) = &*other;
            drop(black_box(lstm::grad(black_box(m), e, s, q, l, b)))
        },
    ));
    let mut cam: [f64; 11] = uniform(9, 11).try_into().unwrap();
    cam[5] -= 4.0;
    let point: [f64; 3] = uniform(10, 3).try_into().unwrap();
    let feat: [f64; 2] = uniform(11, 2).try_into().unwrap();
    let inputs = std::rc::Rc::new((cam, point, feat));
    let other = inputs.clone();
    cases.push(case(
        "ba (one observation, 2 × 15)",
        move || {
            let (cam, x, feat) = &*inputs;
            {
                black_box(ba(black_box(cam), x, 0.7, feat));
            }
        },
        move || {
            let (cam, x, feat) = &*other;
            black_box(ba::jacobian(black_box(cam), x, 0.7, feat));
        },
    ));
    for d in [10, 32] {
        let (k, n) = (25, 1000);
        let inputs = std::rc::Rc::new((
            uniform(12, k),
            uniform(13, k * d),
            uniform(14, k * d)
                .iter()
                .map(|q| 0.1 * q)
                .collect::<Vec<_>>(),
            uniform(15, k * d * (d - 1) / 2)
                .iter()
                .map(|l| 0.1 * l)
                .collect::<Vec<_>>(),
            uniform(16, n * d),
        ));
        let other = inputs.clone();
        cases.push(case(
            format!("gmm d = {d}, k = {k}, n = {n}"),
            move || {
                let (a, mu, q, l, x) = &*inputs;
                {
                    black_box(gmm(black_box(a), mu, q, l, x, d, 0, 1.0));
                }
            },
            move || {
                let (a, mu, q, l, x) = &*other;
                drop(black_box(gmm::grad(black_box(a), mu, q, l, x, d, 0, 1.0)))
            },
        ));
    }
    cases
}

/// The table of BENCHMARKS.md: objective and gradient timed in alternating blocks (medians
/// of 15), their ratio, allocations per call after the first, and peak heap memory of a
/// first call on a fresh thread (so the stacks' storage counts, not reused from the
/// thread's pool).
/// `BACKPROP_TABLE=1 cargo bench -p backprop-benches --bench objectives` prints it (and
/// runs nothing else); `BACKPROP_TABLE=gmm` only the cases whose name starts so.
fn table(only: &str) {
    println!(
        "| eval | objective | gradient | gradient / objective | allocations per gradient | peak memory (objective / gradient) |"
    );
    println!("|---|---|---|---|---|---|");
    for (at, case) in cases().into_iter().enumerate() {
        if !case.name.starts_with(only) {
            continue;
        }
        let (o, g) = (&*case.objective, &*case.gradient);
        // Blocks of about 20 ms.
        let calls =
            |f: &dyn Fn()| ((0.02 / alternating::block(f, 1).max(1e-9)) as usize).clamp(1, 100_000);
        let (to, tg) = alternating::medians(o, g, (calls(o), calls(g)), 17, 2);
        println!(
            "| {} | {} | {} | {:.1}× | {} | {} / {} |",
            case.name,
            time(to),
            time(tg),
            tg / to,
            allocations_of(g),
            bytes(first_call_peak(at, false)),
            bytes(first_call_peak(at, true)),
        );
    }
}

/// Peak heap memory of case `at`'s objective or gradient, called once on a new thread.
fn first_call_peak(at: usize, gradient: bool) -> usize {
    let run = move || {
        let case = cases().swap_remove(at);
        peak(if gradient {
            &*case.gradient
        } else {
            &*case.objective
        })
    };
    std::thread::spawn(run).join().expect("the case runs")
}

fn time(seconds: f64) -> String {
    match seconds {
        s if s < 1e-6 => format!("{:.0} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s => format!("{:.2} ms", s * 1e3),
    }
}

fn bytes(b: usize) -> String {
    match b {
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
    }
}

fn llsq_manual_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("llsq");
    let x = uniform(1, 128);
    for n in [1024, 4096] {
        let (_, generated) = llsq::grad(&x, n);
        let manual = llsq_manual(&x, n);
        for (a, b) in generated.x.iter().zip(&manual) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "llsq: {a} != {b}");
        }
        println!(
            "llsq n = {n}: allocations per call after the first: generated {}, manual {}",
            allocations_of(|| drop(black_box(llsq::grad(&x, n)))),
            allocations_of(|| drop(black_box(llsq_manual(&x, n)))),
        );
        g.bench_with_input(BenchmarkId::new("manual", n), &n, |b, &n| {
            b.iter(|| llsq_manual(black_box(&x), n))
        });
    }
    g.finish();
}

fn evals(c: &mut Criterion) {
    for case in cases() {
        let mut g = c.benchmark_group(case.name.clone());
        g.sample_size(10);
        g.bench_function("objective", |b| b.iter(&*case.objective));
        g.bench_function("gradient", |b| b.iter(&*case.gradient));
        g.finish();
    }
}

criterion_group!(benches, llsq_manual_group, evals);

fn main() {
    if let Some(only) = std::env::var_os("BACKPROP_TABLE") {
        let only = only.to_string_lossy();
        table(if only == "1" { "" } else { &only });
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
