//! Second order, forward over reverse: `__fob`, `hvp`, `hessian`.

use crate::args::Args;
use crate::emit::{Emit, Moved};
use crate::expand::*;
use crate::ir::*;
use crate::names::Derived;
use crate::{analysis, reverse};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// Forward over reverse, with both modes: `__fob` (the value, its tangent, and a pullback
/// that carries tangents through the backward pass) and, for a scalar result, `hvp`
/// (Hessian-vector product) and `hessian`.
pub(crate) fn second_order_items(
    f: &Func,
    a: &analysis::Analysis,
    args: &Args,
    sig: &Signature,
) -> TokenStream {
    let mut e = Emit::new(f, a, args);
    e.fob = true;
    let ret = &f.ret;
    let private = &e.private;
    let Signature {
        params,
        args: call_args,
        generics,
        capture,
        ..
    } = sig;
    let backward = reverse::backward(f, a, false);
    let forward = Moved::new(e.forward());
    let back = e.backward(&backward);
    let result = a.result;
    let (out, grad_out, dot_grad_out) = (
        e.ident(result),
        e.adj(result),
        e.derived(Derived::DotGrad, result),
    );
    // A sequence's tangent is copied: the backward pass may read it (restoring elements).
    let dot_out = match (a.facts[result].active, f.ret_kind) {
        (true, Kind::Float) => e.dot(result).to_token_stream(),
        (true, _) => {
            let dot = e.dot(result);
            quote!(::core::clone::Clone::clone(&#dot))
        }
        (false, _) => e.zero(result),
    };
    let m = if e.adjoint_mutated(&backward, result) {
        quote!(mut)
    } else {
        TokenStream::new()
    };
    let value = match f.ret_kind {
        Kind::Float => out.to_token_stream(),
        _ => quote!(::core::clone::Clone::clone(&#out)),
    };
    let declared = super::declared_adjoints(&backward);
    let positional: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| positional_type(p, private))
        .collect();
    let grads_of = |name: Derived| -> Vec<TokenStream> {
        f.params
            .iter()
            .map(|p| {
                if p.differentiable() {
                    e.param_gradient(p, name, &declared)
                } else {
                    not_differentiated(p, private)
                }
            })
            .collect()
    };
    let (grads, dot_grads) = (grads_of(Derived::Grad), grads_of(Derived::DotGrad));
    let (option_params, unwraps) = optional_tangents(f, &e, true);
    let locals = super::captured_params_as_locals(f, &e, &backward, &back);
    let back = Moved::new(back);
    let mut items = quote! {
        #[doc(hidden)]
        #[inline]
        pub fn __fob #generics (#(#params,)* #(#option_params),*) -> (
            #ret,
            #ret,
            impl ::core::ops::FnOnce(#ret, #ret) -> ((#(#positional,)*), (#(#positional,)*)) #capture,
        ) {
            #(#unwraps)*
            #forward
            (#value, #dot_out, #[inline(always)] move |#m #grad_out: #ret, #m #dot_grad_out: #ret| {
                #locals
                #back
                ((#(#grads,)*), (#(#dot_grads,)*))
            })
        }
    };
    if calls_itself(f) {
        // The inner calls' pullbacks boxed, so the pullback's type does not contain itself.
        let (lifetimes, type_params, captured) = (&sig.lifetimes, &sig.type_params, &sig.captured);
        let (option_params, _) = optional_tangents(f, &e, true);
        let tangents = f.params.iter().map(|p| e.dot(p.var));
        items.extend(quote! {
            #[doc(hidden)]
            #[inline]
            pub fn __fob_boxed<'__pullback, #(#lifetimes,)* #(#type_params),*>(#(#params,)* #(#option_params),*) -> (
                #ret,
                #ret,
                ::std::boxed::Box<dyn ::core::ops::FnOnce(#ret, #ret) -> ((#(#positional,)*), (#(#positional,)*)) + '__pullback>,
            )
            where
                #(#captured: '__pullback,)*
            {
                let (value, tangent, pullback) = __fob(#(#call_args,)* #(#tangents),*);
                (value, tangent, ::std::boxed::Box::new(pullback))
            }
        });
    }
    if f.ret_kind == Kind::Float {
        items.extend(hvp_and_hessian(f, &e, sig));
    }
    items
}

/// `hvp` and `hessian`, on top of `__fob`.
/// The tangents of one Hessian pass, one per parameter: the unit along parameter `seed`
/// (`1` for a float, `unit`, the current unit element, for a sequence, array or struct),
/// zeros along the others, none for constants.
fn unit_tangents(f: &Func, e: &Emit, seed: VarId) -> Vec<TokenStream> {
    let (zero, one, private) = (e.float("0.0"), e.float("1.0"), &e.private);
    f.params
        .iter()
        .map(|q| {
            let id = &f.vars[q.var].ident;
            match (&q.form, q.var == seed) {
                (ParamForm::Const, _) => quote!(::core::option::Option::None),
                (ParamForm::Float, true) => quote!(::core::option::Option::Some(#one)),
                (ParamForm::Float, false) => quote!(::core::option::Option::Some(#zero)),
                (ParamForm::Seq(_) | ParamForm::Tensor(_) | ParamForm::Struct(_), true) => {
                    quote!(::core::option::Option::Some(unit))
                }
                (ParamForm::Seq(_) | ParamForm::Tensor(_) | ParamForm::Struct(_), false) => {
                    quote!(::core::option::Option::Some(#private::zeros_like(&#id)))
                }
            }
        })
        .collect()
}

fn hvp_and_hessian(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    let name = &f.name;
    let ret = &f.ret;
    let private = &e.private;
    let Signature {
        params,
        args: call_args,
        generics,
        grad,
        ..
    } = sig;
    let (zero, one) = (e.float("0.0"), e.float("1.0"));
    let mut items = TokenStream::new();
    let diff: Vec<(usize, &Param)> = f
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.differentiable())
        .collect();
    let to_grad = |tuple: &syn::Ident| {
        let fields = diff.iter().map(|(i, p)| {
            let (field, i) = (&p.name, syn::Index::from(*i));
            quote!(#field: #tuple.#i)
        });
        quote!(Grad { #(#fields,)* })
    };
    let (g, h) = (
        syn::Ident::new("gradient", proc_macro2::Span::mixed_site()),
        syn::Ident::new("product", proc_macro2::Span::mixed_site()),
    );
    let (g_struct, h_struct) = (to_grad(&g), to_grad(&h));
    let tangent_params = diff.iter().map(|(_, p)| {
        let (dot, ty) = (e.dot(p.var), tangent_type(p));
        quote!(#dot: #ty)
    });
    let owned_tangents = f.params.iter().map(|p| {
        let dot = e.dot(p.var);
        match p.form {
            ParamForm::Const => quote!(::core::option::Option::None),
            ParamForm::Float => quote!(::core::option::Option::Some(#dot)),
            ParamForm::Seq(_) | ParamForm::Tensor(_) | ParamForm::Struct(_) => {
                quote!(::core::option::Option::Some(#private::tangent(&#dot)))
            }
        }
    });
    let tangent_names: Vec<String> = diff
        .iter()
        .map(|(_, p)| format!("`{}`", e.dot(p.var)))
        .collect();
    let doc_hvp = format!(
        "`{name}`'s value, gradient, and Hessian-vector product `H·v` along the tangents {} (forward mode over the reverse pass: one pass, exact).",
        tangent_names.join(", ")
    );
    items.extend(quote! {
        #[doc = #doc_hvp]
        pub fn hvp #generics (#(#params,)* #(#tangent_params),*) -> (#ret, #grad, #grad) {
            let (value, _, pullback) = __fob(#(#call_args,)* #(#owned_tangents),*);
            let (#g, #h) = pullback(#one, #zero);
            (value, #g_struct, #h_struct)
        }
    });

    // The full Hessian: one forward-over-reverse pass per scalar input.
    let clones: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| {
            // (At the parameter: where it cannot be copied, the error points there.)
            let id = &f.vars[p.var].ident;
            quote::quote_spanned!(p.name.span()=> #private::copied_per_row(&#id))
        })
        .collect();
    let mut passes = Vec::new();
    for (_, p) in &diff {
        let tangents = unit_tangents(f, e, p.var);
        let pass = quote! {
            let (value, _, pullback) = __fob(#(#clones,)* #(#tangents),*);
            let (#g, #h) = pullback(#one, #zero);
            if first.is_none() {
                first = ::core::option::Option::Some((value, #g_struct));
            }
            rows.push(#h_struct);
        };
        match p.form {
            ParamForm::Float => passes.push(quote!({ #pass })),
            _ => {
                let id = &f.vars[p.var].ident;
                let count = element_count(p, id, private);
                passes.push(quote! {
                    for element in 0..#count {
                        let mut unit = #private::zeros_like(&#id);
                        *#private::element_mut(&mut unit, element) = #one;
                        #pass
                    }
                });
            }
        }
    }
    let doc_hessian = format!(
        "`{name}`'s value, gradient and Hessian: row `j` is `H·eⱼ` for the `j`-th scalar input (parameters in order, sequences and arrays element by element in logical order), one forward-over-reverse pass each."
    );
    items.extend(quote! {
        #[doc = #doc_hessian]
        pub fn hessian #generics (#(#params),*) -> (#ret, #grad, ::std::vec::Vec<#grad>) {
            let mut first: ::core::option::Option<(#ret, #grad)> = ::core::option::Option::None;
            let mut rows = ::std::vec::Vec::new();
            #(#passes)*
            match first {
                ::core::option::Option::Some((value, gradient)) => (value, gradient, rows),
                ::core::option::Option::None => {
                    let (value, gradient) = grad(#(#clones),*);
                    (value, gradient, rows)
                }
            }
        }
    });
    items
}
