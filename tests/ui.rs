//! What `#[differentiate]` rejects, and the errors it gives: one file per kind of error in
//! `tests/ui/`, with the compiler's output checked in beside it (`*.stderr`). Regenerate
//! with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
