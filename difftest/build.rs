//! Generates random functions in the subset `#[differentiate]` supports, and for each one a
//! check of its gradient against finite differences (see `tests/random.rs`).
//!
//! `BACKPROP_DIFFTEST_SEED` (default 2026) and `BACKPROP_DIFFTEST_COUNT` (default 400) pick
//! the functions; CI runs the defaults, a manual run can try another draw:
//! `BACKPROP_DIFFTEST_SEED=41 BACKPROP_DIFFTEST_COUNT=500 cargo test -p backprop-difftest`.

#[path = "src/generator.rs"]
mod generator;
#[path = "src/rng.rs"]
mod rng;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/generator.rs");
    println!("cargo:rerun-if-changed=src/rng.rs");
    println!("cargo:rerun-if-env-changed=BACKPROP_DIFFTEST_SEED");
    println!("cargo:rerun-if-env-changed=BACKPROP_DIFFTEST_COUNT");
    let seed: u64 = std::env::var("BACKPROP_DIFFTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let count: usize = std::env::var("BACKPROP_DIFFTEST_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("generated.rs");
    std::fs::write(out, generator::generate(seed, count)).unwrap();
}
