//! Closures of structs bound to a local, inlined where they are called as the ordinary
//! functions of structs are (`helpers.rs`): `let d = |p: V2, q: V2| p.x * q.y; d(a, b)` is
//! `let d_p = a; let d_q = b; d_p.x * d_q.y`, so that `aggregates.rs` then holds `d_p` as
//! one local per field; and `let mk = |t: f64| V2::new(t, t * t); let a = mk(x[0]);`
//! makes `a` a struct written out. The closures of floats are left to `closures.rs`, which
//! inlines them later, as blocks.

use super::*;

/// A closure to inline: its parameters (name, `mut`) and its body as a block.
pub(super) struct StructClosure {
    pub(super) name: Ident,
    pub(super) params: Vec<(Ident, bool)>,
    pub(super) block: syn::Block,
}

/// `stmt`, a `let name = |params| body;` whose parameters are named and a type of which is
/// a struct `is_struct` says is one (`|p: V2|`), or whose body's value is one (`has_struct`
/// says), where every use in the `later` statements calls it and what it reads keeps its
/// meaning there ([`closures::captures_kept`]).
pub(super) fn struct_closure(
    stmt: &syn::Stmt,
    later: &[syn::Stmt],
    is_struct: &dyn Fn(&Ident) -> bool,
    has_struct: &dyn Fn(&Expr) -> bool,
) -> Option<StructClosure> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let Pat::Ident(name) = &local.pat else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let Expr::Closure(c) = strip(&init.expr) else {
        return None;
    };
    // (A body that returns from the closure would return from the function inlined.)
    if name.mutability.is_some()
        || name.by_ref.is_some()
        || c.asyncness.is_some()
        || exits_early(&c.body)
    {
        return None;
    }
    let mut params = Vec::new();
    let mut typed_struct = false;
    for input in &c.inputs {
        let (pat, ty) = match input {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            other => (other, None),
        };
        let Pat::Ident(p) = pat else { return None };
        if p.by_ref.is_some() || p.subpat.is_some() {
            return None;
        }
        typed_struct |= matches!(ty, Some(Type::Path(t)) if t.qself.is_none()
            && t.path.get_ident().is_some_and(is_struct));
        params.push((p.ident.clone(), p.mutability.is_some()));
    }
    let block: syn::Block = match strip(&c.body) {
        Expr::Block(b) if b.label.is_none() => b.block.clone(),
        other => syn::parse_quote!({ #other }),
    };
    let value = match block.stmts.last() {
        Some(syn::Stmt::Expr(value, None)) => Some(value),
        _ => None,
    };
    // (One making an `Option`, `|t| -> Option<f64> { .. }`, too: the caller holds its value
    // as a float and a flag, as a helper's, `options.rs`.)
    let option = matches!(&c.output, syn::ReturnType::Type(_, ty) if helpers::is_option(ty))
        || value.is_some_and(makes_option);
    if !typed_struct && !option && !value.is_some_and(has_struct) {
        return None;
    }
    let names: Vec<Ident> = params.iter().map(|(p, _)| p.clone()).collect();
    let by_value = c.capture.is_some();
    if !closures::captures_kept(&name.ident, &names, &c.body, by_value, later) {
        return None;
    }
    let mut uses = Uses {
        name: &name.ident,
        arity: params.len(),
        other: false,
    };
    for s in later {
        uses.visit_stmt(s);
    }
    (!uses.other).then(|| StructClosure {
        name: name.ident.clone(),
        params,
        block,
    })
}

/// A value that is `Some(..)` or `None` on every path: written so, or the branches of an
/// `if`, the arms of a `match` or a block's last expression being so (`|v| if v > 0.0 {
/// Some(v.ln()) } else { None }`).
fn makes_option(e: &Expr) -> bool {
    let tail = |b: &syn::Block| matches!(b.stmts.last(), Some(syn::Stmt::Expr(e, None)) if makes_option(e));
    match strip(e) {
        Expr::Call(c) => options::is_some(&c.func) && c.args.len() == 1,
        Expr::Path(p) => p.path.is_ident("None"),
        Expr::If(i) => {
            tail(&i.then_branch) && i.else_branch.as_ref().is_some_and(|(_, e)| makes_option(e))
        }
        Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|a| makes_option(&a.body)),
        Expr::Block(b) if b.label.is_none() => tail(&b.block),
        _ => false,
    }
}

/// Whether `name` is used other than called with `arity` arguments.
struct Uses<'a> {
    name: &'a Ident,
    arity: usize,
    other: bool,
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Expr::Call(c) = e
            && matches!(strip(&c.func), Expr::Path(p) if p.path.is_ident(self.name))
        {
            self.other |= c.args.len() != self.arity;
            for a in &c.args {
                self.visit_expr(a);
            }
            return;
        }
        if let Expr::Path(p) = e
            && p.path.is_ident(self.name)
        {
            self.other = true;
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut named = HashSet::new();
        collect_idents(m.tokens.clone(), &mut named);
        self.other |= named.contains(&self.name.to_string());
    }
}
