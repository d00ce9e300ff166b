//! `backprop` as a [GradBench](https://github.com/gradbench/gradbench) tool.
//!
//! GradBench's evals send JSON messages, one per line, and validate the tool's answers
//! against a hand-written reference. This crate answers them:
//! - `objectives.rs`: each eval's function written once, as plain Rust from the eval's
//!   README, with `#[differentiate]` on it; every derivative the tool returns comes from the
//!   code the macro generated.
//! - `ht.rs`: hand tracking's model and residuals, and its Jacobian by columns (`jvp`).
//! - `nested.rs`: particle and saddle, whose objectives call generated gradients (nested
//!   differentiation), and GradBench's gradient descent they are minimized with.
//! - `evals.rs`: each eval's functions: the input read and checked, the function run
//!   `min_runs` times (and for at least `min_seconds`), the output written.
//! - `protocol.rs`: the messages (`start`, `define`, `evaluate`, `analysis`) and their
//!   responses; bad input gets an error response, never a panic.
//!
//! The binary `backprop-gradbench` serves the protocol on stdin and stdout.

pub mod evals;
pub mod ht;
pub mod nested;
pub mod objectives;
pub mod protocol;
