//! The public items of the module `#[differentiate]` writes: `Grad`, `grad`, `vjp` and
//! `__vjp` here, assembled with the forward, Jacobian, second-order and nested items and the
//! stubs.

mod forward;
mod hessian;
mod jacobian;
pub(crate) mod nested;
mod owned;
mod recursion;

pub(crate) use forward::*;
pub(crate) use hessian::*;
pub(crate) use jacobian::*;

use crate::args::Args;
use crate::emit::{Emit, Moved};
use crate::expand::*;
use crate::ir::*;
use crate::names::Derived;
use crate::{analysis, missing, reverse};
use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote};
use std::collections::BTreeSet;

pub(crate) fn module(
    f: &Func,
    a: &analysis::Analysis,
    backward: &[reverse::B],
    args: &Args,
) -> TokenStream {
    let e = Emit::new(f, a, args);
    let name = &f.name;
    let vis = &f.vis;
    let sig = signature(f);
    let private = &e.private;
    let grad_struct = grad_struct(f, &sig);
    let positional_types: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| positional_type(p, private))
        .collect();
    // Each kind of item is printed only when the function asks for it: printing the
    // tangent code of a reverse-only function cost a third of its expansion time.
    let (reverse_items, boxed) = match args.reverse {
        true => (
            reverse_items(
                f,
                &e,
                backward,
                &sig,
                &positional_types,
                args.method.is_some(),
            ),
            {
                let boxed = boxed_vjp(f, &sig, &positional_types);
                let into = recursion::into_vjp(f, &e, backward, &sig, &positional_types);
                let tape = recursion::tape_items(f, &e, backward, &sig, &positional_types);
                quote!(#boxed #into #tape)
            },
        ),
        false => (TokenStream::new(), TokenStream::new()),
    };
    let forward_items = match args.forward {
        true => forward_items(f, &e, &sig),
        false => TokenStream::new(),
    };
    let jacobian_items = if matches!(f.ret_kind, Kind::Seq | Kind::Tensor) {
        jacobian_items(f, &e, backward, &sig, args)
    } else {
        TokenStream::new()
    };
    let second_order = if args.hessian && args.reverse && args.forward {
        let nested = nested::nested_items(f, &e, &sig);
        let items = second_order_items(f, a, args, &sig);
        quote!(#items #nested)
    } else {
        TokenStream::new()
    };
    let stubs = missing::stubs(f, &e, &sig, args);
    let handle = match args.method {
        Some(_) => handle(&[&reverse_items, &forward_items, &second_order, &stubs]),
        None => TokenStream::new(),
    };
    let (reverse_items, forward_items) = (Moved::new(reverse_items), Moved::new(forward_items));
    let items = match (args.reverse, args.forward) {
        (true, true) => {
            quote!(#grad_struct #reverse_items #boxed #forward_items #jacobian_items #second_order)
        }
        (false, true) => quote!(#grad_struct #forward_items #jacobian_items),
        _ => quote!(#grad_struct #reverse_items #boxed #jacobian_items),
    };
    let items = Moved::new(items);
    let doc_mod = module_doc(f, args);
    let lints = allowed_lints();
    let differentiable = f.params.iter().map(|p| p.differentiable());
    let checks = call_checks(f, a, private);
    let local_items = &f.items;

    quote! {
        #[doc = #doc_mod]
        #lints
        #vis mod #name {
            #[allow(unused_imports)]
            use super::*;
            #(#local_items)*

            #items

            // What other differentiated functions read, checks, and the items not generated.
            #[doc(hidden)]
            pub const __DIFFERENTIABLE: &[bool] = &[#(#differentiable),*];

            #(#checks)*

            #stubs

            #handle
        }
    }
}

/// The items a call in another differentiated function reaches a callee through.
const CALLED_ITEMS: &[&str] = &["__vjp", "__vjp_owned", "__pullback_at", "__jvp", "__fob"];

/// A method's module: `Handle`, with the items other generated code calls
/// ([`CALLED_ITEMS`], generated or stubs) as its associated functions, taking the same
/// arguments. A call `m.hidden.forward(x)` in another differentiated function reaches them
/// as `m.hidden.__differentiate_forward().__vjp(&m.hidden, x)`: the receiver's type finds
/// the module, which the caller's macro cannot name (it does not know that type).
fn handle(items: &[&TokenStream]) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    let mut fns = Vec::new();
    for stream in items {
        let tokens: Vec<TokenTree> = (*stream).clone().into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            let (TokenTree::Ident(kw), Some(TokenTree::Ident(name))) = (token, tokens.get(i + 1))
            else {
                continue;
            };
            if kw != "fn" || !CALLED_ITEMS.contains(&name.to_string().as_str()) {
                continue;
            }
            // The signature runs to the body, the first braces after `fn`.
            let Some(len) = tokens[i..].iter().position(
                |t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace),
            ) else {
                continue;
            };
            let signature: TokenStream = tokens[i..i + len].iter().cloned().collect();
            let Ok(mut sig) = syn::parse2::<syn::Signature>(signature) else {
                continue;
            };
            let mut args = Vec::new();
            for (k, input) in sig.inputs.iter_mut().enumerate() {
                if let syn::FnArg::Typed(t) = input {
                    let arg = match &*t.pat {
                        syn::Pat::Ident(p) => p.ident.clone(),
                        _ => quote::format_ident!("__arg{k}"),
                    };
                    *t.pat = syn::parse_quote!(#arg);
                    args.push(arg);
                }
            }
            sig.inputs.insert(0, syn::parse_quote!(self));
            fns.push(quote! {
                #[inline(always)]
                pub #sig {
                    #name(#(#args),*)
                }
            });
        }
    }
    quote! {
        /// What calls on a receiver of the method's type reach this module through (the
        /// type's hidden method `__differentiate_*` gives it).
        #[doc(hidden)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        pub struct Handle;

        impl Handle {
            #(#fns)*
        }
    }
}

/// `Grad`: one field per differentiable parameter, `Copy` when every field is.
fn grad_struct(f: &Func, sig: &Signature) -> TokenStream {
    let name = &f.name;
    let grad_params = &sig.grad_params;
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    let fields = diff.iter().map(|p| {
        let (field, ty) = (&p.name, grad_type(p));
        let doc = format!("∂{name}/∂{field}: the gradient with respect to `{field}`.");
        quote!(#[doc = #doc] pub #field: #ty)
    });
    let copy = if diff.iter().all(|p| {
        matches!(p.form, ParamForm::Float)
            || matches!(&p.form, ParamForm::Seq(t) if matches!(**t, syn::Type::Array(_)))
    }) {
        quote!(::core::marker::Copy,)
    } else {
        TokenStream::new()
    };
    let doc = format!(
        "The gradient of [`{name}`](fn@{name}): one field per differentiable parameter, named after it."
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, #copy ::core::cmp::PartialEq)]
        pub struct Grad #grad_params {
            #(#fields,)*
        }
    }
}

/// The module's documentation: which items it has.
fn module_doc(f: &Func, args: &Args) -> String {
    let name = &f.name;
    let mut listed = Vec::new();
    if args.reverse && f.ret_kind == Kind::Float {
        listed.push("[`grad`](self::grad) (the value and its gradient)");
    }
    if args.reverse {
        listed.push("[`vjp`](self::vjp) (the value and its pullback)");
    }
    if args.forward {
        listed.push("[`jvp`](self::jvp) (the value and a directional derivative)");
    }
    if matches!(f.ret_kind, Kind::Seq | Kind::Tensor) {
        listed.push("[`jacobian`](self::jacobian) (one gradient per output)");
    }
    if args.hessian && f.ret_kind == Kind::Float {
        listed.push("[`hvp`](self::hvp) and [`hessian`](self::hessian) (second derivatives, forward over reverse)");
    }
    format!(
        "Derivatives of [`{name}`](fn@{name}), generated by `#[differentiate]`: {}.",
        listed.join(", ")
    )
}

/// `grad` (for a float result), `vjp` (and `__vjp_rows` when its pullback can be copied)
/// and `__vjp`, which other generated code calls: the forward pass, and the backward pass
/// in the pullback closure.
fn reverse_items(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    sig: &Signature,
    positional_types: &[TokenStream],
    method: bool,
) -> TokenStream {
    let name = &f.name;
    let ret = &f.ret;
    let Signature {
        params,
        args: call_args,
        generics,
        capture,
        grad,
        ..
    } = sig;
    let private = &e.private;
    // The backward pass and the gradient it ends with.
    let declared_top = declared_adjoints(backward);
    let field_values: Vec<TokenStream> = f
        .params
        .iter()
        .filter(|p| p.differentiable())
        .map(|p| {
            let (field, value) = (&p.name, e.param_gradient(p, Derived::Grad, &declared_top));
            quote!(#field: #value)
        })
        .collect();
    let forward = e.forward();
    let back = e.backward(backward);
    let result = e.a.result;
    let out = e.ident(result);
    let grad_out = e.adj(result);
    let grad_out_mut = if e.adjoint_mutated(backward, result) {
        quote!(mut)
    } else {
        TokenStream::new()
    };
    let value = match f.ret_kind {
        Kind::Float => out.to_token_stream(),
        _ => quote!(::core::clone::Clone::clone(&#out)),
    };
    let positional_values: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| {
            let field = &p.name;
            if p.differentiable() {
                quote!(grad.#field)
            } else {
                not_differentiated(p, private)
            }
        })
        .collect();
    let doc_grad = format!("`{name}`'s value and its gradient (upstream gradient 1).");
    let one = e.float("1.0");
    let grad_fn = if f.ret_kind == Kind::Float {
        quote! {
            #[doc = #doc_grad]
            #[inline]
            pub fn grad #generics (#(#params),*) -> (#ret, #grad) {
                let (value, pullback) = vjp(#(#call_args),*);
                (value, pullback(#one))
            }
        }
    } else {
        TokenStream::new()
    };
    // A tuple result is computed as an array: converted where `vjp` gives it and takes
    // the upstream gradient, and back in `__vjp`, which other generated code calls.
    let public_ret = &sig.ret;
    let (value, upstream, grad_out_mut) = if f.tuple_ret.is_some() {
        (
            quote!(#private::array_tuple(#value)),
            quote!(upstream: #public_ret),
            quote!(let #grad_out_mut #grad_out = #private::tuple_array(upstream);),
        )
    } else {
        (
            value,
            quote!(#grad_out_mut #grad_out: #ret),
            TokenStream::new(),
        )
    };
    let (raw_value, raw_upstream) = if f.tuple_ret.is_some() {
        (
            quote!(#private::tuple_array(value)),
            quote!(#private::array_tuple(upstream)),
        )
    } else {
        (quote!(value), quote!(upstream))
    };
    let locals = captured_params_as_locals(f, e, backward, &back);
    let discards: Vec<TokenStream> = discarded_adjoints(f, backward)
        .into_iter()
        .map(|v| {
            let adj = e.adj(v);
            quote!(#private::discard(#adj);)
        })
        .collect();
    // A method's callers reach `__vjp_owned` when their arguments borrow their locals; where
    // it can, it and `vjp` share one function printing the passes (`__vjp_held`).
    let owned = method.then(|| {
        let body = quote! {
            #grad_out_mut
            #back
            #(#discards)*
            Grad { #(#field_values,)* }
        };
        let pullback = owned::Pullback {
            forward: &forward,
            value: &value,
            upstream: &upstream,
            body: &body,
            back: &back,
            positional_values: &positional_values,
        };
        owned::vjp_owned(f, e, backward, sig, positional_types, pullback)
    });
    let (forward, back) = (Moved::new(forward), Moved::new(back));
    let pullback = quote! {
        // Called exactly once: inlined where it is called, so the backward pass
        // optimizes together with what uses it.
        #[inline(always)] move |#upstream| {
            #locals
            #grad_out_mut
            #back
            #(#discards)*
            Grad { #(#field_values,)* }
        }
    };
    let (owned, held_body) = match owned {
        Some(owned::Owned { items, vjp_body }) => (items, vjp_body),
        None => (TokenStream::new(), None),
    };
    let vjp = if let Some(body) = held_body {
        vjp_fns(f, sig, body)
    } else if e.a.tape {
        vjp_fns(f, sig, recursion::tape_vjp_body(f, e, sig))
    } else {
        let pullback = Moved::new(pullback);
        vjp_fns(f, sig, quote!(#forward (#value, #pullback)))
    };
    let vjp = Moved::new(vjp);
    // What a caller that has the float result of a call borrowing its locals makes the
    // pullback with in its backward pass (`Call::result`).
    let pullback_at = (f.ret_kind == Kind::Float && f.tuple_ret.is_none()).then(|| {
        quote! {
            /// The pullback at these arguments, whose value the caller has: the forward pass
            /// runs again (its pullback needs the values it computes).
            #[doc(hidden)]
            #[inline]
            pub fn __pullback_at #generics (#(#params,)* _: #ret)
                -> impl ::core::ops::FnOnce(#ret) -> (#(#positional_types,)*) #capture
            {
                __vjp(#(#call_args),*).1
            }
        }
    });
    quote! {
        #grad_fn

        #vjp

        #[doc(hidden)]
        #[inline]
        pub fn __vjp #generics (#(#params),*)
            -> (#ret, impl ::core::ops::FnOnce(#ret) -> (#(#positional_types,)*) #capture)
        {
            let (value, pullback) = vjp(#(#call_args),*);
            (#raw_value, move |upstream: #ret| {
                let grad = pullback(#raw_upstream);
                (#(#positional_values,)*)
            })
        }

        #pullback_at

        #owned
    }
}

/// `let (x, n) = (x, n);` at the top of a pullback closure whose backward pass has loops,
/// for the parameters it reads (`back`, printed) that are references or numbers: a
/// captured value is a field of the closure, which the compiler loads again after every
/// store through a gradient vector (it cannot tell that one does not write the closure),
/// where a local stays in a register (gmm's gradient, replayed: 28.3 → 25.5 ms; no change
/// where the compiler kept them in registers already). Straight-line code reads each once,
/// and is left as the lecture writes it.
pub(crate) fn captured_params_as_locals(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    back: &TokenStream,
) -> TokenStream {
    captured_params_except(f, e, backward, back, &[])
}

/// [`captured_params_as_locals`], but for the parameters `except` (bound otherwise).
fn captured_params_except(
    f: &Func,
    e: &Emit,
    backward: &[reverse::B],
    back: &TokenStream,
    except: &[VarId],
) -> TokenStream {
    if !reverse::has_loop(backward) {
        return TokenStream::new();
    }
    let mut read = std::collections::HashSet::new();
    crate::lower::collect_idents(back.clone(), &mut read);
    let names: Vec<&Ident> = f
        .params
        .iter()
        .filter(|p| {
            !p.mutable
                && !except.contains(&p.var)
                && (matches!(p.ty, syn::Type::Reference(_))
                    || matches!(f.vars[p.var].kind, Kind::Float | Kind::Int | Kind::Bool))
        })
        .map(|p| e.ident(p.var))
        .filter(|name| read.contains(&name.to_string()))
        .collect();
    match names.as_slice() {
        [] => TokenStream::new(),
        [one] => quote!(let #one = #one;),
        _ => quote!(let (#(#names),*) = (#(#names),*);),
    }
}

/// The adjoints the backward pass declares at its top level (the others are declared
/// where the parameters' gradients are read).
pub(crate) fn declared_adjoints(backward: &[reverse::B]) -> BTreeSet<VarId> {
    backward
        .iter()
        .filter_map(|b| match b {
            reverse::B::LetAdj(v, _) | reverse::B::ZeroAdj(v) => Some(*v),
            _ => None,
        })
        .collect()
}

/// The adjoints of local vectors the backward pass declares at its top level: at the end
/// of the pullback they go back to the per-thread pool (`discard(grad_k1);`), so that the
/// next call's `zeros_like` finds them (ode's stages: five vectors a call no longer
/// allocates). Only locals made by `vec![..]`, `.to_vec()`, `.collect()` and the like: an
/// array's adjoint is an array, with nothing to give back.
fn discarded_adjoints(f: &Func, backward: &[reverse::B]) -> Vec<VarId> {
    let heap = heap_sequences(f);
    backward
        .iter()
        .filter_map(|b| match b {
            reverse::B::ZeroAdj(v) if heap.contains(v) => Some(*v),
            _ => None,
        })
        .collect()
}

/// The local sequences defined by an expression that makes a `Vec`.
fn heap_sequences(f: &Func) -> BTreeSet<VarId> {
    fn makes_vec(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| s.ident == "vec"),
            syn::Expr::MethodCall(m) => {
                matches!(m.method.to_string().as_str(), "to_vec" | "collect")
            }
            syn::Expr::Paren(p) => makes_vec(&p.expr),
            _ => false,
        }
    }
    let mut heap = BTreeSet::new();
    analysis::walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let {
            var,
            op: Op::Konst(k),
            ..
        }
        | Stmt::Assign {
            var,
            op: Op::Konst(k),
            init: true,
            ..
        } = stmt
            && f.vars[*var].kind == Kind::Seq
            && f.vars[*var].param.is_none()
            && makes_vec(&k.expr)
        {
            heap.insert(*var);
        }
    });
    heap
}

/// `vjp` with `body` (the forward pass, then the value and the pullback closure). A vector
/// result's Jacobian (`jacrev`) calls the pullback once per row: when it can be copied,
/// `__vjp_rows` gives it as `Clone`, and the forward pass runs once.
fn vjp_fns(f: &Func, sig: &Signature, body: TokenStream) -> TokenStream {
    let name = &f.name;
    let Signature {
        params,
        args: call_args,
        generics,
        capture,
        grad,
        ret: public_ret,
        ..
    } = sig;
    let doc = format!(
        "`{name}`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass."
    );
    if matches!(f.ret_kind, Kind::Seq | Kind::Tensor) && pullback_is_clone(f) {
        quote! {
            #[doc = #doc]
            #[inline]
            pub fn vjp #generics (#(#params),*) -> (#public_ret, impl ::core::ops::FnOnce(#public_ret) -> #grad #capture) {
                __vjp_rows(#(#call_args),*)
            }

            #[doc(hidden)]
            #[inline]
            pub fn __vjp_rows #generics (#(#params),*)
                -> (#public_ret, impl ::core::ops::FnOnce(#public_ret) -> #grad + ::core::clone::Clone #capture)
            {
                #body
            }
        }
    } else {
        quote! {
            #[doc = #doc]
            #[inline]
            pub fn vjp #generics (#(#params),*) -> (#public_ret, impl ::core::ops::FnOnce(#public_ret) -> #grad #capture) {
                #body
            }
        }
    }
}

/// `__vjp` with its pullback boxed, for a function that calls itself: the pullback of the
/// inner call is a `Box<dyn FnOnce>`, so the pullback's type does not contain itself.
fn boxed_vjp(f: &Func, sig: &Signature, positional: &[TokenStream]) -> TokenStream {
    if !calls_itself(f) {
        return TokenStream::new();
    }
    let (params, call_args, ret) = (&sig.params, &sig.args, &f.ret);
    let (lifetimes, type_params, captured) = (&sig.lifetimes, &sig.type_params, &sig.captured);
    quote! {
        #[doc(hidden)]
        #[inline]
        pub fn __vjp_boxed<'__pullback, #(#lifetimes,)* #(#type_params),*>(#(#params),*) -> (
            #ret,
            ::std::boxed::Box<dyn ::core::ops::FnOnce(#ret) -> (#(#positional,)*) + '__pullback>,
        )
        where
            #(#captured: '__pullback,)*
        {
            let (value, pullback) = __vjp(#(#call_args),*);
            (value, ::std::boxed::Box::new(pullback))
        }
    }
}

/// Whether the pullback closure is certainly `Clone`, so that a Jacobian can run it once
/// per row on copies: what it captures is floats, integers, stacks, sequences, arrays and
/// references, unless the function calls another (whose pullback it captures, of an
/// opaque type), takes a parameter by value whose type need not be `Clone` (a struct), or
/// computes a constant of a type the macro cannot see (`let t = table(n);`).
/// Decided here because Rust cannot ask: a closure's `Clone` is known only after its
/// function is type-checked, and an `impl Trait` result hides it.
pub(crate) fn pullback_is_clone(f: &Func) -> bool {
    let mut clone = true;
    analysis::walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let { op, .. } | Stmt::Assign { op, .. } = stmt {
            match op {
                Op::Call(_) => clone = false,
                Op::Konst(k) => clone &= plain_constant(&k.expr),
                _ => {}
            }
        }
    });
    clone
        && f.params
            .iter()
            .all(|p| known_clone(&p.ty, f.float_ty.as_ref()))
}

/// Whether a constant's value is of a type known to be `Clone`: numbers, `bool`s, ranges,
/// references, `vec![..]` and arrays of such, ndarray's constructors, and arithmetic,
/// comparisons, casts, elements and a few numeric methods of those. A call to another
/// function, or a method or field of a value of the user's type, might not be.
fn plain_constant(e: &syn::Expr) -> bool {
    use syn::Expr;
    match e {
        Expr::Lit(_) | Expr::Path(_) | Expr::Reference(_) | Expr::Cast(_) => true,
        Expr::Binary(b) => plain_constant(&b.left) && plain_constant(&b.right),
        Expr::Unary(u) => plain_constant(&u.expr),
        Expr::Paren(p) => plain_constant(&p.expr),
        Expr::Group(g) => plain_constant(&g.expr),
        Expr::Index(i) => plain_constant(&i.expr) && plain_constant(&i.index),
        Expr::Range(r) => [&r.start, &r.end]
            .into_iter()
            .flatten()
            .all(|e| plain_constant(e)),
        Expr::Array(a) => a.elems.iter().all(plain_constant),
        Expr::Tuple(t) => t.elems.iter().all(plain_constant),
        Expr::Repeat(r) => plain_constant(&r.expr),
        Expr::Macro(m) => vec_of_plain(&m.mac),
        Expr::MethodCall(m) => {
            const NUMERIC: &[&str] = &[
                "len", "is_empty", "min", "max", "abs", "sqrt", "powi", "powf", "count", "to_vec",
                "nrows", "ncols", "dim", "shape",
            ];
            NUMERIC.contains(&m.method.to_string().as_str())
                && plain_constant(&m.receiver)
                && m.args.iter().all(plain_constant)
        }
        // `Array2::zeros(..)`, `Array1::ones(..)`, `Array::from_elem(..)`.
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let names: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                names.len() >= 2
                    && names[names.len() - 2].starts_with("Array")
                    && ["zeros", "ones", "from_elem"].contains(&names[names.len() - 1].as_str())
                    && c.args.iter().all(plain_constant)
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether a macro is `vec![..]` (as written, or `::std::vec![..]` as lowering writes it)
/// of a type known to be `Clone`: `vec![value; n]` (whose value `vec!` itself requires to
/// be `Clone`), or a list of plain constants.
fn vec_of_plain(mac: &syn::Macro) -> bool {
    use syn::punctuated::Punctuated;
    if mac.path.segments.last().is_none_or(|s| s.ident != "vec") {
        return false;
    }
    let repeat = |input: syn::parse::ParseStream| {
        input.parse::<syn::Expr>()?;
        input.parse::<syn::Token![;]>()?;
        input.parse::<syn::Expr>()
    };
    mac.parse_body_with(repeat).is_ok()
        || mac
            .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            .is_ok_and(|items| items.iter().all(plain_constant))
}

/// Whether a parameter's type is certainly `Clone`: a reference, an array of such, a tuple
/// of such, or a path to a float, integer, `bool`, `Vec` or ndarray array, or to the
/// function's float type parameter (`T: Real`, which is `Copy`).
fn known_clone(ty: &syn::Type, float: Option<&Ident>) -> bool {
    match ty {
        syn::Type::Reference(r) => r.mutability.is_none(),
        syn::Type::Array(a) => known_clone(&a.elem, float),
        syn::Type::Tuple(t) => t.elems.iter().all(|t| known_clone(t, float)),
        syn::Type::Paren(p) => known_clone(&p.elem, float),
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            float.is_some_and(|t| p.path.is_ident(t))
                || matches!(
                    name.as_str(),
                    "f32"
                        | "f64"
                        | "bool"
                        | "usize"
                        | "isize"
                        | "u8"
                        | "u16"
                        | "u32"
                        | "u64"
                        | "u128"
                        | "i8"
                        | "i16"
                        | "i32"
                        | "i64"
                        | "i128"
                        | "Vec"
                        | "Array"
                        | "Array1"
                        | "Array2"
                        | "Array3"
                        | "ArrayD"
                        | "ArrayView"
                        | "ArrayView1"
                        | "ArrayView2"
                        | "ArrayView3"
                        | "ArrayViewD"
                )
        }),
        _ => false,
    }
}

/// Whether the function calls itself (its inner calls' pullbacks are boxed).
pub(crate) fn calls_itself(f: &Func) -> bool {
    let mut recursive = false;
    analysis::walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let {
            op: Op::Call(c), ..
        }
        | Stmt::Assign {
            op: Op::Call(c), ..
        } = stmt
        {
            recursive |= c.recursive;
        }
    });
    recursive
}
