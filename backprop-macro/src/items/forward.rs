//! Forward mode: `jvp` and the positional `__jvp` other differentiated functions call.

use crate::emit::{Emit, Moved};
use crate::expand::*;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// `jvp` (forward mode) and the positional `__jvp` other differentiated functions call.
pub(crate) fn forward_items(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    let name = &f.name;
    let ret = &f.ret;
    let private = &e.private;
    let (params, call_args, generics) = (&sig.params, &sig.args, &sig.generics);
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    // A parameter the body assigns (`mut x: f64`) has a tangent the body assigns too.
    let tangent_params = diff.iter().map(|p| {
        let (dot, ty, m) = (
            e.dot(p.var),
            tangent_type(p),
            p.mutable.then(|| quote!(mut)),
        );
        quote!(#m #dot: #ty)
    });
    let body = e.jvp_body();
    // `__jvp`: every parameter's tangent as an option, `None` meaning zero.
    let (option_params, unwraps) = optional_tangents(f, e, false);
    let forwarded = diff.iter().map(|p| {
        let dot = e.dot(p.var);
        if matches!(p.ty, syn::Type::Reference(_)) {
            quote!(&#dot)
        } else if is_view(&p.ty) {
            // The owned tangent, seen as the view the parameter is.
            quote!(#dot.view())
        } else {
            quote!(#dot)
        }
    });
    // Each tangent has its parameter's shape (checked once, up front).
    let checks = diff
        .iter()
        .filter(|p| !matches!(p.form, ParamForm::Float))
        .map(|p| {
            let (dot, id) = (e.dot(p.var), &f.vars[p.var].ident);
            let name = p.name.to_string();
            match (&p.form, &p.ty) {
                (ParamForm::Struct(_), syn::Type::Reference(_)) => {
                    quote!(#private::check_fits(#id, #dot, #name);)
                }
                (ParamForm::Struct(_), _) => quote!(#private::check_fits(&#id, &#dot, #name);),
                _ => quote!(#private::check_tangent(&#id, &#dot, #name);),
            }
        });
    let tangent_names: Vec<String> = diff.iter().map(|p| format!("`{}`", e.dot(p.var))).collect();
    let doc = format!(
        "Forward mode: `{name}`'s value and its directional derivative along the tangents {} (a Jacobian-vector product), computed beside the value in one pass.",
        tangent_names.join(", ")
    );
    // A tuple result is computed as an array: converted in `jvp`, and back in `__jvp`.
    let public_ret = &sig.ret;
    let (body, call) = if f.tuple_ret.is_some() {
        (
            quote! {
                let (value, tangent) = { #body };
                (#private::array_tuple(value), #private::array_tuple(tangent))
            },
            quote! {
                let (value, tangent) = jvp(#(#call_args,)* #(#forwarded),*);
                (#private::tuple_array(value), #private::tuple_array(tangent))
            },
        )
    } else {
        (body, quote!(jvp(#(#call_args,)* #(#forwarded),*)))
    };
    let jvps = jvps(f, e, sig);
    quote! {
        #[doc = #doc]
        #[inline]
        pub fn jvp #generics (#(#params,)* #(#tangent_params),*) -> (#public_ret, #public_ret) {
            #(#checks)*
            #body
        }

        #[doc(hidden)]
        #[inline]
        pub fn __jvp #generics (#(#params,)* #(#option_params),*) -> (#ret, #ret) {
            #(#unwraps)*
            #call
        }

        #jvps
    }
}

/// `jvps`: forward mode along `LANES` directions in one pass, the primal computed once.
/// Each float's tangent is a `Tangents<T, LANES>`; the tangents come in and go out as
/// `LANES` values of the parameters' and the result's own types. Where it cannot be
/// generated, `missing::stubs` writes a stub that says why.
fn jvps(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    if lanes_unsupported(f, e).is_some() {
        return TokenStream::new();
    }
    let name = &f.name;
    let private = &e.private;
    let params = &sig.params;
    let lifetimes = &sig.lifetimes;
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    let tangent_params = diff.iter().map(|p| {
        let (dot, ty) = (e.dot(p.var), tangent_type(p));
        quote!(#dot: [#ty; LANES])
    });
    let checks = diff
        .iter()
        .filter(|p| !matches!(p.form, ParamForm::Float))
        .map(|p| {
            let (dot, id) = (e.dot(p.var), &f.vars[p.var].ident);
            let name = p.name.to_string();
            quote!(for direction in &#dot { #private::check_tangent(&#id, direction, #name); })
        });
    let packs = diff.iter().map(|p| {
        let (dot, ty, name) = (e.dot(p.var), tangent_type(p), p.name.to_string());
        let m = p.mutable.then(|| quote!(mut));
        quote!(let #m #dot = #private::pack::<LANES, #ty>(#dot.each_ref(), #name);)
    });
    let lanes = Emit {
        private: private.clone(),
        lanes: true,
        ..*e
    };
    let body = Moved::new(lanes.jvp_body());
    let (ret, public_ret) = (&f.ret, &sig.ret);
    let unpacked = quote!(#private::unpack::<LANES, #ret>(&tangents));
    let (value, columns) = match f.tuple_ret {
        Some(_) => (
            quote!(#private::array_tuple(value)),
            quote!(#unpacked.map(#private::array_tuple)),
        ),
        None => (quote!(value), unpacked),
    };
    let doc = format!(
        "Forward mode along `LANES` directions at once: `{name}`'s value and its directional derivatives along each, the value computed once. Column `k` of the result is `jvp` along the `k`-th entry of each tangent argument, bit for bit: the way to take a Jacobian by columns, `LANES` columns per pass."
    );
    quote! {
        #[doc = #doc]
        pub fn jvps<#(#lifetimes,)* const LANES: usize>(#(#params,)* #(#tangent_params),*) -> (#public_ret, [#public_ret; LANES]) {
            #(#checks)*
            #(#packs)*
            let (value, tangents) = { #body };
            (#value, #columns)
        }
    }
}

/// Why `jvps` cannot be generated for a function, if it cannot.
pub(crate) fn lanes_unsupported(f: &Func, e: &Emit) -> Option<&'static str> {
    if !f.type_params.is_empty() {
        return Some("generic parameters");
    }
    let structs = f
        .params
        .iter()
        .any(|p| matches!(p.form, ParamForm::Struct(_)));
    if structs
        || f.vars
            .iter()
            .any(|v| matches!(v.kind, Kind::Tensor | Kind::Struct))
    {
        return Some("ndarray arrays or structs");
    }
    let mut reason = None;
    crate::analysis::walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let { op, .. } | Stmt::Assign { op, .. } | Stmt::SetElem { op, .. } = stmt {
            reason = reason.or(op_unsupported(e, op));
        }
    });
    reason
}

fn op_unsupported(e: &Emit, op: &Op) -> Option<&'static str> {
    let active = |o: &Operand| o.var().is_some_and(|v| e.a.facts[v].active);
    match op {
        Op::Cast(a, _) if active(a) => Some("a cast of a differentiable float"),
        _ => None,
    }
}

/// The tangent parameters of `__jvp` and `__fob`, one optional tangent per parameter
/// (`None` meaning zero), and the statements that turn them into tangents: `mut` where
/// the body that reads them (`assigned`: not a call passing them on) assigns the parameter.
pub(crate) fn optional_tangents(
    f: &Func,
    e: &Emit,
    assigned: bool,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let private = &e.private;
    let params = f
        .params
        .iter()
        .map(|p| {
            let (dot, ty) = (e.dot(p.var), positional_type(p, private));
            quote!(#dot: ::core::option::Option<#ty>)
        })
        .collect();
    let unwraps = f
        .params
        .iter()
        .filter(|p| p.differentiable())
        .map(|p| {
            let (dot, id) = (e.dot(p.var), &f.vars[p.var].ident);
            let zero = match p.form {
                ParamForm::Float => e.float("0.0"),
                _ => quote!(#private::zeros_like(&#id)),
            };
            let m = (assigned && p.mutable).then(|| quote!(mut));
            quote!(let #m #dot = match #dot {
                ::core::option::Option::Some(t) => t,
                ::core::option::Option::None => #zero,
            };)
        })
        .collect();
    (params, unwraps)
}
