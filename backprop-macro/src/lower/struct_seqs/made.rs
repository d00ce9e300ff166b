//! How a sequence of structs is made (`collect`, `push`, `vec!`, an array), and the
//! `let`s of its fields' sequences made the same way.

use super::*;
use crate::lower::helpers::ParamStructs;

/// The fields of `path { .. }` written out whole (no `..base`), by name, or of a tuple
/// `(a, b)` where `path` is `None` ([`aggregates::written`]).
pub(super) fn literal_fields(e: &Expr, path: Option<&Ident>) -> Option<Vec<(syn::Member, Expr)>> {
    let (written, fields) = aggregates::written(e)?;
    match (written, path) {
        (Some(written), Some(path)) if written.is_ident(path) => {}
        (None, None) => {}
        _ => return None,
    }
    fields
        .into_iter()
        .map(|(key, value)| Some((syn::parse_str::<syn::Member>(&key).ok()?, value)))
        .collect()
}

/// The number types of a tuple's elements in `Vec<(f64, f64)>` or `[(f64, usize); N]`.
fn vec_of_tuples(ty: &Type) -> Option<Vec<Type>> {
    let elem = match ty {
        Type::Array(a) => &*a.elem,
        Type::Slice(s) => &*s.elem,
        path => vec_elem(path)?,
    };
    let Type::Tuple(t) = elem else { return None };
    let numbers = t.elems.len() >= 2
        && t.elems.iter().all(|e| {
            matches!(
                classify(e),
                TypeClass::Float | TypeClass::Int | TypeClass::Bool
            )
        });
    numbers.then(|| t.elems.iter().cloned().collect())
}

/// The struct's name in `Vec<S>` or `[S; N]`.
fn vec_of(ty: &Type) -> Option<&Ident> {
    let elem = match ty {
        Type::Array(a) => &*a.elem,
        path => vec_elem(path)?,
    };
    let Type::Path(t) = elem else { return None };
    t.path.get_ident()
}

/// A closure's value as written: the tail of its block, or its body.
fn closure_value(body: &Expr) -> &Expr {
    match strip(body) {
        Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => closure_value(e),
            _ => body,
        },
        _ => body,
    }
}

/// `body` with its value replaced by the field `key` of it: the literal's element where
/// the value is `path { .. }` (or a tuple) written out, else `(value).key`.
fn project(body: &Expr, key: &syn::Member, path: Option<&Ident>) -> Expr {
    if let Expr::Block(b) = strip(body)
        && b.label.is_none()
        && let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last()
    {
        let mut block = b.clone();
        let tail = project(tail, key, path);
        *block.block.stmts.last_mut().expect("a tail") = syn::Stmt::Expr(tail, None);
        return Expr::Block(block);
    }
    match literal_fields(body, path) {
        Some(fields) => match fields.into_iter().find(|(f, _)| f == key) {
            Some((_, v)) => v,
            None => syn::parse_quote!((#body).#key),
        },
        None => syn::parse_quote!((#body).#key),
    }
}

impl Blocks<'_> {
    /// `let pts: Vec<V2> = ..;` of a sequence this file's struct: the sequence and the
    /// `let`s of its fields' sequences.
    pub(super) fn split(
        &mut self,
        stmt: &syn::Stmt,
        rest: &[syn::Stmt],
    ) -> Option<(Seq, Vec<syn::Stmt>)> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let Pat::Ident(binding) = pat else {
            return None;
        };
        if binding.by_ref.is_some() || binding.subpat.is_some() {
            return None;
        }

        let mut made = Made::of(&init.expr)?;
        // Each field's sequence runs the closure again: only one that computes its value.
        if let Made::Mapped(_, closure) = &made
            && !computes_only(&closure.body, &|m| {
                crate::source::read_only_method(self.caller, m)
            })
        {
            return None;
        }

        let (path, declared) = self.declared(ty, &made, &binding.ident, rest)?;
        let name = binding.ident.clone();
        let fields: Vec<(syn::Member, Ident, Type)> = declared
            .into_iter()
            .map(|(k, t)| {
                let seq = crate::names::unused(self.taken, &format!("{name}_{k}"));
                (
                    syn::parse_str(&k).expect("a field's name"),
                    Ident::new(&seq, name.span()),
                    t,
                )
            })
            .collect();
        let mutability = &binding.mutability;
        let mut lets = Vec::new();
        // A value written other than as a literal (`vec![V2::new(0.0, y); n]`) is bound to a
        // local first and its fields to locals, the value written out from them (the macro
        // `vec!` takes floats).
        let taken = &mut *self.taken;
        made.hoist(
            |value| {
                let fresh = |taken: &mut HashSet<String>, base: String| {
                    Ident::new(&crate::names::unused(taken, &base), name.span())
                };
                let local = fresh(taken, format!("{name}_value"));
                lets.push(syn::parse_quote_spanned!(name.span()=> let #local = #value;));
                let mut keys = Vec::new();
                let mut values = Vec::new();
                for (key, _, _) in &fields {
                    let k = quote!(#key).to_string();
                    let field = fresh(taken, format!("{local}_{k}"));
                    lets.push(syn::parse_quote_spanned!(name.span()=> let #field = #local.#key;));
                    keys.push(key);
                    values.push(field);
                }
                match &path {
                    Some(path) => syn::parse_quote!(#path { #(#keys: #values),* }),
                    None => syn::parse_quote!((#(#values,)*)),
                }
            },
            path.as_ref(),
        );
        let pure =
            |e: &Expr| computes_only(e, &|m| crate::source::read_only_method(self.caller, m));
        for (key, seq, ty) in &fields {
            let value = made.field(key, ty, path.as_ref(), &pure)?;
            lets.push(match made.array_len() {
                Some(n) => syn::parse_quote_spanned!(name.span()=>
                    let #mutability #seq: [#ty; #n] = #value;
                ),
                None => syn::parse_quote_spanned!(name.span()=>
                    let #mutability #seq: ::std::vec::Vec<#ty> = #value;
                ),
            });
        }
        let seq = Seq {
            name,
            path,
            caller: self.caller.to_string(),
            fields: fields.into_iter().map(|(k, s, _)| (k, s)).collect(),
        };
        Some((seq, lets))
    }

    /// A struct's fields as declared (and its name), or a tuple's (`Vec<(f64, f64)>`,
    /// annotated; or unwritten, of a literal or a map giving tuples: each element's type
    /// `_`).
    fn declared(
        &self,
        ty: Option<&Type>,
        made: &Made<'_>,
        binding: &Ident,
        rest: &[syn::Stmt],
    ) -> Option<(Option<Ident>, Declared)> {
        let tuples = match (ty, made) {
            (Some(ty), _) => vec_of_tuples(ty),
            // `data.to_vec()` of `data: &[(f64, f64)]`: the parameter's tuples.
            (None, Made::Copied(source)) => param_type(self.sig, source).and_then(vec_of_tuples),
            (None, _) => made.tuple_arity().map(|n| vec![syn::parse_quote!(_); n]),
        };
        if let Some(types) = tuples {
            let numbered = types.into_iter().enumerate();
            return Some((None, numbered.map(|(i, t)| (i.to_string(), t)).collect()));
        }
        let path = match ty {
            Some(ty) => vec_of(ty)?.clone(),
            None => {
                // A copy of a parameter's (`init.to_vec()` of `init: &[State]`, `vec![st; n]`
                // of `st: State`), of a struct without a gradient: data the caller passes.
                let params = ParamStructs::of(self.sig);
                let data = |on: Ident| {
                    crate::source::plain_struct(&self.caller.to_string(), &on).then_some(on)
                };
                match made {
                    // Of a struct with a gradient too: each field's copy then carries the
                    // parameter's derivatives (`ps.iter().map(|e| e.x).collect()`).
                    Made::Copied(source) => params.elements_of(source)?,
                    _ => {
                        let value = made.value().or_else(|| pushed(binding, rest))?;
                        struct_named(self.caller, value)
                            .or_else(|| params.copied(value).and_then(|(_, on)| data(on)))?
                    }
                }
            }
        };
        let caller = self.caller.to_string();
        let declared = match made {
            Made::Copied(_) => crate::source::cloned_struct_fields(&caller, &path)?,
            _ => crate::source::number_struct_fields(&caller, &path)?,
        };
        let declared = declared
            .into_iter()
            .map(|(k, t)| (k, syn::parse_str(&t).expect("a number type")))
            .collect();
        Some((Some(path), declared))
    }
}

/// Each field's name and type.
type Declared = Vec<(String, Type)>;

/// How the sequence is made.
enum Made<'a> {
    /// `Vec::new()`, `Vec::with_capacity(n)`: empty, each field's the same.
    Empty(&'a Expr),
    /// `vec![v; n]`.
    Repeat(Box<(Expr, Expr)>),
    /// `vec![a, b, ..]`.
    List(Vec<Expr>),
    /// `chain.map(|..| value).collect()`: the call of `map` and the closure.
    Mapped(&'a syn::ExprMethodCall, &'a syn::ExprClosure),
    /// `[v; N]`.
    ArrayRepeat(Box<(Expr, Expr)>),
    /// `[a, b, ..]`.
    Array(Vec<Expr>),
    /// `init.to_vec()`, `init.clone()`, `init.iter().copied().collect()` (or `cloned`): a
    /// copy of the parameter `init`.
    Copied(&'a Expr),
}

impl<'a> Made<'a> {
    fn of(init: &'a Expr) -> Option<Made<'a>> {
        match strip(init) {
            Expr::Call(c) => {
                let Expr::Path(f) = strip(&c.func) else {
                    return None;
                };
                let segments: Vec<String> = f
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let known = matches!(
                    segments.iter().map(String::as_str).collect::<Vec<_>>()[..],
                    ["Vec", "new" | "with_capacity"]
                );
                known.then_some(Made::Empty(init))
            }
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let tokens = &m.mac.tokens;
                if let Ok(r) = syn::parse2::<syn::ExprRepeat>(quote!([#tokens])) {
                    return Some(Made::Repeat(Box::new((*r.expr, *r.len))));
                }
                let list: syn::ExprArray = syn::parse2(quote!([#tokens])).ok()?;
                Some(Made::List(list.elems.into_iter().collect()))
            }
            Expr::Repeat(r) => Some(Made::ArrayRepeat(Box::new((
                (*r.expr).clone(),
                (*r.len).clone(),
            )))),
            Expr::Array(a) if !a.elems.is_empty() => {
                Some(Made::Array(a.elems.iter().cloned().collect()))
            }
            Expr::MethodCall(copy)
                if (copy.method == "to_vec" || copy.method == "clone") && copy.args.is_empty() =>
            {
                Some(Made::Copied(named(&copy.receiver)?))
            }
            Expr::MethodCall(collect) if collect.method == "collect" && collect.args.is_empty() => {
                let Expr::MethodCall(map) = strip(&collect.receiver) else {
                    return None;
                };
                // `init.iter().copied().collect()`: a copy of `init`.
                if (map.method == "copied" || map.method == "cloned")
                    && map.args.is_empty()
                    && let Expr::MethodCall(iter) = strip(&map.receiver)
                    && iter.method == "iter"
                    && iter.args.is_empty()
                {
                    return Some(Made::Copied(named(&iter.receiver)?));
                }
                match (map.method == "map", map.args.first().map(strip)) {
                    (true, Some(Expr::Closure(c))) if map.args.len() == 1 => {
                        Some(Made::Mapped(map, c))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A value the sequence holds, where its making writes one.
    /// How many elements each tuple has, where every value written out is a tuple of as
    /// many (`vec![(a, b), (c, d)]`, `.map(|c| (c[0], c[1]))`).
    fn tuple_arity(&self) -> Option<usize> {
        let arity = |v: &Expr| match strip(v) {
            Expr::Tuple(t) if t.elems.len() >= 2 => Some(t.elems.len()),
            _ => None,
        };
        let values: Vec<&Expr> = match self {
            Made::Empty(_) | Made::Copied(_) => return None,
            Made::Repeat(r) | Made::ArrayRepeat(r) => vec![&r.0],
            Made::List(l) | Made::Array(l) => l.iter().collect(),
            Made::Mapped(_, c) => vec![closure_value(&c.body)],
        };
        let n = arity(values.first()?)?;
        values.iter().all(|v| arity(v) == Some(n)).then_some(n)
    }

    fn value(&self) -> Option<&Expr> {
        match self {
            Made::Empty(_) | Made::Copied(_) => None,
            Made::Repeat(r) | Made::ArrayRepeat(r) => Some(&r.0),
            Made::List(l) | Made::Array(l) => l.first(),
            Made::Mapped(_, c) => Some(closure_value(&c.body)),
        }
    }

    /// The sequence of the field `key` (of type `ty`), made the same way: of each value, the
    /// literal's element, or the field of a value that only computes (`pure`: `V2::new(0.0,
    /// 0.0).x`, evaluated once per field).
    fn field(
        &self,
        key: &syn::Member,
        ty: &Type,
        path: Option<&Ident>,
        pure: &dyn Fn(&Expr) -> bool,
    ) -> Option<Expr> {
        let of = |v: &Expr| -> Option<Expr> {
            match literal_fields(v, path) {
                Some(fields) => fields.into_iter().find(|(f, _)| f == key).map(|(_, v)| v),
                None if matches!(v, Expr::Path(_)) => Some(syn::parse_quote!(#v.#key)),
                None => pure(v).then(|| syn::parse_quote!((#v).#key)),
            }
        };
        Some(match self {
            Made::Empty(e) => (*e).clone(),
            Made::Repeat(r) => {
                let (v, n) = &**r;
                let v = of(v)?;
                syn::parse_quote!(vec![#v; #n])
            }
            Made::List(l) => {
                let values = l.iter().map(of).collect::<Option<Vec<Expr>>>()?;
                syn::parse_quote!(vec![#(#values),*])
            }
            Made::Mapped(map, closure) => {
                let mut closure = (*closure).clone();
                *closure.body = project(&closure.body, key, path);
                let chain = &map.receiver;
                syn::parse_quote!(#chain.map(#closure).collect::<::std::vec::Vec<#ty>>())
            }
            Made::ArrayRepeat(r) => {
                let (v, n) = &**r;
                let v = of(v)?;
                syn::parse_quote!([#v; #n])
            }
            Made::Array(l) => {
                let values = l.iter().map(of).collect::<Option<Vec<Expr>>>()?;
                syn::parse_quote!([#(#values),*])
            }
            Made::Copied(source) => {
                syn::parse_quote!(#source.iter().map(|e| e.#key).collect::<::std::vec::Vec<#ty>>())
            }
        })
    }

    /// Each value written out (`vec![v; n]`, `[a, b]`) that is not a literal of `path` (or a
    /// tuple), replaced by what `bind` gives for it.
    fn hoist(&mut self, mut bind: impl FnMut(Expr) -> Expr, path: Option<&Ident>) {
        let values: Vec<&mut Expr> = match self {
            Made::Repeat(r) | Made::ArrayRepeat(r) => vec![&mut r.0],
            Made::List(l) | Made::Array(l) => l.iter_mut().collect(),
            Made::Empty(_) | Made::Mapped(..) | Made::Copied(_) => Vec::new(),
        };
        for v in values {
            if literal_fields(v, path).is_none() {
                *v = bind(v.clone());
            }
        }
    }

    /// An array's length, where the sequence is one.
    fn array_len(&self) -> Option<Expr> {
        match self {
            Made::ArrayRepeat(r) => Some(r.1.clone()),
            Made::Array(l) => {
                let n = syn::LitInt::new(&l.len().to_string(), Span::call_site());
                Some(syn::parse_quote!(#n))
            }
            _ => None,
        }
    }
}

/// The type of the parameter `e` names, through references (`[(f64, f64)]` of `data:
/// &[(f64, f64)]`).
fn param_type<'s>(sig: &'s syn::Signature, e: &Expr) -> Option<&'s Type> {
    let Expr::Path(p) = strip(e) else { return None };
    let name = p.path.get_ident()?;
    sig.inputs.iter().find_map(|a| match a {
        syn::FnArg::Typed(t) if matches!(&*t.pat, Pat::Ident(i) if i.ident == *name) => {
            let mut ty = &*t.ty;
            while let Type::Reference(r) = ty {
                ty = &r.elem;
            }
            Some(ty)
        }
        _ => None,
    })
}

/// A parameter named by itself (`init`).
fn named(e: &Expr) -> Option<&Expr> {
    matches!(strip(e), Expr::Path(p) if p.path.get_ident().is_some()).then_some(strip(e))
}

/// The struct a value is of, where the syntax names it: `S { .. }`, or `S::f(..)` of a
/// function of the struct declared to return it (`V2::new(x, y)`).
pub(in crate::lower) fn struct_named(caller: &Ident, value: &Expr) -> Option<Ident> {
    match strip(value) {
        Expr::Struct(s) if s.qself.is_none() => s.path.get_ident().cloned(),
        Expr::Call(c) => match strip(&c.func) {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 2 => {
                let (on, f) = (&p.path.segments[0].ident, &p.path.segments[1].ident);
                let function = crate::source::struct_function(
                    &caller.to_string(),
                    &on.to_string(),
                    &f.to_string(),
                    f.span(),
                )?;
                let returns = match &function.sig.output {
                    syn::ReturnType::Type(_, t) => {
                        matches!(&**t, Type::Path(t) if t.path.is_ident("Self") || t.path.is_ident(on))
                    }
                    syn::ReturnType::Default => false,
                };
                returns.then(|| on.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The value of the first `name.push(..)` in `rest`.
fn pushed<'r>(name: &Ident, rest: &'r [syn::Stmt]) -> Option<&'r Expr> {
    struct Find<'a, 'r>(&'a Ident, Option<&'r Expr>);
    impl<'r> Visit<'r> for Find<'_, 'r> {
        fn visit_expr_method_call(&mut self, m: &'r syn::ExprMethodCall) {
            if self.1.is_none()
                && m.method == "push"
                && matches!(strip(&m.receiver), Expr::Path(p) if p.path.is_ident(self.0))
            {
                self.1 = m.args.first();
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut find = Find(name, None);
    for s in rest {
        find.visit_stmt(s);
    }
    find.1
}
