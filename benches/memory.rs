//! Peak heap memory of one gradient evaluation, for each method of the loop benchmarks:
//! `cargo bench -p backprop-benches --bench memory`. A counting allocator wraps the system allocator; the peak
//! is measured above what was allocated before the call (the inputs).

#[path = "common/loops.rs"]
mod loops;
#[path = "common/mlp.rs"]
mod mlp;

#[path = "common/counting.rs"]
mod counting;

use counting::peak;
use loops::*;
use reverse::{Gradient, Tape};

fn human(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / (1 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

fn main() {
    println!("| function | n | plain | generated | hand-written | tape |");
    println!("|---|---:|---:|---:|---:|---:|");
    for n in [10, 1_000, 100_000] {
        let (x, y) = inputs(n);
        let plain = peak(|| rosenbrock(&x));
        let generated = peak(|| rosenbrock::grad(&x));
        let hand = peak(|| rosenbrock_hand(&x));
        let tape = peak(|| {
            let tape = Tape::new();
            let v = tape.add_vars(&x);
            let r = rosenbrock_tape(&v);
            r.grad().wrt(&v)
        });
        println!(
            "| rosenbrock | {n} | {} | {} | {} | {} |",
            human(plain),
            human(generated),
            human(hand),
            human(tape)
        );
        let plain = peak(|| recurrence(&y, &x));
        let generated = peak(|| recurrence::grad(&y, &x));
        let hand = peak(|| recurrence_hand(&y, &x));
        let tape = peak(|| {
            let tape = Tape::new();
            let xv = tape.add_vars(&y);
            let cv = tape.add_vars(&x);
            let r = recurrence_tape(&xv, &cv);
            let g = r.grad();
            (g.wrt(&xv), g.wrt(&cv))
        });
        println!(
            "| recurrence | {n} | {} | {} | {} | {} |",
            human(plain),
            human(generated),
            human(hand),
            human(tape)
        );
    }

    // The MLP training step (issue 4): its gradient, and one step of descent, each above
    // the batch and the parameters.
    let (x, labels, params) = mlp::setup();
    let loss = peak(|| mlp::mlp_loss(&x, &labels, &params.w1, &params.b1, &params.w2, &params.b2));
    let generated = peak(|| mlp::generated_step(&x, &labels, &params));
    let hand = peak(|| mlp::hand_step(&x, &labels, &params));
    let param_bytes = 4 * (params.w1.len() + params.b1.len() + params.w2.len() + params.b2.len());
    println!();
    println!(
        "| MLP step (batch 64, 784 → 256 → 10, f32) | loss only | generated step | hand-written step | the parameters themselves |"
    );
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| peak heap above the inputs | {} | {} | {} | {} |",
        human(loss),
        human(generated),
        human(hand),
        human(param_bytes)
    );

    // Arrays reassigned in a loop: a residual layer applied 20 times.
    let (x, w, v, steps) = mlp::recurrent_setup();
    let objective = peak(|| mlp::recurrent(&x, &w, &v, steps));
    let gradient = peak(|| mlp::recurrent::grad(&x, &w, &v, steps));
    println!();
    println!("| recurrent (256 × 64, 20 passes, f64) | objective | gradient |");
    println!("|---|---:|---:|");
    println!(
        "| peak heap above the inputs | {} | {} |",
        human(objective),
        human(gradient)
    );
}
