//! Ordinary functions of tuples and structs, inlined where they are called: `let d =
//! sub(a, b);` with `fn sub(a: V3, b: V3) -> V3 { V3 { x: a.x - b.x, .. } }` beside the
//! function is `let sub_a = a; let sub_b = b; let d = V3 { x: sub_a.x - sub_b.x, .. };`.
//! So are the methods (`d.norm()`, taking `self` or `&self`) and the operators (`a - b`,
//! `v * 2.0`, `-v`, from `impl Sub for V3` and the like) of a struct declared beside the
//! function without a gradient and deriving `Copy`, where the syntax says a value is one
//! (`let a = V3 { .. };`, a helper's or method's result, `a - b`): `self` is a local
//! (`norm_self`), bound to a copy (by reference too, `*self` read as `self`). A struct of
//! numbers with a gradient written out in place (an element of a `Vec` of them held one
//! `Vec` per field, `struct_seqs`) is taken the same way: its ordinary `&self` methods
//! (`st[i].energy(k)`), and any function lent it (`kick(&st[i], k)`), inlined.
//! The helper's names are renamed apart (`sub_a`), so its statements go before the
//! statement that calls it, where that is evaluated in order (a `let`'s initializer, an
//! expression statement, an `if`'s condition, through arithmetic, calls, fields and
//! indices); inside a branch or a loop, before the statement there; in a closure, before
//! its value in its body; elsewhere (an `else if` condition, a `while` condition) the call
//! becomes a block `{ ..; value }`. Then `aggregates.rs` holds the tuples and structs as one
//! local per element. Such a helper
//! needs no `#[differentiate]` (its parameters have no gradient type); its early `return`s
//! are branches or the `break`s of a labeled block (`bodies.rs`); one with `?`, a macro,
//! `unsafe`, generics (but one type parameter, the caller's float type), patterns for
//! parameters or calling itself is left as a call. An ordinary
//! function writing floats through `&mut` parameters (`fn rhs(x: &[f64], y: &[f64], dy:
//! &mut [f64])`) is inlined too, its body writing the caller's place (`written.rs`), and so
//! are the ordinary methods of a parameter's struct with a gradient (`param_methods.rs`).
//! The other ordinary functions of floats (`fn sigmoid(x: f64) -> f64`, `fn dot(a: &[f64],
//! b: &[f64]) -> f64`) are inlined where asked for (`floats`): those a call gives a value
//! carrying a derivative, as the lowering before this one found (`expand.rs`); called with
//! constants only, they stay calls.

use super::*;

mod param_methods;
pub(super) use param_methods::{ParamStructs, seq_struct_names};
mod bodies;
use bodies::{Binding, caller_float, early_returns, inlinable, plain_params};
pub(super) use bodies::{CallerFloat, Derefs, closure_returns, is_option, strip_derefs};
pub(crate) use bodies::{as_caller_float, caller_float_text};
use bodies::{by_reference, lent_struct_literal, number_types};
mod callables;
mod method_calls;
mod renames;
pub(super) mod written;
use renames::replace_self_type;
pub(super) use renames::{Bound, Rename, rename};

/// Returns the calls of such helpers that could not be inlined, for their errors.
pub(super) fn desugar(
    block: &mut syn::Block,
    sig: &syn::Signature,
    taken: &mut HashSet<String>,
    floats: &HashSet<String>,
    krate: &syn::Path,
) -> Vec<Ident> {
    let caller = &sig.ident;
    let locals = param_methods::binding_counts(block);
    let mut inline = Inline {
        caller: caller.to_string(),
        taken,
        locals,
        stack: Vec::new(),
        types: Default::default(),
        closures: Default::default(),
        given: HashSet::new(),
        refused: Vec::new(),
        params: param_methods::struct_params(sig),
        elements: Default::default(),
        seq_params: param_methods::seq_struct_params(sig),
        generics: sig
            .generics
            .type_params()
            .map(|t| t.ident.to_string())
            .collect(),
        float: caller_float(sig),
        floats,
        krate,
    };
    inline.stmts(&mut block.stmts);
    inline.refused
}

/// The error at a call of an ordinary method of a struct with a gradient that is not
/// inlined (`param_methods.rs`).
pub(crate) const PLAIN_METHOD: &str = "#[differentiate] inlines a method without `#[differentiate]` where a parameter calls it (`p.accel(x)`, `self` that parameter), but not this call: the method has `?`, a macro, an item, `unsafe`, generics, a receiver other than `&self`, a `&mut` parameter or a pattern for a parameter, or calls itself, or the receiver is not a parameter; write it without them, or differentiate it (`#[differentiate]` on it and on its `impl` block)";

/// The error at a call of a helper that is not inlined.
pub(crate) const NOT_INLINED: &str = "#[differentiate] inlines the ordinary functions beside it (of floats, of tuples or structs, or writing floats through `&mut` parameters) where a call needs their derivative, but not this one: it has `?`, a macro (but `vec!`, `matches!`, `assert!` and the like), an item, `unsafe`, generics other than one type parameter, a pattern for a parameter, calls itself, binds a `&mut` parameter's name again, or is given for a `&mut` parameter something other than a local or a row of one (`&mut k1`, `&mut m[i]`, `&mut v[a..b]`); write it without them, or, for a function of floats, put `#[differentiate]` on it (the call then goes through its generated pullback)";

struct Inline<'a> {
    caller: String,
    taken: &'a mut HashSet<String>,
    /// The names the caller's body binds, each with how many times: a local (a closure) of
    /// a helper's name shadows it, and its calls are left to `closures.rs`.
    locals: std::collections::HashMap<String, usize>,
    /// The helpers being inlined, innermost last: a call to one of them is left as written.
    stack: Vec<String>,
    /// The locals known to hold a struct without a gradient, by its name (`let p = V3 {
    /// .. };`): their methods and operators are inlined.
    types: std::collections::HashMap<String, String>,
    /// The closures of structs bound to a local here, by name (`struct_closures.rs`).
    closures: std::collections::HashMap<String, super::struct_closures::StructClosure>,
    /// The names of helpers' parameters bound to the closures their calls give: inlined at
    /// their calls as the closures of structs are (their statements before the statement
    /// that calls them, a condition's too).
    given: HashSet<String>,
    /// The calls of helpers that could not be inlined.
    refused: Vec<Ident>,
    /// The parameters of a struct type, by name (`p` of `p: &Pendulum`): their ordinary
    /// methods are inlined.
    params: std::collections::HashMap<String, param_methods::StructParam>,
    /// The names `for` loops bind to the elements of a parameter's sequence of structs
    /// (`layer` of `for layer in &net.layers`), in the loop's body.
    elements: std::collections::HashMap<String, param_methods::StructParam>,
    /// The parameters holding a sequence of structs (`ps: &[P]`), by name.
    seq_params: std::collections::HashMap<String, param_methods::StructParam>,
    /// The caller's type parameters (`T` of `fn f<T: Real>`).
    generics: HashSet<String>,
    /// The caller's float type (`T` of `fn f<T: Real>`, or `f64`): a generic helper's.
    float: TokenStream,
    /// The ordinary functions of floats to inline (those a call gives a value carrying a
    /// derivative, found by the lowering before).
    floats: &'a HashSet<String>,
    /// Where the facade is.
    krate: &'a syn::Path,
}

impl Inline<'_> {
    /// A block's statements: its own names go out of scope at its end.
    fn stmts(&mut self, stmts: &mut Vec<syn::Stmt>) {
        let outer = self.types.clone();
        let closures: HashSet<String> = self.closures.keys().cloned().collect();
        self.statements(stmts);
        self.types = outer;
        // (A closure's name is bound nowhere after it, so none here hides an outer one.)
        self.closures.retain(|n, _| closures.contains(n));
    }

    /// Statements, their names' types kept (an inlined body's, all renamed apart: its
    /// value's type is the caller's to read).
    fn statements(&mut self, stmts: &mut Vec<syn::Stmt>) {
        let mut all = std::mem::take(stmts);
        for i in 0..all.len() {
            // A closure of structs, inlined at its calls: its `let` goes.
            let copy = |s: &Ident| crate::source::is_copy(&self.caller, s);
            let given = matches!(&all[i], syn::Stmt::Local(l)
                if matches!(&l.pat, Pat::Ident(p) if self.given.contains(&p.ident.to_string())));
            let made = |e: &Expr| given || self.struct_of(e).is_some();
            if let Some(c) =
                super::struct_closures::struct_closure(&all[i], &all[i + 1..], &copy, &made)
            {
                self.closures.insert(c.name.to_string(), c);
                continue;
            }
            // (Taken out, an empty item left in its place.)
            let empty = syn::Stmt::Item(syn::Item::Verbatim(TokenStream::new()));
            let mut stmt = std::mem::replace(&mut all[i], empty);
            let mut before = Vec::new();
            match &mut stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &mut local.init {
                        self.expr(&mut init.expr, Some(&mut before));
                        if let Some((_, diverge)) = &mut init.diverge {
                            self.expr(diverge, None);
                        }
                        bodies::value_bound_in_place(&mut init.expr, &mut before);
                    }
                    // What each name holds now, if a struct without a gradient (`let a =
                    // ..`, `let (a, b) = (.., ..)`).
                    let mut held = Vec::new();
                    if let Some(init) = &local.init {
                        match (&local.pat, strip(&init.expr)) {
                            (Pat::Ident(i), value) => held.push((
                                &i.ident,
                                (self.struct_of(value))
                                    .or_else(|| self.copied_param(value, i.mutability.is_some())),
                            )),
                            // (`let h: V2 = a + b;`, the value's struct or the one written.)
                            (Pat::Type(t), value) if let Pat::Ident(i) = &*t.pat => {
                                let written = match &*t.ty {
                                    Type::Path(p) => p
                                        .path
                                        .get_ident()
                                        .filter(|s| crate::source::is_copy(&self.caller, s)),
                                    _ => None,
                                };
                                let on = self.struct_of(value).or(written.map(Ident::to_string));
                                held.push((&i.ident, on));
                            }
                            (Pat::Tuple(names), Expr::Tuple(values)) => {
                                for (p, v) in names.elems.iter().zip(&values.elems) {
                                    if let Pat::Ident(i) = p {
                                        held.push((&i.ident, self.struct_of(v)));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    let mut bound = Vec::new();
                    Bound(&mut bound).visit_pat(&local.pat);
                    for name in bound {
                        self.types.remove(&name);
                    }
                    for (name, on) in held {
                        if let Some(on) = on {
                            self.types.insert(name.to_string(), on);
                        }
                    }
                    self.bound_element(local);
                }
                syn::Stmt::Expr(e, _) => self.expr(e, Some(&mut before)),
                syn::Stmt::Item(_) | syn::Stmt::Macro(_) => {}
            }
            stmts.extend(before);
            stmts.push(stmt);
        }
    }

    /// Inlines the helper calls in `e`: their statements into `before` where `e` is
    /// evaluated in order at the top of a statement, as a block otherwise.
    fn expr(&mut self, e: &mut Expr, mut before: Option<&mut Vec<syn::Stmt>>) {
        match e {
            Expr::Call(call) => {
                for a in &mut call.args {
                    self.expr(a, before.as_deref_mut());
                }
                match self.inline(call) {
                    Some(inlined) => self.place(e, Some(inlined), before),
                    None => self.expr(&mut call.func, None),
                }
            }
            Expr::Binary(b) if !matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                self.expr(&mut b.left, before.as_deref_mut());
                self.expr(&mut b.right, before.as_deref_mut());
                let Some(method) = operator_method(&b.op) else {
                    return;
                };
                if let Some(on) = self.struct_of(&b.left) {
                    let rhs_struct = self.struct_of(&b.right).is_some();
                    let name = Ident::new(method, b.op.span());
                    let inlined = self.inline_method(
                        &on,
                        &name,
                        Some(rhs_struct),
                        &[&*b.left, &*b.right],
                        true,
                    );
                    self.place(e, inlined, before);
                }
            }
            Expr::Unary(u) => {
                self.expr(&mut u.expr, before.as_deref_mut());
                if matches!(u.op, syn::UnOp::Neg(_))
                    && let Some(on) = self.struct_of(&u.expr)
                {
                    let neg = Ident::new("neg", u.op.span());
                    let inlined = self.inline_method(&on, &neg, None, &[&*u.expr], true);
                    self.place(e, inlined, before);
                }
            }
            // `V3::ZERO`: the associated constant's value, inlined in turn.
            Expr::Path(p) => {
                if let Some(value) = bodies::associated_const(&self.caller, p) {
                    *e = value;
                    self.expr(e, before);
                }
            }
            Expr::Paren(p) => self.expr(&mut p.expr, before),
            // `if let Some(t) = hit(..)`: the scrutinee first.
            Expr::Let(l) => self.expr(&mut l.expr, before),
            Expr::Field(f) => self.expr(&mut f.base, before),
            Expr::Cast(c) => self.expr(&mut c.expr, before),
            Expr::Reference(r) => self.expr(&mut r.expr, before),
            Expr::Index(i) => {
                self.expr(&mut i.expr, before.as_deref_mut());
                self.expr(&mut i.index, before);
            }
            Expr::MethodCall(_) => self.method_call(e, before),
            Expr::Tuple(t) => {
                for x in &mut t.elems {
                    self.expr(x, before.as_deref_mut());
                }
            }
            Expr::Array(a) => {
                for x in &mut a.elems {
                    self.expr(x, before.as_deref_mut());
                }
            }
            // `vec![a, b]`: its items, as an array's.
            Expr::Macro(m) if m.mac.path.is_ident("vec") => self.vec_items(&mut m.mac, before),
            Expr::Struct(s) => {
                bodies::struct_update(&self.caller, s);
                for f in &mut s.fields {
                    self.expr(&mut f.expr, before.as_deref_mut());
                }
            }
            Expr::Assign(a) => self.expr(&mut a.right, before),
            Expr::Binary(b) => {
                // `&&`, `||`: the right side runs only sometimes.
                self.expr(&mut b.left, before);
                self.expr(&mut b.right, None);
            }
            Expr::Block(b) => self.stmts(&mut b.block.stmts),
            // Where nothing goes before (an `else if`, inside an expression), an `if` or a
            // `match` takes its condition's or scrutinee's statements in a block of its own.
            Expr::If(_) | Expr::Match(_) if before.is_none() => {
                let mut first = Vec::new();
                self.expr(e, Some(&mut first));
                if !first.is_empty() {
                    *e = syn::parse_quote!({ #(#first)* #e });
                }
            }
            // What runs first: an `if`'s condition, a `match`'s scrutinee, a `for` loop's
            // iterator.
            Expr::If(i) => {
                self.expr(&mut i.cond, before);
                self.stmts(&mut i.then_branch.stmts);
                if let Some((_, other)) = &mut i.else_branch {
                    Nested(self).visit_expr_mut(other);
                }
            }
            Expr::Match(m) => {
                self.expr(&mut m.expr, before);
                for arm in &mut m.arms {
                    Nested(self).visit_arm_mut(arm);
                }
            }
            Expr::ForLoop(f) => {
                self.expr(&mut f.expr, before);
                self.loop_body(f);
            }
            _ => Nested(self).visit_expr_mut(e),
        }
    }

    /// Puts an inlined body in place of `e`: its statements into `before` and its value
    /// in `e`'s place, or a block `{ statements; value }` in `e`'s place.
    fn place(
        &mut self,
        e: &mut Expr,
        inlined: Option<(Vec<syn::Stmt>, Expr)>,
        before: Option<&mut Vec<syn::Stmt>>,
    ) {
        let Some((stmts, value)) = inlined else {
            return;
        };
        *e = match before {
            Some(before) => {
                before.extend(stmts);
                syn::parse_quote!((#value))
            }
            None => syn::parse_quote!({ #(#stmts)* #value }),
        };
    }

    /// The statements and the value a call to a helper stands for, its names renamed apart.
    fn inline(&mut self, call: &syn::ExprCall) -> Option<(Vec<syn::Stmt>, Expr)> {
        let Expr::Path(p) = strip(&call.func) else {
            return None;
        };
        // `act::sigmoid(z)`: a function of floats in another file, by its path (or one given
        // functions, `quad::simpson(|t| .., a, b, n)`).
        let by_path = p.qself.is_none()
            && p.path.segments.len() > 1
            && crate::source::is_helper(&self.caller, &p.path);
        // `V2::new(x, y)`: a function of a struct without a gradient.
        if let [on, name] = &p.path.segments.iter().collect::<Vec<_>>()[..]
            && !by_path
            && p.qself.is_none()
            && on.arguments.is_empty()
            && name.arguments.is_empty()
        {
            // `Acc::default()` of a struct of numbers deriving `Default`: its zeros.
            if let Some(fields) = (name.ident == "default" && call.args.is_empty())
                .then(|| crate::source::default_fields(&self.caller, &on.ident))
                .flatten()
            {
                return Some((Vec::new(), bodies::default_literal(&on.ident, &fields)?));
            }
            let args: Vec<&Expr> = call.args.iter().collect();
            return self.inline_method(&on.ident.to_string(), &name.ident, None, &args, false);
        }
        let name = match by_path {
            true => &p.path.segments.last()?.ident,
            false => p.path.get_ident()?,
        };
        if let Some(c) = self.closures.get(&name.to_string()).filter(|_| !by_path) {
            let (params, block) = (c.params.clone(), c.block.clone());
            let args: Vec<&Expr> = call.args.iter().collect();
            let by_ref = vec![false; params.len()];
            return self.body(name, &params, Binding::new(&by_ref, &[]), &block, &args);
        }
        if p.qself.is_some() || (!by_path && self.locals.contains_key(&name.to_string())) {
            return None;
        }
        // A helper calling itself stays a call (an error where it carries a derivative).
        if self.stack.iter().any(|s| name == s) {
            self.refused.push(name.clone());
            return None;
        }
        // A struct value written out in place and lent (`kick(&ps[i])` of a `Vec` of structs
        // held one `Vec` per field): the function is inlined, whatever it gives.
        let lends_written_out = call.args.iter().any(lent_struct_literal);
        let mut f = if lends_written_out {
            let mut asked = self.floats.clone();
            asked.insert(name.to_string());
            crate::source::helper(&self.caller, &p.path, &asked)?
        } else {
            crate::source::helper(&self.caller, &p.path, self.floats)?
        };
        // Its parameters that are functions: given closures, bound to them.
        let args = bodies::lent_values(call);
        let closures = callables::given(&mut f.sig, &args, self.taken);
        crate::source::name_impl_params(&mut f.sig);
        let by_ref = crate::source::by_reference_type_params(&f.sig);
        self.float_type_param(&mut f)?;
        early_returns(&mut f.block, &f.sig, name, self.taken);
        let mut args = callables::with_closures(&args, &closures);
        let copy = |s: &Ident| crate::source::is_copy(&self.caller, s);
        bodies::structs_by_name(&mut f.sig, &mut f.block, &mut args, &copy);
        // (A struct of the caller's given for `m: &M` is read by name, or not inlined.)
        if Self::names_by_reference_type(&f.sig, &by_ref) {
            return None;
        }
        // The `&mut` parameters written through as the caller's places (`written.rs`); a
        // body binding such a name again is not inlined.
        let mut bound = Vec::new();
        Bound(&mut bound).visit_block(&f.block);
        let split = written::split(&f.sig, &args, &bound);
        let params = split.as_ref().and_then(|(sig, args, _)| {
            plain_params(sig).filter(|p| inlinable(&f.block) && p.len() == args.len())
        });
        let (Some(params), Some((sig, args, places))) = (params, split) else {
            // Worth an error only if an argument names a value (not only literals and
            // struct names).
            struct Names(bool);
            impl<'ast> Visit<'ast> for Names {
                fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                    self.0 |= p.path.get_ident().is_some();
                }
            }
            let mut names = Names(false);
            for a in &call.args {
                names.visit_expr(a);
            }
            if names.0 {
                self.refused.push(name.clone());
            }
            return None;
        };
        let numbers = |s: &Ident| crate::source::cloned_struct_fields(&self.caller, s).is_some();
        let by_ref = bodies::bound_to_values(&sig, &args, &copy, &numbers);
        let mut block = f.block.clone();
        written::bounds_checks(&places, &mut block, call.span());
        let types = number_types(&sig);
        let binding = Binding::new(&by_ref, &types);
        self.body_through(name, &params, binding, &mut block, &args, &places)
    }

    /// `recv.name(args)` of a struct without a gradient whose type is known here (`let p =
    /// V3 { .. }`), or its operator (`name` = `add`, .., `neg`; `rhs_struct` says whether
    /// the right-hand side is the struct too): the method's body, `self` a local.
    /// A function of the struct without `self` (`V2::new(x, y)`) where `receiver` is false.
    fn inline_method(
        &mut self,
        on: &str,
        name: &Ident,
        rhs_struct: Option<bool>,
        args: &[&Expr],
        receiver: bool,
    ) -> Option<(Vec<syn::Stmt>, Expr)> {
        let key = format!("{on}::{name}");
        if self.stack.contains(&key) {
            return None;
        }
        let (caller, method, span) = (&self.caller, name.to_string(), name.span());
        // A method of a struct with a gradient, on a value of it written out in place
        // (`ps[i].energy()` of a `Vec` of structs of numbers held one `Vec` per field) or on
        // a copy of one (`let mut c = a;`), held one local per field.
        let of_numbers =
            || crate::source::cloned_struct_fields(caller, &Ident::new(on, span)).is_some();
        let of_param = || {
            let (m, generics) = crate::source::param_method(caller, on, &method, span)?;
            generics.is_empty().then_some(m)
        };
        let mut m = match receiver {
            true => crate::source::struct_method(caller, on, &method, rhs_struct, span)
                .or_else(|| of_numbers().then(of_param).flatten())?,
            false => crate::source::struct_function(caller, on, &method, span)?,
        };
        early_returns(&mut m.block, &m.sig, name, self.taken);
        let mut params = Vec::new();
        let mut by_ref = Vec::new();
        // `&mut self`: the receiver is the caller's place, written (`written.rs`).
        let mut places = std::collections::HashMap::new();
        let closures = callables::given(&mut m.sig, args, self.taken);
        let mut with_closures = callables::with_closures(args, &closures);
        let unit = bodies::unit_value(caller, &Ident::new(on, span));
        if let (true, Some(unit), Some(first)) = (receiver, &unit, with_closures.first_mut()) {
            *first = unit;
        }
        let mut args = &with_closures[..];
        match m.sig.receiver().map(|r| &r.kind) {
            Some(syn::ReceiverKind::Reference(_, _, Some(_))) => {
                let place = written::Place::lent_mutably(strip(args.first()?).clone())?;
                places.insert("self".to_owned(), place);
                args = &args[1..];
            }
            kind if receiver => {
                params.push((Ident::new("self", name.span()), false));
                by_ref.push(matches!(kind, Some(syn::ReceiverKind::Reference(..))));
            }
            _ => {}
        }
        let (sig, refs) = self.without_receiver(&m.sig);
        params.extend(plain_params(&sig)?);
        by_ref.extend(refs);
        if params.len() != args.len() || !inlinable(&m.block) {
            return None;
        }
        // `Self` is the struct.
        let on_ident = Ident::new(on, name.span());
        let block: syn::Block =
            syn::parse2(replace_self_type(m.block.to_token_stream(), &on_ident)).ok()?;
        self.stack.push(key);
        let types: Vec<Option<Type>> = (receiver && places.is_empty())
            .then_some(None)
            .into_iter()
            .chain(number_types(&sig))
            .collect();
        let mut block = block;
        let binding = Binding::new(&by_ref, &types);
        let inlined = self.body_through(name, &params, binding, &mut block, args, &places);
        self.stack.pop();
        inlined
    }

    /// A method's signature without its receiver, and whether each parameter left is bound
    /// to a copy of its argument ([`by_reference`]).
    fn without_receiver(&self, sig: &syn::Signature) -> (syn::Signature, Vec<bool>) {
        let mut sig = sig.clone();
        sig.inputs = sig
            .inputs
            .into_iter()
            .filter(|a| matches!(a, syn::FnArg::Typed(_)))
            .collect();
        let copy = |s: &Ident| crate::source::is_copy(&self.caller, s);
        let by_ref = sig.inputs.iter().map(|a| by_reference(a, &copy)).collect();
        (sig, by_ref)
    }

    /// The statements and the value of a body with `params` bound to `args`, its names
    /// renamed apart (`{name}_{local}`), its own calls inlined in turn.
    /// A parameter taken by reference (`&self`, `o: &V3`) is bound to the value itself (the
    /// argument's `&` dropped, the body's `*o` read as `o`): a copy of floats.
    fn body(
        &mut self,
        name: &Ident,
        params: &[(Ident, bool)],
        binding: Binding,
        block: &syn::Block,
        args: &[&Expr],
    ) -> Option<(Vec<syn::Stmt>, Expr)> {
        let mut block = block.clone();
        let places = Default::default();
        self.body_through(name, params, binding, &mut block, args, &places)
    }

    /// [`Self::body`], the `&mut` parameters not among `params` written through as the
    /// caller's `places` (`written.rs`).
    fn body_through(
        &mut self,
        name: &Ident,
        params: &[(Ident, bool)],
        binding: Binding,
        block: &mut syn::Block,
        args: &[&Expr],
        places: &std::collections::HashMap<String, written::Place>,
    ) -> Option<(Vec<syn::Stmt>, Expr)> {
        let Binding { by_ref, types } = binding;
        let refs: Vec<String> = params
            .iter()
            .zip(by_ref)
            .filter(|(_, r)| **r)
            .map(|((p, _), _)| p.to_string())
            .collect();
        Derefs(&refs).visit_block_mut(block);
        let args: Vec<Expr> = args
            .iter()
            .zip(by_ref)
            .map(|(a, r)| match strip(a) {
                Expr::Reference(inner) if *r && inner.mutability.is_none() => (*inner.expr).clone(),
                _ => (*a).clone(),
            })
            .collect();
        let mut bound: Vec<String> = params.iter().map(|(p, _)| p.to_string()).collect();
        Bound(&mut bound).visit_block(block);
        let renames: std::collections::HashMap<String, Ident> = bound
            .into_iter()
            .map(|b| {
                let fresh = crate::names::unused(self.taken, &format!("{name}_{b}"));
                (b, Ident::new(&fresh, name.span()))
            })
            .collect();
        Rename(&renames).visit_block_mut(block);
        written::write_through(places, block);
        let mut stmts: Vec<syn::Stmt> = params
            .iter()
            .zip(args)
            .enumerate()
            .map(|(i, ((p, mutable), arg))| {
                let local = &renames[&p.to_string()];
                if matches!(arg, Expr::Closure(_)) {
                    self.given.insert(local.to_string());
                }
                let m = mutable.then(|| quote!(mut));
                match types.get(i).cloned().flatten() {
                    Some(ty) => syn::parse_quote!(let #m #local: #ty = #arg;),
                    None => syn::parse_quote!(let #m #local = #arg;),
                }
            })
            .collect();
        let value = match block.stmts.pop() {
            Some(syn::Stmt::Expr(value, None)) => value,
            Some(other) => {
                block.stmts.push(other);
                syn::parse_quote!(())
            }
            None => syn::parse_quote!(()),
        };
        stmts.extend(std::mem::take(&mut block.stmts));
        self.stack.push(name.to_string());
        let mut body = syn::Block {
            brace_token: Default::default(),
            stmts,
        };
        body.stmts.push(syn::parse_quote!(let __value = #value;));
        self.statements(&mut body.stmts);
        self.stack.pop();
        let Some(syn::Stmt::Local(last)) = body.stmts.pop() else {
            return None;
        };
        let mut value = *last.init?.expr;
        // A body of early `return`s (branches, or a labeled block, which `break_value.rs`
        // lowers as a `let`'s value) is bound to a name, and so is a sequence the body
        // makes (`..collect()`, `vec![..]`): the caller may walk or index it
        // (`layer.forward(x).into_iter().map(relu)`, `f(x)[0]`) as it would a local.
        let sequence = match strip(&value) {
            Expr::MethodCall(m) => m.method == "collect" || m.method == "to_vec",
            Expr::Macro(m) => m.mac.path.is_ident("vec"),
            Expr::Array(_) | Expr::Repeat(_) => true,
            _ => false,
        };
        let branches =
            matches!(&value, Expr::If(_)) || matches!(&value, Expr::Block(b) if b.label.is_some());
        if branches || sequence {
            let fresh = crate::names::unused(self.taken, &format!("{name}_value"));
            let fresh = Ident::new(&fresh, name.span());
            body.stmts.push(syn::parse_quote!(let #fresh = #value;));
            value = syn::parse_quote!(#fresh);
        }
        Some((body.stmts, value))
    }

    /// The struct without a gradient an expression is a value of, where the syntax says.
    fn struct_of(&self, e: &Expr) -> Option<String> {
        match strip(e) {
            Expr::Path(p) if p.qself.is_none() => {
                self.types.get(&p.path.get_ident()?.to_string()).cloned()
            }
            Expr::Struct(st) if st.rest.is_none() => Some(st.path.get_ident()?.to_string()),
            // `P(a, b)` of a tuple struct, in an inlined body (`tuple_structs.rs` writes it
            // `P { 0: a, 1: b }` after).
            Expr::Call(c) => match strip(&c.func) {
                Expr::Path(p) if p.qself.is_none() => match p.path.get_ident() {
                    Some(name) => {
                        crate::source::is_tuple_struct(&self.caller, name).then(|| name.to_string())
                    }
                    // `V2::new(x, y)`, a function of the struct returning one.
                    None => {
                        let [on, f] = &p.path.segments.iter().collect::<Vec<_>>()[..] else {
                            return None;
                        };
                        if f.ident == "default"
                            && crate::source::default_fields(&self.caller, &on.ident).is_some()
                        {
                            return Some(on.ident.to_string());
                        }
                        let on = on.ident.to_string();
                        let found = crate::source::struct_function(
                            &self.caller,
                            &on,
                            &f.ident.to_string(),
                            f.ident.span(),
                        )?;
                        let syn::ReturnType::Type(_, ty) = &found.sig.output else {
                            return None;
                        };
                        matches!(&**ty, Type::Path(t) if t.path.is_ident("Self") || t.path.is_ident(&on))
                            .then_some(on)
                    }
                },
                _ => None,
            },
            // `b.pos` of a struct whose field `pos` is declared `V2`.
            Expr::Field(f) => {
                let on = self.struct_of(&f.base)?;
                let syn::Member::Named(field) = &f.member else {
                    return None;
                };
                crate::source::field_type(&self.caller, &on, field)
            }
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(e, None)) => self.struct_of(e),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The method of the operator trait a struct's binary operator calls (`a + b` is
/// `Add::add`, `a += b` is `AddAssign::add_assign`), for those inlined.
pub(super) fn operator_method(op: &syn::BinOp) -> Option<&'static str> {
    Some(match op {
        syn::BinOp::Add(_) => "add",
        syn::BinOp::Sub(_) => "sub",
        syn::BinOp::Mul(_) => "mul",
        syn::BinOp::Div(_) => "div",
        syn::BinOp::AddAssign(_) => "add_assign",
        syn::BinOp::SubAssign(_) => "sub_assign",
        syn::BinOp::MulAssign(_) => "mul_assign",
        syn::BinOp::DivAssign(_) => "div_assign",
        _ => return None,
    })
}

/// Inlines, as blocks, the helper calls inside branches, loops and closures (each block
/// inside them takes its statements' calls before it).
struct Nested<'a, 'b>(&'a mut Inline<'b>);

impl VisitMut for Nested<'_, '_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.0.stmts(&mut b.stmts);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            // What `Inline::expr` walks itself (with nothing to put before).
            Expr::Call(_)
            | Expr::Block(_)
            | Expr::MethodCall(_)
            | Expr::Binary(_)
            | Expr::Unary(_)
            | Expr::Paren(_)
            | Expr::Field(_)
            | Expr::Cast(_)
            | Expr::Reference(_)
            | Expr::Index(_)
            | Expr::Tuple(_)
            | Expr::Array(_)
            | Expr::Struct(_)
            | Expr::Assign(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::ForLoop(_) => self.0.expr(e, None),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => self.0.expr(e, None),
            // A closure's body is a block of its own, where what a call stands for goes
            // before the value (`|t| { let c_re = t; ..; value }`).
            Expr::Closure(c) => self.body(&mut c.body),
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    // A `match` arm's value the same (`1 => { let g_x = ..; value }`).
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        // (The pattern with its guard as before.)
        self.visit_pat_mut(&mut arm.pat);
        self.body(&mut arm.body);
    }
}

impl Nested<'_, '_> {
    /// A closure's body or an arm's value, as a block of its own where what a call stands
    /// for goes before the value; left an expression where nothing went before it.
    fn body(&mut self, body: &mut Expr) {
        let mut block: syn::Block = match &*body {
            Expr::Block(b) if b.label.is_none() => b.block.clone(),
            other => syn::parse_quote!({ #other }),
        };
        self.0.stmts(&mut block.stmts);
        *body = match (&*body, block.stmts.as_slice()) {
            // Nothing went before an expression body: the expression, as rewritten.
            (Expr::Block(_), _) => syn::parse_quote!(#block),
            (_, [syn::Stmt::Expr(value, None)]) => value.clone(),
            _ => syn::parse_quote!(#block),
        };
    }
}
