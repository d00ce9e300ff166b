//! The file's methods of structs: those of structs without a gradient that derive `Copy`
//! (and their operators), and the ordinary methods of structs a parameter may have (with a
//! gradient, or without one and passed as a constant), kept as text to be inlined where
//! they are called; and their lookups.

use super::*;

/// The methods without `#[differentiate]` of `b`, an inherent block of a struct among
/// `structs` (with a gradient, or without one: a constant parameter's settings; generic
/// over types as the struct is, `impl<T: Real> Lin<T>`, or not at all), or its
/// implementation of a trait declared among `items` (`impl Predict for Lin`), or else the
/// one of the file's `traits` of that name (declared in an inline module): see
/// [`ParamMethod`].
pub(super) fn param_methods(
    b: &syn::ItemImpl,
    items: &[&syn::Item],
    traits: &[&syn::ItemTrait],
    structs: &[(String, bool)],
    out: &mut Vec<ParamMethod>,
) {
    let syn::Type::Path(t) = &*b.self_ty else {
        return;
    };
    let Some(last) = t
        .path
        .segments
        .last()
        .filter(|_| t.path.segments.len() == 1)
    else {
        return;
    };
    let on = &last.ident;
    // `impl<T: Real> Lin<T>`: the block's type parameters, as the struct's arguments.
    let generics: Vec<String> = b
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();
    let Some(args) = type_args(last) else { return };
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_token_stream().to_string())
        .collect();
    let declared_trait = |path: &syn::Path| {
        let here = items.iter().find_map(|i| match i {
            syn::Item::Trait(t) if path.is_ident(&t.ident) => Some(t),
            _ => None,
        });
        here.or_else(|| {
            let last = &path.segments.last()?.ident;
            let mut named = traits.iter().filter(|t| t.ident == *last);
            let only = named.next()?;
            named.next().is_none().then_some(*only)
        })
    };
    let implemented = b.trait_.as_ref().map(|(path, _)| declared_trait(path));
    if matches!(implemented, Some(None))
        || t.qself.is_some()
        || args != generics
        || generics.len() != b.generics.params.len()
        || !structs.iter().any(|(s, _)| on == s)
    {
        return;
    }
    let mut add = |attrs: &[syn::Attribute], sig: &syn::Signature, block: &syn::Block| {
        if attrs.iter().any(|a| named(a.path(), "differentiate")) || sig.receiver().is_none() {
            return;
        }
        let inlined = sig.generics.params.is_empty()
            && matches!(
                sig.receiver().map(|r| &r.kind),
                Some(syn::ReceiverKind::Reference(_, _, None))
            );
        out.push(ParamMethod {
            on: on.to_string(),
            name: sig.ident.to_string(),
            text: inlined.then(|| quote::quote!(#sig #block).to_string()),
            generics: generics.clone(),
        });
    };
    for m in &b.items {
        if let syn::ImplItem::Fn(m) = m {
            add(&m.attrs, &m.sig, &m.block);
        }
    }
    // The trait's provided methods the block does not write (`self.predict(x)` in a
    // default `prob`): their default bodies.
    if let Some(Some(t)) = implemented {
        let written = |name: &syn::Ident| {
            b.items
                .iter()
                .any(|m| matches!(m, syn::ImplItem::Fn(m) if m.sig.ident == *name))
        };
        for m in &t.items {
            if let syn::TraitItem::Fn(m) = m
                && let Some(block) = &m.default
                && !written(&m.sig.ident)
            {
                add(&m.attrs, &m.sig, block);
            }
        }
    }
}

/// The operators whose implementations are inlined, by trait, with their methods.
const OPERATORS: [(&str, &str); 9] = [
    ("Add", "add"),
    ("Sub", "sub"),
    ("Mul", "mul"),
    ("Div", "div"),
    ("Neg", "neg"),
    ("AddAssign", "add_assign"),
    ("SubAssign", "sub_assign"),
    ("MulAssign", "mul_assign"),
    ("DivAssign", "div_assign"),
];

/// The methods of `impl S { .. }` and the operator of `impl Add for S` (and the like) for a
/// struct `S` declared here without a gradient and deriving `Copy`; methods that take
/// `self`, `&self` or `&mut self` (and `impl AddAssign for S` and the like).
pub(super) fn struct_methods(
    b: &syn::ItemImpl,
    items: &[&syn::Item],
    structs: &[(String, bool)],
    out: &mut Vec<StructMethod>,
) {
    let Some((on, generics)) = plain_copy_impl(b, items, structs) else {
        return;
    };
    let operator = match &b.trait_ {
        None => None,
        Some((path, _)) => {
            let last = path.segments.last();
            let Some((_, method)) = last.and_then(|l| OPERATORS.iter().find(|(t, _)| l.ident == t))
            else {
                return;
            };
            let rhs = match last.map(|l| &l.arguments) {
                Some(syn::PathArguments::AngleBracketed(a)) => a.args.to_token_stream().to_string(),
                _ => "Self".to_owned(),
            };
            // `neg` has no right-hand side.
            Some((*method, (*method != "neg").then_some(rhs)))
        }
    };
    for m in &b.items {
        let syn::ImplItem::Fn(m) = m else { continue };
        // `self`, `mut self` or `&self`: nothing written through; `&mut self`: the
        // caller's place written (`helpers/written.rs`); or no `self` at all.
        let associated = m.sig.receiver().is_none();
        let receiver = m.sig.receiver().map(|r| &r.kind);
        let read_only = matches!(
            receiver,
            Some(syn::ReceiverKind::Value | syn::ReceiverKind::Reference(_, _, None))
        );
        let writes = matches!(receiver, Some(syn::ReceiverKind::Reference(_, _, Some(_))));
        if !read_only && !writes && (!associated || operator.is_some()) {
            continue;
        }
        let (name, rhs) = match &operator {
            Some((method, rhs)) if m.sig.ident == method => (method.to_string(), rhs.clone()),
            Some(_) => continue,
            None => (m.sig.ident.to_string(), None),
        };
        out.push(StructMethod {
            on: on.clone(),
            name,
            rhs,
            associated,
            writes,
            text: m.to_token_stream().to_string(),
            generics: generics.clone(),
        });
    }
}

/// The struct of `impl S { .. }` or `impl Trait for S { .. }`, where `S` is declared among
/// `items` without a gradient and derives `Copy`; without generics, or generic over its
/// float type (`impl<T: Real> V2<T>`, `impl<T: Real> Add for V2<T>`), with the name of that
/// type parameter.
fn plain_copy_impl(
    b: &syn::ItemImpl,
    items: &[&syn::Item],
    structs: &[(String, bool)],
) -> Option<(String, Vec<String>)> {
    let syn::Type::Path(t) = &*b.self_ty else {
        return None;
    };
    let [segment] = &t.path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let on = segment.ident.to_string();
    let plain = structs.iter().any(|(s, plain)| *plain && *s == on);
    if !plain || t.qself.is_some() || !copy_struct(items, &on) {
        return None;
    }
    let args = super::type_args(segment)?;
    match (&b.generics.params.iter().collect::<Vec<_>>()[..], &args[..]) {
        ([], []) => Some((on, Vec::new())),
        ([syn::GenericParam::Type(p)], [syn::GenericArgument::Type(syn::Type::Path(a))])
            if a.path.is_ident(&p.ident) =>
        {
            Some((on, vec![p.ident.to_string()]))
        }
        _ => None,
    }
}

/// The associated constants of `impl S { .. }` for a struct `S` declared here without a
/// gradient and deriving `Copy` (`const ZERO: V3 = V3 { x: 0.0, .. };`): struct, name and
/// value as text.
pub(super) fn struct_consts(
    b: &syn::ItemImpl,
    items: &[&syn::Item],
    structs: &[(String, bool)],
    out: &mut Vec<(String, String, String)>,
) {
    // (Not of a generic `impl`: a constant's type would be the caller's to write.)
    let Some((on, _)) = plain_copy_impl(b, items, structs)
        .filter(|(_, generics)| b.trait_.is_none() && generics.is_empty())
    else {
        return;
    };
    for item in &b.items {
        if let syn::ImplItem::Const(c) = item {
            let value = &c.expr;
            out.push((
                on.clone(),
                c.ident.to_string(),
                quote::quote!(#value).to_string(),
            ));
        }
    }
}

/// The value of the associated constant `name` of the struct `on` ([`struct_consts`]) in
/// the module of the differentiated function `caller`, its tokens spanned at `span`
/// (`V3::ZERO` read as the literal it stands for).
pub fn struct_const(
    caller: &str,
    on: &str,
    name: &str,
    span: proc_macro2::Span,
) -> Option<syn::Expr> {
    let scopes = summary(span)?;
    let (_, _, text) = home(&scopes, caller)?
        .struct_consts
        .iter()
        .find(|(s, n, _)| s == on && n == name)?;
    let tokens: proc_macro2::TokenStream = text.parse().ok()?;
    syn::parse2(crate::expand::respan(tokens, span)).ok()
}

/// The method `name` of the struct `on` (see [`StructMethod`]), in the module of the
/// differentiated function `caller`, its tokens spanned at `span`. For an operator,
/// `rhs_struct` says whether the right-hand side is the struct (`impl Add for V3`) or not
/// (`impl Mul<f64> for V3`); `None` for a method.
pub fn struct_method(
    caller: &str,
    on: &str,
    name: &str,
    rhs_struct: Option<bool>,
    span: proc_macro2::Span,
) -> Option<syn::ImplItemFn> {
    struct_item(caller, on, name, rhs_struct, false, span)
}

/// Whether some struct of the module of the differentiated function `caller` has a method
/// `name` taking `self` or `&self` (nothing written through).
pub fn read_only_method(caller: &syn::Ident, name: &str) -> bool {
    summary(caller.span()).is_some_and(|scopes| {
        home(&scopes, &caller.to_string()).is_some_and(|h| {
            h.struct_methods
                .iter()
                .any(|m| m.name == name && !m.associated && !m.writes && m.rhs.is_none())
        })
    })
}

/// The ordinary method `name` (taking `&self`, without `#[differentiate]`) of the struct
/// `on`, which has a gradient, declared in the module of the differentiated function
/// `caller`: inlined where a parameter of that struct calls it (`p.accel(th)`).
/// With it, the type parameters of its `impl` block, in the order of the struct's
/// arguments (none for a struct without generics).
pub fn param_method(
    caller: &str,
    on: &str,
    name: &str,
    span: proc_macro2::Span,
) -> Option<(syn::ImplItemFn, Vec<String>)> {
    let scopes = summary(span)?;
    let m = home(&scopes, caller)?
        .param_methods
        .iter()
        .find(|m| m.on == on && m.name == name)?;
    let tokens: proc_macro2::TokenStream = m.text.as_ref()?.parse().ok()?;
    let method = syn::parse2(crate::expand::respan(tokens, span)).ok()?;
    Some((method, m.generics.clone()))
}

/// Whether some struct of the module of the differentiated function `caller` has an
/// ordinary method `name` (one without `#[differentiate]`, which has no
/// derivative to call), and no method so named has `#[differentiate]`.
pub fn is_plain_method(caller: &str, name: &syn::Ident) -> bool {
    summary(name.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| {
            h.param_methods.iter().any(|m| name == &m.name)
                && !h.differentiated_methods.iter().any(|m| name == m)
        })
    })
}

/// A function of the struct `on` without `self` (`V2::new`), as [`struct_method`] finds a
/// method.
pub fn struct_function(
    caller: &str,
    on: &str,
    name: &str,
    span: proc_macro2::Span,
) -> Option<syn::ImplItemFn> {
    struct_item(caller, on, name, None, true, span)
}

fn struct_item(
    caller: &str,
    on: &str,
    name: &str,
    rhs_struct: Option<bool>,
    associated: bool,
    span: proc_macro2::Span,
) -> Option<syn::ImplItemFn> {
    let scopes = summary(span)?;
    let home = home(&scopes, caller)?;
    let fits = |m: &&StructMethod| match (&m.rhs, rhs_struct) {
        (None, None) => true,
        (Some(rhs), Some(is_struct)) => (rhs == "Self" || rhs == on) == is_struct,
        _ => false,
    };
    let mut found = home
        .struct_methods
        .iter()
        .filter(|m| m.on == on && m.name == name && m.associated == associated)
        .filter(fits);
    let (Some(chosen), None) = (found.next(), found.next()) else {
        return None;
    };
    let tokens: proc_macro2::TokenStream = chosen.text.parse().ok()?;
    let tokens = crate::lower::as_caller_float(tokens, &chosen.generics);
    let mut method = syn::parse2(crate::expand::respan(tokens, span)).ok()?;
    super::without_float_args(caller, span, |v| v.visit_impl_item_fn_mut(&mut method));
    Some(method)
}
