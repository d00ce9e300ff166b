//! `#[derive(Differentiable)]`: a struct of parameters becomes a parameter type. Writes the
//! mirrored `{Name}Grad` and implements the runtime's traits for both (the trait itself,
//! zeros, accumulation, tangents, elements for Jacobians and Hessians).

use crate::diag::Errors;
use crate::lower::{TypeClass, classify};
use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use std::collections::BTreeSet;
use syn::spanned::Spanned;

/// One field of the struct.
struct Field {
    /// `self.w` or `self.0`.
    member: syn::Member,
    /// The same field in `{Name}Grad` (a tuple struct's gradient numbers its fields anew).
    grad_member: syn::Member,
    ty: syn::Type,
}

pub fn derive(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.into_compile_error(),
    };
    let mut errors = Errors::default();
    let krate = crate_path(&input.attrs, &mut errors);
    let fields = match &input.data {
        syn::Data::Struct(s) => differentiable_fields(&s.fields, &mut errors),
        syn::Data::Enum(e) => {
            errors.at(
                e.enum_token.span,
                "#[derive(Differentiable)] supports structs, not enums: a gradient needs one value per field; keep the parameters in a struct (an enum's variant can be a constant field, `#[differentiable(constant)]`)",
            );
            Vec::new()
        }
        syn::Data::Union(u) => {
            errors.at(
                u.union_token.span,
                "#[derive(Differentiable)] supports structs, not unions",
            );
            Vec::new()
        }
    };
    let grad_generics = grad_generics(&input.ident, &input.generics, &fields, &mut errors);
    if !errors.is_empty() {
        return errors.into_compile_errors();
    }
    items(&input, &krate, &fields, &grad_generics)
}

/// `#[differentiable(crate = path)]` on the struct: where the facade lives.
fn crate_path(attrs: &[syn::Attribute], errors: &mut Errors) -> syn::Path {
    let mut krate: syn::Path = syn::parse_quote!(::backprop);
    for attr in attrs.iter().filter(|a| a.path().is_ident("differentiable")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = meta.value()?.parse()?;
                Ok(())
            } else {
                Err(meta.error(
                    "expected `crate = path` here (`#[differentiable(constant)]` goes on a field)",
                ))
            }
        });
        if let Err(e) = parsed {
            errors.push(e);
        }
    }
    krate
}

/// Whether a field carries `#[differentiable(constant)]`.
fn marked_constant(field: &syn::Field, errors: &mut Errors) -> bool {
    let mut constant = false;
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("differentiable"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("constant") {
                constant = true;
                Ok(())
            } else {
                Err(meta.error("expected `#[differentiable(constant)]`"))
            }
        });
        if let Err(e) = parsed {
            errors.push(e);
        }
    }
    constant
}

/// The fields that get a gradient: all but integers, `bool`s (and sequences of them) and
/// fields marked constant.
fn differentiable_fields(fields: &syn::Fields, errors: &mut Errors) -> Vec<Field> {
    let mut out = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let constant = marked_constant(field, errors);
        // Integers and `bool`s are constants; other types without a gradient (`String`,
        // `Option`, ...) are marked by the user (`without_gradient`), as the API pins.
        if constant || matches!(classify(&field.ty), TypeClass::Int | TypeClass::Bool) {
            continue;
        }
        if let syn::Type::Reference(r) = &field.ty {
            let name = field_name(field, index);
            errors.at(
                r.and_token.span,
                format!(
                    "the field `{name}` borrows its value: a gradient needs an owned field (`Vec<T>`, `[T; N]`, an ndarray `Array`); own it, or mark it `#[differentiable(constant)]`"
                ),
            );
            continue;
        }
        if let Some(what) = without_gradient(&field.ty) {
            let name = field_name(field, index);
            errors.spanned(
                &field.ty,
                format!(
                    "the field `{name}` has no gradient ({what}): mark it `#[differentiable(constant)]`; differentiable fields are floats, `[T; N]`, `Vec<T>`, ndarray arrays and structs deriving `Differentiable`"
                ),
            );
            continue;
        }
        let (member, grad_member) = match &field.ident {
            Some(ident) => (
                syn::Member::Named(ident.clone()),
                syn::Member::Named(ident.clone()),
            ),
            None => (
                syn::Member::Unnamed(syn::Index {
                    index: index as u32,
                    span: field.ty.span(),
                }),
                syn::Member::Unnamed(syn::Index {
                    index: out.len() as u32,
                    span: field.ty.span(),
                }),
            ),
        };
        out.push(Field {
            member,
            grad_member,
            ty: field.ty.clone(),
        });
    }
    out
}

/// ndarray's owned array types: their own gradients.
const OWNED_ARRAYS: &[&str] = &[
    "Array", "Array0", "Array1", "Array2", "Array3", "Array4", "Array5", "Array6", "ArrayD",
];

/// Standard types that are never differentiable, caught here so the error is one, at the
/// field (the compiler would report the missing trait once per generated item).
fn without_gradient(ty: &syn::Type) -> Option<&'static str> {
    match ty {
        syn::Type::Tuple(_) => Some("a tuple"),
        syn::Type::FnPtr(_) => Some("a function pointer"),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            const NAMES: &[(&str, &str)] = &[
                ("String", "text"),
                ("char", "a character"),
                ("Option", "an `Option`"),
                ("Box", "a `Box`"),
                ("Rc", "an `Rc`"),
                ("Arc", "an `Arc`"),
                ("HashMap", "a map"),
                ("BTreeMap", "a map"),
                ("HashSet", "a set"),
                ("BTreeSet", "a set"),
                ("PathBuf", "a path"),
                ("Cell", "a `Cell`"),
                ("RefCell", "a `RefCell`"),
            ];
            let name = last.ident.to_string();
            // The generic ones only with their arguments (`Cell<f64>`): a user's own
            // `struct Cell` is another type.
            let generic = !matches!(name.as_str(), "String" | "char" | "PathBuf");
            let arguments = matches!(last.arguments, syn::PathArguments::AngleBracketed(_));
            if let Some((_, what)) = NAMES.iter().find(|(n, _)| *n == name)
                && (arguments || !generic)
            {
                return Some(what);
            }
            // `Vec<String>`, `[u8; 4]`-like sequences of something else than floats.
            if name == "Vec"
                && let syn::PathArguments::AngleBracketed(g) = &last.arguments
                && let Some(syn::GenericArgument::Type(t)) = g.args.first()
            {
                return without_gradient(t).map(|_| "a `Vec` of values with no gradient");
            }
            None
        }
        _ => None,
    }
}

/// Whether a field's gradient has the field's own type: floats, `Vec`s and arrays of them,
/// owned ndarray arrays (`Array1<f64>`, `Array<T, D>`; not views).
fn is_own_gradient(ty: &syn::Type) -> bool {
    match (classify(ty), ty) {
        (TypeClass::Float, _) => true,
        (TypeClass::Seq(_, 1), syn::Type::Array(_)) => true,
        (TypeClass::Seq(_, 1), syn::Type::Path(p)) => {
            p.path.segments.last().is_some_and(|s| s.ident == "Vec")
        }
        (TypeClass::Tensor(..), syn::Type::Path(p)) => p
            .path
            .segments
            .last()
            .is_some_and(|s| OWNED_ARRAYS.contains(&s.ident.to_string().as_str())),
        _ => false,
    }
}

fn field_name(field: &syn::Field, index: usize) -> String {
    field
        .ident
        .as_ref()
        .map_or_else(|| index.to_string(), ToString::to_string)
}

/// The struct's generic parameters that its differentiable fields use: the gradient struct
/// takes those (a lifetime or type used only by constant fields would be unused there).
fn grad_generics(
    name: &syn::Ident,
    generics: &syn::Generics,
    fields: &[Field],
    errors: &mut Errors,
) -> syn::Generics {
    let mut used = BTreeSet::new();
    for f in fields {
        let ty = &f.ty;
        collect_names(quote!(#ty), &mut used);
    }
    let mut out = generics.clone();
    out.params = generics
        .params
        .iter()
        .filter(|p| used.contains(&param_name(p)))
        .cloned()
        .collect();
    // A type parameter a differentiable field uses needs a bound saying what it is.
    let bounded_in_where = |t: &syn::Ident| {
        generics
            .where_clause
            .iter()
            .flat_map(|w| &w.predicates)
            .any(|p| {
                matches!(p, syn::WherePredicate::Type(pt)
                if matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.is_ident(t)))
            })
    };
    for t in out.type_params() {
        if t.bounds.is_empty() && !bounded_in_where(&t.ident) {
            errors.spanned(
                &t.ident,
                format!(
                    "#[derive(Differentiable)] needs `{0}`, which a differentiable field uses, to be a float type: write `struct {1}<{0}: backprop::Real>` (a struct generic over other types is not supported: name the struct type in the field)",
                    t.ident, name,
                ),
            );
        }
    }
    if out.params.len() != generics.params.len()
        && let Some(w) = &generics.where_clause
    {
        errors.spanned(
                w,
                "#[derive(Differentiable)] with a `where` clause needs every generic parameter in a differentiable field; move the bounds onto the parameters",
            );
    }
    out
}

fn param_name(p: &syn::GenericParam) -> String {
    match p {
        syn::GenericParam::Lifetime(l) => l.lifetime.to_string(),
        syn::GenericParam::Type(t) => t.ident.to_string(),
        syn::GenericParam::Const(c) => c.ident.to_string(),
    }
}

fn collect_names(tokens: TokenStream, names: &mut BTreeSet<String>) {
    let mut after_quote = false;
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => collect_names(g.stream(), names),
            TokenTree::Ident(i) => {
                let name = i.to_string();
                names.insert(if after_quote {
                    format!("'{name}")
                } else {
                    name
                });
            }
            TokenTree::Punct(p) => {
                after_quote = p.as_char() == '\'';
                continue;
            }
            TokenTree::Literal(_) => {}
        }
        after_quote = false;
    }
}

fn items(
    input: &syn::DeriveInput,
    krate: &syn::Path,
    fields: &[Field],
    grad_generics: &syn::Generics,
) -> TokenStream {
    let private = quote!(#krate::__private);
    let name = &input.ident;
    let grad = format_ident!("{}Grad", name);
    let (impl_g, ty_g, where_clause) = input.generics.split_for_impl();
    let (grad_impl_g, grad_ty_g, grad_where) = grad_generics.split_for_impl();
    let members: Vec<&syn::Member> = fields.iter().map(|f| &f.member).collect();
    let grads: Vec<&syn::Member> = fields.iter().map(|f| &f.grad_member).collect();
    let grad_types: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let ty = &f.ty;
            if is_own_gradient(ty) {
                // A float, a `Vec` or array of floats, an owned ndarray array: its own type.
                quote!(#ty)
            } else {
                // Spanned at the field: a type with no gradient is reported there.
                quote_spanned!(ty.span()=> <#ty as #private::Differentiable>::Grad)
            }
        })
        .collect();
    let tuple =
        matches!(&input.data, syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unnamed(_)));
    let definition = grad_definition(input, fields, grad_generics, &grad_types, tuple);
    let build = |values: Vec<TokenStream>| {
        if tuple {
            quote!(#grad(#(#values),*))
        } else {
            quote!(#grad { #(#grads: #values),* })
        }
    };
    let zeros = build(
        members
            .iter()
            .map(|m| quote!(#private::ZerosLike::zeros_like(&self.#m)))
            .collect(),
    );
    let empty = build(
        members
            .iter()
            .map(|m| quote!(#private::Differentiable::empty_grad(&self.#m)))
            .collect(),
    );
    let grad_zeros = build(
        grads
            .iter()
            .map(|m| quote!(#private::ZerosLike::zeros_like(&self.#m)))
            .collect(),
    );
    let elements = elements_impl(&private, name, &grad, grad_generics, &grads, &grad_types);
    let struct_shape = same_shape_impl(&private, quote!(#name #ty_g), &input.generics, &members);
    let grad_shape = same_shape_impl(&private, quote!(#grad #grad_ty_g), grad_generics, &grads);
    quote! {
        #definition

        impl #impl_g #private::Differentiable for #name #ty_g #where_clause {
            type Grad = #grad #grad_ty_g;
            #[inline]
            fn scaled_add(&mut self, alpha: f64, g: &Self::Grad) {
                #(#private::Differentiable::scaled_add(&mut self.#members, alpha, &g.#grads);)*
            }
            #[inline]
            fn fits(&self, g: &Self::Grad) -> bool {
                true #(&& #private::Differentiable::fits(&self.#members, &g.#grads))*
            }
            #[inline]
            fn empty_grad(&self) -> Self::Grad {
                #empty
            }
            #[inline]
            fn fill_zeros(&self, g: &mut Self::Grad) {
                #(#private::Differentiable::fill_zeros(&self.#members, &mut g.#grads);)*
            }
        }

        impl #impl_g #private::GradOf for #name #ty_g #where_clause {
            type Grad = #grad #grad_ty_g;
        }

        impl #impl_g #private::ZerosLike for #name #ty_g #where_clause {
            type Grad = #grad #grad_ty_g;
            #[inline]
            fn zeros_like(&self) -> Self::Grad {
                #zeros
            }
        }

        impl #grad_impl_g #private::ZerosLike for #grad #grad_ty_g #grad_where {
            type Grad = Self;
            #[inline]
            fn zeros_like(&self) -> Self {
                #grad_zeros
            }
        }

        impl #grad_impl_g #private::Accumulate for #grad #grad_ty_g #grad_where {
            #[inline]
            fn accumulate(&mut self, rhs: Self) {
                #(#private::Accumulate::accumulate(&mut self.#grads, rhs.#grads);)*
            }
        }

        impl #grad_impl_g #private::ToTangent<#grad #grad_ty_g> for #grad #grad_ty_g #grad_where {
            #[inline]
            fn to_tangent(&self) -> Self {
                ::core::clone::Clone::clone(self)
            }
        }

        // In sequences (`layers: &[Layer]`, a field `Vec<Layer>`): one gradient per element,
        // and the gradients' sequences (`Vec<LayerGrad>`) as well.
        impl #impl_g #private::SeqItem for #name #ty_g #where_clause {}

        #struct_shape

        impl #grad_impl_g #private::SeqItem for #grad #grad_ty_g #grad_where {}

        impl #grad_impl_g #private::GradOf for #grad #grad_ty_g #grad_where {
            type Grad = Self;
        }

        #grad_shape

        impl #grad_impl_g #private::Discard for #grad #grad_ty_g #grad_where {}

        #elements
    }
}

/// The `{Name}Grad` struct, documented: one public field per differentiable field.
fn grad_definition(
    input: &syn::DeriveInput,
    fields: &[Field],
    grad_generics: &syn::Generics,
    grad_types: &[TokenStream],
    tuple: bool,
) -> TokenStream {
    let (name, vis) = (&input.ident, &input.vis);
    let grad = format_ident!("{}Grad", name);
    let grad_where = &grad_generics.where_clause;
    let doc = format!(
        "The gradient of [`{name}`], written by `#[derive(Differentiable)]`: one field per differentiable field of `{name}`, same name, holding that field's gradient (integer, `bool` and `#[differentiable(constant)]` fields have none)."
    );
    let definition = if tuple {
        quote!(#vis struct #grad #grad_generics (#(pub #grad_types),*) #grad_where;)
    } else {
        let grads = fields.iter().map(|f| &f.grad_member);
        let docs = fields.iter().map(|f| {
            let member = &f.member;
            format!("The gradient with respect to `{}`.", quote!(#member))
        });
        quote!(#vis struct #grad #grad_generics #grad_where { #(#[doc = #docs] pub #grads: #grad_types,)* })
    };
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        #definition
    }
}

/// `SameShape` for the struct or its gradient: its differentiable fields' shapes, compared
/// field by field.
fn same_shape_impl(
    private: &TokenStream,
    ty: TokenStream,
    generics: &syn::Generics,
    members: &[&syn::Member],
) -> TokenStream {
    let (impl_g, _, where_clause) = generics.split_for_impl();
    quote! {
        impl #impl_g #private::SameShape for #ty #where_clause {
            #[inline]
            fn same_shape(&self, other: &Self) -> bool {
                true #(&& #private::SameShape::same_shape(&self.#members, &other.#members))*
            }
            fn shape_of(&self) -> ::std::vec::Vec<usize> {
                let mut shape = ::std::vec::Vec::new();
                #(shape.extend(#private::SameShape::shape_of(&self.#members));)*
                shape
            }
        }
    }
}

/// `Elements` for `{Name}Grad`: its fields' elements one after another, for the gradient
/// checker and Hessian columns.
fn elements_impl(
    private: &TokenStream,
    name: &syn::Ident,
    grad: &syn::Ident,
    grad_generics: &syn::Generics,
    grads: &[&syn::Member],
    grad_types: &[TokenStream],
) -> TokenStream {
    let (grad_impl_g, grad_ty_g, grad_where) = grad_generics.split_for_impl();
    let elem = match grad_types.first() {
        Some(first) => quote!(<#first as #private::Elements>::Elem),
        None => quote!(f64),
    };
    let lengths = grads
        .iter()
        .map(|m| quote!(#private::Elements::count(&self.#m)));
    let read = grads.iter().map(|m| {
        quote! {
            let n = #private::Elements::count(&self.#m);
            if i < n {
                return #private::Elements::element(&self.#m, i);
            }
            i -= n;
        }
    });
    let pick = grads.iter().map(|m| {
        quote! {
            let n = #private::Elements::count(&self.#m);
            if i < n {
                return #private::Elements::element_mut(&mut self.#m, i);
            }
            i -= n;
        }
    });
    let what = format!("`{name}Grad`");
    quote! {
        impl #grad_impl_g #private::Elements for #grad #grad_ty_g #grad_where {
            type Elem = #elem;
            fn count(&self) -> usize {
                0 #(+ #lengths)*
            }
            #[allow(unused_mut)]
            fn element(&self, mut i: usize) -> Self::Elem {
                #(#read)*
                ::core::panic!("element {} is past the end of a {}", i, #what)
            }
            #[allow(unused_mut)]
            fn element_mut(&mut self, mut i: usize) -> &mut Self::Elem {
                #(#pick)*
                ::core::panic!("element {} is past the end of a {}", i, #what)
            }
        }
    }
}
