//! What `#[differentiate]` rejects, and the errors it gives: one file per kind of error in
//! `tests/ui/`, with the compiler's output checked in beside it (`*.stderr`). Regenerate
//! with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // A crate of several files: its root, `main.rs`, declares `mod stats;`.
    t.compile_fail("tests/ui/modules/main.rs");
}
