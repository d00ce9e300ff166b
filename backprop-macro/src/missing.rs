//! Items the attribute did not generate, as stubs with the real signatures: using one is a
//! single compile error that names the argument to add or the item to use instead
//! (`#[diagnostic::on_unimplemented]` on a trait no type implements), not rustc guessing
//! at a similar name.

use crate::args::Args;
use crate::emit::Emit;
use crate::expand::{Signature, tangent_type};
use crate::ir::{Func, Kind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// One stub per public item `f`'s arguments leave out (`jvp` without `forward`, `grad` and
/// `vjp` without reverse mode, `hvp` and `hessian` without `hessian`), and `grad` for a
/// vector result.
pub fn stubs(f: &Func, e: &Emit, sig: &Signature, args: &Args) -> TokenStream {
    let name = f.name.to_string();
    // A method is named as the user wrote it (`Layer::forward`), its items by its module.
    let shown = args.method.clone().unwrap_or_else(|| name.clone());
    let scalar = f.ret_kind == Kind::Float;
    let mut missing: Vec<(Item, String)> = Vec::new();
    let mut add = |item: Item, argument: &str| {
        let message = format!(
            "`{name}::{}` is not generated: write `#[differentiate({argument})]` on `{shown}`",
            item.name()
        );
        missing.push((item, message));
    };
    if !args.reverse {
        if scalar {
            add(Item::Grad, "reverse, forward");
        }
        add(Item::Vjp, "reverse, forward");
    }
    if !args.forward {
        add(Item::Jvp, "reverse, forward");
        add(Item::Jvps, "reverse, forward");
    }
    if scalar && !args.hessian {
        add(Item::Hvp, "hessian");
        add(Item::Hessian, "hessian");
    }
    if let Some(reason) = crate::items::lanes_unsupported(f, e).filter(|_| args.forward) {
        let message = format!(
            "`{name}::jvps` is not generated: `{name}` has {reason}; `jvps` supports functions of floats, arrays, slices and `Vec`s of `f32` or `f64` (no generic float types, ndarray arrays, structs, or casts of differentiable floats): call `{name}::jvp` once per direction"
        );
        missing.push((Item::Jvps, message));
    }
    if !scalar {
        let vector = format!(
            "`{name}` returns a vector: its derivative is a Jacobian, `{name}::jacobian` (or `{name}::vjp` with an upstream gradient)"
        );
        missing.push((Item::Grad, vector));
    }
    let mut stubs: TokenStream = missing
        .into_iter()
        .map(|(item, message)| stub(f, e, sig, item, &message))
        .collect();
    // What another differentiated function's forward mode (`__jvp`) and forward over reverse
    // (`__fob`) call: without them, a call from such a function is one error that says
    // which argument to add, not "cannot find function `__jvp`".
    if !args.forward {
        let message = format!(
            "`{shown}` is called from a function differentiated in forward mode: write `#[differentiate(reverse, forward)]` on `{shown}` (`hessian` if the caller has `hessian`)"
        );
        stubs.extend(hidden_stub(f, e, sig, Hidden::Jvp, &message));
    }
    // Its pullback's type names every parameter's gradient type: a struct that is not
    // `Differentiable` would get one more error there. (A method's receiver is one: its
    // module names its gradient everywhere.)
    let receiver = usize::from(args.method.is_some());
    let structs = f
        .params
        .iter()
        .skip(receiver)
        .any(|p| matches!(p.form, crate::ir::ParamForm::Struct(_)));
    // What a function differentiated in reverse mode calls (`__pullback_at` for a float
    // result, when the call borrows the caller's locals).
    if !args.reverse && !structs {
        let message = format!(
            "`{shown}` is called from a function differentiated in reverse mode: write `#[differentiate(reverse, forward)]` on `{shown}`"
        );
        stubs.extend(hidden_stub(f, e, sig, Hidden::Vjp, &message));
        if scalar {
            stubs.extend(hidden_stub(f, e, sig, Hidden::PullbackAt, &message));
        }
    }
    if !args.hessian && !structs {
        let message = format!(
            "`{shown}` is called from a function differentiated twice (`hessian`): write `#[differentiate(hessian)]` on `{shown}`"
        );
        stubs.extend(hidden_stub(f, e, sig, Hidden::Fob, &message));
    }
    if args.method.is_none() && !structs {
        stubs.extend(nested_stubs(f, e, sig, args));
    }
    stubs
}

/// What a caller differentiating `f::grad` or `f::jvp` (nested differentiation) reads,
/// as stubs where `f` has `hessian` but a shape nested differentiation does not support:
/// `__grad` and `__jvp_value`, their modules' derivatives, and where each field is, so
/// that such a call is one error that says why. Without `hessian`, nothing (stubs would
/// add a few hundred lines to every function's expansion): the caller's macro finds such
/// a callee in its file and says to add `hessian` (`source::lacks_hessian`).
fn nested_stubs(f: &Func, e: &Emit, sig: &Signature, args: &Args) -> TokenStream {
    if !(args.hessian && args.reverse && args.forward) {
        return TokenStream::new();
    }
    let name = &f.name;
    // Why not, as the end of a sentence.
    let reason = match crate::items::nested::nested_shape(f) {
        Ok(_) => return TokenStream::new(),
        Err(reason) => reason,
    };
    let private = &e.private;
    let ret = &f.ret;
    let params = &sig.params;
    let diff: Vec<&crate::ir::Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    let positional: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| crate::expand::positional_type(p, private))
        .collect();
    let flags: Vec<bool> = f.params.iter().map(|p| p.differentiable()).collect();
    let mut stubs = TokenStream::new();
    {
        let message = format!(
            "`{name}::grad` is called inside a differentiated function (nested differentiation), which supports functions with `hessian` returning a float whose differentiable parameters are floats and slices or `&Vec`s of floats: {reason}"
        );
        let value = quote!(::std::vec::Vec<#ret>);
        stubs.extend(nested_item_stub(
            e,
            sig,
            &NestedStub {
                item: format_ident!("__grad"),
                inputs: quote!(#(#params),*),
                tangents: f.params.len(),
                value,
                positional: quote!((#(#positional,)*)),
                differentiable: flags.clone(),
                message: &message,
            },
        ));
        let fields = diff.iter().map(|p| &p.name);
        let seqs: Vec<&syn::Ident> = diff.iter().map(|p| &p.name).collect();
        let (generics, inputs) = (&sig.generics, quote!(#(#params),*));
        let ends = quote! {
            #[allow(unused_imports)]
            use super::super::*;
            #(
                #[allow(unused_variables)]
                pub fn #seqs #generics (#inputs) -> usize {
                    0
                }
            )*
        };
        stubs.extend(quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            pub mod __grad_fields {
                #(pub const #fields: usize = 0;)*
            }
            #[doc(hidden)]
            pub mod __grad_seqs {
                pub mod start {
                    #ends
                }
                pub mod end {
                    #ends
                }
            }
        });
    }
    {
        let message = format!(
            "`{name}::jvp` is called inside a differentiated function (nested differentiation), which supports functions with `hessian` returning a float whose differentiable parameters are floats and slices or `&Vec`s of floats: {reason}"
        );
        let tangents: Vec<TokenStream> = diff
            .iter()
            .map(|p| {
                let (dot, ty) = (e.dot(p.var), tangent_type(p));
                quote!(#dot: #ty)
            })
            .collect();
        let tangent_grads = diff.iter().map(|p| crate::expand::grad_type(p));
        stubs.extend(nested_item_stub(
            e,
            sig,
            &NestedStub {
                item: format_ident!("__jvp_value"),
                inputs: quote!(#(#params,)* #(#tangents),*),
                tangents: f.params.len() + diff.len(),
                value: quote!([#ret; 2]),
                positional: quote!((#(#positional,)* #(#tangent_grads,)*)),
                differentiable: flags
                    .iter()
                    .copied()
                    .chain(diff.iter().map(|_| true))
                    .collect(),
                message: &message,
            },
        ));
    }
    stubs
}

/// `__fob` in a nested item's module (`f::__grad::__fob`), which a caller with `hessian`
/// would call: third derivatives of `f`, which nothing computes. `inputs` are the nested
/// item's parameters, `value` its value type, `positional_types` its pullback's gradients.
pub(crate) fn third_order_stub(
    (f, e, sig): (&Func, &Emit, &Signature),
    inputs: TokenStream,
    value: TokenStream,
    positional_types: &[TokenStream],
    tangents: usize,
) -> TokenStream {
    let name = &f.name;
    let message = format!(
        "`{name}`'s derivatives are called inside a function differentiated twice (`hessian`): nested differentiation computes second derivatives of `{name}` (its `hvp`), and a Hessian of the caller would need its third: differentiate the caller with `reverse, forward`"
    );
    let positional = quote!((#(#positional_types,)*));
    fob_stub(e, sig, &inputs, (&value, &positional), tangents, &message)
}

fn fob_stub(
    e: &Emit,
    sig: &Signature,
    inputs: &TokenStream,
    (value, positional): (&TokenStream, &TokenStream),
    tangents: usize,
    message: &str,
) -> TokenStream {
    let private = &e.private;
    let tangents: Vec<syn::Ident> = (0..tangents).map(|i| format_ident!("__T{}", i)).collect();
    Stub {
        item: format_ident!("__fob"),
        trait_name: format_ident!("__fob_of_callee_is_not_generated"),
        message,
        generics: quote!(#(#tangents),*),
        inputs: quote!(#inputs, #(_: #tangents),*),
        output: quote!((#value, #value, fn(#value, #value) -> (#positional, #positional))),
        body: quote!((
            #private::not_generated(),
            #private::not_generated(),
            |_: #value, _: #value| -> (#positional, #positional) { #private::not_generated() },
        )),
    }
    .print(e, sig)
}

/// A nested item of [`nested_stubs`]: the function and its module of derivatives.
struct NestedStub<'a> {
    item: syn::Ident,
    inputs: TokenStream,
    /// How many tangents `__jvp` takes.
    tangents: usize,
    value: TokenStream,
    /// The pullback's tuple of gradients.
    positional: TokenStream,
    /// Which of its inputs are differentiable (what a caller checks its arguments against).
    differentiable: Vec<bool>,
    message: &'a str,
}

fn nested_item_stub(e: &Emit, sig: &Signature, n: &NestedStub) -> TokenStream {
    let private = &e.private;
    let (item, inputs, value, positional) = (&n.item, &n.inputs, &n.value, &n.positional);
    let differentiable = &n.differentiable;
    let tangents: Vec<syn::Ident> = (0..n.tangents).map(|i| format_ident!("__T{}", i)).collect();
    let stub = |name: &str, generics: TokenStream, inputs: TokenStream, output, body| {
        Stub {
            item: format_ident!("{}", name),
            trait_name: format_ident!("{}_of_callee_is_not_generated", name),
            message: n.message,
            generics,
            inputs,
            output,
            body,
        }
        .print(e, sig)
    };
    let function = stub(
        &item.to_string(),
        TokenStream::new(),
        inputs.clone(),
        value.clone(),
        quote!(#private::not_generated()),
    );
    let vjp = stub(
        "__vjp",
        TokenStream::new(),
        inputs.clone(),
        quote!((#value, fn(#value) -> #positional)),
        quote!((#private::not_generated(), |_: #value| -> #positional { #private::not_generated() })),
    );
    let pullback = stub(
        "__pullback",
        TokenStream::new(),
        inputs.clone(),
        quote!(fn(#value) -> #positional),
        quote!(|_: #value| -> #positional { #private::not_generated() }),
    );
    let jvp = stub(
        "__jvp",
        quote!(#(#tangents),*),
        quote!(#inputs, #(_: #tangents),*),
        quote!((#value, #value)),
        quote!(#private::not_generated()),
    );
    let fob = fob_stub(e, sig, inputs, (value, positional), n.tangents, n.message);
    quote! {
        #function
        #[doc(hidden)]
        pub mod #item {
            #[allow(unused_imports)]
            use super::*;
            pub const __DIFFERENTIABLE: &[bool] = &[#(#differentiable),*];
            #vjp
            #pullback
            #jvp
            #fob
        }
    }
}

/// The items other differentiated functions call that a stub can stand for.
#[derive(Clone, Copy)]
enum Hidden {
    /// The value and its tangent.
    Jvp,
    /// The value, its tangent and a pullback carrying tangents.
    Fob,
    /// The value and the pullback.
    Vjp,
    /// The pullback, from the arguments and the value.
    PullbackAt,
}

impl Hidden {
    fn name(self) -> &'static str {
        match self {
            Hidden::Jvp => "__jvp",
            Hidden::Fob => "__fob",
            Hidden::Vjp => "__vjp",
            Hidden::PullbackAt => "__pullback_at",
        }
    }
}

/// A stub of a [`Hidden`] item; `__jvp` and `__fob` take one tangent of any type per
/// parameter, as the callers pass them.
fn hidden_stub(f: &Func, e: &Emit, sig: &Signature, item: Hidden, message: &str) -> TokenStream {
    let private = &e.private;
    let (params, ret) = (&sig.params, &sig.ret);
    let positional: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| crate::expand::positional_type(p, private))
        .collect();
    let grads = quote!((#(#positional,)*));
    // Pullbacks as function pointers, not `impl FnOnce`: an opaque type would repeat the
    // error of the bound.
    let pullback = quote!(|_: #ret| -> #grads { #private::not_generated() });
    let tangents: Vec<syn::Ident> = match item {
        Hidden::Jvp | Hidden::Fob => (0..f.params.len())
            .map(|i| format_ident!("__T{}", i))
            .collect(),
        Hidden::Vjp | Hidden::PullbackAt => Vec::new(),
    };
    let (extra, output, body) = match item {
        Hidden::Jvp => (
            quote!(#(_: #tangents),*),
            quote!((#ret, #ret)),
            quote!(#private::not_generated()),
        ),
        Hidden::Vjp => (
            TokenStream::new(),
            quote!((#ret, fn(#ret) -> #grads)),
            quote!((#private::not_generated(), #pullback)),
        ),
        Hidden::PullbackAt => (quote!(_: #ret), quote!(fn(#ret) -> #grads), pullback),
        Hidden::Fob => (
            quote!(#(_: #tangents),*),
            quote!((#ret, #ret, fn(#ret, #ret) -> (#grads, #grads))),
            quote!((
                #private::not_generated(),
                #private::not_generated(),
                |_: #ret, _: #ret| -> (#grads, #grads) { #private::not_generated() },
            )),
        ),
    };
    let item = format_ident!("{}", item.name());
    let trait_name = format_ident!("{}_of_callee_is_not_generated", item);
    let stub = Stub {
        item,
        trait_name,
        message,
        generics: quote!(#(#tangents),*),
        inputs: quote!(#(#params,)* #extra),
        output,
        body,
    };
    stub.print(e, sig)
}

/// An item that is not generated: a trait no type implements, with the message, and the
/// item, whose bound on it makes every use the one error that says what to do.
struct Stub<'a> {
    item: syn::Ident,
    trait_name: syn::Ident,
    message: &'a str,
    /// Generic parameters after the signature's own.
    generics: TokenStream,
    inputs: TokenStream,
    output: TokenStream,
    body: TokenStream,
}

impl Stub<'_> {
    fn print(self, e: &Emit, sig: &Signature) -> TokenStream {
        let Stub {
            item,
            trait_name,
            message,
            generics,
            inputs,
            output,
            body,
        } = self;
        let private = &e.private;
        // A named lifetime makes the bound generic, so it is checked where the stub is
        // called.
        let (lifetimes, type_params) = (sig.lifetimes.iter(), sig.type_params.iter());
        quote! {
            #[doc(hidden)]
            #[diagnostic::on_unimplemented(message = #message, label = "not generated by `#[differentiate]`")]
            pub trait #trait_name {}
            #[doc(hidden)]
            #[allow(clippy::too_many_arguments, clippy::type_complexity)]
            pub fn #item<'__stub, #(#lifetimes,)* #(#type_params,)* #generics>(#inputs) -> #output
            where
                #private::NotGenerated<'__stub>: #trait_name,
            {
                #body
            }
        }
    }
}

/// The public items a stub can stand for.
#[derive(Clone, Copy, PartialEq)]
enum Item {
    Grad,
    Vjp,
    Jvp,
    Jvps,
    Hvp,
    Hessian,
}

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::Grad => "grad",
            Item::Vjp => "vjp",
            Item::Jvp => "jvp",
            Item::Jvps => "jvps",
            Item::Hvp => "hvp",
            Item::Hessian => "hessian",
        }
    }
}

fn stub(f: &Func, e: &Emit, sig: &Signature, item: Item, message: &str) -> TokenStream {
    let private = &e.private;
    let (params, grad, ret) = (&sig.params, &sig.grad, &sig.ret);
    let tangents: Vec<TokenStream> = f
        .params
        .iter()
        .filter(|p| p.differentiable())
        .map(|p| {
            let (dot, ty) = (e.dot(p.var), tangent_type(p));
            match item {
                Item::Jvps => quote!(#dot: [#ty; LANES]),
                _ => quote!(#dot: #ty),
            }
        })
        .collect();
    let (inputs, output) = match item {
        Item::Grad => (quote!(#(#params),*), quote!((#ret, #grad))),
        Item::Vjp => (
            quote!(#(#params),*),
            quote!((#ret, impl ::core::ops::FnOnce(#ret) -> #grad)),
        ),
        Item::Jvp => (quote!(#(#params,)* #(#tangents),*), quote!((#ret, #ret))),
        Item::Jvps => (
            quote!(#(#params,)* #(#tangents),*),
            quote!((#ret, [#ret; LANES])),
        ),
        Item::Hvp => (
            quote!(#(#params,)* #(#tangents),*),
            quote!((#ret, #grad, #grad)),
        ),
        Item::Hessian => (
            quote!(#(#params),*),
            quote!((#ret, #grad, ::std::vec::Vec<#grad>)),
        ),
    };
    let body = if item == Item::Vjp {
        quote!((#private::not_generated(), move |_: #ret| -> #grad { #private::not_generated() }))
    } else {
        quote!(#private::not_generated())
    };
    let lanes = match item {
        Item::Jvps => quote!(const LANES: usize),
        _ => TokenStream::new(),
    };
    let item = format_ident!("{}", item.name());
    let trait_name = format_ident!("__{}_is_not_generated", item);
    let stub = Stub {
        item,
        trait_name,
        message,
        generics: lanes,
        inputs,
        output,
        body,
    };
    stub.print(e, sig)
}
