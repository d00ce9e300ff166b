//! A helper's parameters that are functions (`f: impl Fn(f64) -> f64`, `f: &dyn Fn(..)`,
//! `f: F` with `F: Fn(..)`; `source/callables.rs`): each is bound to a closure, the one the
//! call gives (`simpson(|t| (w * t).sin(), 0.0, 1.0, 10)` binds `let simpson_f = |t| (w *
//! t).sin();`), or one calling what it gives (`simpson(g, ..)`: `|arg| g(arg)`), so that
//! the body's calls of it are the calls of a local closure `closures.rs` inlines.

use super::*;

/// The closures a call's `args` give `sig`'s parameters that are functions (per argument,
/// `None` for the others), those parameters left without their types.
pub(super) fn given(
    sig: &mut syn::Signature,
    args: &[&Expr],
    taken: &mut HashSet<String>,
) -> Vec<Option<Expr>> {
    let arities = crate::source::callable_params(sig);
    untyped(sig, &arities);
    closure_args(&arities, args, taken)
}

/// The arguments with the closures bound in their place, where there are.
pub(super) fn with_closures<'a>(args: &[&'a Expr], closures: &'a [Option<Expr>]) -> Vec<&'a Expr> {
    (args.iter().zip(closures))
        .map(|(a, c)| c.as_ref().unwrap_or(a))
        .collect()
}

/// The parameters that are functions (`arities`) without their types (`_`), and the type
/// parameters bounded by `Fn(..)` gone: a closure is bound to each, by value.
fn untyped(sig: &mut syn::Signature, arities: &[Option<usize>]) {
    if arities.iter().all(Option::is_none) {
        return;
    }
    sig.generics = crate::source::without_callables(sig).generics;
    for (input, arity) in sig.inputs.iter_mut().zip(arities) {
        if let (syn::FnArg::Typed(t), Some(_)) = (input, arity) {
            *t.ty = syn::parse_quote!(_);
        }
    }
}

/// Per argument, the closure bound to its parameter where that is a function: the closure
/// given (lent or not), or one of the parameter's arity calling what is given.
fn closure_args(
    arities: &[Option<usize>],
    args: &[&Expr],
    taken: &mut HashSet<String>,
) -> Vec<Option<Expr>> {
    (arities.iter().zip(args))
        .map(|(arity, arg)| {
            let arity = (*arity)?;
            let given = match strip(arg) {
                Expr::Reference(r) => strip(&r.expr),
                other => other,
            };
            if let Expr::Closure(c) = given {
                return Some(Expr::Closure(c.clone()));
            }
            let params: Vec<Ident> = (0..arity)
                .map(|_| {
                    let fresh = crate::names::unused(taken, "arg");
                    Ident::new(&fresh, proc_macro2::Span::mixed_site())
                })
                .collect();
            let callee = match given {
                Expr::Path(_) => given.clone(),
                _ => syn::parse_quote!((#given)),
            };
            Some(syn::parse_quote_spanned!(given.span()=> |#(#params),*| #callee(#(#params),*)))
        })
        .collect()
}
