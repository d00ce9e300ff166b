// Items inside the function: `const`, `static`, `use` and `fn` are declared again in the
// generated module; an ordinary `fn` there has no derivative (one error, at the call); other
// items, and `use` paths from the function's module, are errors that say what is supported.
use backprop::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    fn helper(v: f64) -> f64 {
        v * 2.0
    }
    helper(x)
}

#[differentiate]
fn g(x: f64) -> f64 {
    struct Unit;
    use self::f as base;
    x * base(1.0)
}

fn main() {}
