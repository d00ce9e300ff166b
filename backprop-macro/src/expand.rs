//! `#[differentiate]` end to end: parse, lower, analyze, write the backward pass, and put
//! the module beside the untouched function. On any error the function is emitted as it
//! is, with every error, so the rest of the crate still compiles and the IDE keeps working.

use crate::args::{self, Args};
use crate::diag::Errors;
use crate::emit::{self, Emit};
use crate::ir::*;
use crate::lower::Lowered;
use crate::{analysis, lower, missing, reverse};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use std::collections::BTreeSet;
use syn::visit_mut::VisitMut;

pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = args::parse(attr, &mut errors);
    let item_fn = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            match syn::parse2::<syn::Item>(item.clone()) {
                Ok(other) => errors.at(
                    item_keyword_span(&other),
                    "#[differentiate] applies to free functions (`fn name(x: f64, ...) -> f64 { ... }`)",
                ),
                Err(e) => errors.push(e),
            }
            let errors = errors.into_compile_errors();
            return quote!(#item #errors);
        }
    };
    let lowered = lower::lower(&item_fn, &args, &mut errors);
    let module_of = |mut func: Func| {
        let analysis = analysis::analyze(&mut func);
        let backward = reverse::backward(&func, &analysis, true);
        module(&func, &analysis, &backward, &args, &item_fn)
    };
    match lowered {
        Lowered::Func(func) if errors.is_empty() => {
            let module = module_of(func);
            // A function used only through its derivatives is used: no `dead_code` warning.
            let name = &item_fn.sig.ident;
            quote!(#item_fn const _: () = { let _ = #name; }; #module)
        }
        // Rejected: the errors, and the module with every item and its real signature (as
        // thiserror's fallback does), so that calls elsewhere compile and the errors that
        // matter are the only ones.
        Lowered::Func(func) | Lowered::Rejected(Some(func)) => {
            let errors = errors.into_compile_errors();
            let module = module_of(func);
            quote!(#item_fn #errors #[allow(unreachable_code)] #module)
        }
        Lowered::Rejected(None) => {
            let errors = errors.into_compile_errors();
            quote!(#item_fn #errors)
        }
    }
}

fn item_keyword_span(item: &syn::Item) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    match item {
        syn::Item::Struct(s) => s.struct_token.span,
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Mod(m) => m.mod_token.span,
        syn::Item::Const(c) => c.const_token.span,
        syn::Item::Static(s) => s.static_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        syn::Item::Type(t) => t.type_token.span,
        syn::Item::Use(u) => u.use_token.span,
        other => other.span(),
    }
}

/// Parameter lists with every reference lifetime named, so the pullback can say what it
/// borrows (`impl FnOnce(f64) -> Grad + use<'x>`) in any edition.
pub struct Signature {
    /// `x: &'x [f64], n: usize`
    pub params: Vec<TokenStream>,
    /// The arguments, to forward: `x, n`.
    pub args: Vec<TokenStream>,
    /// The lifetime parameters, declared and named here: `'x`.
    pub lifetimes: Vec<TokenStream>,
    /// `<'x>`
    pub generics: TokenStream,
    /// `+ use<'x>`
    pub capture: TokenStream,
}

struct NameLifetimes<'a> {
    param: &'a syn::Ident,
    taken: &'a mut BTreeSet<String>,
    added: &'a mut Vec<syn::Lifetime>,
}

impl VisitMut for NameLifetimes<'_> {
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            let lt = emit::lifetime_for(self.param, self.taken);
            self.added.push(lt.clone());
            r.lifetime = Some(lt);
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }

    /// `ArrayView1<f64>` hides a lifetime parameter: it gets a name like a reference's.
    fn visit_path_segment_mut(&mut self, segment: &mut syn::PathSegment) {
        if is_view_segment(segment) {
            if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
                let has_lifetime = args
                    .args
                    .iter()
                    .any(|a| matches!(a, syn::GenericArgument::Lifetime(_)));
                if !has_lifetime {
                    let lt = emit::lifetime_for(self.param, self.taken);
                    self.added.push(lt.clone());
                    args.args.insert(0, syn::GenericArgument::Lifetime(lt));
                }
            }
        }
        syn::visit_mut::visit_path_segment_mut(self, segment);
    }

    fn visit_lifetime_mut(&mut self, lt: &mut syn::Lifetime) {
        if lt.ident == "_" {
            let named = emit::lifetime_for(self.param, self.taken);
            self.added.push(named.clone());
            *lt = named;
        }
    }
}

fn signature(f: &Func) -> Signature {
    let mut taken: BTreeSet<String> = f
        .lifetimes
        .iter()
        .map(|l| l.lifetime.ident.to_string())
        .collect();
    let mut added = Vec::new();
    let mut params = Vec::new();
    let mut args = Vec::new();
    for p in &f.params {
        let mut ty = p.ty.clone();
        NameLifetimes {
            param: &p.name,
            taken: &mut taken,
            added: &mut added,
        }
        .visit_type_mut(&mut ty);
        let id = &f.vars[p.var].ident;
        let m = if p.mutable {
            quote!(mut)
        } else {
            TokenStream::new()
        };
        params.push(quote!(#m #id: #ty));
        args.push(id.to_token_stream());
    }
    let declared: Vec<&syn::LifetimeParam> = f.lifetimes.iter().collect();
    let all: Vec<TokenStream> = declared
        .iter()
        .map(|l| l.to_token_stream())
        .chain(added.iter().map(|l| l.to_token_stream()))
        .collect();
    let names: Vec<&syn::Lifetime> = declared
        .iter()
        .map(|l| &l.lifetime)
        .chain(added.iter())
        .collect();
    let (generics, capture) = if all.is_empty() {
        (TokenStream::new(), TokenStream::new())
    } else {
        (quote!(<#(#all),*>), quote!(+ use<#(#names),*>))
    };
    Signature {
        params,
        args,
        lifetimes: all,
        generics,
        capture,
    }
}

/// The gradient field's type of a differentiable parameter.
fn grad_type(p: &Param) -> TokenStream {
    match &p.form {
        ParamForm::Float => p.ty.to_token_stream(),
        ParamForm::Seq(grad) | ParamForm::Tensor(grad) => grad.to_token_stream(),
        ParamForm::Const => quote!(()),
    }
}

/// A parameter's place in a pullback's tuple of gradients: its gradient's type, or
/// `NotDifferentiable` for a constant.
fn positional_type(p: &Param, private: &TokenStream) -> TokenStream {
    if p.differentiable() {
        grad_type(p)
    } else {
        quote!(#private::NotDifferentiable)
    }
}

/// The tangent parameters of `__jvp` and `__fob`, one optional tangent per parameter
/// (`None` meaning zero), and the statements that turn them into tangents.
fn optional_tangents(f: &Func, e: &Emit) -> (Vec<TokenStream>, Vec<TokenStream>) {
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
                ParamForm::Float => quote!(0.0),
                _ => quote!(#private::zeros_like(&#id)),
            };
            quote!(let #dot = match #dot {
                ::core::option::Option::Some(t) => t,
                ::core::option::Option::None => #zero,
            };)
        })
        .collect();
    (params, unwraps)
}

/// The lints the generated code allows, in one place (as pin-project does). The forward
/// pass is the user's own code again, so what rustc or clippy would say about it the user
/// already sees on their function. A pullback's `+ use<'x>` is needed in edition 2021 and
/// redundant in 2024, and a macro cannot tell which edition its caller is in.
fn allowed_lints() -> TokenStream {
    quote!(#[allow(
        impl_trait_redundant_captures,
        non_snake_case,
        unused_variables,
        unused_mut,
        unused_assignments,
        unused_parens,
        clippy::all,
        clippy::pedantic,
        clippy::nursery
    )])
}

fn module(
    f: &Func,
    a: &analysis::Analysis,
    backward: &[reverse::B],
    args: &Args,
    item: &syn::ItemFn,
) -> TokenStream {
    let e = Emit::new(f, a, args);
    let name = &f.name;
    let vis = &f.vis;
    let ret = &f.ret;
    let sig = signature(f);
    let Signature {
        params,
        args: call_args,
        generics,
        capture,
        ..
    } = &sig;
    let private = &e.private;

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

    // The backward pass and the gradient it ends with.
    let declared_top: BTreeSet<VarId> = backward
        .iter()
        .filter_map(|b| match b {
            reverse::B::LetAdj(v, _) | reverse::B::ZeroAdj(v) => Some(*v),
            _ => None,
        })
        .collect();
    let field_values = diff.iter().map(|p| {
        let field = &p.name;
        if declared_top.contains(&p.var) {
            let adj = e.adj(p.var);
            quote!(#field: #adj)
        } else {
            let zero = e.zero(p.var);
            quote!(#field: #zero)
        }
    });
    let forward = e.forward();
    let back = e.backward(backward);
    let result = a.result;
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

    let positional = f.params.iter().map(|p| positional_type(p, private));
    let positional_values = f.params.iter().map(|p| {
        let field = &p.name;
        if p.differentiable() {
            quote!(grad.#field)
        } else {
            quote!(#private::NotDifferentiable)
        }
    });

    let doc_grad_struct = format!(
        "The gradient of [`{name}`](fn@{name}): one field per differentiable parameter, named after it."
    );
    let doc_grad = format!("`{name}`'s value and its gradient (upstream gradient 1).");
    let doc_vjp = format!(
        "`{name}`'s value and its pullback: the pullback maps an upstream gradient of the value to the gradient of every differentiable parameter (a vector-Jacobian product). The forward pass runs here, once; the pullback runs the backward pass."
    );
    let grad_struct = quote! {
        #[doc = #doc_grad_struct]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, #copy ::core::cmp::PartialEq)]
        pub struct Grad {
            #(#fields,)*
        }
    };
    let grad_fn = if f.ret_kind == Kind::Float {
        quote! {
            #[doc = #doc_grad]
            #[inline]
            pub fn grad #generics (#(#params),*) -> (#ret, Grad) {
                let (value, pullback) = vjp(#(#call_args),*);
                (value, pullback(1.0))
            }
        }
    } else {
        TokenStream::new()
    };
    let reverse_items = quote! {
        #grad_fn

        #[doc = #doc_vjp]
        #[inline]
        pub fn vjp #generics (#(#params),*) -> (#ret, impl ::core::ops::FnOnce(#ret) -> Grad #capture) {
            #forward
            // Called exactly once: inlined where it is called, so the backward pass
            // optimizes together with what uses it.
            (#value, #[inline(always)] move |#grad_out_mut #grad_out: #ret| {
                #back
                Grad { #(#field_values,)* }
            })
        }

        #[doc(hidden)]
        #[inline]
        pub fn __vjp #generics (#(#params),*)
            -> (#ret, impl ::core::ops::FnOnce(#ret) -> (#(#positional,)*) #capture)
        {
            let (value, pullback) = vjp(#(#call_args),*);
            (value, move |upstream: #ret| {
                let grad = pullback(upstream);
                (#(#positional_values,)*)
            })
        }
    };
    let forward_items = forward_items(f, &e, &sig);
    let jacobian_items = if matches!(f.ret_kind, Kind::Seq | Kind::Tensor) {
        jacobian_items(f, &e, &sig, args)
    } else {
        TokenStream::new()
    };
    let second_order = if args.hessian {
        second_order_items(f, a, args, &sig)
    } else {
        TokenStream::new()
    };
    let stubs = missing::stubs(f, &e, &sig, args);
    let items = match (args.reverse, args.forward) {
        (true, true) => {
            quote!(#grad_struct #reverse_items #forward_items #jacobian_items #second_order)
        }
        (false, true) => quote!(#grad_struct #forward_items #jacobian_items),
        _ => quote!(#grad_struct #reverse_items #jacobian_items),
    };
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
    let doc_mod = format!(
        "Derivatives of [`{name}`](fn@{name}), generated by `#[differentiate]`: {}.",
        listed.join(", ")
    );
    let lints = allowed_lints();
    let differentiable = f.params.iter().map(|p| p.differentiable());
    let checks = call_checks(f, a, private);
    let _ = item;

    quote! {
        #[doc = #doc_mod]
        #lints
        #vis mod #name {
            #[allow(unused_imports)]
            use super::*;

            #items

            // What other differentiated functions read, checks, and the items not generated.
            #[doc(hidden)]
            pub const __DIFFERENTIABLE: &[bool] = &[#(#differentiable),*];

            #(#checks)*

            #stubs
        }
    }
}

/// `jvp` (forward mode) and the positional `__jvp` other differentiated functions call.
fn forward_items(f: &Func, e: &Emit, sig: &Signature) -> TokenStream {
    let name = &f.name;
    let ret = &f.ret;
    let private = &e.private;
    let (params, call_args, generics) = (&sig.params, &sig.args, &sig.generics);
    let diff: Vec<&Param> = f.params.iter().filter(|p| p.differentiable()).collect();
    let tangent_params = diff.iter().map(|p| {
        let (dot, ty) = (e.dot(p.var), &p.ty);
        quote!(#dot: #ty)
    });
    let body = e.jvp_body();
    // `__jvp`: every parameter's tangent as an option, `None` meaning zero.
    let (option_params, unwraps) = optional_tangents(f, e);
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
            quote!(#private::check_tangent(&#id, &#dot, #name);)
        });
    let tangent_names: Vec<String> = diff.iter().map(|p| format!("`{}`", e.dot(p.var))).collect();
    let doc = format!(
        "Forward mode: `{name}`'s value and its directional derivative along the tangents {} (a Jacobian-vector product), computed beside the value in one pass.",
        tangent_names.join(", ")
    );
    quote! {
        #[doc = #doc]
        #[inline]
        pub fn jvp #generics (#(#params,)* #(#tangent_params),*) -> (#ret, #ret) {
            #(#checks)*
            #body
        }

        #[doc(hidden)]
        #[inline]
        pub fn __jvp #generics (#(#params,)* #(#option_params),*) -> (#ret, #ret) {
            #(#unwraps)*
            jvp(#(#call_args,)* #(#forwarded),*)
        }
    }
}

/// `ArrayView1`, `ArrayView`, ...: the name of an ndarray view type.
fn is_view_segment(segment: &syn::PathSegment) -> bool {
    segment.ident.to_string().starts_with("ArrayView")
}

/// `ArrayView1<T>`, `ArrayView<'a, T, D>`, ...: an ndarray view, passed by value.
fn is_view(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(is_view_segment),
        _ => false,
    }
}

/// For every argument that carries a derivative into another differentiated function or a
/// gate: a compile-time check that the callee differentiates that parameter. Otherwise the
/// derivative would be lost; this makes it an error that says so, at the argument.
fn call_checks(f: &Func, a: &analysis::Analysis, private: &TokenStream) -> Vec<TokenStream> {
    let mut checks = Vec::new();
    analysis::walk(&f.body, &mut |stmt, _| {
        let (Stmt::Let {
            var,
            op: Op::Call(call),
            ..
        }
        | Stmt::Assign {
            var,
            op: Op::Call(call),
            ..
        }) = stmt
        else {
            return;
        };
        if !a.active[*var] {
            return;
        }
        let path = &call.path;
        for (i, arg) in call.args.iter().enumerate() {
            if arg.value.var().is_some_and(|v| a.active[v]) {
                // Every token at the argument, so the error points there.
                let private = respan(private.clone(), arg.span);
                let path = respan(path.to_token_stream(), arg.span);
                checks.push(quote_spanned!(arg.span=>
                    const _: () = #private::check_differentiable(#path::__DIFFERENTIABLE, #i);
                ));
            }
        }
    });
    checks
}

fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(tt.span().located_at(span));
            }
            tt
        })
        .collect()
}

/// For a vector result: the Jacobian, one `Grad` per output (row `i` is the gradient of
/// output `i`). `jacrev` runs one reverse pass per output, `jacfwd` one forward pass per
/// scalar input; `jacobian` picks the cheaper order, as the lecture's "another view" says:
/// reverse when outputs are fewer than inputs, forward otherwise.
fn jacobian_items(f: &Func, e: &Emit, sig: &Signature, args: &Args) -> TokenStream {
    let name = &f.name;
    let ret = &f.ret;
    let private = &e.private;
    let (params, generics) = (&sig.params, &sig.generics);
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
                ParamForm::Float => quote!(#field: 0.0),
                _ => quote!(#field: #private::zeros_like(&#id)),
            }
        });
        quote!(Grad { #(#fields,)* })
    };
    let mut items = TokenStream::new();
    if args.reverse {
        let doc = format!(
            "The Jacobian of `{name}` by reverse mode: one backward pass per output. Row `i` is the gradient of output `i`."
        );
        items.extend(quote! {
            #[doc = #doc]
            pub fn jacrev #generics (#(#params),*) -> (#ret, ::std::vec::Vec<Grad>) {
                let (value, pullback) = vjp(#(#clones),*);
                let rows = #private::jacobian_rows(&value, pullback, |upstream| vjp(#(#clones),*).1(upstream));
                (value, rows)
            }
        });
    }
    if args.forward {
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
                        (ParamForm::Float, true) => quote!(1.0),
                        (ParamForm::Float, false) => quote!(0.0),
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
                    let rows = (0..column.len()).map(|_| #zero_grad).collect();
                    (value, rows)
                }).1;
            };
            match p.form {
                ParamForm::Float => columns.push(quote! {{
                    #column
                    for (row, d) in rows.iter_mut().zip(column.iter()) {
                        row.#field = *d;
                    }
                }}),
                _ => {
                    let id = &f.vars[p.var].ident;
                    columns.push(quote! {
                        for element in 0..#id.len() {
                            let mut unit = #private::zeros_like(&#id);
                            *#private::element_mut(&mut unit, element) = 1.0;
                            #column
                            for (row, d) in rows.iter_mut().zip(column.iter()) {
                                *#private::element_mut(&mut row.#field, element) = *d;
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
                    ParamForm::Float => quote!(0.0),
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
        items.extend(quote! {
            #[doc = #doc]
            pub fn jacfwd #generics (#(#params),*) -> (#ret, ::std::vec::Vec<Grad>) {
                let mut out: ::core::option::Option<(#ret, ::std::vec::Vec<Grad>)> = ::core::option::Option::None;
                #(#columns)*
                match out {
                    ::core::option::Option::Some(out) => out,
                    // No differentiable input: the value, and zero gradients.
                    ::core::option::Option::None => {
                        let (value, _) = jvp(#(#clones,)* #(#zero_tangents),*);
                        let rows = (0..value.len()).map(|_| #zero_grad).collect();
                        (value, rows)
                    }
                }
            }
        });
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
                    _ => quote!(#id.len()),
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
                    _ => quote!(#id.len()),
                }
            });
            quote! {
                #static_choice
                let inputs: usize = 0 #(+ #inputs)*;
                // The number of outputs needs a forward pass; the reverse order reuses it.
                let (value, pullback) = vjp(#(#clones),*);
                if inputs < value.len() {
                    ::core::mem::drop(pullback);
                    return jacfwd(#(#clones),*);
                }
                let rows = #private::jacobian_rows(&value, pullback, |upstream| vjp(#(#clones),*).1(upstream));
                (value, rows)
            }
        }
        (false, true) => quote!(jacfwd(#(#clones),*)),
        _ => quote!(jacrev(#(#clones),*)),
    };
    items.extend(quote! {
        #[doc = #doc]
        pub fn jacobian #generics (#(#params),*) -> (#ret, ::std::vec::Vec<Grad>) {
            #body
        }
    });
    items
}

/// Forward over reverse, with both modes: `__fob` (the value, its tangent, and a pullback
/// that carries tangents through the backward pass) and, for a scalar result, `hvp`
/// (Hessian-vector product) and `hessian`.
fn second_order_items(
    f: &Func,
    a: &analysis::Analysis,
    args: &Args,
    sig: &Signature,
) -> TokenStream {
    let mut e = Emit::new(f, a, args);
    e.fob = true;
    let name = &f.name;
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
    let forward = e.forward();
    let back = e.backward(&backward);
    let result = a.result;
    let (out, grad_out, dot_grad_out) = (
        e.ident(result),
        e.adj(result),
        e.prefixed("dot_grad_", result),
    );
    let dot_out = if a.active[result] {
        e.dot(result).to_token_stream()
    } else {
        e.zero(result)
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
    let declared: BTreeSet<VarId> = backward
        .iter()
        .filter_map(|b| match b {
            reverse::B::LetAdj(v, _) | reverse::B::ZeroAdj(v) => Some(*v),
            _ => None,
        })
        .collect();
    let positional: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| positional_type(p, private))
        .collect();
    let grads_of = |prefix: &str| -> Vec<TokenStream> {
        f.params
            .iter()
            .map(|p| {
                if !p.differentiable() {
                    quote!(#private::NotDifferentiable)
                } else if declared.contains(&p.var) {
                    e.prefixed(prefix, p.var).to_token_stream()
                } else {
                    e.zero(p.var)
                }
            })
            .collect()
    };
    let (grads, dot_grads) = (grads_of("grad_"), grads_of("dot_grad_"));
    let (option_params, unwraps) = optional_tangents(f, &e);
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
                #back
                ((#(#grads,)*), (#(#dot_grads,)*))
            })
        }
    };
    if f.ret_kind != Kind::Float {
        return items;
    }

    // `hvp` and `hessian`, on top of `__fob`.
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
        let (dot, ty) = (e.dot(p.var), &p.ty);
        quote!(#dot: #ty)
    });
    let owned_tangents = f.params.iter().map(|p| {
        let dot = e.dot(p.var);
        match p.form {
            ParamForm::Const => quote!(::core::option::Option::None),
            ParamForm::Float => quote!(::core::option::Option::Some(#dot)),
            ParamForm::Seq(_) | ParamForm::Tensor(_) => {
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
        pub fn hvp #generics (#(#params,)* #(#tangent_params),*) -> (#ret, Grad, Grad) {
            let (value, _, pullback) = __fob(#(#call_args,)* #(#owned_tangents),*);
            let (#g, #h) = pullback(1.0, 0.0);
            (value, #g_struct, #h_struct)
        }
    });

    // The full Hessian: one forward-over-reverse pass per scalar input.
    let clones: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| {
            let id = &f.vars[p.var].ident;
            quote!(::core::clone::Clone::clone(&#id))
        })
        .collect();
    let mut passes = Vec::new();
    for (k, (_, p)) in diff.iter().enumerate() {
        let tangents: Vec<TokenStream> = f
            .params
            .iter()
            .map(|q| {
                let id = &f.vars[q.var].ident;
                let this = diff.get(k).is_some_and(|(_, d)| d.var == q.var);
                match (&q.form, this) {
                    (ParamForm::Const, _) => quote!(::core::option::Option::None),
                    (ParamForm::Float, true) => quote!(::core::option::Option::Some(1.0)),
                    (ParamForm::Float, false) => quote!(::core::option::Option::Some(0.0)),
                    (ParamForm::Seq(_) | ParamForm::Tensor(_), true) => {
                        quote!(::core::option::Option::Some(unit))
                    }
                    (ParamForm::Seq(_) | ParamForm::Tensor(_), false) => {
                        quote!(::core::option::Option::Some(#private::zeros_like(&#id)))
                    }
                }
            })
            .collect();
        let pass = quote! {
            let (value, _, pullback) = __fob(#(#clones,)* #(#tangents),*);
            let (#g, #h) = pullback(1.0, 0.0);
            if first.is_none() {
                first = ::core::option::Option::Some((value, #g_struct));
            }
            rows.push(#h_struct);
        };
        match p.form {
            ParamForm::Float => passes.push(quote!({ #pass })),
            _ => {
                let id = &f.vars[p.var].ident;
                passes.push(quote! {
                    for element in 0..#id.len() {
                        let mut unit = #private::zeros_like(&#id);
                        *#private::element_mut(&mut unit, element) = 1.0;
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
        pub fn hessian #generics (#(#params),*) -> (#ret, Grad, ::std::vec::Vec<Grad>) {
            let mut first: ::core::option::Option<(#ret, Grad)> = ::core::option::Option::None;
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
