//! Nested differentiation: what another differentiated function needs to differentiate a
//! call to this one's `grad` (`let (v, g) = f::grad(x, y);`, then `g.x`, `g.y`).
//!
//! The caller reads the call as `f::__grad(x, y)`, the array `[value, ∂f/∂x, ∂f/∂y, ...]`
//! (`f::__grad_fields::x` says where `g.x` is), and differentiates it through the module
//! `f::__grad`, built on `hvp`: for an upstream `(ū, ḡ)`, the inputs' gradient is
//! `ū·∇f + H·ḡ` (reverse over reverse); for input tangents `ṫ`, the tangent is
//! `(∇f·ṫ, H·ṫ)` (forward over reverse). For functions whose differentiable parameters are
//! all floats, with `hessian`.

use crate::emit::Emit;
use crate::expand::*;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

/// `let (v, d) = f::jvp(args, tangents);` in another differentiated function: `jvp` as the
/// array `[value, tangent]` (`__jvp_value`) and its derivatives, by `hvp`: the tangent
/// `d = ∇f·ṫ` changes with the arguments by `H·ṫ` and with the tangents by `∇f`.
fn jvp_value_items(
    f: &Func,
    e: &Emit,
    sig: &Signature,
    diff: &[&Param],
    differentiable: &[bool],
) -> TokenStream {
    let private = &e.private;
    let ret = &f.ret;
    let zero = e.float("0.0");
    let (params, call_args, generics, capture) =
        (&sig.params, &sig.args, &sig.generics, &sig.capture);
    let names: Vec<&syn::Ident> = diff.iter().map(|p| &p.name).collect();
    let tangents: Vec<syn::Ident> = names.iter().map(|n| format_ident!("dot_{}", n)).collect();
    // Tangents of the arguments (`ẋ`) and of the tangents (`ṫ̇`), optional as in `__jvp`.
    let dx: Vec<syn::Ident> = f
        .params
        .iter()
        .map(|p| format_ident!("d_{}", p.name))
        .collect();
    let dt: Vec<syn::Ident> = names.iter().map(|n| format_ident!("d_dot_{}", n)).collect();
    let positional_types = f
        .params
        .iter()
        .map(|p| positional_type(p, private))
        .chain(diff.iter().map(|p| p.ty.to_token_stream()));
    let arg_grads = f.params.iter().map(|p| {
        let name = &p.name;
        if p.differentiable() {
            quote!(up[0] * gradient.#name + up[1] * product.#name)
        } else {
            not_differentiated(p, private)
        }
    });
    let tangent_grads = names.iter().map(|n| quote!(up[1] * gradient.#n));
    let option_params = f
        .params
        .iter()
        .zip(&dx)
        .map(|(p, d)| {
            let ty = positional_type(p, private);
            quote!(#d: ::core::option::Option<#ty>)
        })
        .chain(dt.iter().zip(diff).map(|(d, p)| {
            let ty = &p.ty;
            quote!(#d: ::core::option::Option<#ty>)
        }));
    let arg_dots = f
        .params
        .iter()
        .zip(&dx)
        .filter(|(p, _)| p.differentiable())
        .map(|(_, d)| quote!(#d.unwrap_or(#zero)));
    let value_dot = names
        .iter()
        .zip(f.params.iter().zip(&dx).filter(|(p, _)| p.differentiable()))
        .map(|(n, (_, d))| quote!(+ gradient.#n * #d.unwrap_or(#zero)));
    let tangent_dot = names
        .iter()
        .zip(&tangents)
        .zip(&dt)
        .map(|((n, t), d)| quote!(+ moved.#n * #t + gradient.#n * #d.unwrap_or(#zero)));
    let flags = differentiable
        .iter()
        .copied()
        .chain(diff.iter().map(|_| true));
    quote! {
        /// `jvp` as the array `[value, tangent]`, for callers that differentiate it.
        #[doc(hidden)]
        #[inline]
        pub fn __jvp_value #generics (#(#params,)* #(#tangents: #ret),*) -> [#ret; 2] {
            let (value, tangent) = jvp(#(#call_args,)* #(#tangents),*);
            [value, tangent]
        }

        /// The derivatives of `__jvp_value`, through `hvp`.
        #[doc(hidden)]
        pub mod __jvp_value {
            #[allow(unused_imports)]
            use super::*;

            pub const __DIFFERENTIABLE: &[bool] = &[#(#flags),*];

            #[inline]
            pub fn __vjp #generics (#(#params,)* #(#tangents: #ret),*)
                -> ([#ret; 2], impl ::core::ops::FnOnce([#ret; 2]) -> (#(#positional_types,)*) #capture)
            {
                let value = super::__jvp_value(#(#call_args,)* #(#tangents),*);
                (value, move |up: [#ret; 2]| {
                    let (_, gradient, product) = hvp(#(#call_args,)* #(#tangents),*);
                    (#(#arg_grads,)* #(#tangent_grads,)*)
                })
            }

            #[inline]
            pub fn __jvp #generics (#(#params,)* #(#tangents: #ret,)* #(#option_params),*)
                -> ([#ret; 2], [#ret; 2])
            {
                // The gradient at the arguments, and the Hessian along their tangents.
                let (value, gradient, _) = hvp(#(#call_args,)* #(#tangents),*);
                let (_, _, moved) = hvp(#(#call_args,)* #(#arg_dots),*);
                let tangent = #zero #(+ gradient.#names * #tangents)*;
                (
                    [value, tangent],
                    [#zero #(#value_dot)*, #zero #(#tangent_dot)*],
                )
            }
        }
    }
}

pub(crate) fn nested_items(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    // The pullback calls `hvp` again with the arguments: floats, references and integers
    // (copied), not owned sequences.
    let copied = |p: &Param| {
        matches!(p.form, ParamForm::Float)
            || matches!(p.ty, syn::Type::Reference(_))
            || matches!(
                crate::lower::classify(&p.ty),
                crate::lower::TypeClass::Int | crate::lower::TypeClass::Bool
            )
    };
    if f.ret_kind != Kind::Float
        || diff.iter().any(|p| !matches!(p.form, ParamForm::Float))
        || !f.params.iter().all(copied)
    {
        return TokenStream::new();
    }
    let private = &e.private;
    let ret = &f.ret;
    let (params, call_args, generics, capture) =
        (&sig.params, &sig.args, &sig.generics, &sig.capture);
    let n = proc_macro2::Literal::usize_unsuffixed(diff.len() + 1);
    let names: Vec<&syn::Ident> = diff.iter().map(|p| &p.name).collect();
    let indices = (1..=diff.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let zero = e.float("0.0");
    // The positional gradient of each parameter from the inputs' gradient `grad + hv`.
    let positional: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| {
            let name = &p.name;
            if p.differentiable() {
                quote!(up[0] * gradient.#name + product.#name)
            } else {
                not_differentiated(p, private)
            }
        })
        .collect();
    let positional_types = f.params.iter().map(|p| positional_type(p, private));
    let ups = (1..=diff.len()).map(|i| {
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote!(up[#i])
    });
    let dots: Vec<syn::Ident> = f
        .params
        .iter()
        .map(|p| format_ident!("dot_{}", p.name))
        .collect();
    let tangent_args = f
        .params
        .iter()
        .zip(&dots)
        .filter(|(p, _)| p.differentiable())
        .map(|(_, d)| quote!(#d.unwrap_or(#zero)));
    let option_params = f.params.iter().zip(&dots).map(|(p, d)| {
        let ty = positional_type(p, private);
        quote!(#d: ::core::option::Option<#ty>)
    });
    let directional = names
        .iter()
        .zip(&dots)
        .map(|(name, d)| quote!(+ gradient.#name * #d.unwrap_or(#zero)));
    let products = names.iter().map(|name| quote!(product.#name));
    let differentiable: Vec<bool> = f.params.iter().map(|p| p.differentiable()).collect();
    let jvp_value = jvp_value_items(f, e, sig, &diff, &differentiable);
    quote! {
        #jvp_value

        /// Where each parameter's derivative is in `__grad`'s array.
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub mod __grad_fields {
            #(pub const #names: usize = #indices;)*
        }

        /// `grad` as the array `[value, ∂/∂x, ...]`, for callers that differentiate it.
        #[doc(hidden)]
        #[inline]
        pub fn __grad #generics (#(#params),*) -> [#ret; #n] {
            let (value, gradient) = grad(#(#call_args),*);
            [value, #(gradient.#names),*]
        }

        /// The derivatives of `__grad`, through `hvp`.
        #[doc(hidden)]
        pub mod __grad {
            #[allow(unused_imports)]
            use super::*;

            pub const __DIFFERENTIABLE: &[bool] = &[#(#differentiable),*];

            #[inline]
            pub fn __vjp #generics (#(#params),*)
                -> ([#ret; #n], impl ::core::ops::FnOnce([#ret; #n]) -> (#(#positional_types,)*) #capture)
            {
                let value = super::__grad(#(#call_args),*);
                (value, move |up: [#ret; #n]| {
                    let (_, gradient, product) = hvp(#(#call_args,)* #(#ups),*);
                    (#(#positional,)*)
                })
            }

            #[inline]
            pub fn __jvp #generics (#(#params,)* #(#option_params),*) -> ([#ret; #n], [#ret; #n]) {
                let (value, gradient, product) = hvp(#(#call_args,)* #(#tangent_args),*);
                (
                    [value, #(gradient.#names),*],
                    [#zero #(#directional)*, #(#products),*],
                )
            }
        }
    }
}
