//! Parameters that are functions (`f: impl Fn(f64) -> f64`, `f: &dyn Fn(&[f64]) -> f64`,
//! `f: F` with `F: Fn(f64) -> f64` among the generics or in the `where` clause): a helper
//! taking one (a quadrature rule, a root finder, a step of an integrator) is a helper of
//! floats to the inliner, which binds the closure it is given to the parameter's name
//! (`lower/helpers.rs`).

/// `Fn`, `FnMut` or `FnOnce` with its arguments in parentheses: how many.
fn fn_bound_arity(bound: &syn::TypeParamBound) -> Option<usize> {
    let syn::TypeParamBound::Trait(t) = bound else {
        return None;
    };
    let last = t.path.segments.last()?;
    let callable = ["Fn", "FnMut", "FnOnce"].iter().any(|f| last.ident == f);
    match &last.arguments {
        syn::PathArguments::Parenthesized(p) if callable => Some(p.inputs.len()),
        _ => None,
    }
}

/// The first `Fn(..)` bound among `bounds`: its arity.
fn bounds_arity<'b>(bounds: impl IntoIterator<Item = &'b syn::TypeParamBound>) -> Option<usize> {
    bounds.into_iter().find_map(fn_bound_arity)
}

/// The type parameters bounded by `Fn(..)` (`F: Fn(f64) -> f64`, or `where F: Fn(..)`),
/// by name, with their arity.
fn callable_type_params(generics: &syn::Generics) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> = generics
        .type_params()
        .filter_map(|t| Some((t.ident.to_string(), bounds_arity(&t.bounds)?)))
        .collect();
    for p in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(p) = p
            && let syn::Type::Path(ty) = &p.bounded_ty
            && let Some(name) = ty.path.get_ident()
            && let Some(arity) = bounds_arity(&p.bounds)
        {
            found.push((name.to_string(), arity));
        }
    }
    found
}

/// The arity of a parameter's type where it is a function (`impl Fn(A, B) -> R`, `&dyn
/// Fn(..)`, `&impl Fn(..)`, `&mut impl FnMut(..)`, a type parameter bounded by `Fn(..)`).
fn type_arity(ty: &syn::Type, params: &[(String, usize)]) -> Option<usize> {
    match ty {
        syn::Type::ImplTrait(t) => bounds_arity(&t.bounds),
        syn::Type::TraitObject(t) => bounds_arity(&t.bounds),
        syn::Type::Reference(r) => type_arity(&r.elem, params),
        syn::Type::Paren(p) => type_arity(&p.elem, params),
        syn::Type::Path(p) if p.qself.is_none() => {
            let name = p.path.get_ident()?.to_string();
            params.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
        }
        _ => None,
    }
}

/// For each parameter of `sig`, its arity where it is a function (`None` for the others and
/// for a receiver).
pub(crate) fn callable_params(sig: &syn::Signature) -> Vec<Option<usize>> {
    let params = callable_type_params(&sig.generics);
    sig.inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(t) => type_arity(&t.ty, &params),
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// Whether a parameter of `sig` is a function.
pub(crate) fn takes_callables(sig: &syn::Signature) -> bool {
    callable_params(sig).iter().any(Option::is_some)
}

/// `sig` without its parameters that are functions and the type parameters bounded by
/// `Fn(..)` (from the generics and the `where` clause): what the rest of it says, as for
/// any helper (`fn simpson<T: Real, F: Fn(T) -> T>(f: F, a: T, b: T)` is a function of
/// floats of its one type parameter).
pub(crate) fn without_callables(sig: &syn::Signature) -> syn::Signature {
    let arities = callable_params(sig);
    let callables: Vec<String> = callable_type_params(&sig.generics)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut out = sig.clone();
    out.inputs = sig
        .inputs
        .iter()
        .zip(&arities)
        .filter(|(_, a)| a.is_none())
        .map(|(p, _)| p.clone())
        .collect();
    out.generics.params = sig
        .generics
        .params
        .iter()
        .filter(|p| !matches!(p, syn::GenericParam::Type(t) if callables.contains(&t.ident.to_string())))
        .cloned()
        .collect();
    if let Some(w) = &mut out.generics.where_clause {
        w.predicates = w
            .predicates
            .iter()
            .filter(|p| {
                !matches!(p, syn::WherePredicate::Type(t)
                    if matches!(&t.bounded_ty, syn::Type::Path(ty)
                        if ty.path.get_ident().is_some_and(|n| callables.contains(&n.to_string()))))
            })
            .cloned()
            .collect();
        if w.predicates.is_empty() {
            out.generics.where_clause = None;
        }
    }
    if out.generics.params.is_empty() {
        out.generics.lt_token = None;
        out.generics.gt_token = None;
    }
    out
}
