//! For a vector result: `jacobian`, `jacrev`, `jacfwd`.

use crate::args::Args;
use crate::emit::{Emit, Moved};
use crate::expand::*;
use crate::ir::*;
use crate::names::Derived;
use crate::reverse::B;
use crate::rules::{E, Place};
use proc_macro2::TokenStream;
use quote::quote;

/// For a vector result: the Jacobian, one `Grad` per output (row `i` is the gradient of
/// output `i`). `jacrev` runs the forward pass once and one backward pass per output (each
/// on a copy of what the forward pass saved, or, when that cannot be copied, with a forward
/// pass of its own), `jacfwd` one forward pass per
/// scalar input; `jacobian` picks the cheaper order, as the lecture's "another view" says:
/// reverse when outputs are fewer than inputs, forward otherwise.
pub(crate) fn jacobian_items(
    f: &Func,
    e: &Emit,
    backward: &[B],
    sig: &Signature,
    args: &Args,
) -> TokenStream {
    let name = &f.name;
    let private = &e.private;
    let (params, generics, grad, public_ret) = (&sig.params, &sig.generics, &sig.grad, &sig.ret);
    let zero = e.float("0.0");
    let rows_ty = rows_type(f, grad);
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    // Each pass gets its own copy of the arguments (a `Vec` passed by value is moved).
    let clones: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| {
            // (At the parameter: where it cannot be copied, the error points there.)
            let id = &f.vars[p.var].ident;
            quote::quote_spanned!(p.name.span()=> #private::copied_per_row(&#id))
        })
        .collect();
    let zero_grad = {
        let fields = diff.iter().map(|p| {
            let (field, id) = (&p.name, &f.vars[p.var].ident);
            match p.form {
                ParamForm::Float => quote!(#field: #zero),
                _ => quote!(#field: #private::zeros_like(&#id)),
            }
        });
        quote!(Grad { #(#fields,)* })
    };
    // One forward pass and a copy of the pullback per row when the pullback can be copied;
    // otherwise a forward pass per row after the first.
    let copied = super::pullback_is_clone(f);
    let (vjp_rows, rows_call) = if copied {
        (
            quote!(__vjp_rows),
            quote!(#private::jacobian_rows_copied(&value, pullback)),
        )
    } else {
        (
            quote!(vjp),
            quote!(#private::jacobian_rows(&value, pullback, |upstream| vjp(#(#clones),*).1(upstream))),
        )
    };
    let lanes = args
        .reverse
        .then(|| lanes_item(f, e, backward, sig))
        .flatten();
    let rows = match lanes {
        Some(_) => quote!(let (value, rows) = __jacobian_lanes(#(#clones),*);),
        None => quote! {
            let (value, pullback) = #vjp_rows(#(#clones),*);
            let rows = #rows_call;
        },
    };
    let mut items = lanes.unwrap_or_default();
    if args.reverse {
        let passes = if copied {
            "one forward pass, and one backward pass per output"
        } else {
            // The pullback of a call, or a value of a type the macro cannot see, may not be
            // `Clone`: each row after the first has a forward pass of its own.
            "one forward and one backward pass per output"
        };
        let doc = format!(
            "The Jacobian of `{name}` by reverse mode: {passes}. Row `i` is the gradient of output `i`."
        );
        items.extend(quote! {
            #[doc = #doc]
            pub fn jacrev #generics (#(#params),*) -> (#public_ret, #rows_ty) {
                #rows
                (value, rows)
            }
        });
    }
    if args.forward {
        items.extend(jacfwd_item(f, e, sig, &clones, &zero_grad));
    }
    let doc = format!(
        "The Jacobian of `{name}`: one `Grad` per output. {}",
        match (args.reverse, args.forward) {
            (true, true) =>
                "Reverse mode (one backward pass per output) when there are fewer outputs than scalar inputs, forward mode (one forward pass per input) otherwise.",
            (false, true) => "Forward mode: one forward pass per scalar input.",
            _ => "Reverse mode: one backward pass per output.",
        }
    );
    let body = match (args.reverse, args.forward) {
        (true, true) => {
            let inputs: Vec<TokenStream> = diff
                .iter()
                .map(|p| {
                    let id = &f.vars[p.var].ident;
                    match p.form {
                        ParamForm::Float => quote!(1),
                        _ => element_count(p, id, private),
                    }
                })
                .collect();
            match &f.ret {
                // An array's length is known: the choice costs nothing.
                syn::Type::Array(a) => {
                    let len = &a.len;
                    quote! {
                        if (0 #(+ #inputs)*) < #len {
                            return jacfwd(#(#clones),*);
                        }
                        #rows
                        (value, rows)
                    }
                }
                _ => quote! {
                    let inputs: usize = 0 #(+ #inputs)*;
                    // The number of outputs needs a forward pass; the reverse order reuses it.
                    let (value, pullback) = #vjp_rows(#(#clones),*);
                    if inputs < #private::Elements::count(&value) {
                        ::core::mem::drop(pullback);
                        return jacfwd(#(#clones),*);
                    }
                    let rows = #rows_call;
                    (value, rows)
                },
            }
        }
        (false, true) => quote!(jacfwd(#(#clones),*)),
        _ => quote!(jacrev(#(#clones),*)),
    };
    items.extend(quote! {
        #[doc = #doc]
        pub fn jacobian #generics (#(#params),*) -> (#public_ret, #rows_ty) {
            #body
        }
    });
    items
}

/// The type of a Jacobian's rows: `[Grad; M]` for an array result `[T; M]` (no
/// allocation), a `Vec` otherwise.
fn rows_type(f: &Func, grad: &TokenStream) -> TokenStream {
    match &f.ret {
        syn::Type::Array(a) if f.tuple_ret.is_none() => {
            let len = &a.len;
            quote!([#grad; #len])
        }
        _ => quote!(::std::vec::Vec<#grad>),
    }
}

/// `jacfwd`: one forward pass per scalar input, a unit tangent giving a column of the
/// Jacobian.
fn jacfwd_item(
    f: &Func,
    e: &Emit,
    sig: &Signature,
    clones: &[TokenStream],
    zero_grad: &TokenStream,
) -> TokenStream {
    let name = &f.name;
    let private = &e.private;
    let (params, generics, grad, public_ret) = (&sig.params, &sig.generics, &sig.grad, &sig.ret);
    let (zero, one) = (e.float("0.0"), e.float("1.0"));
    let rows_ty = rows_type(f, grad);
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    // One pass per scalar input: a unit tangent, a column of the Jacobian.
    let mut columns = Vec::new();
    for (k, p) in diff.iter().enumerate() {
        let field = &p.name;
        let tangents: Vec<TokenStream> = diff
            .iter()
            .enumerate()
            .map(|(j, q)| {
                let id = &f.vars[q.var].ident;
                let by_ref = matches!(q.ty, syn::Type::Reference(_));
                let value = match (q.form.clone(), j == k) {
                    (ParamForm::Float, true) => one.clone(),
                    (ParamForm::Float, false) => zero.clone(),
                    (_, true) => quote!(unit),
                    (_, false) => quote!(#private::zeros_like(&#id)),
                };
                if by_ref && !matches!(q.form, ParamForm::Float) {
                    quote!(&#value)
                } else {
                    value
                }
            })
            .collect();
        let column = quote! {
            let (value, column) = jvp(#(#clones,)* #(#tangents),*);
            let rows = &mut out.get_or_insert_with(|| {
                let rows = (0..#private::Elements::count(&column)).map(|_| #zero_grad).collect();
                (value, rows)
            }).1;
        };
        match p.form {
            ParamForm::Float => columns.push(quote! {{
                #column
                for (i, row) in rows.iter_mut().enumerate() {
                    row.#field = #private::element(&column, i);
                }
            }}),
            _ => {
                let id = &f.vars[p.var].ident;
                let count = element_count(p, id, private);
                columns.push(quote! {
                    for element in 0..#count {
                        let mut unit = #private::zeros_like(&#id);
                        *#private::element_mut(&mut unit, element) = #one;
                        #column
                        for (i, row) in rows.iter_mut().enumerate() {
                            *#private::element_mut(&mut row.#field, element) = #private::element(&column, i);
                        }
                    }
                });
            }
        }
    }
    let zero_tangents: Vec<TokenStream> = diff
        .iter()
        .map(|q| {
            let id = &f.vars[q.var].ident;
            match q.form {
                ParamForm::Float => zero.clone(),
                _ if matches!(q.ty, syn::Type::Reference(_)) => {
                    quote!(&#private::zeros_like(&#id))
                }
                _ => quote!(#private::zeros_like(&#id)),
            }
        })
        .collect();
    let doc = format!(
        "The Jacobian of `{name}` by forward mode: one forward pass per scalar input. Row `i` is the gradient of output `i`."
    );
    quote! {
        #[doc = #doc]
        pub fn jacfwd #generics (#(#params),*) -> (#public_ret, #rows_ty) {
            let mut out: ::core::option::Option<(#public_ret, ::std::vec::Vec<#grad>)> = ::core::option::Option::None;
            #(#columns)*
            match out {
                ::core::option::Option::Some((value, rows)) => (value, #private::Rows::from_vec(rows)),
                // No differentiable input: the value, and zero gradients.
                ::core::option::Option::None => {
                    let (value, _) = jvp(#(#clones,)* #(#zero_tangents),*);
                    let rows = #private::Rows::build(#private::Elements::count(&value), |_| #zero_grad);
                    (value, rows)
                }
            }
        }
    }
}

/// The most outputs whose rows one backward pass carries at once: each adjoint is then a
/// `Tangents<T, M>`, `M` floats wide.
const LANE_ROWS: u64 = 8;

/// The result type `[T; M]`, when a function's Jacobian rows can come from one backward
/// pass with `M` lanes: `M` a literal, at most `LANE_ROWS`.
fn lane_rows_result(f: &Func) -> Option<&syn::TypeArray> {
    match &f.ret {
        syn::Type::Array(a) if f.tuple_ret.is_none() => match &a.len {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            }) if n.base10_parse::<u64>().is_ok_and(|n| n <= LANE_ROWS) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// `__jacobian_lanes`: for a function returning `[T; M]` (`M ≤ LANE_ROWS`), its Jacobian's
/// `M` rows from one forward pass and one backward pass whose adjoints carry the rows side
/// by side (each a `Tangents<T, M>`, lane `k` the adjoint for output `k`), as `jvps`
/// carries columns: the backward pass's primal work (its divisions, what it restores) is
/// done once for all rows. Each lane gets exactly the operations of the pullback called at
/// output `k`'s unit vector, in the same order. `None` where it cannot be generated: calls
/// to other differentiated functions (their pullbacks take one upstream gradient),
/// generic functions, arrays of ndarray, structs, casts.
fn lanes_item(f: &Func, e: &Emit, backward: &[B], sig: &Signature) -> Option<TokenStream> {
    let ret = lane_rows_result(f)?;
    if super::forward::lanes_unsupported(f, e).is_some() || !plain(f, backward) {
        return None;
    }
    let (private, len) = (&e.private, &ret.len);
    let lanes = Emit {
        private: private.clone(),
        lanes: true,
        ..*e
    };
    let forward = Moved::new(e.forward());
    let back = Moved::new(lanes.backward(backward));
    let (out, grad_out) = (e.ident(e.a.result), e.adj(e.a.result));
    let grad_out_mut = match e.adjoint_mutated(backward, e.a.result) {
        true => quote!(mut),
        false => TokenStream::new(),
    };
    let declared = super::declared_adjoints(backward);
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    // Row `k` takes lane `k` of each gradient (`k` hygienic: a parameter may be named so).
    let k = proc_macro2::Ident::new("k", proc_macro2::Span::mixed_site());
    let fields = diff.iter().map(|p| {
        let (field, grad) = (&p.name, lanes.param_gradient(p, Derived::Grad, &declared));
        quote!(#field: #private::lane(&#grad, #k))
    });
    let (params, generics, grad) = (&sig.params, &sig.generics, &sig.grad);
    let one = e.float("1.0");
    Some(quote! {
        #[doc(hidden)]
        #[inline]
        pub fn __jacobian_lanes #generics (#(#params),*) -> (#ret, [#grad; #len]) {
            const LANES: usize = #len;
            #forward
            // The value is copied before the backward pass restores anything.
            (::core::clone::Clone::clone(&#out), {
                let #grad_out_mut #grad_out = #private::unit_lanes::<_, LANES>(#one);
                #back
                ::core::array::from_fn(|#k| Grad { #(#fields,)* })
            })
        }
    })
}

/// Whether a backward pass is made only of what lanes of adjoints support: no pullbacks of
/// calls, no helpers or kernels, no gradient of a whole sequence added at once.
fn plain(f: &Func, backward: &[B]) -> bool {
    // A helper or kernel may read primal values only (`d::max_picks_first(m, x)` in a
    // condition): none takes lanes of adjoints.
    fn adjoint(e: &E) -> bool {
        let mut found = matches!(e, E::Adj(_) | E::AdjElem(..) | E::Up(_));
        e.for_each_child(|c| found |= adjoint(c));
        found
    }
    fn expr_ok(e: &E) -> bool {
        let outside = matches!(
            e,
            E::Helper(..) | E::Kernel(..) | E::Apply(..) | E::Tensor(..) | E::Field(..)
        );
        let mut ok = !(outside && adjoint(e));
        e.for_each_child(|c| ok &= expr_ok(c));
        ok
    }
    backward.iter().all(|b| match b {
        B::LetGrads(..) | B::LetPullback(..) | B::PullInto(..) => false,
        B::AddAdj(Place::Var(v), _) if f.vars[*v].kind != Kind::Float => false,
        B::LetAdj(_, e) | B::SetAdj(_, e) | B::AddAdj(_, e) | B::AddSum(_, e) => expr_ok(e),
        B::If(c, t, els) => expr_ok(c) && plain(f, t) && plain(f, els),
        B::For(_, _, body) => plain(f, body),
        _ => true,
    })
}
