// Items inside the function: `const`, `static`, `use` and `fn` are declared again in the
// generated module; a `fn` there is inlined where a closure could be, and one that cannot
// (recursive, generic, returning early) has no derivative (one error, at the call); other
// items, and `use` paths from the function's module, are errors that say what is supported.
use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    fn helper(v: f64, n: u32) -> f64 {
        if n == 0 { v } else { 2.0 * helper(v, n - 1) }
    }
    helper(x, 3)
}

#[differentiate]
fn g(x: f64) -> f64 {
    struct Unit;
    use self::f as base;
    x * base(1.0)
}

fn main() {}
