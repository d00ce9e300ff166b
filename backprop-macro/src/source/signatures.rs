//! What an ordinary function's signature says it is to the inliner: a function of tuples or
//! structs without a gradient, one writing floats through `&mut` parameters, or a function
//! of floats (free, or of a type without `self`: `Dense::act`); and the scope's lists of
//! those kept to be inlined; and what a function returns (a sequence, of floats).

use super::{Scope, copy_struct, home, named, summary};
use crate::lower::vec_elem;
use quote::ToTokens;

/// Whether a signature names a tuple, or a struct of `structs` without a gradient, among
/// its parameters' types or its result's.
fn takes_aggregates(sig: &syn::Signature, structs: &[(String, bool)]) -> bool {
    fn aggregate(ty: &syn::Type, structs: &[(String, bool)]) -> bool {
        match ty {
            syn::Type::Tuple(t) => !t.elems.is_empty(),
            syn::Type::Reference(r) => aggregate(&r.elem, structs),
            syn::Type::Paren(p) => aggregate(&p.elem, structs),
            syn::Type::Path(p) => {
                p.qself.is_none()
                    && p.path.segments.last().is_some_and(|last| {
                        structs
                            .iter()
                            .any(|(name, plain)| *plain && last.ident == name)
                    })
            }
            _ => false,
        }
    }
    let params = sig.inputs.iter().any(|a| match a {
        syn::FnArg::Typed(t) => aggregate(&t.ty, structs),
        syn::FnArg::Receiver(_) => false,
    });
    let result = match &sig.output {
        syn::ReturnType::Type(_, ty) => aggregate(ty, structs),
        syn::ReturnType::Default => false,
    };
    params || result
}

/// Whether a signature has a `&mut` parameter holding structs of `structs` without a
/// gradient (`ps: &mut Vec<P>`, `&mut [P]`): a simulation's step written through, inlined
/// where it is called so that the caller's sequence stays one sequence per field.
fn writes_struct_sequence(sig: &syn::Signature, structs: &[(String, bool)]) -> bool {
    let plain = |t: &syn::Type| {
        matches!(t, syn::Type::Path(p) if p.qself.is_none()
        && p.path.get_ident().is_some_and(|n| structs.iter().any(|(s, plain)| *plain && n == s)))
    };
    sig.inputs.iter().any(|a| match a {
        syn::FnArg::Typed(t) => match &*t.ty {
            syn::Type::Reference(r) if r.mutability.is_some() => match &*r.elem {
                syn::Type::Slice(s) => plain(&s.elem),
                vec => vec_elem(vec).is_some_and(plain),
            },
            _ => false,
        },
        syn::FnArg::Receiver(_) => false,
    })
}

/// `-> Option<f64>` (or `f32`, or the function's type parameter).
fn returns_float_option(sig: &syn::Signature) -> bool {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    let syn::Type::Path(p) = &**ty else {
        return false;
    };
    let Some(last) = p.path.segments.last().filter(|s| s.ident == "Option") else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return false;
    };
    let float = |n: &syn::Ident| {
        n == "f64" || n == "f32" || sig.generics.type_params().any(|t| t.ident == *n)
    };
    matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Path(t)))
        if t.path.get_ident().is_some_and(float))
}

/// Whether a signature has a `&mut` parameter of floats (`dy: &mut [f64]`, `s: &mut f64`,
/// `m: &mut Vec<Vec<f32>>`): written through as the caller's place where it is inlined.
fn writes_floats(sig: &syn::Signature) -> bool {
    fn floats(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "f64" || i == "f32",
            proc_macro2::TokenTree::Group(g) => floats(g.stream()),
            _ => false,
        })
    }
    sig.inputs.iter().any(|a| match a {
        syn::FnArg::Typed(t) => match &*t.ty {
            syn::Type::Reference(r) => r.mutability.is_some() && floats(r.elem.to_token_stream()),
            _ => false,
        },
        syn::FnArg::Receiver(_) => false,
    })
}

/// Whether a signature's parameters are numbers, `bool`s and sequences or references of
/// them (`f64`, `&[f64]`, `&Vec<Vec<f32>>`, `&Array2<f64>`, `&[T]` of its one type
/// parameter) and of the file's structs (`m: &Model`), some of floats or structs; the
/// file's enums may be among them (`a: Act`, matched on as a constant).
pub(super) fn of_floats(
    sig: &syn::Signature,
    structs: &[(String, bool)],
    enums: &[String],
) -> bool {
    // Besides numbers, the sequences of them.
    const SEQUENCES: &[&str] = &["Vec", "Array1", "Array2", "ArrayView1", "ArrayView2"];
    // One type parameter at most (`fn sq<T: Real>(x: T) -> T`): the caller's float type
    // where it is inlined.
    let mut floats = vec!["f64".to_owned(), "f32".to_owned()];
    let mut types = sig.generics.type_params();
    if let Some(t) = types.next() {
        floats.push(t.ident.to_string());
    }
    if types.next().is_some() || sig.generics.const_params().next().is_some() {
        return false;
    }
    let mut names = Vec::new();
    for a in &sig.inputs {
        match a {
            syn::FnArg::Typed(t) => super::idents(t.ty.to_token_stream(), &mut names),
            syn::FnArg::Receiver(_) => return false,
        }
    }
    // (A length in an array type, `[f64; 3]`, is a literal: no ident.)
    names.iter().all(|n| {
        super::NUMBERS.contains(&n.as_str())
            || SEQUENCES.contains(&n.as_str())
            || n == "mut"
            || floats.contains(n)
            || structs.iter().any(|(s, _)| s == n)
            || enums.contains(n)
    }) && names
        .iter()
        .any(|n| floats.contains(n) || structs.iter().any(|(s, _)| s == n))
}

/// The functions of floats without `self` of an inherent `impl` block (`impl Dense { fn
/// act(z: f64) -> f64 { .. } }`), kept by path (`Dense::act`, as a method's `Self::act`
/// reads once `Self` is the struct) to be inlined as a function of floats; not those of a
/// `Copy` struct without a gradient, which are its constructors' kind (`V2::new`).
pub(super) fn associated_float_fns(b: &syn::ItemImpl, items: &[&syn::Item], here: &mut Scope) {
    let syn::Type::Path(t) = &*b.self_ty else {
        return;
    };
    let Some(on) = t.path.get_ident().map(ToString::to_string) else {
        return;
    };
    let plain = here.structs.iter().any(|(s, plain)| *plain && *s == on);
    if b.trait_.is_some() || !b.generics.params.is_empty() || (plain && copy_struct(items, &on)) {
        return;
    }
    for item in &b.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        let ordinary = !f
            .attrs
            .iter()
            .any(|a| named(a.path(), "differentiate") || named(a.path(), "cfg"));
        let key = format!("{on}::{}", f.sig.ident);
        if ordinary
            && f.sig.receiver().is_none()
            && of_floats(&f.sig, &here.structs, &here.enums)
            && !here.fns.iter().any(|(n, _)| *n == key)
        {
            let (sig, block) = (&f.sig, &f.block);
            here.fns.push((key.clone(), true));
            here.float_fns
                .push((key, quote::quote!(#sig #block).to_string()));
        }
    }
}

/// The ordinary functions of aggregates and of floats among `items`, kept whole in `here`
/// to be inlined; again after structs of other files join `here`'s (`foreign.rs`), for the
/// functions that take them.
pub(super) fn keep_plain_functions(items: &[&syn::Item], here: &mut Scope) {
    for item in items {
        let syn::Item::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        let kept = |list: &[(String, String)]| list.iter().any(|(n, _)| *n == name);
        if !here.fns.iter().any(|(n, plain)| *plain && *n == name)
            || kept(&here.helpers)
            || kept(&here.float_fns)
        {
            continue;
        }
        // A function given functions (`f: impl Fn(f64) -> f64`) is inlined wherever it is
        // called, its closures bound to its parameters; what it says besides is the rest.
        let plain = super::callables::without_callables(&f.sig);
        let callables = super::callables::takes_callables(&f.sig);
        // (One returning an `Option` of a float, `fn hit(..) -> Option<f64>`, too: the
        // caller holds it as a float and a flag, which it can only where the body is its
        // own.)
        let option = returns_float_option(&f.sig);
        let steps = writes_struct_sequence(&plain, &here.structs);
        // (One generic over the caller's struct, `fn mse<M: Model>(m: &M, ..)`, too.)
        let mut named = plain.clone();
        name_impl_params(&mut named);
        let generic_struct = !by_reference_type_params(&named).is_empty();
        if takes_aggregates(&plain, &here.structs)
            || generic_struct
            || writes_floats(&plain)
            || callables
            || option
            || steps
        {
            here.helpers.push((name, f.to_token_stream().to_string()));
        } else if of_floats(&f.sig, &here.structs, &here.enums) {
            here.float_fns.push((name, f.to_token_stream().to_string()));
        }
    }
}

/// Whether the differentiated function `callee` of `caller`'s module returns an array or a
/// `Vec` (`let c = cross(a, b); c.iter()..` walks a sequence, not a float).
pub fn returns_sequence_of(caller: &str, callee: &syn::Ident) -> bool {
    sequence_result_depth(caller, callee).is_some()
}

/// How deep the sequence the function `callee` of `caller`'s module returns nests (`->
/// Vec<Vec<f64>>`: 2), where it returns one: a local bound to its result (`let l =
/// cholesky(&k); l[i][j]`) nests as deep.
pub fn sequence_result_depth(caller: &str, callee: &syn::Ident) -> Option<usize> {
    let scopes = summary(callee.span())?;
    let h = home(&scopes, caller)?;
    if h.fns.iter().filter(|(n, _)| callee == n).count() != 1 {
        return None;
    }
    (h.sequence_results.iter())
        .find(|(n, _)| callee == n)
        .map(|(_, depth)| *depth)
}

/// Whether `callee`, an ordinary function of the caller's file, returns a sequence of
/// floats (`-> Vec<f64>`, `-> [f64; 3]`): a local made by calling it with constants holds
/// floats that later writes may make carry derivatives.
pub fn returns_floats_of(caller: &str, callee: &syn::Ident) -> bool {
    summary(callee.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| {
            h.fns.iter().filter(|(n, _)| callee == n).count() == 1
                && h.float_sequence_results.iter().any(|n| callee == n)
        })
    })
}

/// `-> [f64; N]` or `-> Vec<f64>` (or `f32`).
pub(super) fn returns_floats(output: &syn::ReturnType) -> bool {
    let float = |t: &syn::Type| matches!(t, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"));
    match output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Array(a) => float(&a.elem),
            vec => vec_elem(vec).is_some_and(float),
        },
        syn::ReturnType::Default => false,
    }
}

/// `-> [T; N]` or `-> Vec<T>`: how deep the result nests (`None` for another result).
pub(super) fn returns_sequence(output: &syn::ReturnType) -> Option<usize> {
    match output {
        syn::ReturnType::Type(_, ty) => Some(sequence_depth(ty)).filter(|d| *d > 0),
        syn::ReturnType::Default => None,
    }
}

/// How many levels of arrays and `Vec`s a type nests (`Vec<[f64; 2]>`: 2, `f64`: 0).
fn sequence_depth(ty: &syn::Type) -> usize {
    match ty {
        syn::Type::Array(a) => 1 + sequence_depth(&a.elem),
        vec => vec_elem(vec).map_or(0, |t| 1 + sequence_depth(t)),
    }
}

/// The type parameters of `sig` that appear only as the whole type of a parameter behind a
/// reference (`m: &M`, `m: &mut M`): not in the result, not inside another type.
pub(crate) fn by_reference_type_params(sig: &syn::Signature) -> Vec<syn::Ident> {
    // (Not a float type, `T: Real`.)
    let names: Vec<syn::Ident> = sig
        .generics
        .type_params()
        .filter(|t| !crate::lower::bounded_by_real(&t.bounds))
        .map(|t| t.ident.clone())
        .collect();
    // Every place a name appears, and those that are a reference's whole type.
    let mut everywhere = Vec::new();
    let mut whole = Vec::new();
    let collect = |tokens: proc_macro2::TokenStream, into: &mut Vec<syn::Ident>| {
        fn walk(tokens: proc_macro2::TokenStream, into: &mut Vec<syn::Ident>) {
            for t in tokens {
                match t {
                    proc_macro2::TokenTree::Ident(i) => into.push(i),
                    proc_macro2::TokenTree::Group(g) => walk(g.stream(), into),
                    _ => {}
                }
            }
        }
        walk(tokens, into);
    };
    for a in &sig.inputs {
        let syn::FnArg::Typed(t) = a else { continue };
        collect(t.ty.to_token_stream(), &mut everywhere);
        if let syn::Type::Reference(r) = &*t.ty
            && let syn::Type::Path(p) = &*r.elem
            && let Some(i) = p.path.get_ident()
        {
            whole.push(i.clone());
        }
    }
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        collect(ty.to_token_stream(), &mut everywhere);
    }
    names
        .into_iter()
        .filter(|n| {
            let count = |v: &[syn::Ident]| v.iter().filter(|i| *i == n).count();
            count(&whole) > 0 && count(&whole) == count(&everywhere)
        })
        .collect()
}

/// `m: &impl Model` (or `&mut`) as a type parameter of its own, `m: &Impl0` with `Impl0:
/// Model` among the generics: what [`by_reference_type_params`] then finds. Not a
/// function's (`f: &impl Fn(f64) -> f64`, given closures).
pub(crate) fn name_impl_params(sig: &mut syn::Signature) {
    let mut count = 0;
    let mut added: Vec<syn::GenericParam> = Vec::new();
    for a in &mut sig.inputs {
        let syn::FnArg::Typed(t) = a else { continue };
        let syn::Type::Reference(r) = &mut *t.ty else {
            continue;
        };
        let syn::Type::ImplTrait(i) = &*r.elem else {
            continue;
        };
        let callable = i.bounds.iter().any(|b| {
            matches!(b, syn::TypeParamBound::Trait(t)
                if t.path.segments.last().is_some_and(|s| ["Fn", "FnMut", "FnOnce"].contains(&s.ident.to_string().as_str())))
        });
        if callable {
            continue;
        }
        let name = syn::Ident::new(&format!("Impl{count}"), proc_macro2::Span::call_site());
        count += 1;
        let bounds = &i.bounds;
        added.push(syn::parse_quote!(#name: #bounds));
        *r.elem = syn::parse_quote!(#name);
    }
    sig.generics.params.extend(added);
}
