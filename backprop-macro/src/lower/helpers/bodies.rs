//! What of a helper's body can stand in the caller's: its early `return`s as branches
//! (`fn huber(r: f64) -> f64 { if r.abs() < 1.0 { return 0.5 * r * r; } r.abs() - 0.5 }`
//! is `if r.abs() < 1.0 { 0.5 * r * r } else { r.abs() - 0.5 }`) where each `if` holding
//! one ends in it, else as the `break`s of a labeled block (`'huber_return: { .. break
//! 'huber_return 0.5 * r * r; .. }`, which `break_value.rs` lowers, outside closures);
//! what it may not hold; and how its parameters are read (plain names; a reference bound
//! to a copy read without `*`; a struct the caller passes by name, the caller's own).

use super::*;

/// The body's `return`s (not a closure's) as branches or as `break`s of a labeled block
/// named after `name`, the body's value (a statement where `sig` returns nothing); the
/// body unchanged where it has none.
pub(super) fn early_returns(
    block: &mut syn::Block,
    sig: &syn::Signature,
    name: &Ident,
    taken: &mut HashSet<String>,
) {
    closure_returns(block, taken);
    if matches!(&sig.output, syn::ReturnType::Type(_, ty) if is_option(ty)) {
        tries_as_returns(block, taken);
    }
    if !has_return(&block.stmts) {
        return;
    }
    let unit = matches!(sig.output, syn::ReturnType::Default);
    returns_in(block, unit, name, taken);
}

/// The `return`s of every closure in `block` (`|v| { if v < 0.0 { return 0.0; } v.ln() }`)
/// as its body's branches or the `break`s of a labeled block, as a helper's own: the
/// closure's value where the `return` leaves it (inner closures first).
pub(in crate::lower) fn closure_returns(block: &mut syn::Block, taken: &mut HashSet<String>) {
    struct Closures<'t>(&'t mut HashSet<String>);
    impl VisitMut for Closures<'_> {
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            syn::visit_mut::visit_expr_closure_mut(self, c);
            if !exits_early(&c.body) {
                return;
            }
            // (`?` where the closure says it makes an `Option`: `-> Option<f64>`, or
            // `Some(..)` its value.)
            let option = match (&c.output, &*c.body) {
                (syn::ReturnType::Type(_, ty), _) => is_option(ty),
                (_, Expr::Block(b)) => {
                    matches!(b.block.stmts.last(), Some(syn::Stmt::Expr(tail, None)) if makes_some(tail))
                }
                (_, body) => makes_some(body),
            };
            let mut block = match &*c.body {
                Expr::Block(b) if b.label.is_none() => b.block.clone(),
                body => syn::parse_quote!({ #body }),
            };
            if option {
                tries_as_returns(&mut block, self.0);
            }
            if has_return(&block.stmts) {
                let name = Ident::new("closure", c.body.span());
                // (Its value is the block's: a closure of nothing ends in a unit either way.)
                returns_in(&mut block, false, &name, self.0);
            }
            *c.body = syn::parse_quote!(#block);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Closures(taken).visit_block_mut(block);
}

/// Whether `ty` is an `Option`.
pub(in crate::lower) fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// Whether `e` is `Some(..)`.
fn makes_some(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if crate::lower::options::is_some(&c.func))
}

/// Each `e?` of `block` (not a closure's), in a body making an `Option`, as what it means:
/// `let Some(tried) = e else { return None; };` (a call's `e` bound to a name first)
/// before the statement that holds it, where
/// the statement evaluates it first thing (not in a loop's condition, a branch or the right
/// of `&&`); elsewhere `match e { Some(v) => v, None => return None }` in place.
fn tries_as_returns(block: &mut syn::Block, taken: &mut HashSet<String>) {
    crate::lower::hoisting::hoist(
        block,
        false,
        &mut |e: &mut Expr, before: &mut Vec<syn::Stmt>| {
            let Expr::Try(t) = e else { return };
            let span = t.question_token.span;
            let v = Ident::new(&crate::names::unused(taken, "tried"), span);
            let mut tried = (*t.expr).clone();
            if let Expr::Call(_) = strip(&tried) {
                // (A function's `Option`, bound to a name first: one that carries a derivative
                // is held as a float and a flag, `options.rs`.)
                let o = Ident::new(&crate::names::unused(taken, "option"), span);
                before.push(syn::parse_quote_spanned!(span=> let #o = #tried;));
                tried = syn::parse_quote_spanned!(span=> #o);
            }
            before.push(syn::parse_quote_spanned!(span=>
                let Some(#v) = #tried else { return None; };
            ));
            *e = syn::parse_quote_spanned!(span=> #v);
        },
    );
    // The others (`a && b?`, in a loop's condition) in place.
    struct Tries<'t>(&'t mut HashSet<String>);
    impl VisitMut for Tries<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Expr::Try(t) = e {
                let tried = &t.expr;
                let v = Ident::new(
                    &crate::names::unused(self.0, "tried"),
                    t.question_token.span,
                );
                *e = syn::parse_quote_spanned!(t.question_token.span=>
                    match #tried { Some(#v) => #v, None => return None }
                );
            }
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Tries(taken).visit_block_mut(block);
}

/// `block`'s own `return`s as branches (see [`branches`]) or as the `break`s of a labeled
/// block named after `name`; `unit` where its value is nothing.
fn returns_in(block: &mut syn::Block, unit: bool, name: &Ident, taken: &mut HashSet<String>) {
    if let Some(mut stmts) = branches(block.stmts.clone()) {
        // (A function of nothing: its last `if` a statement.)
        if unit && let Some(syn::Stmt::Expr(Expr::If(_), semi @ None)) = stmts.last_mut() {
            *semi = Some(Default::default());
        }
        block.stmts = stmts;
        return;
    }
    let fresh = crate::names::unused(taken, &format!("{name}_return"));
    let label = syn::Lifetime::new(&format!("'{fresh}"), name.span());
    struct Breaks<'l>(&'l syn::Lifetime);
    impl VisitMut for Breaks<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            if let Expr::Return(r) = e {
                let label = self.0;
                *e = match r.expr.take() {
                    Some(mut value) => {
                        self.visit_expr_mut(&mut value);
                        syn::parse_quote_spanned!(r.return_token.span=> break #label #value)
                    }
                    None => syn::parse_quote_spanned!(r.return_token.span=> break #label),
                };
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Breaks(&label).visit_block_mut(block);
    let stmts = std::mem::take(&mut block.stmts);
    block.stmts = vec![syn::Stmt::Expr(
        syn::parse_quote!(#label: { #(#stmts)* }),
        unit.then(Default::default),
    )];
}

/// Whether `stmts` hold a `return` (not a closure's).
fn has_return(stmts: &[syn::Stmt]) -> bool {
    struct Has(bool);
    impl<'ast> Visit<'ast> for Has {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut has = Has(false);
    for s in stmts {
        has.visit_stmt(s);
    }
    has.0
}

/// Statements whose `return`s are all the ends of `if` branches (or the last statement)
/// written as an expression of branches, the rest of the body moved into the branch that
/// falls through: `if c { ..; return a; } rest` is `if c { ..; a } else { rest }`. `None`
/// where a `return` is elsewhere (in a loop, a `let`, a branch that does not end in one).
fn branches(stmts: Vec<syn::Stmt>) -> Option<Vec<syn::Stmt>> {
    let mut out = Vec::new();
    let mut stmts = stmts.into_iter();
    while let Some(stmt) = stmts.next() {
        if !has_return(std::slice::from_ref(&stmt)) {
            out.push(stmt);
            continue;
        }
        let rest: Vec<syn::Stmt> = stmts.collect();
        match stmt {
            // (`return;` of a function of nothing: nothing.)
            syn::Stmt::Expr(Expr::Return(r), _) => {
                out.extend(r.expr.map(|value| syn::Stmt::Expr(*value, None)));
            }
            syn::Stmt::Expr(Expr::If(ifx), _) => {
                out.push(syn::Stmt::Expr(Expr::If(branch_if(ifx, rest)?), None));
            }
            _ => return None,
        }
        return Some(out);
    }
    Some(out)
}

/// An `if` holding a `return`, each branch ending in one, or holding none and falling
/// through to `rest` (an absent `else` is `rest`).
fn branch_if(mut ifx: syn::ExprIf, rest: Vec<syn::Stmt>) -> Option<syn::ExprIf> {
    let mut rest = Some(rest);
    let arm = |stmts: Vec<syn::Stmt>, rest: &mut Option<Vec<syn::Stmt>>| {
        if !has_return(&stmts) {
            // Falls through: the rest follows it (once: two such arms would copy it).
            let mut stmts = stmts;
            stmts.extend(rest.take()?);
            return branches(stmts);
        }
        ends_in_return(&stmts).then(|| branches(stmts)).flatten()
    };
    let then = std::mem::take(&mut ifx.then_branch.stmts);
    let else_stmts = match ifx.else_branch.take() {
        Some((_, e)) => match *e {
            Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => b.block.stmts,
            other => vec![syn::Stmt::Expr(other, None)],
        },
        None => Vec::new(),
    };
    // The arm that returns first, so that the one falling through takes the rest.
    let then_returns = has_return(&then);
    let (then, else_stmts) = if then_returns {
        let then = arm(then, &mut rest)?;
        (then, arm(else_stmts, &mut rest)?)
    } else {
        let else_stmts = arm(else_stmts, &mut rest)?;
        (arm(then, &mut rest)?, else_stmts)
    };
    ifx.then_branch.stmts = then;
    ifx.else_branch = Some((Default::default(), syn::parse_quote!({ #(#else_stmts)* })));
    Some(ifx)
}

/// Whether every way through `stmts` ends in a `return`: the last is one, or an `if` with
/// an `else` whose branches each end in one.
fn ends_in_return(stmts: &[syn::Stmt]) -> bool {
    match stmts.last() {
        Some(syn::Stmt::Expr(Expr::Return(_), _)) => true,
        Some(syn::Stmt::Expr(Expr::If(ifx), _)) => {
            ends_in_return(&ifx.then_branch.stmts)
                && match ifx.else_branch.as_ref().map(|(_, e)| &**e) {
                    Some(Expr::Block(b)) => ends_in_return(&b.block.stmts),
                    Some(other @ Expr::If(_)) => {
                        ends_in_return(&[syn::Stmt::Expr(other.clone(), None)])
                    }
                    _ => false,
                }
        }
        _ => false,
    }
}

/// Whether the helper's body can stand in the caller's: no `return` left (a closure's;
/// the body's own are [`returns_as_breaks`]), `?`, item, macro but `vec!`, `matches!` and
/// the checking ones, and nothing the macro refuses even on constants (`unsafe`).
pub(super) fn inlinable(block: &syn::Block) -> bool {
    struct Check(bool);
    impl<'ast> Visit<'ast> for Check {
        fn visit_expr(&mut self, e: &'ast Expr) {
            // What only the function's own body may hold: an early exit, and what the macro
            // refuses even on constants (a helper of data stays an ordinary call).
            let refused = matches!(
                e,
                Expr::Return(_) | Expr::Try(_) | Expr::Unsafe(_) | Expr::Async(_)
            );
            self.0 &= !refused;
            syn::visit::visit_expr(self, e);
        }
        /// `vec!`, `matches!` and the checking macros, their names renamed in their tokens
        /// (what the caller's body may hold too); no other (a printing macro's format
        /// string may name the helper's locals, which are renamed).
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            const KNOWN: [&str; 8] = [
                "vec",
                "matches",
                "assert",
                "assert_eq",
                "assert_ne",
                "debug_assert",
                "debug_assert_eq",
                "debug_assert_ne",
            ];
            self.0 &= m
                .path
                .get_ident()
                .is_some_and(|i| KNOWN.iter().any(|k| i == k));
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {
            self.0 = false;
        }
    }
    let mut check = Check(true);
    check.visit_block(block);
    check.0
}

/// `*o` as `o` in `stmt`, for the `names` bound to values in place of references.
pub(in crate::lower) fn strip_derefs(names: &[String], stmt: &mut syn::Stmt) {
    Derefs(names).visit_stmt_mut(stmt);
}

/// `*o` as `o`, for the parameters bound to values in place of references.
pub(in crate::lower) struct Derefs<'a>(pub(in crate::lower) &'a [String]);

impl VisitMut for Derefs<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Unary(u) = e
            && matches!(u.op, syn::UnOp::Deref(_))
            && let Expr::Path(p) = strip(&u.expr)
            && p.path
                .get_ident()
                .is_some_and(|i| self.0.contains(&i.to_string()))
        {
            *e = (*u.expr).clone();
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// The parameters as plain names (`a: V3`, `mut b: (f64, f64)`), none a mutable
/// reference, or `None`.
pub(super) fn plain_params(sig: &syn::Signature) -> Option<Vec<(Ident, bool)>> {
    if !sig.generics.params.is_empty()
        || sig.asyncness.is_some()
        || !matches!(sig.safety, syn::Safety::Default)
    {
        return None;
    }
    sig.inputs
        .iter()
        .map(|a| match a {
            // Written through: not a value.
            syn::FnArg::Typed(t) if matches!(&*t.ty, Type::Reference(r) if r.mutability.is_some()) => {
                None
            }
            syn::FnArg::Typed(t) => match &*t.pat {
                Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                    Some((i.ident.clone(), i.mutability.is_some()))
                }
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The value of `S::NAME`, an associated constant of a struct without a gradient of the
/// caller's module ([`crate::source::struct_const`]), `Self` in it the struct.
pub(super) fn associated_const(caller: &str, p: &syn::ExprPath) -> Option<Expr> {
    let [on, name] = &p.path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if p.qself.is_some() {
        return None;
    }
    let span = name.ident.span();
    let value =
        crate::source::struct_const(caller, &on.ident.to_string(), &name.ident.to_string(), span)?;
    let value: Expr = syn::parse2(super::renames::replace_self_type(
        value.to_token_stream(),
        &on.ident,
    ))
    .ok()?;
    Some(syn::parse_quote_spanned!(span=> (#value)))
}

/// `S { x: e, ..base }` of a `Copy` struct without a gradient of the caller's module:
/// each field the literal leaves out read from `base` (`S { x: e, v: base.v }`), where
/// `base` is a place (a name, a field chain, `*name`), read again per field.
pub(super) fn struct_update(caller: &str, s: &mut syn::ExprStruct) {
    let Some(base) = &s.rest else {
        return;
    };
    // `..Default::default()` (or `..S::default()`) of a struct deriving `Default`: the
    // fields not given are its zeros.
    if let Expr::Call(c) = strip(base)
        && c.args.is_empty()
        && matches!(strip(&c.func), Expr::Path(f) if f.qself.is_none()
            && f.path.segments.last().is_some_and(|l| l.ident == "default")
            && f.path.segments.len() == 2
            && (f.path.segments[0].ident == "Default" || s.path.is_ident(&f.path.segments[0].ident)))
        && let Some(name) = s.path.get_ident()
        && let Some(zeros) = crate::source::default_fields(caller, name)
    {
        let given = given_fields(s);
        let filled: Option<Vec<syn::FieldValue>> = zeros
            .iter()
            .filter(|(f, _)| !given.contains(f))
            .map(|(field, zero)| {
                let member = Ident::new(field, name.span());
                let zero = syn::parse_str::<syn::Lit>(zero).ok()?;
                Some(syn::parse_quote!(#member: #zero))
            })
            .collect();
        let Some(filled) = filled else { return };
        s.fields.extend(filled);
        s.rest = None;
        s.dot2_token = None;
        return;
    }
    let mut place = strip(base);
    loop {
        place = match place {
            Expr::Field(f) => strip(&f.base),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
            _ => break,
        };
    }
    let Some(name) = s
        .path
        .get_ident()
        .filter(|_| matches!(place, Expr::Path(_)))
    else {
        return;
    };
    let Some(fields) = crate::source::copy_struct_fields(caller, name) else {
        return;
    };
    let given = given_fields(s);
    let base = (**base).clone();
    for field in fields.iter().filter(|f| !given.contains(f)) {
        let member = Ident::new(field, base.span());
        s.fields.push(syn::parse_quote!(#member: (#base).#member));
    }
    s.rest = None;
    s.dot2_token = None;
}

/// The named fields a struct expression gives.
fn given_fields(s: &syn::ExprStruct) -> Vec<String> {
    s.fields
        .iter()
        .filter_map(|f| match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        })
        .collect()
}

/// A call's arguments, a sequence made to be lent (`&[1.0, 2.0]`, `&vec![..]`) as the
/// value, to be bound to it.
pub(super) fn lent_values(call: &syn::ExprCall) -> Vec<&Expr> {
    call.args
        .iter()
        .map(|a| match strip(a) {
            Expr::Reference(r)
                if r.mutability.is_none()
                    && matches!(
                        strip(&r.expr),
                        Expr::Array(_) | Expr::Repeat(_) | Expr::Macro(_)
                    ) =>
            {
                &*r.expr
            }
            _ => a,
        })
        .collect()
}

/// A value of the caller's struct `name` where it has no fields (`struct Softplus;`): it
/// holds nothing, so its methods read one made where they are inlined, not the caller's
/// (which is then not moved out of, `Copy` or not).
pub(super) fn unit_value(caller: &str, name: &Ident) -> Option<Expr> {
    crate::source::cloned_struct_fields(caller, name)
        .filter(|f| f.is_empty())
        .map(|_| syn::parse_quote_spanned!(name.span()=> #name {}))
}

/// The parameters `&S` of a struct (`d: &Dense`) given a name of the caller's or a field
/// chain from one (`d`, `&m`, `&m.l2`): the body reads the caller's own there, so that a
/// method it calls on one is called on the caller's parameter (`d.forward(x)`,
/// `m.l2.forward(x)`, inlined as a parameter's method). They leave `sig` and `args`; not
/// where the body binds the parameter's name or the caller's root name again.
pub(super) fn structs_by_name(
    sig: &mut syn::Signature,
    block: &mut syn::Block,
    args: &mut Vec<&Expr>,
    copy: &dyn Fn(&Ident) -> bool,
) {
    const SEQUENCES: &[&str] = &["Vec", "Array1", "Array2", "ArrayView1", "ArrayView2"];
    let mut bound = Vec::new();
    Bound(&mut bound).visit_block(block);
    // (A parameter the body reads as `*p` stays bound to a reference.)
    struct Derefed(Vec<String>);
    impl<'ast> Visit<'ast> for Derefed {
        fn visit_expr_unary(&mut self, u: &'ast syn::ExprUnary) {
            if let (syn::UnOp::Deref(_), Expr::Path(p)) = (&u.op, strip(&u.expr))
                && let Some(name) = p.path.get_ident()
            {
                self.0.push(name.to_string());
            }
            syn::visit::visit_expr_unary(self, u);
        }
    }
    let mut derefed = Derefed(Vec::new());
    derefed.visit_block(block);
    // The caller's place an argument names (`d`, `&d`, `&m.l2`), where its root is free, or
    // a value of a unit struct.
    let place = |arg: &Expr| {
        let e = match strip(arg) {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            e => e,
        };
        let mut root = e;
        while let Expr::Field(f) = root {
            root = strip(&f.base);
        }
        match root {
            // A unit struct's value (`&Softplus`, written `Softplus {}`): it holds nothing.
            Expr::Struct(s) if s.fields.is_empty() && s.rest.is_none() => Some(e.clone()),
            Expr::Path(p) if p.qself.is_none() => p
                .path
                .get_ident()
                .filter(|n| !bound.contains(&n.to_string()))
                .map(|_| e.clone()),
            _ => None,
        }
    };
    // `&S` of a struct not `Copy` (a `Copy` one's reference is bound to a copy instead).
    let of_struct = |ty: &syn::Type| match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
                let name = s.ident.to_string();
                name.starts_with(char::is_uppercase)
                    && !SEQUENCES.contains(&name.as_str())
                    && !copy(&s.ident)
            }),
            _ => false,
        },
        _ => false,
    };
    let mut places = std::collections::HashMap::new();
    let mut keep = Vec::new();
    for (input, arg) in sig.inputs.iter().zip(args.iter()) {
        let by_name = match input {
            syn::FnArg::Typed(t) if of_struct(&t.ty) => match &*t.pat {
                syn::Pat::Ident(p)
                    if p.mutability.is_none()
                        && p.by_ref.is_none()
                        && !bound.contains(&p.ident.to_string())
                        && !derefed.0.contains(&p.ident.to_string()) =>
                {
                    place(arg).map(|e| (p.ident.to_string(), e))
                }
                _ => None,
            },
            _ => None,
        };
        keep.push(by_name.is_none());
        places.extend(by_name);
    }
    if places.is_empty() || sig.inputs.len() != args.len() {
        return;
    }
    let mut kept = keep.iter().copied();
    sig.inputs = std::mem::take(&mut sig.inputs)
        .into_iter()
        .filter(|_| kept.next().unwrap_or(true))
        .collect();
    let mut kept = keep.iter().copied();
    args.retain(|_| kept.next().unwrap_or(true));
    Places(&places).visit_block_mut(block);
}

/// Each name of the map read as its place (`layer` as `m.l2`).
struct Places<'a>(&'a std::collections::HashMap<String, Expr>);

impl VisitMut for Places<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Path(p) = e
            && p.qself.is_none()
            && let Some(place) = p.path.get_ident().and_then(|i| self.0.get(&i.to_string()))
        {
            *e = place.clone();
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        // `S { layer }`: `S { layer: m.l2 }`.
        if let syn::Member::Named(member) = &f.member
            && f.colon_token.is_none()
            && self.0.contains_key(&member.to_string())
        {
            f.colon_token = Some(Default::default());
        }
        syn::visit_mut::visit_field_value_mut(self, f);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        let places = self.0;
        m.tokens = super::renames::replace_names(std::mem::take(&mut m.tokens), &|i| {
            places.get(&i.to_string()).map(ToTokens::to_token_stream)
        });
    }
}

/// Each parameter's type where it is a number (`f64`, `usize`), written on its binding.
pub(super) fn number_types(sig: &syn::Signature) -> Vec<Option<Type>> {
    let number = |t: &Type| matches!(classify(t), TypeClass::Float | TypeClass::Int);
    sig.inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(t) if number(&t.ty) => Some((*t.ty).clone()),
            _ => None,
        })
        .collect()
}

/// `&S { .. }`: a struct value written out in place, lent.
pub(super) fn lent_struct_literal(e: &Expr) -> bool {
    matches!(strip(e), Expr::Reference(r)
        if r.mutability.is_none() && matches!(strip(&r.expr), Expr::Struct(_)))
}

/// Per parameter of `sig`, whether it is bound to a copy of its argument ([`by_reference`]):
/// also a struct of numbers that is not `Copy` (`numbers` says which are) lent as a value
/// written out in place (`kick(&st[i])` of a `Vec` of them held one `Vec` per field).
pub(super) fn bound_to_values(
    sig: &syn::Signature,
    args: &[&Expr],
    copy: &dyn Fn(&Ident) -> bool,
    numbers: &dyn Fn(&Ident) -> bool,
) -> Vec<bool> {
    (sig.inputs.iter().zip(args))
        .map(|(a, e)| by_reference(a, copy) || (lent_struct_literal(e) && by_reference(a, numbers)))
        .collect()
}

/// Whether a parameter is a `Copy` struct (`copy` says which are) or a tuple of numbers
/// taken by shared reference (`o: &V3`, `&self`, `p: &(f64, f64)`), which is bound to a copy
/// of the value: its fields are then locals like the caller's.
pub(super) fn by_reference(a: &syn::FnArg, copy: &dyn Fn(&Ident) -> bool) -> bool {
    let number = |t: &Type| {
        matches!(
            classify(t),
            TypeClass::Float | TypeClass::Int | TypeClass::Bool
        )
    };
    match a {
        syn::FnArg::Typed(t) => matches!(&*t.ty, Type::Reference(r) if r.mutability.is_none()
        && match &*r.elem {
            Type::Tuple(t) => t.elems.iter().all(number),
            Type::Path(p) => p.qself.is_none() && p.path.get_ident().is_some_and(copy),
            _ => false,
        }),
        syn::FnArg::Receiver(r) => matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)),
    }
}

/// The float type of a function: its type parameter (the one the macro accepts is the
/// float type), or `f32` where that is the one float its signature names, else `f64`.
pub(super) fn caller_float(sig: &syn::Signature) -> TokenStream {
    if let Some(t) = sig.generics.type_params().next() {
        let name = &t.ident;
        return quote!(#name);
    }
    match super::types::one_float(sig, None).as_deref() {
        Some("f32") => quote!(f32),
        _ => quote!(f64),
    }
}

thread_local! {
    /// The float type of the function being lowered ([`caller_float`]), its type
    /// parameters and the facade's path: what the type parameter of a struct generic over
    /// its float type is written as in its fields and methods (`V2<T>`).
    static CALLER: std::cell::RefCell<Option<(TokenStream, HashSet<String>, syn::Path)>> =
        const { std::cell::RefCell::new(None) };
}

/// The function being lowered, for [`as_caller_float`], while it lives.
pub(in crate::lower) struct CallerFloat;

impl CallerFloat {
    pub(in crate::lower) fn set(sig: &syn::Signature, krate: &syn::Path) -> Self {
        let generics = sig
            .generics
            .type_params()
            .map(|t| t.ident.to_string())
            .collect();
        let caller = (caller_float(sig), generics, krate.clone());
        CALLER.with(|c| *c.borrow_mut() = Some(caller));
        CallerFloat
    }
}

impl Drop for CallerFloat {
    fn drop(&mut self) {
        CALLER.with(|c| *c.borrow_mut() = None);
    }
}

/// `tokens` (a generic struct's method, `impl<T: Real> V2<T>`) with the type parameters
/// `params` written as the float type of the function being lowered (`f64`, its own `T`).
pub(crate) fn as_caller_float(tokens: TokenStream, params: &[String]) -> TokenStream {
    CALLER.with(|c| match &*c.borrow() {
        Some((float, generics, krate)) if !params.is_empty() => {
            let by_type = params.iter().map(|p| (p.clone(), float.clone())).collect();
            super::param_methods::replace_type_params(tokens, &by_type, krate, generics)
        }
        _ => tokens,
    })
}

/// The float type of the function being lowered, as text (`f64`, `T`).
pub(crate) fn caller_float_text() -> Option<String> {
    CALLER.with(|c| c.borrow().as_ref().map(|(float, _, _)| float.to_string()))
}

/// How an inlined body's parameters are bound: to a copy of what a reference points to
/// (`by_ref`, see [`by_reference`]), and with their type written where it is a number
/// (`types`, where known), so that a literal argument is of that type (`let rotate_angle:
/// f64 = 0.3;`).
#[derive(Clone, Copy)]
pub(super) struct Binding<'a> {
    pub(super) by_ref: &'a [bool],
    pub(super) types: &'a [Option<Type>],
}

impl<'a> Binding<'a> {
    pub(super) fn new(by_ref: &'a [bool], types: &'a [Option<Type>]) -> Self {
        Binding { by_ref, types }
    }
}

/// `let y = (softmax_value);` after an inlined body's last statement `let softmax_value =
/// ..;` (a value it binds to a name: branches, a sequence it makes): the value bound to `y`
/// itself, `let y = ..;`, not to a second name for it (an `Option` the body returns is then
/// the caller's own local, `let h = if .. { None } else { Some(t) };`).
pub(super) fn value_bound_in_place(init: &mut Expr, before: &mut Vec<syn::Stmt>) {
    let Expr::Path(p) = strip(init) else { return };
    let Some(syn::Stmt::Local(last)) = before.last() else {
        return;
    };
    let named = matches!(&last.pat, Pat::Ident(i) if i.by_ref.is_none()
        && i.subpat.is_none() && i.mutability.is_none() && p.path.is_ident(&i.ident));
    if !named || last.init.as_ref().is_none_or(|i| i.diverge.is_some()) {
        return;
    }
    if let Some(syn::Stmt::Local(last)) = before.pop()
        && let Some(value) = last.init
    {
        *init = *value.expr;
    }
}

/// `S { a: 0.0_f64, n: 0_usize }`: the value `S::default()` stands for, from its fields'
/// zeros ([`crate::source::default_fields`]).
pub(super) fn default_literal(on: &Ident, fields: &[(String, String)]) -> Option<Expr> {
    let fields = fields
        .iter()
        .map(|(f, zero)| {
            let f = Ident::new(f, on.span());
            let zero: Expr = syn::parse_str(zero).ok()?;
            Some(quote!(#f: #zero))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(syn::parse_quote_spanned!(on.span()=> #on { #(#fields),* }))
}
