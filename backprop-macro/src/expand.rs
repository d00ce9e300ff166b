//! `#[differentiate]` end to end: parse, lower, analyze, write the backward pass, and put
//! the module beside the untouched function. On any error the function is emitted as it
//! is, with every error and (when its signature was accepted) the module with every item's
//! real signature, so the rest of the crate still compiles and the IDE keeps working.

use crate::args;
use crate::diag::Errors;
use crate::emit;
use crate::ir::*;
use crate::lower::Lowered;
use crate::{analysis, lower, reverse};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use std::collections::{BTreeSet, HashSet};
use syn::visit_mut::VisitMut;

pub(crate) use crate::items::*;

/// The error for `#[differentiate]` on a method of an `impl` block without the attribute.
pub(crate) const METHOD_WITHOUT_IMPL: &str = "#[differentiate] on a method needs the attribute on its `impl` block too (`#[differentiate] impl Model { #[differentiate] fn loss(&self, ..) .. }`): the gradient's struct lives in a module beside the block";

pub(crate) fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    if let Ok(block) = syn::parse2::<syn::ItemImpl>(item.clone()) {
        return crate::methods::differentiate_impl(attr, block);
    }
    differentiate_fn(attr, item, None)
}

/// A free function, or (`method`) the function `#[differentiate]` on an `impl` block writes
/// for one of its methods.
pub(crate) fn differentiate_fn(
    attr: TokenStream,
    item: TokenStream,
    method: Option<String>,
) -> TokenStream {
    let mut errors = Errors::default();
    let mut args = args::parse(attr, &mut errors);
    args.method = method;
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
    // A method whose `impl` block lacks the attribute: that error alone (its body is not
    // lowered, since `self` means nothing outside the block's expansion).
    if args.method.is_none()
        && let Some(syn::FnArg::Receiver(r)) = item_fn.sig.inputs.first()
    {
        errors.spanned(r, METHOD_WITHOUT_IMPL);
        let errors = errors.into_compile_errors();
        return quote!(#item_fn #errors);
    }
    let analyzed = |mut func: Func| {
        let (analysis, additions) = analysis::analyze(&func, args.reverse && !args.hessian);
        additions.apply(&mut func);
        (func, analysis)
    };
    // The ordinary functions of floats beside it that a call gives a value carrying a
    // derivative: lowered again with them inlined, until no more are found (each round
    // adds one at least, of the file's finitely many).
    let mut floats = HashSet::new();
    let lowered = loop {
        let mut round = Errors::default();
        let func = match lower::lower(&item_fn, &args, &floats, &mut round) {
            Lowered::Func(func) => func,
            Lowered::Rejected(func) => {
                errors.append(round);
                break func.map(analyzed);
            }
        };
        let (func, analysis) = analyzed(func);
        let more = float_callees(&func, &analysis, &floats);
        if !more.is_empty() {
            floats.extend(more);
            continue;
        }
        errors.append(round);
        let before = errors.count();
        unknown_callees(&func, &analysis, &mut errors);
        if errors.count() == before {
            break Some((func, analysis));
        }
        // The calls refused name no module: the stand-in's body makes none.
        break match lower::stand_in(&item_fn, &args, &floats) {
            Lowered::Rejected(Some(func)) => Some(analyzed(func)),
            _ => None,
        };
    };
    let module_of = |(func, analysis): (Func, analysis::Analysis)| {
        let backward = reverse::backward(&func, &analysis, true);
        module(&func, &analysis, &backward, &args)
    };
    match lowered {
        Some(lowered) if errors.is_empty() => {
            let module = module_of(lowered);
            // A function used only through its derivatives is used: no `dead_code` warning.
            // (A generic one cannot be named without its parameters: it is allowed instead.)
            let name = &item_fn.sig.ident;
            let generic = item_fn
                .sig
                .generics
                .params
                .iter()
                .any(|p| !matches!(p, syn::GenericParam::Lifetime(_)));
            if generic {
                quote!(#[allow(dead_code)] #item_fn #module)
            } else {
                quote!(#item_fn const _: () = { let _ = #name; }; #module)
            }
        }
        // Rejected: the errors, and the module with every item and its real signature (as
        // thiserror's fallback does), so that calls elsewhere compile and the errors that
        // matter are the only ones.
        Some(lowered) => {
            let errors = errors.into_compile_errors();
            let module = module_of(lowered);
            quote!(#item_fn #errors #[allow(unreachable_code)] #module)
        }
        None => {
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
    /// Their names, and the type parameters' (what a boxed pullback may borrow).
    pub captured: Vec<TokenStream>,
    /// `<'x>`
    pub generics: TokenStream,
    /// `+ use<'x>`
    pub capture: TokenStream,
    /// Per parameter, the lifetimes named here for its type (`'x` for `x: &[f64]`).
    pub param_lifetimes: Vec<Vec<syn::Lifetime>>,
    /// The type and const parameters, with their bounds: `T: Real`, `const N: usize`.
    pub type_params: Vec<TokenStream>,
    /// The gradient struct as a type: `Grad`, or `Grad<T>` in a generic function.
    pub grad: TokenStream,
    /// Its declaration's parameters: `<T: Real>`, or nothing.
    pub grad_params: TokenStream,
    /// The result's type in the public items: the tuple for a tuple result (which the
    /// generated code computes as an array), the result's type otherwise.
    pub ret: TokenStream,
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
        if is_view_segment(segment)
            && let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments
        {
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

pub(crate) fn signature(f: &Func) -> Signature {
    let mut taken: BTreeSet<String> = f
        .lifetimes
        .iter()
        .map(|l| l.lifetime.ident.to_string())
        .collect();
    let mut added = Vec::new();
    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut param_lifetimes = Vec::new();
    for p in &f.params {
        let mut ty = p.ty.clone();
        let before = added.len();
        NameLifetimes {
            param: &p.name,
            taken: &mut taken,
            added: &mut added,
        }
        .visit_type_mut(&mut ty);
        param_lifetimes.push(added[before..].to_vec());
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
    let type_params: Vec<TokenStream> = f.type_params.iter().map(|p| p.to_token_stream()).collect();
    let type_names: Vec<&syn::Ident> = f
        .type_params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    let (generics, capture) = if all.is_empty() && type_params.is_empty() {
        (TokenStream::new(), TokenStream::new())
    } else {
        (
            quote!(<#(#all,)* #(#type_params),*>),
            quote!(+ use<#(#names,)* #(#type_names),*>),
        )
    };
    // The gradient struct takes the type and const parameters its fields' types use.
    let mut used = std::collections::HashSet::new();
    for p in f.params.iter().filter(|p| p.differentiable()) {
        crate::lower::collect_idents(grad_type(p), &mut used);
    }
    let grad_params: Vec<&syn::GenericParam> = f
        .type_params
        .iter()
        .filter(|p| match p {
            syn::GenericParam::Type(t) => used.contains(&t.ident.to_string()),
            syn::GenericParam::Const(c) => used.contains(&c.ident.to_string()),
            syn::GenericParam::Lifetime(_) => false,
        })
        .collect();
    let grad_names = grad_params.iter().map(|p| match p {
        syn::GenericParam::Type(t) => &t.ident,
        syn::GenericParam::Const(c) => &c.ident,
        syn::GenericParam::Lifetime(l) => &l.lifetime.ident,
    });
    let (grad, grad_params) = if grad_params.is_empty() {
        (quote!(Grad), TokenStream::new())
    } else {
        (quote!(Grad<#(#grad_names),*>), quote!(<#(#grad_params),*>))
    };
    let ret = match &f.tuple_ret {
        Some(t) => t.to_token_stream(),
        None => f.ret.to_token_stream(),
    };
    let captured = names
        .iter()
        .map(|l| l.to_token_stream())
        .chain(type_names.iter().map(|t| t.to_token_stream()))
        .collect();
    Signature {
        params,
        args,
        captured,
        lifetimes: all,
        generics,
        capture,
        param_lifetimes,
        type_params,
        grad,
        grad_params,
        ret,
    }
}

/// The gradient field's type of a differentiable parameter.
pub(crate) fn grad_type(p: &Param) -> TokenStream {
    match &p.form {
        ParamForm::Float => p.ty.to_token_stream(),
        ParamForm::Seq(grad) | ParamForm::Tensor(grad) | ParamForm::Struct(grad) => {
            grad.to_token_stream()
        }
        ParamForm::Const => quote!(()),
    }
}

/// The type of a differentiable parameter's tangent in `jvp` and `hvp`: the parameter's own
/// type, except for a struct, whose tangent is its gradient type (borrowed if the parameter
/// is).
pub(crate) fn tangent_type(p: &Param) -> TokenStream {
    match (&p.form, &p.ty) {
        (ParamForm::Struct(grad), syn::Type::Reference(_)) => quote!(&#grad),
        (ParamForm::Struct(grad), _) => grad.to_token_stream(),
        _ => p.ty.to_token_stream(),
    }
}

/// A parameter's place in a pullback's tuple of gradients: its gradient's type, or
/// `NotDifferentiable` for a constant ([`Param::left_out`]: the type it would have).
pub(crate) fn positional_type(p: &Param, private: &TokenStream) -> TokenStream {
    match (&p.left_out, p.differentiable()) {
        (_, true) => grad_type(p),
        (Some(ty), false) => ty.to_token_stream(),
        (None, false) => quote!(#private::NotDifferentiable),
    }
}

/// The value in a pullback's tuple of gradients of a parameter not differentiated: a zero
/// of [`Param::left_out`], or `NotDifferentiable`.
pub(crate) fn not_differentiated(p: &Param, private: &TokenStream) -> TokenStream {
    match p.left_out {
        Some(_) => quote!(#private::left_out()),
        None => quote!(#private::NotDifferentiable),
    }
}

/// The lints the generated code allows, in one place (as pin-project does). The forward
/// pass is the user's own code again, so what rustc or clippy would say about it the user
/// already sees on their function. A pullback's `+ use<'x>` is needed in edition 2021 and
/// redundant in 2024, and a macro cannot tell which edition its caller is in.
pub(crate) fn allowed_lints() -> TokenStream {
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

/// `ArrayView1`, `ArrayView`, ...: the name of an ndarray view type.
pub(crate) fn is_view_segment(segment: &syn::PathSegment) -> bool {
    segment.ident.to_string().starts_with("ArrayView")
}

/// `ArrayView1<T>`, `ArrayView<'a, T, D>`, ...: an ndarray view, passed by value.
pub(crate) fn is_view(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(is_view_segment),
        _ => false,
    }
}

/// The ordinary functions of floats beside the function (not among `asked`) that a call
/// gives a value carrying a derivative: to be inlined.
fn float_callees(f: &Func, a: &analysis::Analysis, asked: &HashSet<String>) -> Vec<String> {
    let caller = f.name.to_string();
    let mut found = Vec::new();
    calls_carrying_derivatives(f, a, &mut |path| {
        let key = path_text(path);
        if !asked.contains(&key) && crate::source::is_float_fn(&caller, path) {
            found.push(key);
        }
    });
    found
}

/// A path as written, without spaces (`act::sigmoid`).
fn path_text(path: &syn::Path) -> String {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    names.join("::")
}

/// The path of each call of a function (`f(x)`, `act::f(x)`, not a method, not the
/// function itself) that carries a derivative in and out.
fn calls_carrying_derivatives(f: &Func, a: &analysis::Analysis, each: &mut dyn FnMut(&syn::Path)) {
    analysis::walk_calls(&f.body, &mut |var, call| {
        if call.method.is_some() {
            return;
        }
        let carried = call
            .args
            .iter()
            .any(|g| g.value.var().is_some_and(|v| a.facts[v].active));
        if !call.recursive && !call.sub_slice && a.facts[var].active && carried {
            each(&call.path);
        }
    });
}

/// A call that carries a derivative into a function the caller's file says has none (an
/// ordinary function beside the caller), or cannot be reached (declared in a function body):
/// an error at the call saying what to write, instead of rustc's "cannot find module".
fn unknown_callees(f: &Func, a: &analysis::Analysis, errors: &mut Errors) {
    use crate::source::{Callee, callee};
    let caller = f.name.to_string();
    calls_carrying_derivatives(f, a, &mut |path| {
        // A function the body declares: an ordinary one unless it has the attribute (or is
        // a gate, whose macro call is not an `fn` item).
        let local = f.items.iter().find_map(|item| match item {
            syn::Item::Fn(inner) if path.is_ident(&inner.sig.ident) => {
                Some(inner.attrs.iter().any(crate::methods::is_differentiate))
            }
            _ => None,
        });
        let found = match local {
            Some(true) => Callee::Unknown,
            Some(false) => Callee::Plain,
            None => callee(&caller, path),
        };
        let name = path_text(path);
        match found {
            // A function of tuples or structs the macro did not inline.
            Callee::Plain if crate::source::is_helper(&caller, path) => {
                errors.spanned(path, crate::lower::NOT_INLINED)
            }
            Callee::Plain => errors.spanned(
                path,
                format_args!(
                    "`{name}` is an ordinary function, so #[differentiate] has no derivative for it: write `#[differentiate]` on `{name}` (`{caller}` then calls its generated pullback), or declare it with `backprop::gate!` and its derivative"
                ),
            ),
            Callee::InBlock => errors.spanned(
                path,
                format_args!(
                    "`{name}` is declared inside a function body, where the module #[differentiate] generates for `{caller}` cannot reach it: move `{caller}` and `{name}` to module level"
                ),
            ),
            Callee::Unknown => {}
        }
    });
}

/// For every argument that carries a derivative into another differentiated function or a
/// gate: a compile-time check that the callee differentiates that parameter. Otherwise the
/// derivative would be lost; this makes it an error that says so, at the argument.
pub(crate) fn call_checks(
    f: &Func,
    a: &analysis::Analysis,
    private: &TokenStream,
) -> Vec<TokenStream> {
    let mut checks = Vec::new();
    analysis::walk_calls(&f.body, &mut |var, call| {
        // (A method's handle is reached through a value, not in a constant: its calls are
        // checked by the types, a gradient added to `NotDifferentiable` failing to compile.)
        if !a.facts[var].active || call.method.is_some() {
            return;
        }
        let path = &call.path;
        for (i, arg) in call.args.iter().enumerate() {
            if arg.value.var().is_some_and(|v| a.facts[v].active) {
                // At the argument, so the error points there; the callee's path keeps its
                // own span, so a callee that is not differentiated (no module `sq`) is one
                // error at the call, the same as the call's own.
                let private = respan(private.clone(), arg.span);
                checks.push(quote_spanned!(arg.span=>
                    const _: () = #private::check_differentiable(#path::__DIFFERENTIABLE, #i);
                ));
            }
        }
    });
    checks
}

pub(crate) fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
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

/// How many scalar inputs a parameter holds: its length, or its gradient's element count
/// for a struct.
pub(crate) fn element_count(p: &Param, id: &syn::Ident, private: &TokenStream) -> TokenStream {
    match p.form {
        ParamForm::Struct(_) => {
            quote!(#private::Elements::count(&#private::zeros_like(&#id)))
        }
        _ => quote!(#id.len()),
    }
}
