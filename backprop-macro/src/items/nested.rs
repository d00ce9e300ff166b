//! Nested differentiation: what another differentiated function needs to differentiate a
//! call to this one's `grad` (`let (v, g) = f::grad(x, y);`, then `g.x`, `g.y`).
//!
//! The caller reads the call as `f::__grad(x, y)`, the array `[value, ∂f/∂x, ∂f/∂y, ...]`
//! (`f::__grad_fields::x` says where `g.x` is), and differentiates it through the module
//! `f::__grad`, built on `hvp`: for an upstream `(ū, ḡ)`, the inputs' gradient is
//! `ū·∇f + H·ḡ` (reverse over reverse); for input tangents `ṫ`, the tangent is
//! `(∇f·ṫ, H·ṫ)` (forward over reverse). A call to `f::jvp` is read as `f::__jvp_value`,
//! `[value, tangent]`, differentiated the same way. For functions with `hessian` whose
//! differentiable parameters are floats and slices or `&Vec`s of floats
//! ([`nested_shape`]): with sequences `p`, `q`, `__grad` is a vector, each sequence's
//! gradient from `f::__grad_seqs::start::q(args)` to `f::__grad_seqs::end::q(args)` (after
//! the floats', in the parameters' order), and a sequence's terms go through the runtime's
//! `nested::{flat, dot, scaled, scaled_plus, combine}`.

use crate::emit::Emit;
use crate::expand::*;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// `let (v, d) = f::jvp(args, tangents);` in another differentiated function: `jvp` as the
/// array `[value, tangent]` (`__jvp_value`) and its derivatives, by `hvp`: the tangent
/// `d = ∇f·ṫ` changes with the arguments by `H·ṫ` and with the tangents by `∇f`. A
/// sequence's terms go through `nested::{dot, scaled, combine}`, a float's are written out.
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
    let (params, call_args, generics) = (&sig.params, &sig.args, &sig.generics);
    let t = JvpTerms::new(f, e, diff);
    let (tangents, dx, dt) = (&t.tangents, &t.dx, &t.dt);
    let tangent_params: Vec<TokenStream> = diff
        .iter()
        .zip(tangents)
        .map(|(p, t)| {
            let ty = tangent_type(p);
            quote!(#t: #ty)
        })
        .collect();
    let positional_types: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| positional_type(p, private))
        .chain(diff.iter().map(|p| grad_type(p)))
        .collect();
    let arg_grads = f.params.iter().map(|p| match t.is_seq(p) {
        Some(true) => {
            let n = &p.name;
            quote!(#private::nested::combine(up[0], &gradient.#n, up[1], product.#n))
        }
        Some(false) => {
            let n = &p.name;
            quote!(up[0] * gradient.#n + up[1] * product.#n)
        }
        None => not_differentiated(p, private),
    });
    let tangent_grads = diff.iter().map(|p| {
        let n = &p.name;
        match t.is_seq(p) == Some(true) {
            true => quote!(#private::nested::scaled(up[1], gradient.#n)),
            false => quote!(up[1] * gradient.#n),
        }
    });
    let option_params = optional_tangents(f, diff, (dx, dt), private);
    let flags = differentiable
        .iter()
        .copied()
        .chain(diff.iter().map(|_| true));
    let inputs = quote!(#(#params,)* #(#tangent_params),*);
    let (owned, borrowed) = (&t.owned_tangents, &t.borrowed);
    let vjp = vjp_and_pullback(
        sig,
        (
            &quote!(__jvp_value),
            &inputs,
            &quote!(#(#call_args,)* #(#tangents),*),
        ),
        (&quote!([#ret; 2]), &positional_types),
        quote! {
            let (_, gradient, product) = hvp(#(#call_args,)* #(#borrowed),*);
            (#(#arg_grads,)* #(#tangent_grads,)*)
        },
        owned.clone(),
    );
    let fob = crate::missing::third_order_stub(
        (f, e, sig),
        inputs.clone(),
        quote!([#ret; 2]),
        &positional_types,
        f.params.len() + diff.len(),
    );
    let (unwrapped, arg_dots) = (&t.unwrapped, &t.arg_dots);
    let (value_dot, tangent_dot) = (&t.value_dot, &t.tangent_dot);
    quote! {
        /// `jvp` as the array `[value, tangent]`, for callers that differentiate it.
        #[doc(hidden)]
        #[inline]
        pub fn __jvp_value #generics (#inputs) -> [#ret; 2] {
            let (value, tangent) = jvp(#(#call_args,)* #(#tangents),*);
            [value, tangent]
        }

        /// The derivatives of `__jvp_value`, through `hvp`.
        #[doc(hidden)]
        pub mod __jvp_value {
            #[allow(unused_imports)]
            use super::*;

            pub const __DIFFERENTIABLE: &[bool] = &[#(#flags),*];

            #vjp

            #[inline]
            pub fn __jvp #generics (#inputs, #(#option_params),*) -> ([#ret; 2], [#ret; 2]) {
                #(#unwrapped)*
                // The value and tangent as `jvp` computes them (bit for bit what the
                // caller's value reads), and the gradient at the arguments and the Hessian
                // along their tangents, from one `hvp`.
                let value = super::__jvp_value(#(#call_args,)* #(#tangents),*);
                let (_, gradient, moved) = hvp(#(#call_args,)* #(#arg_dots),*);
                (
                    value,
                    [#zero #(#value_dot)*, #zero #(#tangent_dot)*],
                )
            }

            #fob
        }
    }
}

/// The per-parameter pieces of `__jvp_value`'s derivatives ([`jvp_value_items`]).
struct JvpTerms<'a> {
    diff: Vec<&'a Param>,
    /// The tangents (`dot_x`), their tangents in `__jvp` (`d_dot_x`), and the arguments'
    /// tangents there (`d_x`, one per parameter).
    tangents: Vec<syn::Ident>,
    dt: Vec<syn::Ident>,
    dx: Vec<syn::Ident>,
    /// The pullback's copies of sequence tangents (it outlives their borrow), and the
    /// tangents as it passes them to `hvp`.
    owned_tangents: TokenStream,
    borrowed: Vec<TokenStream>,
    /// In `__jvp`: a sequence's optional tangents unwrapped (a zero where none), each
    /// argument's tangent as `hvp` takes it, and the terms of the value's change with the
    /// arguments, and of the tangent's with the arguments and the tangents.
    unwrapped: Vec<TokenStream>,
    arg_dots: Vec<TokenStream>,
    value_dot: Vec<TokenStream>,
    tangent_dot: Vec<TokenStream>,
}

impl<'a> JvpTerms<'a> {
    fn new(f: &'a Func, e: &Emit, diff: &[&'a Param]) -> Self {
        let private = &e.private;
        let zero = e.float("0.0");
        let dot = quote!(#private::nested::dot);
        let names: Vec<&syn::Ident> = diff.iter().map(|p| &p.name).collect();
        let tangents: Vec<syn::Ident> = names.iter().map(|n| format_ident!("dot_{}", n)).collect();
        let dt: Vec<syn::Ident> = names.iter().map(|n| format_ident!("d_dot_{}", n)).collect();
        let dx: Vec<syn::Ident> = f
            .params
            .iter()
            .map(|p| format_ident!("d_{}", p.name))
            .collect();
        let mut t = JvpTerms {
            diff: diff.to_vec(),
            tangents,
            dt,
            dx,
            owned_tangents: TokenStream::new(),
            borrowed: Vec::new(),
            unwrapped: Vec::new(),
            arg_dots: Vec::new(),
            value_dot: Vec::new(),
            tangent_dot: Vec::new(),
        };
        for (k, p) in diff.iter().enumerate() {
            let (n, tan, dd) = (&p.name, &t.tangents[k], &t.dt[k]);
            let d = format_ident!("d_{}", p.name);
            if matches!(p.form, ParamForm::Seq(_)) {
                let arg = &f.vars[p.var].ident;
                t.owned_tangents.extend(quote!(let #tan = #tan.to_vec();));
                t.borrowed.push(quote!(&#tan));
                t.unwrapped.push(quote! {
                    let #d = #d.unwrap_or_else(|| #private::zeros_like(&#arg));
                    let #dd = #dd.unwrap_or_else(|| #private::zeros_like(&#arg));
                });
                t.arg_dots.push(quote!(&#d));
                t.value_dot.push(quote!(+ #dot(&gradient.#n, &#d)));
                t.tangent_dot
                    .push(quote!(+ #dot(&moved.#n, #tan) + #dot(&gradient.#n, &#dd)));
            } else {
                t.borrowed.push(quote!(#tan));
                t.arg_dots.push(quote!(#d.unwrap_or(#zero)));
                t.value_dot
                    .push(quote!(+ gradient.#n * #d.unwrap_or(#zero)));
                t.tangent_dot
                    .push(quote!(+ moved.#n * #tan + gradient.#n * #dd.unwrap_or(#zero)));
            }
        }
        t
    }

    /// Whether `p` is a differentiable sequence (`Some(true)`), float, or neither.
    fn is_seq(&self, p: &Param) -> Option<bool> {
        self.diff
            .iter()
            .any(|q| q.name == p.name)
            .then_some(matches!(p.form, ParamForm::Seq(_)))
    }
}

/// `__jvp_value::__jvp`'s optional tangents: `dx` of the arguments, `dt` of the tangents.
fn optional_tangents(
    f: &Func,
    diff: &[&Param],
    (dx, dt): (&[syn::Ident], &[syn::Ident]),
    private: &TokenStream,
) -> Vec<TokenStream> {
    let of_args = f.params.iter().zip(dx).map(|(p, d)| {
        let ty = positional_type(p, private);
        quote!(#d: ::core::option::Option<#ty>)
    });
    let of_tangents = dt.iter().zip(diff).map(|(d, p)| {
        let ty = grad_type(p);
        quote!(#d: ::core::option::Option<#ty>)
    });
    of_args.chain(of_tangents).collect()
}

/// What a nested `grad` of `f` reads: no sequences when its differentiable parameters are
/// all floats (`__grad` is an array), else the slices or `&Vec`s of floats among them, in
/// order (`__grad` is a vector, their gradients last); why not, when neither (a sentence
/// ending the error at a caller's nested `grad`).
pub(crate) fn nested_shape(f: &Func) -> Result<Vec<&Param>, String> {
    if f.ret_kind != Kind::Float {
        return Err(format!("`{}` returns a value that is not a float", f.name));
    }
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
    if let Some(p) = f.params.iter().find(|p| !copied(p)) {
        return Err(format!(
            "`{}` takes `{}` by value (pass a sequence by reference, `&[f64]`)",
            f.name, p.name
        ));
    }
    let mut sequences = Vec::new();
    for p in f.params.iter().filter(|p| p.differentiable()) {
        match &p.form {
            ParamForm::Float => {}
            ParamForm::Seq(grad) if of_floats(grad) => sequences.push(p),
            _ => {
                return Err(format!(
                    "`{}` has a parameter `{}` that is an array, a struct or a nested sequence",
                    f.name, p.name
                ));
            }
        }
    }
    Ok(sequences)
}

/// A nested item's `__vjp` (its value, from the item `item` of `inputs` called with
/// `args`, and `__pullback`) and `__pullback`, whose closure maps the upstream `up` of type
/// `value` to the gradients by `body` (through `hvp`): a caller's backward pass makes the
/// pullback alone, without computing the value (a gradient) again.
fn vjp_and_pullback(
    sig: &Signature,
    (item, inputs, args): (&TokenStream, &TokenStream, &TokenStream),
    (value, positional_types): (&TokenStream, &[TokenStream]),
    body: TokenStream,
    prelude: TokenStream,
) -> TokenStream {
    let (generics, capture) = (&sig.generics, &sig.capture);
    let pullback = quote!(impl ::core::ops::FnOnce(#value) -> (#(#positional_types,)*) #capture);
    quote! {
        #[inline]
        pub fn __vjp #generics (#inputs) -> (#value, #pullback) {
            (super::#item(#args), __pullback(#args))
        }

        /// The pullback alone, for a caller's backward pass (it has the value).
        #[inline]
        pub fn __pullback #generics (#inputs) -> #pullback {
            #prelude
            move |up: #value| { #body }
        }
    }
}

/// Whether a sequence's gradient type is a `Vec` of floats (not of sequences).
fn of_floats(grad: &syn::Type) -> bool {
    let syn::Type::Path(p) = grad else {
        return false;
    };
    match p.path.segments.last().map(|s| &s.arguments) {
        Some(syn::PathArguments::AngleBracketed(a)) => match a.args.first() {
            Some(syn::GenericArgument::Type(syn::Type::Path(elem))) => elem
                .path
                .segments
                .last()
                .is_some_and(|s| s.arguments.is_none()),
            _ => false,
        },
        _ => false,
    }
}

pub(crate) fn nested_items(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    let differentiable: Vec<bool> = f.params.iter().map(|p| p.differentiable()).collect();
    let grad = match nested_shape(f) {
        Ok(seqs) if seqs.is_empty() => float_items(f, e, sig, &diff),
        Ok(seqs) => sequence_items(f, e, sig, &diff, &seqs),
        Err(_) => return TokenStream::new(),
    };
    let jvp_value = jvp_value_items(f, e, sig, &diff, &differentiable);
    quote!(#jvp_value #grad)
}

/// [`nested_items`]' `__grad` for a function whose differentiable parameters are all
/// floats: the array `[value, ∂/∂x, ...]`.
fn float_items(f: &Func, e: &Emit, sig: &Signature, diff: &[&Param]) -> TokenStream {
    let private = &e.private;
    let ret = &f.ret;
    let call_args = &sig.args;
    let n = proc_macro2::Literal::usize_unsuffixed(diff.len() + 1);
    let names: Vec<&syn::Ident> = diff.iter().map(|p| &p.name).collect();
    let indices = (1..=diff.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let zero = e.float("0.0");
    // The positional gradient of each parameter from the inputs' gradient `grad + hv`.
    let positional = f.params.iter().map(|p| {
        let name = &p.name;
        if p.differentiable() {
            quote!(up[0] * gradient.#name + product.#name)
        } else {
            not_differentiated(p, private)
        }
    });
    let ups = (1..=diff.len()).map(|i| {
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote!(up[#i])
    });
    let dots = optional_dots(f);
    let tangent_args = f
        .params
        .iter()
        .zip(&dots)
        .filter(|(p, _)| p.differentiable())
        .map(|(_, d)| quote!(#d.unwrap_or(#zero)));
    let directional = names
        .iter()
        .zip(&dots)
        .map(|(name, d)| quote!(+ gradient.#name * #d.unwrap_or(#zero)));
    let products = names.iter().map(|name| quote!(product.#name));
    let module = grad_module(
        (f, e, sig),
        " `grad` as the array `[value, ∂/∂x, ...]`, for callers that differentiate it.",
        quote!([#ret; #n]),
        quote!([value, #(gradient.#names),*]),
        quote! {
            let (_, gradient, product) = hvp(#(#call_args,)* #(#ups),*);
            (#(#positional,)*)
        },
        quote! {
            let (value, gradient, product) = hvp(#(#call_args,)* #(#tangent_args),*);
            (
                [value, #(gradient.#names),*],
                [#zero #(#directional)*, #(#products),*],
            )
        },
    );
    quote! {
        /// Where each parameter's derivative is in `__grad`'s array.
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub mod __grad_fields {
            #(pub const #names: usize = #indices;)*
        }

        #module
    }
}

/// `dot_x` for each parameter: `__jvp`'s optional tangents.
fn optional_dots(f: &Func) -> Vec<syn::Ident> {
    f.params
        .iter()
        .map(|p| format_ident!("dot_{}", p.name))
        .collect()
}

/// `__grad`, the gradient as `value` (from `grad`'s `value` and `gradient`, by `body`,
/// documented by `doc`), and the module of its derivatives: `__vjp` and `__pullback`
/// (the upstream `up` mapped to the gradients by `pullback`), `__jvp` (from the optional
/// tangents `dot_x`, by `jvp`) and the `__fob` stub.
fn grad_module(
    (f, e, sig): (&Func, &Emit, &Signature),
    doc: &str,
    value: TokenStream,
    body: TokenStream,
    pullback: TokenStream,
    jvp: TokenStream,
) -> TokenStream {
    let private = &e.private;
    let (params, call_args, generics) = (&sig.params, &sig.args, &sig.generics);
    let positional_types: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| positional_type(p, private))
        .collect();
    let option_params = f.params.iter().zip(optional_dots(f)).map(|(p, d)| {
        let ty = positional_type(p, private);
        quote!(#d: ::core::option::Option<#ty>)
    });
    let differentiable = f.params.iter().map(|p| p.differentiable());
    let inputs = quote!(#(#params),*);
    let vjp = vjp_and_pullback(
        sig,
        (&quote!(__grad), &inputs, &quote!(#(#call_args),*)),
        (&value, &positional_types),
        pullback,
        TokenStream::new(),
    );
    let fob = crate::missing::third_order_stub(
        (f, e, sig),
        inputs,
        value.clone(),
        &positional_types,
        f.params.len(),
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[inline]
        pub fn __grad #generics (#(#params),*) -> #value {
            let (value, gradient) = grad(#(#call_args),*);
            #body
        }

        /// The derivatives of `__grad`, through `hvp`.
        #[doc(hidden)]
        pub mod __grad {
            #[allow(unused_imports)]
            use super::*;

            pub const __DIFFERENTIABLE: &[bool] = &[#(#differentiable),*];

            #vjp

            #[inline]
            pub fn __jvp #generics (#(#params,)* #(#option_params),*) -> (#value, #value) {
                #jvp
            }

            #fob
        }
    }
}

/// Each parameter's gradient in a sequence function's nested pullback: `ū·∇f + H·ḡ`, from
/// `hvp`'s `gradient` and `product` and the upstream `up`.
fn sequence_pullback_grads(f: &Func, private: &TokenStream) -> Vec<TokenStream> {
    let grads = f.params.iter().map(|p| {
        let name = &p.name;
        match p.form {
            ParamForm::Float => quote!(up[0] * gradient.#name + product.#name),
            ParamForm::Seq(_) => {
                quote!(#private::nested::scaled_plus(up[0], &gradient.#name, product.#name))
            }
            _ => not_differentiated(p, private),
        }
    });
    grads.collect()
}

/// `hvp`'s tangents in a sequence function's nested pullback (from the upstream `up`, each
/// sequence's from where [`Offsets`] says) and in its `__jvp` (from the optional tangents
/// `dots`).
fn hvp_tangents(
    f: &Func,
    e: &Emit,
    offsets: &Offsets,
    dots: &[syn::Ident],
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let zero = e.float("0.0");
    let mut up_index = 0;
    let (mut up_tangents, mut tangents) = (Vec::new(), Vec::new());
    for (p, d) in f.params.iter().zip(dots) {
        match p.form {
            ParamForm::Float => {
                up_index += 1;
                let i = proc_macro2::Literal::usize_unsuffixed(up_index);
                up_tangents.push(quote!(up[#i]));
                tangents.push(quote!(#d.unwrap_or(#zero)));
            }
            ParamForm::Seq(_) => {
                // `hvp` takes the sequence's tangent as the parameter's type: a slice of
                // the upstream for `&[T]`, a copy of it for `&Vec<T>`.
                let (start, end) = offsets.of(&p.name);
                let slice = matches!(&p.ty, syn::Type::Reference(r)
                    if matches!(*r.elem, syn::Type::Slice(_)));
                up_tangents.push(match slice {
                    true => quote!(&up[#start..#end]),
                    false => quote!(&up[#start..#end].to_vec()),
                });
                tangents.push(quote!(&#d));
            }
            _ => {}
        }
    }
    (up_tangents, tangents)
}

/// Where each sequence's gradient is in a nested `__grad`'s vector: after the value and
/// the floats', one after another in the parameters' order, each as long as its argument.
struct Offsets {
    /// The sequence parameters' names, with the expressions of where each starts and ends
    /// (in terms of the arguments' names).
    ranges: Vec<(syn::Ident, TokenStream, TokenStream)>,
}

impl Offsets {
    fn new(f: &Func, floats: usize, seqs: &[&Param]) -> Self {
        let mut start = {
            let first = proc_macro2::Literal::usize_unsuffixed(floats + 1);
            quote!(#first)
        };
        let mut ranges = Vec::new();
        for p in seqs {
            let arg = &f.vars[p.var].ident;
            let end = quote!(#start + #arg.len());
            ranges.push((p.name.clone(), start, end.clone()));
            start = end;
        }
        Offsets { ranges }
    }

    fn of(&self, name: &syn::Ident) -> (&TokenStream, &TokenStream) {
        let (_, start, end) = self
            .ranges
            .iter()
            .find(|(n, ..)| n == name)
            .expect("a sequence parameter");
        (start, end)
    }
}

/// [`nested_items`] for a function whose differentiable parameters are floats and the
/// sequences `seqs`: `__grad` is the vector `[value, ∂/∂(each float), ∂/∂(each
/// sequence)...]`, each sequence's gradient from `f::__grad_seqs::start::q(args)` to
/// `f::__grad_seqs::end::q(args)`, and its derivatives are `hvp`'s as for floats (`ū·∇f +
/// H·ḡ` backward, `(∇f·ṫ, H·ṫ)` forward).
fn sequence_items(
    f: &Func,
    e: &Emit,
    sig: &Signature,
    diff: &[&Param],
    seqs: &[&Param],
) -> TokenStream {
    let private = &e.private;
    let ret = &f.ret;
    let zero = e.float("0.0");
    let (call_args, generics) = (&sig.args, &sig.generics);
    let params = &sig.params;
    let inputs = quote!(#(#params),*);
    let floats: Vec<&syn::Ident> = diff
        .iter()
        .filter(|p| matches!(p.form, ParamForm::Float))
        .map(|p| &p.name)
        .collect();
    let indices = (1..=floats.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let offsets = Offsets::new(f, floats.len(), seqs);
    let dots = optional_dots(f);
    let (up_tangents, tangents) = hvp_tangents(f, e, &offsets, &dots);
    let positional = sequence_pullback_grads(f, private);
    let float_dots = f
        .params
        .iter()
        .zip(&dots)
        .filter(|(p, _)| matches!(p.form, ParamForm::Float))
        .map(|(_, d)| d);
    let names: Vec<&syn::Ident> = seqs.iter().map(|p| &p.name).collect();
    let args: Vec<&syn::Ident> = seqs.iter().map(|p| &f.vars[p.var].ident).collect();
    let seq_dots: Vec<syn::Ident> = names.iter().map(|q| format_ident!("dot_{}", q)).collect();
    let flat = quote!(#private::nested::flat);
    let (starts, ends): (Vec<&TokenStream>, Vec<&TokenStream>) =
        names.iter().map(|q| offsets.of(q)).unzip();
    let module = grad_module(
        (f, e, sig),
        " `grad` as the vector `[value, ∂/∂(each float), ∂/∂(each sequence)...]`, for callers that differentiate it.",
        quote!(::std::vec::Vec<#ret>),
        quote!(#flat(&[value, #(gradient.#floats),*], &[#(&gradient.#names[..]),*])),
        quote! {
            let (_, gradient, product) = hvp(#(#call_args,)* #(#up_tangents),*);
            (#(#positional,)*)
        },
        quote! {
            #(let #seq_dots = #seq_dots.unwrap_or_else(|| #private::zeros_like(&#args));)*
            let (value, gradient, product) = hvp(#(#call_args,)* #(#tangents),*);
            let directional = #zero
                #(+ gradient.#floats * #float_dots.unwrap_or(#zero))*
                #(+ #private::nested::dot(&gradient.#names, &#seq_dots))*;
            (
                #flat(&[value, #(gradient.#floats),*], &[#(&gradient.#names[..]),*]),
                #flat(&[directional, #(product.#floats),*], &[#(&product.#names[..]),*]),
            )
        },
    );
    quote! {
        /// Where each float parameter's derivative is in `__grad`'s vector.
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub mod __grad_fields {
            #(pub const #floats: usize = #indices;)*
        }

        /// Where each sequence's gradient starts and ends in `__grad`'s vector, from the
        /// arguments' lengths.
        #[doc(hidden)]
        pub mod __grad_seqs {
            pub mod start {
                #[allow(unused_imports)]
                use super::super::*;
                #(
                    #[allow(unused_variables)]
                    #[inline]
                    pub fn #names #generics (#inputs) -> usize {
                        #starts
                    }
                )*
            }
            pub mod end {
                #[allow(unused_imports)]
                use super::super::*;
                #(
                    #[allow(unused_variables)]
                    #[inline]
                    pub fn #names #generics (#inputs) -> usize {
                        #ends
                    }
                )*
            }
        }

        #module
    }
}
