//! A name bound to a mutable borrow of a local, `let r = &mut w;` (or of a row, `let row =
//! &mut m[i];`, or the whole of one, `&mut w[..]`), read and written as what it borrows
//! for the rest of its block: `r[j] = ..` is `w[j] = ..`, `*r += 1.0` is `w += 1.0`,
//! `r.iter_mut()` is `w.iter_mut()`, and `r` anywhere else is `&mut w` (as a helper's
//! `&mut` parameter is, `helpers/written.rs`). While the borrow lives nothing else reads
//! `w`, so the rewrite reads the same values. Not when the binding is `mut` (it could
//! borrow something else later), the rest of the block binds the name again, or a row's
//! index is a name the rest of the block changes (the borrow keeps the row it began with):
//! those stay as written, an error in lowering.

use super::helpers::written::{Place, write_through};
use super::*;

/// Rewrites every such borrow in `block`, inner blocks first.
pub(super) fn desugar(block: &mut syn::Block) {
    Borrows.visit_block_mut(block);
}

struct Borrows;

impl VisitMut for Borrows {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut i = 0;
        while i < block.stmts.len() {
            match borrow(&block.stmts[i], &block.stmts[i + 1..]) {
                Some((name, place)) => {
                    let places = std::iter::once((name.to_string(), place)).collect();
                    let mut tail = syn::Block {
                        brace_token: Default::default(),
                        stmts: block.stmts.split_off(i + 1),
                    };
                    write_through(&places, &mut tail);
                    block.stmts.pop();
                    block.stmts.extend(tail.stmts);
                }
                None => i += 1,
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let r = &mut place;` followed by `rest`: the name and the place it stands for.
fn borrow(stmt: &syn::Stmt, rest: &[syn::Stmt]) -> Option<(Ident, Place)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let pat = match &local.pat {
        Pat::Type(t) => &*t.pat,
        other => other,
    };
    let Pat::Ident(name) = pat else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let Expr::Reference(r) = strip(&init.expr) else {
        return None;
    };
    if r.mutability.is_none() || name.mutability.is_some() || name.by_ref.is_some() {
        return None;
    }
    let whole = |index: &Expr| match strip(index) {
        Expr::Range(r) => r.start.is_none() && r.end.is_none(),
        _ => false,
    };
    let place = match strip(&r.expr) {
        // `&mut w[..]`: all of `w`.
        Expr::Index(i) if whole(&i.index) => (*i.expr).clone(),
        other => other.clone(),
    };
    let place = Place::lent_mutably(place)?;
    let mut bound = Vec::new();
    let mut changed = Vec::new();
    for stmt in rest {
        super::helpers::Bound(&mut bound).visit_stmt(stmt);
        Changed(&mut changed).visit_stmt(stmt);
    }
    let index = place.index_name();
    let kept =
        !bound.iter().any(|b| name.ident == b) && index.is_none_or(|i| !changed.contains(&i));
    kept.then(|| (name.ident.clone(), place))
}

/// The names assigned (`i = ..`, `i += ..`) or lent mutably (`&mut i`).
struct Changed<'a>(&'a mut Vec<Ident>);

impl<'ast> Visit<'ast> for Changed<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        let target = match e {
            Expr::Assign(a) => Some(&*a.left),
            Expr::Binary(b) if crate::ir::compound_assign(&b.op) => Some(&*b.left),
            Expr::Reference(r) if r.mutability.is_some() => Some(&*r.expr),
            _ => None,
        };
        if let Some(Expr::Path(p)) = target.map(strip)
            && let Some(name) = p.path.get_ident()
        {
            self.0.push(name.clone());
        }
        syn::visit::visit_expr(self, e);
    }
}
