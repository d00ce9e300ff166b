//! Tests of `source.rs`: what a file's summary says a called name is.
use super::*;

fn of(source: &str, caller: &str, callee: &str) -> Callee {
    classify(
        &summarize(&syn::parse_file(source).unwrap()),
        caller,
        callee,
    )
}

#[test]
fn ordinary_functions_of_tuples_and_plain_structs_are_kept_for_inlining() {
    let src = "struct V { x: f64 }
               #[derive(Differentiable)] struct P { w: f64 }
               fn sub(a: V, b: &V) -> V { V { x: a.x - b.x } }
               fn mul(a: (f64, f64), k: f64) -> f64 { a.0 * k }
               fn norm(p: &P) -> f64 { p.w }
               fn sq(v: f64) -> f64 { v * v }
               #[differentiate] fn sub2(a: V) -> V { a }
               #[differentiate] fn f(x: f64) -> f64 { x }";
    let scopes = summarize(&syn::parse_file(src).unwrap());
    let names: Vec<&str> = home(&scopes, "f")
        .unwrap()
        .helpers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["sub", "mul"]);
}

#[test]
fn a_plain_function_beside_the_caller() {
    let src = "fn sq(v: f64) -> f64 { v * v }
               #[differentiate] fn f(x: f64) -> f64 { sq(x) }";
    assert_eq!(of(src, "f", "sq"), Callee::Plain);
}

#[test]
fn a_differentiated_function_or_a_gate_is_not_plain() {
    let src = "#[differentiate] fn sq(v: f64) -> f64 { v * v }
               #[backprop::differentiate] fn f(x: f64) -> f64 { sq(x) }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
    let src = "gate! { fn sq(v: f64) -> f64 { v * v } }
               #[differentiate] fn f(x: f64) -> f64 { sq(x) }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
}

#[test]
fn only_the_callers_module_counts() {
    let src = "mod a { pub fn sq(v: f64) -> f64 { v * v } }
               use b::sq;
               mod b { #[differentiate] pub fn sq(v: f64) -> f64 { v * v } }
               #[differentiate] fn f(x: f64) -> f64 { sq(x) }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
    let src = "fn sq(v: f64) -> f64 { v * v }
               mod inner { use super::*; #[differentiate] fn f(x: f64) -> f64 { sq(x) } }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
    let src = "mod inner { fn sq(v: f64) -> f64 { v * v } #[differentiate] fn f(x: f64) -> f64 { sq(x) } }";
    assert_eq!(of(src, "f", "sq"), Callee::Plain);
}

#[test]
fn a_function_under_cfg_or_a_caller_named_twice_is_unknown() {
    let src = "#[cfg(test)] fn sq(v: f64) -> f64 { v * v }
               #[differentiate] fn f(x: f64) -> f64 { sq(x) }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
    let src = "fn sq(v: f64) -> f64 { v * v }
               #[differentiate] fn f(x: f64) -> f64 { sq(x) }
               mod m { #[differentiate] fn f(x: f64) -> f64 { x } }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
}

#[test]
fn functions_inside_a_body() {
    let src = "fn main() {
                   #[differentiate] fn sq(v: f64) -> f64 { v * v }
                   #[differentiate] fn f(x: f64) -> f64 { sq(x) }
               }";
    assert_eq!(of(src, "f", "sq"), Callee::InBlock);
    let src = "fn main() {
                   gate! { fn sq(v: f64) -> f64 { v * v } ... }
                   #[differentiate] fn f(x: f64) -> f64 { sq(x) }
               }";
    assert_eq!(of(src, "f", "sq"), Callee::InBlock);
    let src = "#[differentiate] fn sq(v: f64) -> f64 { v * v }
               fn main() { #[differentiate] fn f(x: f64) -> f64 { sq(x) } }";
    assert_eq!(of(src, "f", "sq"), Callee::Unknown);
}

#[test]
fn a_method_of_a_differentiated_impl_block() {
    let src = "fn sq(v: f64) -> f64 { v * v }
               #[differentiate] impl Model { #[differentiate] fn loss(&self) -> f64 { sq(self.w) } }";
    assert_eq!(of(src, "model_loss", "sq"), Callee::Plain);
}

fn no_gradient(source: &str, caller: &str, name: &str) -> bool {
    let name = syn::Ident::new(name, proc_macro2::Span::call_site());
    struct_without_gradient(&summarize(&syn::parse_file(source).unwrap()), caller, &name)
}

#[test]
fn a_struct_of_data_beside_the_caller_has_no_gradient() {
    let src = "#[derive(Clone, Copy)] struct Obs { x: f64 }
               #[derive(Differentiable, Clone)] struct Line { a: f64 }
               #[differentiate] fn f(l: &Line, o: &[Obs]) -> f64 { l.a * o[0].x }";
    assert!(no_gradient(src, "f", "Obs"));
    assert!(!no_gradient(src, "f", "Line"));
    // Elsewhere, under `cfg_attr`, or given the trait by hand: not certain.
    let src = "mod data { pub struct Obs { pub x: f64 } }
               #[differentiate] fn f(o: &[data::Obs]) -> f64 { 0.0 }";
    assert!(!no_gradient(src, "f", "Obs"));
    let src = "#[cfg_attr(feature = \"ad\", derive(Differentiable))] struct Obs { x: f64 }
               #[differentiate] fn f(o: &[Obs]) -> f64 { 0.0 }";
    assert!(!no_gradient(src, "f", "Obs"));
    let src = "struct Obs { x: f64 }
               impl backprop::Differentiable for Obs { }
               #[differentiate] fn f(o: &[Obs]) -> f64 { 0.0 }";
    assert!(!no_gradient(src, "f", "Obs"));
}

#[test]
fn outside_a_macro_the_file_is_unknown() {
    let name = syn::Ident::new("sq", proc_macro2::Span::call_site());
    assert_eq!(callee("f", &name.into()), Callee::Unknown);
}
