//! What a type is to the macro: a float, a sequence, an array, an integer, ...

use super::*;

pub enum TypeClass {
    Float,
    /// A sequence of floats, or of sequences of them: the gradient's type (the same
    /// nesting) and how many indices reach a float (`Vec<f64>`: 1, `&[Vec<f64>]`: 2).
    Seq(Box<Type>, usize),
    /// An ndarray array of floats: its element type and its dimension (`Ix1`, `Ix2`, or the
    /// user's `D`).
    Tensor(Box<Type>, TokenStream),
    Int,
    Bool,
    /// Another type that is never differentiable, passed through as a constant: an
    /// `Option` of constants (`max_iter: Option<usize>`), `String`, `&str`, `char`.
    Const,
    MutRef,
    Unknown,
}

impl TypeClass {
    /// Integers, `bool` and the other constants: no gradient, passed through.
    pub fn is_constant(&self) -> bool {
        matches!(self, TypeClass::Int | TypeClass::Bool | TypeClass::Const)
    }
}

thread_local! {
    /// The function's type parameter bounded by `Real`, while it is lowered: a float too.
    static FLOAT_PARAM: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// The one float type the signature of the function being lowered names (`f64` in
    /// `fn f(x: &[f64], a: f64) -> f64`), if it names exactly one.
    static SIGNATURE_FLOAT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// While the guard lives, `name` (a type parameter bounded by `Real`) is a float type, and
/// the signature's one float type is known.
pub(super) struct FloatParam;

impl FloatParam {
    pub(super) fn set(name: Option<&Ident>, sig: &syn::Signature) -> FloatParam {
        FLOAT_PARAM.with(|f| *f.borrow_mut() = name.map(ToString::to_string));
        let one = one_float(sig, name);
        SIGNATURE_FLOAT.with(|f| *f.borrow_mut() = one);
        FloatParam
    }
}

/// The one float type (`f32`, `f64`, the float parameter `param`) a signature names, if it
/// names exactly one.
pub(super) fn one_float(sig: &syn::Signature, param: Option<&Ident>) -> Option<String> {
    let mut named = std::collections::BTreeSet::new();
    for arg in &sig.inputs {
        collect_floats(arg.to_token_stream(), param, &mut named);
    }
    collect_floats(sig.output.to_token_stream(), param, &mut named);
    match named.len() {
        1 => named.pop_first(),
        _ => None,
    }
}

/// The float types (`f32`, `f64`, the float parameter) `tokens` name.
fn collect_floats(
    tokens: TokenStream,
    param: Option<&Ident>,
    named: &mut std::collections::BTreeSet<String>,
) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(i) if i == "f32" || i == "f64" || param == Some(&i) => {
                named.insert(i.to_string());
            }
            proc_macro2::TokenTree::Group(g) => collect_floats(g.stream(), param, named),
            _ => {}
        }
    }
}

impl Drop for FloatParam {
    fn drop(&mut self) {
        FLOAT_PARAM.with(|f| *f.borrow_mut() = None);
        SIGNATURE_FLOAT.with(|f| *f.borrow_mut() = None);
    }
}

/// The one float type the signature of the function being lowered names, if it names
/// exactly one: what an untyped float literal most likely is where only the context the
/// lowering leaves behind would have typed it.
pub(super) fn signature_float() -> Option<Ident> {
    SIGNATURE_FLOAT.with(|f| {
        f.borrow()
            .as_ref()
            .map(|n| Ident::new(n, proc_macro2::Span::call_site()))
    })
}

/// An untyped float literal (`0.0`, `-1.0`, `1e-3`), or one negated.
pub(super) fn untyped_float(e: &Expr) -> bool {
    match strip(e) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) => f.suffix().is_empty(),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => untyped_float(&u.expr),
        _ => false,
    }
}

/// The float type parameter being lowered, if any.
pub(super) fn float_param() -> Option<Ident> {
    FLOAT_PARAM.with(|f| {
        f.borrow()
            .as_ref()
            .map(|n| Ident::new(n, proc_macro2::Span::call_site()))
    })
}

pub(super) fn is_float_type(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    p.qself.is_none()
        && (p.path.is_ident("f32")
            || p.path.is_ident("f64")
            || FLOAT_PARAM.with(|f| {
                f.borrow()
                    .as_ref()
                    .is_some_and(|name| p.path.is_ident(name.as_str()))
            }))
}

/// `Array1<T>`, `Array2<T>`, `Array<T, D>`, `ArrayView1<T>`, `ArrayView2<T>`,
/// `ArrayView<'a, T, D>`, `ArcArray...`, `CowArray...` of `f32`/`f64`: the element type and
/// the dimension.
pub(super) fn ndarray_type(p: &syn::TypePath) -> Option<(Type, TokenStream)> {
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    let family = ["ArrayView", "ArcArray", "CowArray", "Array"]
        .iter()
        .find(|f| name.starts_with(**f))?;
    let suffix = &name[family.len()..];
    let syn::PathArguments::AngleBracketed(g) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = g
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    let elem = (*types.first()?).clone();
    if !is_float_type(&elem) {
        return None;
    }
    let dim = match suffix {
        "1" => quote!(Ix1),
        "2" => quote!(Ix2),
        "3" => quote!(Ix3),
        "D" => quote!(IxDyn),
        "" => match types.get(1) {
            Some(d) => quote!(#d),
            None => return None,
        },
        _ => return None,
    };
    Some((elem, dim))
}

/// A slice, array or `Vec` of anything (`&[(f64, f64)]`, `Vec<bool>`, `[usize; 3]`),
/// possibly borrowed.
pub(super) fn sequence_type(ty: &Type) -> bool {
    match ty {
        Type::Paren(p) => sequence_type(&p.elem),
        Type::Group(g) => sequence_type(&g.elem),
        Type::Reference(r) => sequence_type(&r.elem),
        Type::Slice(_) | Type::Array(_) => true,
        Type::Path(_) => vec_of(ty, &|_| true),
        _ => false,
    }
}

/// The number of axes of an ndarray array of floats whose type says (`&Array1<f64>`,
/// `ArrayView1<T>`, `Array<f64, Ix1>`: 1; `Array2<f64>`: 2); a one-dimensional one's
/// elements are reached by one index, as a slice's.
pub(super) fn array_rank(ty: &Type) -> Option<usize> {
    match classify(ty) {
        TypeClass::Tensor(_, dim) => match dim.to_string() {
            d if d.ends_with("Ix1") => Some(1),
            d if d.ends_with("Ix2") => Some(2),
            _ => None,
        },
        _ => None,
    }
}

/// `Vec<usize>`, `[u8; 4]` and the like: integer sequences, constants.
pub(super) fn int_vec(ty: &Type) -> bool {
    vec_of(ty, &|t| matches!(classify(t), TypeClass::Int))
}

/// `Vec<bool>`: flags, a mask: constants.
fn bool_vec(ty: &Type) -> bool {
    vec_of(ty, &|t| matches!(classify(t), TypeClass::Bool))
}

/// `Vec<T>` with `T` as `elem` asks.
fn vec_of(ty: &Type, elem: &dyn Fn(&Type) -> bool) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Vec" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(g) if g.args.len() == 1 => {
            matches!(&g.args[0], syn::GenericArgument::Type(t) if elem(t))
        }
        _ => false,
    }
}

/// `T` of `Vec<T>`.
pub(crate) fn vec_elem(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(g) if g.args.len() == 1 => match &g.args[0] {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// A sequence of floats or of such sequences (`Vec<T>`, `[T; N]`, `&[T]`, through
/// references): the gradient's type, with `Vec` for a slice, and the depth. `None` for a
/// float or anything else.
fn seq_grad(ty: &Type) -> Option<(Type, usize)> {
    // The gradient of an element: the float itself, or a sequence's gradient.
    let item = |t: &Type| -> Option<(Type, usize)> {
        if is_float_type(t) {
            Some((t.clone(), 0))
        } else {
            seq_grad(t).filter(|_| !matches!(t, Type::Reference(_)))
        }
    };
    match ty {
        Type::Paren(p) => seq_grad(&p.elem),
        Type::Group(g) => seq_grad(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let (elem, depth) = item(vec_elem(ty)?)?;
            Some((syn::parse_quote!(::std::vec::Vec<#elem>), depth + 1))
        }
        Type::Array(a) => {
            let (elem, depth) = item(&a.elem)?;
            let len = &a.len;
            Some((syn::parse_quote!([#elem; #len]), depth + 1))
        }
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Slice(s) => {
                let (elem, depth) = item(&s.elem)?;
                Some((syn::parse_quote!(::std::vec::Vec<#elem>), depth + 1))
            }
            inner => seq_grad(inner),
        },
        _ => None,
    }
}

pub fn classify(ty: &Type) -> TypeClass {
    match ty {
        Type::Paren(p) => classify(&p.elem),
        Type::Group(g) => classify(&g.elem),
        _ if is_float_type(ty) => TypeClass::Float,
        _ if seq_grad(ty).is_some() => {
            let (grad, depth) = seq_grad(ty).expect("a sequence");
            TypeClass::Seq(Box::new(grad), depth)
        }
        Type::Path(p) if p.qself.is_none() => {
            if let Some((elem, dim)) = ndarray_type(p) {
                return TypeClass::Tensor(Box::new(elem), dim);
            }
            if int_vec(ty) {
                return TypeClass::Int;
            }
            if bool_vec(ty) {
                return TypeClass::Bool;
            }
            if let Some(last) = p.path.segments.last()
                && last.ident == "Option"
                && let syn::PathArguments::AngleBracketed(args) = &last.arguments
                && let [syn::GenericArgument::Type(inner)] =
                    &args.args.iter().collect::<Vec<_>>()[..]
                && classify(inner).is_constant()
            {
                return TypeClass::Const;
            }
            let Some(ident) = p.path.get_ident() else {
                return TypeClass::Unknown;
            };
            match ident.to_string().as_str() {
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" => TypeClass::Int,
                "bool" => TypeClass::Bool,
                "String" | "char" | "str" => TypeClass::Const,
                _ => TypeClass::Unknown,
            }
        }
        Type::Reference(r) if r.mutability.is_some() => TypeClass::MutRef,
        Type::Array(a) if matches!(classify(&a.elem), TypeClass::Int) => TypeClass::Int,
        Type::Array(a) if matches!(classify(&a.elem), TypeClass::Bool) => TypeClass::Bool,
        Type::Reference(r) => match &*r.elem {
            // `&[usize]`: labels, indices; `&[bool]`: flags, a mask: constants.
            Type::Slice(s) if matches!(classify(&s.elem), TypeClass::Int) => TypeClass::Int,
            Type::Slice(s) if matches!(classify(&s.elem), TypeClass::Bool) => TypeClass::Bool,
            inner => match classify(inner) {
                TypeClass::Seq(grad, depth) => TypeClass::Seq(grad, depth),
                TypeClass::Tensor(elem, dim) => TypeClass::Tensor(elem, dim),
                TypeClass::Int => TypeClass::Int,
                TypeClass::Bool => TypeClass::Bool,
                TypeClass::Const => TypeClass::Const,
                _ => TypeClass::Unknown,
            },
        },
        _ => TypeClass::Unknown,
    }
}

pub(super) fn classify_kind(ty: &Type) -> Kind {
    match classify(ty) {
        TypeClass::Float => Kind::Float,
        TypeClass::Seq(..) => Kind::Seq,
        TypeClass::Tensor(..) => Kind::Tensor,
        TypeClass::Int => Kind::Int,
        TypeClass::Bool => Kind::Bool,
        _ => Kind::Other,
    }
}
