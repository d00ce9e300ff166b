//! The generated code is clean under rustc's allow-by-default lints too: a crate that turns
//! them on sees no warning from `#[differentiate]`, in every mode and for every kind of
//! parameter.

#![deny(warnings)]
#![deny(
    rust_2018_idioms,
    elided_lifetimes_in_paths,
    explicit_outlives_requirements,
    impl_trait_redundant_captures,
    keyword_idents,
    let_underscore_drop,
    macro_use_extern_crate,
    meta_variable_misuse,
    missing_copy_implementations,
    missing_debug_implementations,
    missing_docs,
    non_ascii_idents,
    redundant_imports,
    redundant_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    unit_bindings,
    unnameable_types,
    unreachable_pub,
    unused_import_braces,
    unused_lifetimes,
    unused_qualifications,
    unused_results,
    variant_size_differences
)]

use backprop::differentiate;

/// Public functions: their generated items are reachable.
pub mod public {
    use backprop::differentiate;

    /// Reverse mode over a slice.
    #[differentiate]
    pub fn sum_sq(x: &[f64], scale: f64) -> f64 {
        let mut s = 0.0;
        for &xi in x {
            s += xi * xi;
        }
        s * scale
    }

    /// Both modes, a borrowed array, a vector result.
    #[differentiate(reverse, forward)]
    pub fn scaled(x: &[f64; 2], c: f64) -> [f64; 2] {
        [x[0] * c, x[1].exp() * c]
    }

    /// Second order.
    #[differentiate(hessian)]
    pub fn cubic(x: f64, y: &[f64]) -> f64 {
        x * x * x + y[0] * x
    }

    /// Arrays.
    #[differentiate(reverse, forward)]
    pub fn energy(w: &backprop::ndarray::Array2<f64>, v: &backprop::ndarray::Array1<f64>) -> f64 {
        w.dot(v).sum()
    }
}

/// A private function in a private module: the module is as private as the function.
#[differentiate(hessian)]
fn private(x: f64, y: f64) -> f64 {
    (x * y).sin() + public::cubic(x, &[y])
}

/// A `Vec` of floats as a stack: the pops the generated code writes (`v.pop();`, whose
/// `Option` it drops, and the element put back in reverse) warn about nothing.
#[differentiate(hessian)]
fn stack(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let mut s = 0.0;
    while let Some(t) = v.pop() {
        s = s * 0.5 + t;
    }
    v.extend_from_slice(x);
    v.truncate(1);
    s * v[0]
}

#[differentiate(forward)]
fn forward_only(x: f64) -> f64 {
    x.exp()
}

#[test]
fn every_mode_compiles_warning_free() {
    let (_, g) = public::sum_sq::grad(&[1.0, 2.0], 3.0);
    assert_eq!(g.x, vec![6.0, 12.0]);
    let (_, rows) = public::scaled::jacobian(&[1.0, 0.0], 2.0);
    assert_eq!(rows[0].x, [2.0, 0.0]);
    let (_, _, h) = private::hessian(0.0, 1.0);
    assert_eq!(h.len(), 2);
    let (_, t) = forward_only::jvp(0.0, 1.0);
    assert_eq!(t, 1.0);
    let (_, g) = stack::grad(&[1.0, 2.0]);
    assert_eq!(g.x, vec![3.0, 0.5]);
    let w = backprop::ndarray::array![[1.0, 2.0], [3.0, 4.0]];
    let v = backprop::ndarray::array![1.0, -1.0];
    let (_, g) = public::energy::grad(&w, &v);
    assert_eq!(g.v, backprop::ndarray::array![4.0, 6.0]);
}

/// A value discarded on purpose stays discarded in the generated code (no "unused
/// arithmetic operation" warning there).
#[differentiate]
fn discards(x: f64) -> f64 {
    let _ = x * 2.0;
    x * 3.0
}

#[test]
fn a_discarded_value_is_no_warning() {
    assert_eq!(discards::grad(1.0), (3.0, discards::Grad { x: 3.0 }));
}
