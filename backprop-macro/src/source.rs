//! What the user's source file says about a function a differentiated function calls, for
//! the error when the call cannot be differentiated, and about the structs declared beside
//! it, for parameters of data (a struct with no derive of `Differentiable` is a constant).
//!
//! The macro sees only the function it is on; a call `sq(x)` becomes a call to `sq::__vjp`,
//! which exists only if `sq` was differentiated (or declared with `gate!`). When it does
//! not, rustc's own error ("cannot find module `sq`") says nothing about what to do. So,
//! for a call whose arguments carry a derivative, the macro reads the file the call is in
//! (once per file and compilation) and looks, in the module the calling function is in, for
//! what `sq` is: an ordinary function beside it, or an item declared inside a function body
//! that the generated module cannot reach; and, through the file's `mod` and `use` items,
//! in the crate's other files (`foreign.rs`). Only a certain answer becomes an error;
//! anything else (`sq` of another crate, made by a macro, under `cfg`, or the file
//! unreadable) leaves the call as it is.

use quote::ToTokens;
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::PathBuf;
use std::rc::Rc;

mod methods;
pub use methods::{
    is_plain_method, param_method, read_only_method, struct_const, struct_function, struct_method,
};
use methods::{param_methods, struct_consts, struct_methods};
mod callables;
pub(crate) use callables::{callable_params, without_callables};
mod foreign;
mod signatures;
mod structs;
use signatures::{
    associated_float_fns, keep_plain_functions, of_floats, returns_floats, returns_sequence,
};
pub(crate) use signatures::{by_reference_type_params, name_impl_params};
pub use signatures::{returns_floats_of, returns_sequence_of, sequence_result_depth};
#[cfg(test)]
use structs::struct_without_gradient;
pub use structs::without_float_args;
pub use structs::{
    cloned_struct_fields, constant_field, copy_struct_fields, default_fields, field_type,
    field_type_args, float_seq_field, is_copy, is_tuple_struct, number_struct_fields, plain_struct,
    row_fields_of, value_struct_fields,
};
use structs::{copy_struct, derives, number_fields};

/// What a called name is, as far as the file says.
#[derive(Debug, PartialEq)]
pub enum Callee {
    /// An ordinary function in the caller's module: it has no derivative.
    Plain,
    /// Declared in the same function body as the caller, out of the generated module's reach.
    InBlock,
    /// Not known from the file: the call stays as written.
    Unknown,
}

/// What `callee` (`sq`, or `act::sigmoid` of a module in another file) is to the
/// differentiated function `caller`, read from the file it is written in.
pub fn callee(caller: &str, callee: &syn::Path) -> Callee {
    let Some((key, ident)) = key(callee) else {
        return Callee::Unknown;
    };
    match summary(ident.span()) {
        Some(scopes) => classify(&scopes, caller, &key),
        None => Callee::Unknown,
    }
}

/// A called path as the scopes name it (`sq`, `act::sigmoid`), and its last identifier,
/// whose span says which file it is written in; none for a path with `::` first or with
/// generic arguments.
fn key(path: &syn::Path) -> Option<(String, &syn::Ident)> {
    if path.leading_colon.is_some() || path.segments.iter().any(|s| !s.arguments.is_empty()) {
        return None;
    }
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    Some((names.join("::"), &path.segments.last()?.ident))
}

/// One list of items in the file: a module's, or a function body's.
#[derive(Default)]
struct Scope {
    /// Inside a function body.
    block: bool,
    /// The differentiated functions here, and for a differentiated `impl` block, its
    /// methods' names (their modules are `{type}_{method}`).
    differentiated: Vec<String>,
    /// Those of them whose attribute does not name `hessian` (a nested `grad` of one
    /// cannot be differentiated).
    without_hessian: Vec<String>,
    methods: Vec<String>,
    /// Every function here, and whether it is ordinary (no `#[differentiate]`, no `cfg`).
    fns: Vec<(String, bool)>,
    /// The names mentioned in `gate!` invocations here.
    gates: Vec<String>,
    /// The structs declared here, and whether each certainly has no gradient: no derive
    /// naming `Differentiable`, no `cfg_attr`, no `impl .. Differentiable for` it here.
    structs: Vec<(String, bool)>,
    /// The ordinary functions here that take or return tuples or structs without a
    /// gradient (`fn cross(a: V3, b: V3) -> V3`), as text: inlined where they are called.
    helpers: Vec<(String, String)>,
    /// The other ordinary functions here whose parameters are numbers and sequences of
    /// them, some of floats (`fn sigmoid(x: f64) -> f64`, `fn dot(a: &[f64], b: &[f64])`),
    /// as text: inlined where a call gives them a value carrying a derivative.
    float_fns: Vec<(String, String)>,
    /// The methods of the structs without a gradient that derive `Copy` (`impl V3 { fn
    /// dot(self, o: V3) -> f64 }`, and `add`, `sub`, `mul`, `div`, `neg` of `impl Add for
    /// V3` and the like), as text: inlined where they are called.
    struct_methods: Vec<StructMethod>,
    /// The associated constants of those structs (`impl V3 { const ZERO: V3 = V3 { .. };
    /// }`): struct, name, value as text.
    struct_consts: Vec<(String, String, String)>,
    /// The ordinary methods (no `#[differentiate]`) of the structs with a gradient declared
    /// here, those taking `&self` without generics inlined where a parameter of that struct
    /// calls them.
    param_methods: Vec<ParamMethod>,
    /// The methods here with `#[differentiate]`, by name.
    differentiated_methods: Vec<String>,
    /// The structs declared here that derive `Copy`.
    copies: Vec<String>,
    /// The structs declared here that derive `Default`.
    defaults: Vec<String>,
    /// The named fields of the structs declared here whose type is a struct declared here
    /// too, or a sequence of one (`pos: V2`, `a: Lin<T>`, `layers: Vec<Layer>`).
    field_types: Vec<FieldType>,
    /// The structs declared here without generics whose fields are all named and numbers
    /// (`f64`, `usize`, ..): each field's name and type, in order.
    number_fields: Vec<(String, Vec<(String, String)>)>,
    /// The tuple structs declared here (`struct P(f64, f64);`).
    tuple_structs: Vec<String>,
    /// The names of the named fields of each struct declared here, in order.
    field_names: Vec<(String, Vec<String>)>,
    /// What each named field of each struct declared here is ([`structs::FieldKind`]).
    field_kinds: Vec<(String, Vec<structs::FieldKind>)>,
    /// The functions here (differentiated or ordinary) that return an array or a `Vec`
    /// (`-> [f64; 3]`), each with how deep it nests (`-> Vec<Vec<f64>>`: 2).
    sequence_results: Vec<(String, usize)>,
    /// Those of them returning floats (`-> Vec<f64>`, `-> [f32; 3]`).
    float_sequence_results: Vec<String>,
    /// The type aliases here without generics (`type Real = f64;`): name, type as text.
    aliases: Vec<(String, String)>,
    /// The enums declared here (`enum Act { Relu, Tanh }`): constants to a function of
    /// floats that takes one.
    enums: Vec<String>,
}

impl Scope {
    fn add_struct(&mut self, st: &syn::ItemStruct) {
        let derives = st.attrs.iter().any(|a| {
            named(a.path(), "cfg_attr")
                || (named(a.path(), "derive")
                    && a.meta
                        .to_token_stream()
                        .to_string()
                        .contains("Differentiable"))
        });
        self.structs.push((st.ident.to_string(), !derives));
        if matches!(st.fields, syn::Fields::Unnamed(_)) {
            self.tuple_structs.push(st.ident.to_string());
        }
        if let syn::Fields::Named(fields) = &st.fields {
            let names = fields.named.iter().filter_map(|f| f.ident.as_ref());
            self.field_names.push((
                st.ident.to_string(),
                names.map(ToString::to_string).collect(),
            ));
        }
        // (A struct with a gradient generic over its float type, `Lin<T>`, is a
        // parameter's, read through its fields' paths, not held as numbers.)
        if let Some(fields) =
            number_fields(st).filter(|_| !derives || st.generics.params.is_empty())
        {
            self.number_fields.push((st.ident.to_string(), fields));
        }
        self.add_field_kinds(st);
        let generics: Vec<String> = st
            .generics
            .type_params()
            .map(|t| t.ident.to_string())
            .collect();
        for field in &st.fields {
            let Some(name) = &field.ident else { continue };
            // `layers: Vec<Layer>`, `[Layer; 2]`: a sequence of the struct.
            let (seq, ty) = match &field.ty {
                syn::Type::Array(a) => (true, &*a.elem),
                syn::Type::Path(t) => match &t.path.segments.iter().collect::<Vec<_>>()[..] {
                    [v] if v.ident == "Vec" && t.qself.is_none() => match type_args(v).as_deref() {
                        Some([syn::GenericArgument::Type(elem)]) => (true, elem),
                        _ => continue,
                    },
                    _ => (false, &field.ty),
                },
                _ => continue,
            };
            if let syn::Type::Path(t) = ty
                && let [ty] = &t.path.segments.iter().collect::<Vec<_>>()[..]
                && t.qself.is_none()
            {
                let Some(args) = type_args(ty) else { continue };
                let args = args
                    .iter()
                    .map(|a| a.to_token_stream().to_string())
                    .collect();
                self.field_types.push(FieldType {
                    on: st.ident.to_string(),
                    field: name.to_string(),
                    ty: ty.ident.to_string(),
                    args,
                    generics: generics.clone(),
                    seq,
                });
            }
        }
    }

    fn add_differentiated(&mut self, name: &str, attrs: &[syn::Attribute]) {
        self.differentiated.push(name.to_string());
        if !with_hessian(attrs) {
            self.without_hessian.push(name.to_string());
        }
    }
}

/// A method of a struct without a gradient, or its implementation of an operator.
struct StructMethod {
    /// The struct's name.
    on: String,
    /// The method's name (`dot`, or `add` for `impl Add for V3`).
    name: String,
    /// For an operator, the type of its right-hand side as written (`Self`, `f64`).
    rhs: Option<String>,
    /// A function of the type without `self` (`V2::new(x, y)`).
    associated: bool,
    /// Taking `&mut self` (`fn advance(&mut self, dt: f64)`, `impl AddAssign for V2`).
    writes: bool,
    text: String,
    /// The `impl` block's type parameter, the struct's float type (`impl<T: Real> V2<T>`),
    /// written as the caller's where the method is inlined.
    generics: Vec<String>,
}

/// The arguments of a path's segment (`T` of `Lin<T>`; none of `Lin`), or `None` where
/// they are parenthesized (`Fn(f64)`).
pub(crate) fn type_args(segment: &syn::PathSegment) -> Option<Vec<&syn::GenericArgument>> {
    match &segment.arguments {
        syn::PathArguments::None => Some(Vec::new()),
        syn::PathArguments::AngleBracketed(a) => Some(a.args.iter().collect()),
        syn::PathArguments::Parenthesized(_) => None,
    }
}

/// A named field whose type is a struct declared here too, or a sequence of one (`pos:
/// V2`, `a: Lin<T>`, `layers: Vec<Layer>`).
struct FieldType {
    on: String,
    field: String,
    /// The field's struct.
    ty: String,
    /// Its type arguments as written (`T` of `Lin<T>`).
    args: Vec<String>,
    /// The type parameters of the struct `on`.
    generics: Vec<String>,
    /// The field is a sequence of the struct (`Vec<Layer>`, `[Layer; 2]`), not one.
    seq: bool,
}

/// An ordinary method (no `#[differentiate]`) of a struct with a gradient.
struct ParamMethod {
    /// The struct's name.
    on: String,
    name: String,
    /// The method as text, where it takes `&self` and has no generics of its own.
    text: Option<String>,
    /// The type parameters of its `impl` block, in the order of the struct's arguments
    /// (`impl<T: Real> Lin<T>`: `T`).
    generics: Vec<String>,
}

/// The scopes of one file, in plain data: the syntax tree's tokens belong to one macro
/// invocation and cannot be kept.
type Summary = Rc<Vec<Scope>>;

/// A file's length and modification time, where the system gives them.
type Stamp = Option<(u64, std::time::SystemTime)>;

thread_local! {
    /// The last file read, its length and modification time, and its summary: the macro
    /// runs once per function, and a file's functions are expanded one after another.
    static LAST: RefCell<Option<(PathBuf, Stamp, Summary)>> = const { RefCell::new(None) };
}

/// The file `expand_one` reads, standing in for the caller's file outside a compiler.
#[cfg(test)]
pub fn read_in_tests(text: &str) {
    let summary = syn::parse_file(text).ok().map(|f| Rc::new(summarize(&f)));
    let stamp = Some((0, std::time::SystemTime::UNIX_EPOCH));
    LAST.with(|last| *last.borrow_mut() = summary.map(|s| (PathBuf::new(), stamp, s)));
}

fn summary(span: proc_macro2::Span) -> Option<Summary> {
    if !proc_macro::is_available() {
        #[cfg(test)]
        return LAST.with(|last| last.borrow().as_ref().map(|(_, _, s)| s.clone()));
        #[cfg(not(test))]
        return None;
    }
    let path = span.unwrap().local_file()?;
    // The file's length and modification time say whether it is the one read last: the
    // macro asks about every call it inlines, and reading a large file each time (the
    // random functions' 30,000 lines) would cost more than the expansion.
    let stamp = std::fs::metadata(&path)
        .ok()
        .and_then(|m| Some((m.len(), m.modified().ok()?)));
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((p, s, summary)) = &*last
            && *p == path
            && stamp.is_some()
            && *s == stamp
        {
            return Some(summary.clone());
        }
        let text = std::fs::read_to_string(&path).ok()?;
        let file = syn::parse_file(&text).ok()?;
        let mut scopes = summarize(&file);
        if let Some(top) = scopes.first_mut()
            && foreign::import(&file, &path, top)
        {
            let items: Vec<&syn::Item> = file.items.iter().collect();
            keep_plain_functions(&items, top);
        }
        let summary = Rc::new(scopes);
        *last = Some((path, stamp, summary.clone()));
        Some(summary)
    })
}

fn summarize(file: &syn::File) -> Vec<Scope> {
    let mut scopes = Vec::new();
    let items: Vec<&syn::Item> = file.items.iter().collect();
    let mut traits = Vec::new();
    file_traits(&file.items, &mut traits);
    scope(&items, &[], false, &traits, &mut scopes);
    scopes
}

/// `impl Differentiable for S` written by hand: `S` has a gradient after all.
fn hand_written_gradients(items: &[&syn::Item], structs: &mut [(String, bool)]) {
    for item in items {
        if let syn::Item::Impl(b) = item
            && let Some((trait_path, _)) = b.trait_.as_ref()
            && named(trait_path, "Differentiable")
            && let syn::Type::Path(t) = &*b.self_ty
            && let Some(last) = t.path.segments.last()
        {
            for (name, plain) in structs.iter_mut() {
                if last.ident == name {
                    *plain = false;
                }
            }
        }
    }
}

/// The traits declared in the file, in its inline modules too (`mod shapes { pub trait
/// Area { .. } }`, implemented beside the function after a `use`).
fn file_traits<'f>(items: &'f [syn::Item], out: &mut Vec<&'f syn::ItemTrait>) {
    for item in items {
        match item {
            syn::Item::Trait(t) => out.push(t),
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    file_traits(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// The number types (and `bool`) a struct's fields or a helper's parameters may be.
const NUMBERS: &[&str] = &[
    "f64", "f32", "usize", "isize", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool",
];

/// Records the scope of `items` (and `macros`, a body's macro statements), then the scopes
/// inside it: inline modules and function bodies. `traits`: the file's.
fn scope(
    items: &[&syn::Item],
    macros: &[&syn::Macro],
    block: bool,
    traits: &[&syn::ItemTrait],
    scopes: &mut Vec<Scope>,
) {
    let mut here = Scope {
        block,
        ..Scope::default()
    };
    let differentiated =
        |attrs: &[syn::Attribute]| attrs.iter().any(|a| named(a.path(), "differentiate"));
    for item in items {
        match item {
            syn::Item::Fn(f) => {
                let name = f.sig.ident.to_string();
                if differentiated(&f.attrs) {
                    here.add_differentiated(&name, &f.attrs);
                }
                // An ordinary one's too: its result is typed right, so that the error
                // is the one at its call.
                if let Some(depth) = returns_sequence(&f.sig.output) {
                    here.sequence_results.push((name.clone(), depth));
                }
                if returns_floats(&f.sig.output) {
                    here.float_sequence_results.push(name.clone());
                }
                let plain = !f
                    .attrs
                    .iter()
                    .any(|a| named(a.path(), "differentiate") || named(a.path(), "cfg"));
                here.fns.push((name, plain));
            }
            syn::Item::Impl(b) if differentiated(&b.attrs) => {
                for m in &b.items {
                    if let syn::ImplItem::Fn(m) = m {
                        here.methods.push(m.sig.ident.to_string());
                        if differentiated(&m.attrs) {
                            here.differentiated_methods.push(m.sig.ident.to_string());
                        }
                    }
                }
            }
            syn::Item::Macro(m) => gates(&m.mac, &mut here.gates),
            syn::Item::Struct(st) => here.add_struct(st),
            syn::Item::Enum(e) => here.enums.push(e.ident.to_string()),
            syn::Item::Type(t) if t.generics.params.is_empty() => here
                .aliases
                .push((t.ident.to_string(), t.ty.to_token_stream().to_string())),
            _ => {}
        }
    }
    hand_written_gradients(items, &mut here.structs);
    for m in macros {
        gates(m, &mut here.gates);
    }
    for (name, _) in &here.structs {
        if derives(items, name, "Copy") {
            here.copies.push(name.clone());
        }
        if derives(items, name, "Default") {
            here.defaults.push(name.clone());
        }
    }
    let declared = |ty: &String| here.structs.iter().any(|(s, _)| s == ty);
    let field_types = std::mem::take(&mut here.field_types);
    here.field_types = field_types
        .into_iter()
        .filter(|f| declared(&f.ty))
        .collect();
    // Methods of plain structs that are `Copy`: kept whole, to be inlined.
    for item in items {
        if let syn::Item::Impl(b) = item {
            struct_methods(b, items, &here.structs, &mut here.struct_methods);
            struct_consts(b, items, &here.structs, &mut here.struct_consts);
        }
    }
    // Ordinary methods of structs with a gradient: kept whole, to be inlined; and their
    // functions of floats without `self` (`Self::act(z)`), by path.
    for item in items {
        if let syn::Item::Impl(b) = item {
            param_methods(b, items, traits, &here.structs, &mut here.param_methods);
            associated_float_fns(b, items, &mut here);
        }
    }
    keep_plain_functions(items, &mut here);
    scopes.push(here);
    for item in items {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    let inner: Vec<&syn::Item> = inner.iter().collect();
                    scope(&inner, &[], false, traits, scopes);
                }
            }
            syn::Item::Fn(f) => body(&f.block, traits, scopes),
            syn::Item::Impl(b) => {
                for m in &b.items {
                    if let syn::ImplItem::Fn(m) = m {
                        body(&m.block, traits, scopes);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The type aliases without generics declared in the module of the differentiated
/// function `caller` (`type Real = f64;`), read from the file `span` is in: each name and
/// the type it stands for.
pub fn type_aliases(caller: &str, span: proc_macro2::Span) -> Vec<(String, syn::Type)> {
    let Some(scopes) = summary(span) else {
        return Vec::new();
    };
    home(&scopes, caller).map_or_else(Vec::new, |home| {
        home.aliases
            .iter()
            .filter_map(|(name, ty)| Some((name.clone(), syn::parse_str(ty).ok()?)))
            .collect()
    })
}

/// Whether `callee` is an ordinary function the macro inlines where it can, beside the
/// differentiated function `caller` or brought in from another file: of tuples or structs
/// without a gradient, of floats, or given functions.
pub fn is_helper(caller: &str, callee: &syn::Path) -> bool {
    let Some((key, ident)) = key(callee) else {
        return false;
    };
    summary(ident.span()).is_some_and(|scopes| {
        home(&scopes, caller)
            .is_some_and(|h| h.helpers.iter().chain(&h.float_fns).any(|(n, _)| key == *n))
    })
}

/// Whether `callee` is an ordinary function of floats beside the differentiated function
/// `caller` (`fn sigmoid(x: f64) -> f64`), or brought in from another file (`act::sigmoid`,
/// `use act::sigmoid;`): inlined where asked for, at the calls that give it a value
/// carrying a derivative.
pub fn is_float_fn(caller: &str, callee: &syn::Path) -> bool {
    let Some((key, ident)) = key(callee) else {
        return false;
    };
    summary(ident.span()).is_some_and(|scopes| {
        home(&scopes, caller).is_some_and(|h| h.float_fns.iter().any(|(n, _)| key == *n))
    })
}

/// Whether a call `name(..)` in the differentiated function `caller` may be to the `std`
/// function of that name brought in by `use` (`zip(a, b)` after `use std::iter::zip;`):
/// the caller's module declares no function so named (or the file cannot be read).
pub fn may_be_std(caller: &str, name: &syn::Ident) -> bool {
    summary(name.span()).is_none_or(|scopes| {
        home(&scopes, caller).is_none_or(|h| h.fns.iter().all(|(n, _)| name != n))
    })
}

/// The ordinary function `callee` of the differentiated function `caller`'s module that
/// takes or returns tuples or structs without a gradient, or writes floats through `&mut`
/// parameters, or (where `floats` names it) is a function of floats, read from the file,
/// its tokens spanned at `callee` (where errors inside it point): inlined at the call.
pub fn helper(caller: &str, callee: &syn::Path, floats: &HashSet<String>) -> Option<syn::ItemFn> {
    let (key, ident) = key(callee)?;
    let scopes = summary(ident.span())?;
    if classify(&scopes, caller, &key) != Callee::Plain {
        return None;
    }
    let home = home(&scopes, caller)?;
    let asked = floats.contains(&key);
    let (_, text) = home
        .helpers
        .iter()
        .chain(home.float_fns.iter().filter(|_| asked))
        .find(|(name, _)| key == *name)?;
    let tokens: proc_macro2::TokenStream = text.parse().ok()?;
    let mut f = syn::parse2(crate::expand::respan(tokens, ident.span())).ok()?;
    without_float_args(caller, ident.span(), |v| v.visit_item_fn_mut(&mut f));
    Some(f)
}

fn body(block: &syn::Block, traits: &[&syn::ItemTrait], scopes: &mut Vec<Scope>) {
    let mut items = Vec::new();
    let mut macros = Vec::new();
    for s in &block.stmts {
        match s {
            syn::Stmt::Item(i) => items.push(i),
            syn::Stmt::Macro(m) => macros.push(&m.mac),
            _ => {}
        }
    }
    if !items.is_empty() || !macros.is_empty() {
        scope(&items, &macros, true, traits, scopes);
    }
}

/// The one scope that holds the differentiated function (or method) `caller`.
fn home<'s>(scopes: &'s [Scope], caller: &str) -> Option<&'s Scope> {
    let homes: Vec<&Scope> = scopes
        .iter()
        .filter(|s| {
            s.differentiated.iter().any(|f| f == caller)
                || s.methods
                    .iter()
                    .any(|m| caller == m || caller.ends_with(&format!("_{m}")))
        })
        .collect();
    match homes.as_slice() {
        [home] => Some(home),
        _ => None,
    }
}

/// Whether `callee`, called as `callee::grad` or `callee::jvp` inside the differentiated
/// function `caller` (nested differentiation), is certainly a function of the caller's
/// module differentiated without `hessian`, read from the file `span` is in.
pub fn lacks_hessian(caller: &str, callee: &syn::Ident) -> bool {
    let Some(scopes) = summary(callee.span()) else {
        return false;
    };
    let Some(home) = home(&scopes, caller) else {
        return false;
    };
    let name = callee.to_string();
    home.fns.iter().filter(|(f, _)| *f == name).count() == 1 && home.without_hessian.contains(&name)
}

fn classify(scopes: &[Scope], caller: &str, callee: &str) -> Callee {
    let Some(home) = home(scopes, caller) else {
        return Callee::Unknown;
    };
    let mut fns = home.fns.iter().filter(|(name, _)| name == callee);
    let gate = home.gates.iter().any(|g| g == callee);
    match (fns.next(), fns.next()) {
        (Some(_), _) if home.block => Callee::InBlock,
        (None, _) if home.block && gate => Callee::InBlock,
        (Some((_, true)), None) if !home.block && !gate => Callee::Plain,
        _ => Callee::Unknown,
    }
}

/// `gate! { fn name(..) .. }`: every name the invocation mentions.
fn gates(mac: &syn::Macro, names: &mut Vec<String>) {
    if named(&mac.path, "gate") {
        idents(mac.tokens.clone(), names);
    }
}

fn idents(tokens: proc_macro2::TokenStream, names: &mut Vec<String>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => names.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => idents(g.stream(), names),
            _ => {}
        }
    }
}

/// Whether `hessian` is among a `#[differentiate(..)]` attribute's arguments (`wrt(..)` is
/// a group of its own).
fn with_hessian(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(l) if named(&l.path, "differentiate") => l
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == "hessian")),
        _ => false,
    })
}

fn named(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
