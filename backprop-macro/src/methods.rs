//! `#[differentiate]` on an `impl` block: the methods in it marked `#[differentiate(..)]`
//! get derivatives. An attribute on a method alone can only add methods, and a gradient
//! needs a struct, so the block carries the attribute too.
//!
//! For `fn loss(&self, x: ..) -> f32` in `impl Mlp`, beside the block: a module
//! `mlp_loss` with everything a free function's module has (`Grad` with a field `this` for
//! `self`, `grad`, `vjp`, `jvp`, ...), taking the receiver as its first argument; and in the
//! block, methods that forward to it: `loss_grad`, `loss_jvp`, `loss_hvp`, `loss_hessian`
//! (those the arguments generate). On a trait's implementation (`impl Model for Mlp`),
//! the forwarding methods are in an inherent block of their own beside it (a trait's
//! implementation holds the trait's methods only).

use crate::args;
use crate::diag::Errors;
use crate::lower::{TypeClass, classify};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned;

/// The name the receiver takes in the module's functions (and its gradient's field).
const THIS: &str = "this";

pub fn differentiate_impl(attr: TokenStream, mut block: syn::ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    if !attr.is_empty() {
        errors.spanned(
            &attr,
            "on an `impl` block, #[differentiate] takes no arguments: put them on each method (`#[differentiate(forward)] fn ...`)",
        );
    }
    let self_ty = (*block.self_ty).clone();
    let type_name = match &self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    let type_name = match type_name {
        Some(name) if errors.is_empty() => name,
        other => {
            if other.is_none() {
                errors.spanned(
                    &self_ty,
                    "#[differentiate] differentiates methods of a named struct",
                );
            }
            // The block as it is, without the methods' attributes: one error, not one more
            // per method.
            for item in &mut block.items {
                if let syn::ImplItem::Fn(method) = item {
                    method.attrs.retain(|a| !is_differentiate(a));
                }
            }
            let errors = errors.into_compile_errors();
            return quote!(#block #errors);
        }
    };
    // The differentiated methods, and whether each takes `self` by reference: a call to
    // one of them on `self` in another's body is a call to its module's function.
    let siblings: Vec<(syn::Ident, bool)> = block
        .items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(m) if m.attrs.iter().any(is_differentiate) => {
                match m.sig.inputs.first() {
                    Some(syn::FnArg::Receiver(r)) => Some((
                        m.sig.ident.clone(),
                        matches!(r.kind, syn::ReceiverKind::Reference(..)),
                    )),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    let mut beside = TokenStream::new();
    let mut forwarders = Vec::new();
    for item in &mut block.items {
        let syn::ImplItem::Fn(method) = item else {
            continue;
        };
        let Some(at) = method.attrs.iter().position(is_differentiate) else {
            continue;
        };
        let attr = method.attrs.remove(at);
        let args = match attr.meta {
            syn::Meta::List(list) => list.tokens,
            _ => TokenStream::new(),
        };
        match free_function(method, &block.generics, &self_ty, &type_name, &siblings) {
            Ok(free) => {
                let module = free.sig.ident.clone();
                let float = float_param(&block.generics);
                let grad = match &float {
                    Some(t) => quote!(#module::Grad<#t>),
                    None => quote!(#module::Grad),
                };
                forwarders.extend(forwarding_methods(
                    method,
                    &module,
                    float.as_ref(),
                    &grad,
                    &args,
                    &mut errors,
                ));
                let args = rename_self(args);
                let shown = format!("{type_name}::{}", method.sig.ident);
                beside.extend(crate::expand::differentiate_fn(
                    args,
                    free.to_token_stream(),
                    Some(shown),
                ));
            }
            Err(e) => errors.push(e),
        }
    }
    let errors = errors.into_compile_errors();
    if block.trait_.is_none() {
        block.items.extend(forwarders);
        return quote!(#block #beside #errors);
    }
    // A trait's implementation holds the trait's methods only: the forwarding methods go
    // in an inherent block of their own beside it.
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let inherent = quote! {
        impl #impl_generics #self_ty #where_clause {
            #(#forwarders)*
        }
    };
    quote!(#block #inherent #beside #errors)
}

/// The block's type parameter bounded by `Real` (`impl<T: Real> Layer<T>`), inline or in
/// its `where` clause: the float type, which makes each method's `Grad` generic.
fn float_param(generics: &syn::Generics) -> Option<syn::Ident> {
    let real = crate::lower::bounded_by_real;
    generics.type_params().find_map(|t| {
        let in_where = generics
            .where_clause
            .iter()
            .flat_map(|w| &w.predicates)
            .any(|p| {
                matches!(p, syn::WherePredicate::Type(pt)
                    if matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.is_ident(&t.ident))
                        && real(&pt.bounds))
            });
        (real(&t.bounds) || in_where).then(|| t.ident.clone())
    })
}

/// Whether an attribute is `#[differentiate]` (by any path: `#[backprop::differentiate]`).
pub(crate) fn is_differentiate(a: &syn::Attribute) -> bool {
    a.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "differentiate")
}

/// `fn loss(&self, x: X) -> R { body }` as `fn mlp_loss(this: &Mlp, x: X) -> R { body }`,
/// `self` renamed in the body, and calls of the block's other differentiated methods on it
/// (`self.predict(x)`) calls of their modules' functions (`mlp_predict(this, x)`).
fn free_function(
    method: &syn::ImplItemFn,
    block_generics: &syn::Generics,
    self_ty: &syn::Type,
    type_name: &str,
    siblings: &[(syn::Ident, bool)],
) -> syn::Result<syn::ItemFn> {
    let mut sig = method.sig.clone();
    let this = syn::Ident::new(THIS, Span::call_site());
    let Some(syn::FnArg::Receiver(receiver)) = sig.inputs.first().cloned() else {
        return Err(syn::Error::new(
            sig.ident.span(),
            "#[differentiate] on a method needs a receiver (`&self` or `self`): an associated function without one can be a free function",
        ));
    };
    let ty: syn::Type = match &receiver.kind {
        syn::ReceiverKind::Reference(and, lifetime, None) => {
            syn::parse_quote!(#and #lifetime #self_ty)
        }
        syn::ReceiverKind::Value if receiver.mutability.is_none() => self_ty.clone(),
        _ => {
            return Err(syn::Error::new(
                receiver.span(),
                "#[differentiate] supports `&self` and `self` receivers (writes through `&mut self` or to `mut self` have no gradient it can track)",
            ));
        }
    };
    let first: syn::FnArg = syn::parse_quote!(#this: #ty);
    sig.inputs[0] = first;
    // The block's generic parameters (`impl<T: Real> Layer<T>`) come first, its bounds with
    // the method's.
    let mut params = block_generics.params.clone();
    params.extend(sig.generics.params.iter().cloned());
    sig.generics.params = params;
    if let Some(w) = &block_generics.where_clause {
        sig.generics
            .make_where_clause()
            .predicates
            .extend(w.predicates.iter().cloned());
    }
    sig.ident = format_ident!("{}_{}", snake(type_name), sig.ident);
    let body = rename_self_in(method.block.to_token_stream(), self_ty);
    let mut block: syn::Block = syn::parse2(body)?;
    let by_ref = matches!(receiver.kind, syn::ReceiverKind::Reference(..));
    use syn::visit_mut::VisitMut;
    let mut calls = SiblingCalls {
        siblings,
        type_name,
        by_ref,
        error: None,
    };
    calls.visit_block_mut(&mut block);
    if let Some(e) = calls.error {
        return Err(e);
    }
    let vis = &method.vis;
    Ok(syn::parse_quote! {
        #[doc(hidden)]
        #[allow(dead_code)]
        #vis #sig #block
    })
}

/// `this.predict(x)` → `mlp_predict(this, x)` for the block's differentiated methods, the
/// receiver passed as the callee takes it (`&this` from a method taking `self`, as
/// `self.predict(x)` borrows it). A method taking `self` called from one taking `&self`
/// (a copy of `*self`) is an error that says what to change.
struct SiblingCalls<'a> {
    siblings: &'a [(syn::Ident, bool)],
    type_name: &'a str,
    /// Whether the caller takes `self` by reference.
    by_ref: bool,
    error: Option<syn::Error>,
}

impl syn::visit_mut::VisitMut for SiblingCalls<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let syn::Expr::MethodCall(m) = e else { return };
        let syn::Expr::Path(receiver) = &*m.receiver else {
            return;
        };
        if !receiver.path.is_ident(THIS) || m.turbofish.is_some() {
            return;
        }
        let Some((_, callee_by_ref)) = self.siblings.iter().find(|(name, _)| *name == m.method)
        else {
            return;
        };
        let this = &receiver.path;
        let receiver = match (*callee_by_ref, self.by_ref) {
            (true, false) => quote!(&#this),
            (false, true) => {
                let message = format!(
                    "#[differentiate] calls a differentiated method taking `self` from one taking `&self` only with a reference: make `{}` take `&self`",
                    m.method
                );
                let error = syn::Error::new(m.method.span(), message);
                match &mut self.error {
                    Some(e) => e.combine(error),
                    None => self.error = Some(error),
                }
                return;
            }
            _ => quote!(#this),
        };
        let function = format_ident!(
            "{}_{}",
            snake(self.type_name),
            m.method,
            span = m.method.span()
        );
        let args = &m.args;
        *e = syn::parse_quote!(#function(#receiver, #args));
    }
}

/// `self` → `this` and `Self` → the type, token by token (macros in the body included).
fn rename_self_in(tokens: TokenStream, self_ty: &syn::Type) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tt| -> Vec<TokenTree> {
            match tt {
                TokenTree::Ident(i) if i == "self" => {
                    vec![TokenTree::Ident(syn::Ident::new(THIS, i.span()))]
                }
                TokenTree::Ident(i) if i == "Self" => {
                    self_ty.to_token_stream().into_iter().collect()
                }
                TokenTree::Group(g) => {
                    let mut group =
                        proc_macro2::Group::new(g.delimiter(), rename_self_in(g.stream(), self_ty));
                    group.set_span(g.span());
                    vec![TokenTree::Group(group)]
                }
                other => vec![other],
            }
        })
        .collect()
}

/// `wrt(self, x)` → `wrt(this, x)`.
fn rename_self(args: TokenStream) -> TokenStream {
    rename_self_in(args, &syn::parse_quote!(Self))
}

/// `MlpModel` → `mlp_model`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `loss_grad`, `loss_jvp`, `loss_hvp`, `loss_hessian` in the block, each calling the
/// module's function of the same name with `self` first: the ones the arguments generate.
fn forwarding_methods(
    method: &syn::ImplItemFn,
    module: &syn::Ident,
    float: Option<&syn::Ident>,
    grad: &TokenStream,
    args: &TokenStream,
    errors: &mut Errors,
) -> Vec<syn::ImplItem> {
    let parsed = args::parse(args.clone(), errors);
    let sig = &method.sig;
    let ret = match &sig.output {
        syn::ReturnType::Type(_, t) => (**t).clone(),
        syn::ReturnType::Default => return Vec::new(),
    };
    // A float result: `f64`, or the block's float type (`impl<T: Real>`: `-> T`).
    let scalar = matches!(classify(&ret), TypeClass::Float)
        || matches!((&ret, float), (syn::Type::Path(p), Some(t)) if p.path.is_ident(t));
    let receiver = &sig.inputs[0];
    let rest: Vec<&syn::PatType> = sig
        .inputs
        .iter()
        .skip(1)
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let names: Vec<&syn::Pat> = rest.iter().map(|t| &*t.pat).collect();
    let in_wrt = |name: &str| {
        parsed
            .wrt
            .as_ref()
            .is_none_or(|w| w.iter().any(|n| n == name))
    };
    // Tangents: one per differentiable parameter, `self`'s first (its gradient's type).
    let self_by_ref = matches!(receiver, syn::FnArg::Receiver(r) if matches!(r.kind, syn::ReceiverKind::Reference(..)));
    let krate = &parsed.krate;
    let mut tangents = Vec::new();
    if in_wrt("self") {
        let ty = if self_by_ref {
            quote!(&<Self as #krate::__private::Differentiable>::Grad)
        } else {
            quote!(<Self as #krate::__private::Differentiable>::Grad)
        };
        tangents.push((format_ident!("dot_{}", THIS), ty));
    }
    for t in &rest {
        let syn::Pat::Ident(p) = &*t.pat else {
            continue;
        };
        // As the module's `jvp` takes them (`expand::tangent_type`): a float, sequence or
        // array parameter's tangent has its type, a struct's is its gradient.
        let class = classify(&t.ty);
        let default_wrt = parsed.wrt.is_none();
        let an_enum = default_wrt && crate::lower::matched_as_enum(&method.block, &p.ident, &t.ty);
        if class.is_constant() || !in_wrt(&p.ident.to_string()) || an_enum {
            continue;
        }
        let ty = match (&class, crate::lower::struct_type(&t.ty)) {
            (TypeClass::Unknown, Some(inner)) => {
                let by_ref = matches!(*t.ty, syn::Type::Reference(_)).then(|| quote!(&));
                quote!(#by_ref <#inner as #krate::__private::Differentiable>::Grad)
            }
            _ => t.ty.to_token_stream(),
        };
        tangents.push((format_ident!("dot_{}", p.ident), ty));
    }
    let tangent_params = tangents.iter().map(|(n, t)| quote!(#n: #t));
    let tangent_names: Vec<&syn::Ident> = tangents.iter().map(|(n, _)| n).collect();
    let (generics, where_clause) = (&sig.generics, &sig.generics.where_clause);
    let name = &sig.ident;
    let vis = &method.vis;
    let reverse = parsed.reverse;
    let mut out = Vec::new();
    let mut add = |suffix: &str, params: TokenStream, call: TokenStream, output: TokenStream| {
        let fn_name = format_ident!("{}_{}", name, suffix);
        let f = format_ident!("{}", suffix);
        let doc =
            format!("[`{module}::{f}`]({module}::{f}) of [`{name}`](Self::{name}), as a method.");
        out.push(syn::parse_quote! {
            #[doc = #doc]
            #[inline]
            #vis fn #fn_name #generics (#receiver, #params) -> #output #where_clause {
                #module::#f(self, #call)
            }
        });
    };
    let params = quote!(#(#rest),*);
    if reverse && scalar {
        add(
            "grad",
            params.clone(),
            quote!(#(#names),*),
            quote!((#ret, #grad)),
        );
    }
    if parsed.forward || parsed.hessian {
        add(
            "jvp",
            quote!(#(#rest,)* #(#tangent_params),*),
            quote!(#(#names,)* #(#tangent_names),*),
            quote!((#ret, #ret)),
        );
    }
    if parsed.hessian && scalar {
        let tangent_params = tangents.iter().map(|(n, t)| quote!(#n: #t));
        add(
            "hvp",
            quote!(#(#rest,)* #(#tangent_params),*),
            quote!(#(#names,)* #(#tangent_names),*),
            quote!((#ret, #grad, #grad)),
        );
        add(
            "hessian",
            params,
            quote!(#(#names),*),
            quote!((#ret, #grad, ::std::vec::Vec<#grad>)),
        );
    }
    // The handle to the module, for callers that do not know the receiver's type
    // (`m.hidden.forward(x)` in another differentiated function: `Call::method`).
    if self_by_ref {
        let handle = crate::names::method_handle(name);
        out.push(syn::parse_quote! {
            #[doc(hidden)]
            #[inline(always)]
            #vis fn #handle(&self) -> #module::Handle {
                #module::Handle
            }
        });
    }
    out
}
