//! For a vector result: `jacobian`, `jacrev`, `jacfwd`.

use crate::args::Args;
use crate::emit::Emit;
use crate::expand::*;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// For a vector result: the Jacobian, one `Grad` per output (row `i` is the gradient of
/// output `i`). `jacrev` runs the forward pass once and one backward pass per output (each
/// on a copy of what the forward pass saved, or, when that cannot be copied, with a forward
/// pass of its own), `jacfwd` one forward pass per
/// scalar input; `jacobian` picks the cheaper order, as the lecture's "another view" says:
/// reverse when outputs are fewer than inputs, forward otherwise.
pub(crate) fn jacobian_items(f: &Func, e: &Emit, sig: &Signature, args: &Args) -> TokenStream {
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
            let id = &f.vars[p.var].ident;
            quote!(::core::clone::Clone::clone(&#id))
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
    let (vjp_rows, rows_call) = if super::pullback_is_clone(f) {
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
    let rows = quote! {
        let (value, pullback) = #vjp_rows(#(#clones),*);
        let rows = #rows_call;
    };
    let mut items = TokenStream::new();
    if args.reverse {
        let doc = format!(
            "The Jacobian of `{name}` by reverse mode: one forward pass, and one backward pass per output. Row `i` is the gradient of output `i`."
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
            let inputs = diff.iter().map(|p| {
                let id = &f.vars[p.var].ident;
                match p.form {
                    ParamForm::Float => quote!(1),
                    _ => element_count(p, id, private),
                }
            });
            // An array's length is known: the choice costs nothing.
            let outputs = match &f.ret {
                syn::Type::Array(a) => Some(&a.len),
                _ => None,
            };
            let static_choice = outputs.map(|len| {
                quote! {
                    if (0 #(+ #inputs)*) < #len {
                        return jacfwd(#(#clones),*);
                    }
                }
            });
            let inputs = diff.iter().map(|p| {
                let id = &f.vars[p.var].ident;
                match p.form {
                    ParamForm::Float => quote!(1),
                    _ => element_count(p, id, private),
                }
            });
            quote! {
                #static_choice
                let inputs: usize = 0 #(+ #inputs)*;
                // The number of outputs needs a forward pass; the reverse order reuses it.
                let (value, pullback) = #vjp_rows(#(#clones),*);
                if inputs < #private::Elements::count(&value) {
                    ::core::mem::drop(pullback);
                    return jacfwd(#(#clones),*);
                }
                let rows = #rows_call;
                (value, rows)
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
