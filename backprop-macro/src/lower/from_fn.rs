//! Sequences built whole, bound by a `let`, as the writes they mean. An array from
//! `std::array::from_fn`, `let v: [f64; N] = std::array::from_fn(|i| body);`, is `let mut
//! v: [f64; N] = [0.0; N]; for i in 0..N { v[i] = body; }`, each element computed in the
//! same order (the length from the `let`'s type, a float array). Sequences joined by
//! `concat`, `let v = [a, b].concat();`, are `let mut v = a.to_vec();
//! v.extend_from_slice(b);`, and the rows of a nested sequence, `let v = m.concat();`, the
//! walk `m.iter().flatten().copied().collect::<Vec<_>>()`. An array converted from a
//! sequence, `let v: [f64; N] = x.try_into().unwrap();`, is the length checked and each
//! element copied. Lowering then sees what it supports.

use super::*;

/// Rewrites every such `let` in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    each_statement(block, true, |stmt| {
        from_fn(stmt, taken)
            .or_else(|| concat(stmt))
            .or_else(|| try_into(stmt, taken))
    });
}

/// `let v: [F; N] = x.try_into().unwrap();` (or `.expect(..)`, of `x`, `&x[a..b]`, a
/// field; `F` a float type; also `let [a, b]: [F; 2] = ..`): the length checked, as the
/// conversion does (it fails on another), then each element copied.
fn try_into(stmt: &syn::Stmt, taken: &mut HashSet<String>) -> Option<Vec<syn::Stmt>> {
    let (_, typed, array, init) = float_array_let(stmt)?;
    let Expr::MethodCall(unwrap) = strip(init) else {
        return None;
    };
    let Expr::MethodCall(conversion) = strip(&unwrap.receiver) else {
        return None;
    };
    let unwrapped = (unwrap.method == "unwrap" && unwrap.args.is_empty())
        || (unwrap.method == "expect" && unwrap.args.len() == 1);
    if !unwrapped || conversion.method != "try_into" || !conversion.args.is_empty() {
        return None;
    }
    // A place, read again for each element.
    let seq = match strip(&conversion.receiver) {
        Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        e => e,
    };
    if !matches!(strip(seq), Expr::Path(_) | Expr::Field(_) | Expr::Index(_)) {
        return None;
    }
    let (ty, len, span) = (&typed.ty, &array.len, conversion.method.span());
    let (name, rebind) = match &*typed.pat {
        Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => (i.ident.clone(), None),
        pat => {
            let name = Ident::new(&crate::names::unused(taken, "array"), span);
            (
                name.clone(),
                Some(syn::parse_quote_spanned!(span=> let #pat = #name;)),
            )
        }
    };
    let index = Ident::new(&crate::names::unused(taken, "index"), span);
    let mut out: Vec<syn::Stmt> = vec![
        syn::parse_quote_spanned!(span=>
            ::core::assert_eq!(#seq.len(), #len, "the sequence converted into an array has another length");
        ),
        syn::parse_quote_spanned!(span=> let mut #name: #ty = [0.0; #len];),
        syn::parse_quote_spanned!(span=>
            for #index in 0..#len {
                #name[#index] = #seq[#index];
            }
        ),
    ];
    out.extend(rebind);
    Some(out)
}

/// `let v = [a, b, ..].concat();` and `let v = m.concat();`.
fn concat(stmt: &syn::Stmt) -> Option<Vec<syn::Stmt>> {
    let (name, init) = named_let(stmt)?;
    let Expr::MethodCall(m) = strip(init) else {
        return None;
    };
    // (Not where a part reads the name being bound, `let v = [w, v].concat();`: the copy
    // would be extended by itself.)
    let reads_itself = mentions(&m.receiver.to_token_stream(), &name.ident);
    if m.method != "concat" || !m.args.is_empty() || name.by_ref.is_some() || reads_itself {
        return None;
    }
    let (v, span) = (&name.ident, m.method.span());
    match strip(&m.receiver) {
        Expr::Array(parts) => {
            let (first, rest) = parts
                .elems
                .iter()
                .collect::<Vec<_>>()
                .split_first()
                .map(|(f, r)| (*f, r.to_vec()))?;
            let first = match strip(first) {
                Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                e => e,
            };
            let mut out = vec![syn::parse_quote_spanned!(span=> let mut #v = #first.to_vec();)];
            out.extend(
                rest.iter()
                    .map(|part| syn::parse_quote_spanned!(span=> #v.extend_from_slice(#part);)),
            );
            Some(out)
        }
        rows @ (Expr::Path(_) | Expr::Field(_)) => Some(vec![syn::parse_quote_spanned!(span=>
            let #v = #rows.iter().flatten().copied().collect::<::std::vec::Vec<_>>();
        )]),
        _ => None,
    }
}

/// `let PAT: [F; N] = init;` with `F` a float type: the `let`, its typed pattern, the array
/// type and `init`.
fn float_array_let(
    stmt: &syn::Stmt,
) -> Option<(&syn::Local, &syn::PatType, &syn::TypeArray, &Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let Pat::Type(typed) = &local.pat else {
        return None;
    };
    let syn::Type::Array(array) = &*typed.ty else {
        return None;
    };
    let float = matches!(&*array.elem, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"));
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    float.then_some((local, typed, array, &*init.expr))
}

/// `let name: [F; N] = std::array::from_fn(|i| body);` (`F` a float type, also
/// `core::array::from_fn` and `array::from_fn`) as the declaration and the loop.
fn from_fn(stmt: &syn::Stmt, taken: &mut HashSet<String>) -> Option<Vec<syn::Stmt>> {
    let (local, typed, array, init) = float_array_let(stmt)?;
    let Pat::Ident(name) = &*typed.pat else {
        return None;
    };
    let Expr::Call(call) = strip(init) else {
        return None;
    };
    let Expr::Path(f) = strip(&call.func) else {
        return None;
    };
    let mut last = f.path.segments.iter().rev().map(|s| &s.ident);
    let named =
        last.next().is_some_and(|i| i == "from_fn") && last.next().is_some_and(|i| i == "array");
    let [Expr::Closure(c)] = &call.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    // (Not where the closure reads the name being bound, a value it shadows.)
    let reads_itself = mentions(&c.body.to_token_stream(), &name.ident);
    if !named
        || c.inputs.len() != 1
        || name.by_ref.is_some()
        || name.subpat.is_some()
        || reads_itself
    {
        return None;
    }
    let (ident, ty, len) = (&name.ident, &typed.ty, &array.len);
    let span = local.let_token.span;
    let body = &c.body;
    // The closure's index, or a name for it where the closure ignores it (`|_|`).
    let index = match &c.inputs[0] {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    let (index, bind) = match index {
        Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => (i.ident.clone(), None),
        p => {
            let i = Ident::new(&crate::names::unused(taken, "index"), span);
            (i.clone(), Some(quote!(let #p = #i;)))
        }
    };
    Some(vec![
        syn::parse_quote_spanned!(span=> let mut #ident: #ty = [0.0; #len];),
        syn::parse_quote_spanned!(span=>
            for #index in 0..#len {
                #bind
                #ident[#index] = #body;
            }
        ),
    ])
}
