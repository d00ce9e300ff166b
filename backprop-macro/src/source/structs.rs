//! What the file says of its structs: their fields (numbers, constants, structs), whether
//! they are `Copy`, tuple structs, or data without a gradient.

use super::*;
use quote::ToTokens;

/// A struct's fields, each name and type, where it has no generics and every field is named
/// and of a number type.
pub(super) fn number_fields(st: &syn::ItemStruct) -> Option<Vec<(String, String)>> {
    if !st.generics.params.is_empty() || st.fields.is_empty() {
        return None;
    }
    st.fields
        .iter()
        .map(|f| {
            let syn::Type::Path(t) = &f.ty else {
                return None;
            };
            let ty = t.path.get_ident()?.to_string();
            let name = f.ident.as_ref()?.to_string();
            NUMBERS.contains(&ty.as_str()).then_some((name, ty))
        })
        .collect()
}

/// The fields of the `Copy` struct `name` declared in the module of the differentiated
/// function `caller`, each name and type, where all are named numbers (`V2 { x: f64, y:
/// f64 }`): what a sequence of them is held as, one sequence per field.
pub fn number_struct_fields(caller: &str, name: &syn::Ident) -> Option<Vec<(String, String)>> {
    is_copy(caller, name).then(|| cloned_struct_fields(caller, name))?
}

/// The fields of the struct `name` (`Copy` or not) declared in the module of the
/// differentiated function `caller`, each name and type, where all are named numbers: what
/// a copy of a sequence of them (`ps.to_vec()`) is held as, one sequence per field.
pub fn cloned_struct_fields(caller: &str, name: &syn::Ident) -> Option<Vec<(String, String)>> {
    let scopes = summary(name.span())?;
    let home = home(&scopes, caller)?;
    home.number_fields
        .iter()
        .find(|(s, _)| name == s)
        .map(|(_, f)| f.clone())
}

/// Whether `name` is a tuple struct without a gradient declared in the module of the
/// differentiated function `caller` (`struct P(f64, f64);`).
pub fn is_tuple_struct(caller: &str, name: &syn::Ident) -> bool {
    summary(name.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| {
            h.tuple_structs.iter().any(|t| name == t)
                && struct_without_gradient(&scopes, caller, name)
        })
    })
}

/// Whether `items` declare the struct `name` with a derive of `Copy`.
pub(super) fn copy_struct(items: &[&syn::Item], name: &str) -> bool {
    items.iter().any(|i| match i {
        syn::Item::Struct(st) => {
            st.ident == name
                && st.attrs.iter().any(|a| {
                    named(a.path(), "derive")
                        && a.meta.to_token_stream().to_string().contains("Copy")
                })
        }
        _ => false,
    })
}

/// The type of the field `field` of the struct `on`, declared in the module of the
/// differentiated function `caller`, where it is a name (`V2` of `pos: V2`).
pub fn field_type(caller: &str, on: &str, field: &syn::Ident) -> Option<String> {
    field_type_args(caller, (on, &[]), field, false).map(|(ty, _)| ty)
}

/// [`field_type`], with the field type's arguments where the struct `on` has the type
/// arguments `args` (`a: Lin<T>` of `Two<T>` at `Two<f32>`: `Lin`, `[f32]`); with `seq`,
/// of the elements of a field that is a sequence of a struct (`layers: Vec<Layer>`).
pub fn field_type_args(
    caller: &str,
    (on, args): (&str, &[proc_macro2::TokenStream]),
    field: &syn::Ident,
    seq: bool,
) -> Option<(String, Vec<proc_macro2::TokenStream>)> {
    let scopes = summary(field.span())?;
    let home = home(&scopes, caller)?;
    let f = home
        .field_types
        .iter()
        .find(|f| f.on == on && field == &f.field && f.seq == seq)?;
    let field_args = f
        .args
        .iter()
        .map(|a| match f.generics.iter().position(|g| g == a) {
            Some(k) => args.get(k).cloned(),
            None => a.parse().ok(),
        })
        .collect::<Option<Vec<_>>>()?;
    Some((f.ty.clone(), field_args))
}

/// The named fields of the `Copy` struct `name` without a gradient, declared in the module
/// of the differentiated function `caller`, in order.
pub fn copy_struct_fields(caller: &str, name: &syn::Ident) -> Option<Vec<String>> {
    let scopes = summary(name.span())?;
    let home = home(&scopes, caller)?;
    if !home.copies.iter().any(|c| name == c) || !struct_without_gradient(&scopes, caller, name) {
        return None;
    }
    home.field_names
        .iter()
        .find(|(s, _)| name == s)
        .map(|(_, f)| f.clone())
}

/// Whether the field `field` of the struct `on`, declared in the module of the
/// differentiated function `caller`, has no gradient (marked `#[differentiable(constant)]`,
/// or an integer or a `bool`): reading it reads a constant.
pub fn constant_field(caller: &str, on: &str, field: &syn::Member) -> bool {
    let syn::Member::Named(field) = field else {
        return false;
    };
    summary(field.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| {
            h.constant_fields
                .iter()
                .any(|(s, f)| s == on && f.iter().any(|f| field == f))
        })
    })
}

/// Whether the field `field` of the struct `on`, declared in the module of the
/// differentiated function `caller`, holds floats in a `Vec` or an array (`ys: Vec<f64>`).
pub fn float_seq_field(caller: &str, on: &str, field: &syn::Member) -> bool {
    let syn::Member::Named(field) = field else {
        return false;
    };
    summary(field.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| {
            (h.float_seq_fields.iter()).any(|(s, f)| s == on && f.iter().any(|f| field == f))
        })
    })
}

/// The named fields of the struct `name` declared in the module of the differentiated
/// function `caller`, where each is a number or a sequence of floats (`Obs { t: f64, ys:
/// Vec<f64> }`): each name, and whether a sequence.
pub fn value_struct_fields(caller: &str, name: &syn::Ident) -> Option<Vec<(String, bool)>> {
    let scopes = summary(name.span())?;
    let home = home(&scopes, caller)?;
    (home.value_fields.iter())
        .find(|(s, _)| name == s)
        .map(|(_, f)| f.clone())
}

/// The names of the named fields of the struct `on` declared in the module of the
/// differentiated function `caller` (read from the file `span` is in), in order.
pub fn field_names_of(caller: &str, on: &str, span: proc_macro2::Span) -> Vec<String> {
    summary(span).map_or_else(Vec::new, |scopes| {
        home(&scopes, caller)
            .and_then(|h| h.field_names.iter().find(|(s, _)| s == on))
            .map_or_else(Vec::new, |(_, f)| f.clone())
    })
}

/// The length of the rows of the field `field` of the struct `on` declared in the module of
/// the differentiated function `caller`, where it holds arrays of floats of a written
/// length (`means: Vec<[f64; 2]>`: 2).
pub fn row_field_len(caller: &str, on: &str, field: &syn::Ident) -> Option<usize> {
    let scopes = summary(field.span())?;
    let home = home(&scopes, caller)?;
    let (_, rows) = home.row_fields.iter().find(|(s, _)| s == on)?;
    rows.iter().find(|(f, _)| field == f).map(|&(_, len)| len)
}

/// Whether the struct `name` is declared in the module of the differentiated function
/// `caller` with a derive of `Copy`.
pub fn is_copy(caller: &str, name: &syn::Ident) -> bool {
    summary(name.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| h.copies.iter().any(|c| name == c))
    })
}

/// Whether the struct `name`, a parameter's type (or its elements'), certainly has no
/// gradient: it is declared in the module of the differentiated function `caller`, in the
/// file `name` is written in, without a derive of `Differentiable` (data: samples,
/// observations), and nothing here implements the trait for it.
pub fn plain_struct(caller: &str, name: &syn::Ident) -> bool {
    summary(name.span()).is_some_and(|scopes| struct_without_gradient(&scopes, caller, name))
}

pub(super) fn struct_without_gradient(scopes: &[Scope], caller: &str, name: &syn::Ident) -> bool {
    let Some(home) = home(scopes, caller) else {
        return false;
    };
    let mut found = home.structs.iter().filter(|(s, _)| name == s);
    matches!((found.next(), found.next()), (Some((_, true)), None))
}

impl Scope {
    /// What the fields of `st` are, for the questions above: without a gradient, numbers
    /// and sequences of floats, rows of arrays, sequences of floats.
    pub(super) fn add_field_kinds(&mut self, st: &syn::ItemStruct) {
        // Marked `#[differentiable(constant)]`, or integers and `bool`s (and sequences of
        // them): the fields without a gradient, as the derive says.
        let marked = |f: &&syn::Field| {
            use crate::lower::TypeClass;
            matches!(
                crate::lower::classify(&f.ty),
                TypeClass::Int | TypeClass::Bool
            ) || f.attrs.iter().any(|a| {
                named(a.path(), "differentiable")
                    && a.meta.to_token_stream().to_string().contains("constant")
            })
        };
        let constants: Vec<String> = st
            .fields
            .iter()
            .filter(marked)
            .filter_map(|f| Some(f.ident.as_ref()?.to_string()))
            .collect();
        // Every field a number or a sequence of floats: each name, and whether a sequence.
        let values: Option<Vec<(String, bool)>> = (st.fields.iter())
            .map(|f| {
                let seq = match crate::lower::classify(&f.ty) {
                    crate::lower::TypeClass::Seq(_, 1) => true,
                    crate::lower::TypeClass::Float
                    | crate::lower::TypeClass::Int
                    | crate::lower::TypeClass::Bool => false,
                    _ => return None,
                };
                Some((f.ident.as_ref()?.to_string(), seq))
            })
            .collect();
        if let Some(values) = values.filter(|v| !v.is_empty()) {
            self.value_fields.push((st.ident.to_string(), values));
        }
        // `means: Vec<[f64; 2]>`: rows of arrays of a written length.
        let rows: Vec<(String, usize)> = (st.fields.iter())
            .filter_map(|f| {
                let len = crate::lower::row_len(&f.ty, None)?;
                Some((f.ident.as_ref()?.to_string(), len))
            })
            .collect();
        if !rows.is_empty() {
            (self.row_fields).push((st.ident.to_string(), rows));
        }
        let float_seqs: Vec<String> = (st.fields.iter())
            .filter(|f| {
                matches!(
                    crate::lower::classify(&f.ty),
                    crate::lower::TypeClass::Seq(_, 1)
                )
            })
            .filter_map(|f| Some(f.ident.as_ref()?.to_string()))
            .collect();
        if !float_seqs.is_empty() {
            (self.float_seq_fields).push((st.ident.to_string(), float_seqs));
        }
        if !constants.is_empty() {
            self.constant_fields.push((st.ident.to_string(), constants));
        }
    }
}
