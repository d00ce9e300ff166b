//! What the file says of its structs: their fields (numbers, constants, structs), whether
//! they are `Copy`, tuple structs, or data without a gradient.

use super::*;
use quote::ToTokens;

/// A struct's fields, each name and type, where every field is named and of a number type,
/// and it has no generics or one type parameter, its float type (`struct V2<T> { x: T, y: T
/// }`; a field of that type written [`FLOAT_FIELD`]).
pub(super) fn number_fields(st: &syn::ItemStruct) -> Option<Vec<(String, String)>> {
    let param = match st.generics.params.iter().collect::<Vec<_>>()[..] {
        [] => None,
        [syn::GenericParam::Type(t)] => Some(t.ident.to_string()),
        _ => return None,
    };
    st.fields
        .iter()
        .map(|f| {
            let syn::Type::Path(t) = &f.ty else {
                return None;
            };
            let ty = t.path.get_ident()?.to_string();
            let name = f.ident.as_ref()?.to_string();
            if param.as_ref() == Some(&ty) {
                return Some((name, FLOAT_FIELD.to_owned()));
            }
            NUMBERS.contains(&ty.as_str()).then_some((name, ty))
        })
        .collect()
}

/// How [`number_fields`] writes the type of a field of a struct's float type parameter,
/// until [`cloned_struct_fields`] writes it as the float type of the function that asks.
const FLOAT_FIELD: &str = "$float";

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
    let float = crate::lower::caller_float_text().unwrap_or_else(|| "f64".to_owned());
    home.number_fields
        .iter()
        .find(|(s, _)| name == s)
        .map(|(_, fields)| {
            fields
                .iter()
                .map(|(f, ty)| match ty == FLOAT_FIELD {
                    true => (f.clone(), float.clone()),
                    false => (f.clone(), ty.clone()),
                })
                .collect()
        })
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
    derives(items, name, "Copy")
}

/// Whether `items` declare the struct `name` with a derive of `what` (`Copy`, `Default`).
pub(super) fn derives(items: &[&syn::Item], name: &str, what: &str) -> bool {
    items.iter().any(|i| match i {
        syn::Item::Struct(st) => {
            st.ident == name
                && st.attrs.iter().any(|a| {
                    let mut derived = Vec::new();
                    named(a.path(), "derive") && {
                        idents(a.meta.to_token_stream(), &mut derived);
                        derived.iter().any(|d| d == what)
                    }
                })
        }
        _ => false,
    })
}

/// The value `S::default()` stands for, where the struct `name` declared in the module of
/// the differentiated function `caller` derives `Default` and its fields are named numbers:
/// each field and its zero (`0.0_f64`, `0_usize`, `false`).
pub fn default_fields(caller: &str, name: &syn::Ident) -> Option<Vec<(String, String)>> {
    let scopes = summary(name.span())?;
    if !home(&scopes, caller)?.defaults.iter().any(|d| name == d) {
        return None;
    }
    let fields = cloned_struct_fields(caller, name)?;
    let zero = |ty: &str| match ty {
        "f64" | "f32" => format!("0.0_{ty}"),
        "bool" => "false".to_owned(),
        int => format!("0_{int}"),
    };
    Some(fields.into_iter().map(|(f, ty)| (f, zero(&ty))).collect())
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

/// What a named field of a struct declared in the file is.
#[derive(Clone)]
pub(super) struct FieldKind {
    name: String,
    /// Without a gradient: marked `#[differentiable(constant)]`, or an integer or a `bool`
    /// (or a sequence of them), as the derive says.
    constant: bool,
    shape: Shape,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A float, an integer or a `bool`.
    Number,
    /// Floats in a `Vec` or an array (`ys: Vec<f64>`).
    Floats,
    /// Arrays of floats of a written length (`means: Vec<[f64; 2]>`: 2).
    Rows(usize),
    Other,
}

/// The kinds of the fields of the struct `on` declared in the module of the differentiated
/// function `caller` (read from the file `span` is in), where it has named fields.
fn kinds(caller: &str, on: &str, span: proc_macro2::Span) -> Option<Vec<FieldKind>> {
    let scopes = summary(span)?;
    let home = home(&scopes, caller)?;
    (home.field_kinds.iter())
        .find(|(s, _)| s == on)
        .map(|(_, k)| k.clone())
}

/// The kind of the field `field` of the struct `on` ([`kinds`]).
fn kind(caller: &str, on: &str, field: &syn::Member) -> Option<FieldKind> {
    let syn::Member::Named(field) = field else {
        return None;
    };
    kinds(caller, on, field.span())?
        .into_iter()
        .find(|k| field == &k.name)
}

/// Whether the field `field` of the struct `on`, declared in the module of the
/// differentiated function `caller`, has no gradient (marked `#[differentiable(constant)]`,
/// or an integer or a `bool`): reading it reads a constant.
pub fn constant_field(caller: &str, on: &str, field: &syn::Member) -> bool {
    kind(caller, on, field).is_some_and(|k| k.constant)
}

/// Whether the field `field` of the struct `on`, declared in the module of the
/// differentiated function `caller`, holds floats in a `Vec` or an array (`ys: Vec<f64>`).
pub fn float_seq_field(caller: &str, on: &str, field: &syn::Member) -> bool {
    kind(caller, on, field).is_some_and(|k| k.shape == Shape::Floats)
}

/// The named fields of the struct `name` declared in the module of the differentiated
/// function `caller`, where each is a number or a sequence of floats (`Obs { t: f64, ys:
/// Vec<f64> }`): each name, and whether a sequence.
pub fn value_struct_fields(caller: &str, name: &syn::Ident) -> Option<Vec<(String, bool)>> {
    let kinds = kinds(caller, &name.to_string(), name.span())?;
    (kinds.into_iter())
        .map(|k| match k.shape {
            Shape::Number => Some((k.name, false)),
            Shape::Floats => Some((k.name, true)),
            Shape::Rows(_) | Shape::Other => None,
        })
        .collect::<Option<Vec<_>>>()
        .filter(|fields| !fields.is_empty())
}

/// The fields of the struct `on` declared in the module of the differentiated function
/// `caller` that hold arrays of floats of a written length, each with that length
/// (`means: Vec<[f64; 2]>`: `("means", 2)`).
pub fn row_fields_of(caller: &str, on: &str, span: proc_macro2::Span) -> Vec<(String, usize)> {
    let kinds = kinds(caller, on, span).unwrap_or_default();
    (kinds.into_iter())
        .filter_map(|k| match k.shape {
            Shape::Rows(len) => Some((k.name, len)),
            _ => None,
        })
        .collect()
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
    /// What the named fields of `st` are, for the questions above.
    pub(super) fn add_field_kinds(&mut self, st: &syn::ItemStruct) {
        use crate::lower::TypeClass;
        let syn::Fields::Named(fields) = &st.fields else {
            return;
        };
        let kinds = (fields.named.iter())
            .filter_map(|f| {
                let class = crate::lower::classify(&f.ty);
                let marked = f.attrs.iter().any(|a| {
                    named(a.path(), "differentiable")
                        && a.meta.to_token_stream().to_string().contains("constant")
                });
                let shape = match class {
                    TypeClass::Float | TypeClass::Int | TypeClass::Bool => Shape::Number,
                    TypeClass::Seq(_, 1) => Shape::Floats,
                    _ => crate::lower::row_len(&f.ty, None).map_or(Shape::Other, Shape::Rows),
                };
                Some(FieldKind {
                    name: f.ident.as_ref()?.to_string(),
                    constant: marked || matches!(class, TypeClass::Int | TypeClass::Bool),
                    shape,
                })
            })
            .collect();
        self.field_kinds.push((st.ident.to_string(), kinds));
    }
}

/// The structs generic over their float type declared in the module of the differentiated
/// function `caller` (`struct V2<T> { x: T, y: T }`, [`number_fields`]).
fn float_generic_structs(caller: &str, span: proc_macro2::Span) -> Vec<String> {
    let Some(scopes) = summary(span) else {
        return Vec::new();
    };
    let Some(home) = home(&scopes, caller) else {
        return Vec::new();
    };
    home.number_fields
        .iter()
        .filter(|(_, fields)| fields.iter().any(|(_, ty)| ty == FLOAT_FIELD))
        .map(|(s, _)| s.clone())
        .collect()
}

/// The type arguments of such structs left out wherever `node` names one (`V2<f64>`,
/// `&V2<T>`, `Vec<V2<f64>>`, `V2::<f64>::new`): each is held one local per field, of the
/// caller's float type, and read as the struct without them.
pub fn without_float_args(
    caller: &str,
    span: proc_macro2::Span,
    visit: impl FnOnce(&mut dyn syn::visit_mut::VisitMut),
) {
    let structs = float_generic_structs(caller, span);
    struct Strip(Vec<String>);
    impl syn::visit_mut::VisitMut for Strip {
        fn visit_path_segment_mut(&mut self, s: &mut syn::PathSegment) {
            if self.0.iter().any(|n| s.ident == n) {
                s.arguments = syn::PathArguments::None;
            }
            syn::visit_mut::visit_path_segment_mut(self, s);
        }
    }
    if !structs.is_empty() {
        visit(&mut Strip(structs));
    }
}
