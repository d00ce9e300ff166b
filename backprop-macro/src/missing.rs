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
    stubs
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
