//! Ordinary functions of tuples and structs, inlined where they are called: `let d =
//! sub(a, b);` with `fn sub(a: V3, b: V3) -> V3 { V3 { x: a.x - b.x, .. } }` beside the
//! function is `let sub_a = a; let sub_b = b; let d = V3 { x: sub_a.x - sub_b.x, .. };`.
//! The helper's names are renamed apart (`sub_a`), so its statements go before the
//! statement that calls it, where that is evaluated in order (a `let`'s initializer, an
//! expression statement, through arithmetic, calls, fields and indices, not into branches,
//! loops or closures, where the call becomes a block `{ ..; value }`); then
//! `aggregates.rs` holds the tuples and structs as one local per element. Such a helper
//! needs no `#[differentiate]` (its parameters have no gradient type); one with `return`,
//! a macro, generics, patterns for parameters, a `&mut` parameter or calling itself is left
//! as a call.

use super::*;

pub(super) fn desugar(block: &mut syn::Block, caller: &Ident, taken: &mut HashSet<String>) {
    let mut bound = Vec::new();
    Bound(&mut bound).visit_block(block);
    let locals = bound.into_iter().collect();
    Inline {
        caller: caller.to_string(),
        taken,
        locals,
        stack: Vec::new(),
    }
    .stmts(&mut block.stmts);
}

struct Inline<'a> {
    caller: String,
    taken: &'a mut HashSet<String>,
    /// The names the caller's body binds: a local (a closure) of a helper's name shadows
    /// it, and its calls are left to `closures.rs`.
    locals: HashSet<String>,
    /// The helpers being inlined, innermost last: a call to one of them is left as written.
    stack: Vec<String>,
}

impl Inline<'_> {
    fn stmts(&mut self, stmts: &mut Vec<syn::Stmt>) {
        for stmt in std::mem::take(stmts) {
            let mut stmt = stmt;
            let mut before = Vec::new();
            match &mut stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &mut local.init {
                        self.expr(&mut init.expr, Some(&mut before));
                        if let Some((_, diverge)) = &mut init.diverge {
                            self.expr(diverge, None);
                        }
                    }
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
                if let Some((stmts, value)) = self.inline(call) {
                    *e = match before {
                        Some(before) => {
                            before.extend(stmts);
                            syn::parse_quote!((#value))
                        }
                        None => syn::parse_quote!({ #(#stmts)* #value }),
                    };
                } else {
                    self.expr(&mut call.func, None);
                }
            }
            Expr::Binary(b) if !matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                self.expr(&mut b.left, before.as_deref_mut());
                self.expr(&mut b.right, before);
            }
            Expr::Unary(u) => self.expr(&mut u.expr, before),
            Expr::Paren(p) => self.expr(&mut p.expr, before),
            Expr::Field(f) => self.expr(&mut f.base, before),
            Expr::Cast(c) => self.expr(&mut c.expr, before),
            Expr::Reference(r) => self.expr(&mut r.expr, before),
            Expr::Index(i) => {
                self.expr(&mut i.expr, before.as_deref_mut());
                self.expr(&mut i.index, before);
            }
            Expr::MethodCall(m) => {
                self.expr(&mut m.receiver, before.as_deref_mut());
                for a in &mut m.args {
                    self.expr(a, before.as_deref_mut());
                }
            }
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
            Expr::Struct(s) => {
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
                self.stmts(&mut f.body.stmts);
            }
            _ => Nested(self).visit_expr_mut(e),
        }
    }

    /// The statements and the value a call to a helper stands for, its names renamed apart.
    fn inline(&mut self, call: &syn::ExprCall) -> Option<(Vec<syn::Stmt>, Expr)> {
        let Expr::Path(p) = strip(&call.func) else {
            return None;
        };
        let name = p.path.get_ident()?;
        if p.qself.is_some()
            || self.stack.iter().any(|s| name == s)
            || self.locals.contains(&name.to_string())
        {
            return None;
        }
        let f = crate::source::helper(&self.caller, name)?;
        let params = plain_params(&f.sig)?;
        if params.len() != call.args.len() || !inlinable(&f) {
            return None;
        }
        // Every name the helper binds, renamed apart.
        let mut bound = Vec::new();
        for (p, _) in &params {
            bound.push(p.to_string());
        }
        Bound(&mut bound).visit_block(&f.block);
        let renames: std::collections::HashMap<String, Ident> = bound
            .into_iter()
            .map(|b| {
                let fresh = crate::names::unused(self.taken, &format!("{name}_{b}"));
                (b, Ident::new(&fresh, name.span()))
            })
            .collect();
        let mut block = (*f.block).clone();
        Rename(&renames).visit_block_mut(&mut block);
        let mut stmts: Vec<syn::Stmt> = params
            .iter()
            .zip(&call.args)
            .map(|((p, mutable), arg)| {
                let local = &renames[&p.to_string()];
                let m = mutable.then(|| quote!(mut));
                syn::parse_quote!(let #m #local = #arg;)
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
        stmts.extend(block.stmts);
        // The helper's own calls, inlined in turn.
        self.stack.push(name.to_string());
        let mut body = syn::Block {
            brace_token: Default::default(),
            stmts,
        };
        body.stmts.push(syn::parse_quote!(let __value = #value;));
        self.stmts(&mut body.stmts);
        self.stack.pop();
        let Some(syn::Stmt::Local(last)) = body.stmts.pop() else {
            return None;
        };
        let value = *last.init?.expr;
        Some((body.stmts, value))
    }
}

/// The parameters as plain names (`a: V3`, `mut b: (f64, f64)`), none a mutable
/// reference, or `None`.
fn plain_params(sig: &syn::Signature) -> Option<Vec<(Ident, bool)>> {
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

/// Whether the helper's body can stand in the caller's: no `return` (its value is its
/// tail), `?` or macro.
fn inlinable(f: &syn::ItemFn) -> bool {
    struct Check(bool);
    impl<'ast> Visit<'ast> for Check {
        fn visit_expr(&mut self, e: &'ast Expr) {
            self.0 &= !matches!(e, Expr::Return(_) | Expr::Try(_));
            syn::visit::visit_expr(self, e);
        }
        fn visit_macro(&mut self, _: &'ast syn::Macro) {
            self.0 = false;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {
            self.0 = false;
        }
    }
    let mut check = Check(true);
    check.visit_block(&f.block);
    check.0
}

/// The names patterns bind (not `None` or a constant: capitalized).
struct Bound<'a>(&'a mut Vec<String>);

impl<'ast> Visit<'ast> for Bound<'_> {
    fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
        let name = i.ident.to_string();
        if !name.starts_with(char::is_uppercase) && !self.0.contains(&name) {
            self.0.push(name);
        }
        syn::visit::visit_pat_ident(self, i);
    }
}

/// Renames the names a helper binds, where they are bound and used.
struct Rename<'a>(&'a std::collections::HashMap<String, Ident>);

impl VisitMut for Rename<'_> {
    fn visit_pat_ident_mut(&mut self, i: &mut syn::PatIdent) {
        if let Some(new) = self.0.get(&i.ident.to_string()) {
            i.ident = new.clone();
        }
        syn::visit_mut::visit_pat_ident_mut(self, i);
    }

    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_none()
            && let Some(ident) = p.path.get_ident()
            && let Some(new) = self.0.get(&ident.to_string())
        {
            p.path = new.clone().into();
        }
    }

    /// `V3 { x, y }` with `x` renamed: `V3 { x: sub_x, y: sub_y }`.
    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        if f.colon_token.is_none()
            && let syn::Member::Named(member) = &f.member
            && self.0.contains_key(&member.to_string())
        {
            f.colon_token = Some(Default::default());
        }
        syn::visit_mut::visit_field_value_mut(self, f);
    }
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
            Expr::Call(_) | Expr::Block(_) => self.0.expr(e, None),
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}
