//! A name bound to a mutable borrow of a local, `let r = &mut w;` (or of a row, `let row =
//! &mut m[i];`, the whole of one, `&mut w[..]`, or a sub-slice, `&mut w[1..]`), read and
//! written as what it borrows for the rest of its block: `r[j] = ..` is `w[j] = ..`, `*r +=
//! 1.0` is `w += 1.0`, `r.iter_mut()` is `w.iter_mut()`, and `r` anywhere else is `&mut w`
//! (as a helper's `&mut` parameter is, `helpers/written.rs`). While the borrow lives
//! nothing else reads `w`, so the rewrite reads the same values. Not when the binding is
//! `mut` (it could borrow something else later), the rest of the block binds the name or
//! what the place names again, or a row's index or a sub-slice's bound is a name the rest
//! of the block changes (the borrow keeps the row it began with): those stay as written,
//! an error in lowering. A sub-slice's bounds are checked where the borrow was.

use super::helpers::written::{Place, write_through_stmt};
use super::*;
use std::collections::HashMap;

/// Rewrites every such borrow in `block`, inner blocks first.
pub(super) fn desugar(block: &mut syn::Block) {
    Borrows.visit_block_mut(block);
}

struct Borrows;

impl VisitMut for Borrows {
    /// One pass over the statements, each rewritten for the borrows before it; what the
    /// statements after a borrow bind and change is counted once for the block, and
    /// counted down as the pass goes (linear in the block's length).
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        if !block.stmts.iter().any(|s| borrow(s).is_some()) {
            return;
        }
        // Per statement, the names it binds and the names it changes.
        let facts: Vec<(Vec<String>, Vec<String>)> = block
            .stmts
            .iter()
            .map(|stmt| {
                let (mut bound, mut changed) = (Vec::new(), Vec::new());
                super::helpers::Bound(&mut bound).visit_stmt(stmt);
                Changed(&mut changed).visit_stmt(stmt);
                (bound, changed)
            })
            .collect();
        // How many statements not yet passed bind and change each name.
        let mut later: HashMap<String, (usize, usize)> = HashMap::new();
        for (bound, changed) in &facts {
            for b in bound {
                later.entry(b.clone()).or_default().0 += 1;
            }
            for c in changed {
                later.entry(c.clone()).or_default().1 += 1;
            }
        }
        let mut places = HashMap::new();
        let stmts = std::mem::take(&mut block.stmts);
        for (mut stmt, (bound, changed)) in stmts.into_iter().zip(facts) {
            for b in bound {
                later.entry(b).or_default().0 -= 1;
            }
            for c in changed {
                later.entry(c).or_default().1 -= 1;
            }
            if !places.is_empty() {
                write_through_stmt(&places, &mut stmt);
            }
            // Neither the name nor what the place names bound again later (`let w = ..;`
            // would make `w` another value), nor a row's index changed.
            let kept = borrow(&stmt).filter(|(name, place)| {
                let of = |n: &Ident| later.get(&n.to_string()).copied().unwrap_or_default();
                of(name).0 == 0
                    && place.root().is_some_and(|r| of(&r).0 == 0)
                    && place.index_names().iter().all(|i| of(i) == (0, 0))
            });
            match kept {
                Some((name, place)) => {
                    block.stmts.extend(place.bounds_check());
                    places.insert(name.to_string(), place);
                }
                None => block.stmts.push(stmt),
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let r = &mut place;`: the name and the place it stands for.
fn borrow(stmt: &syn::Stmt) -> Option<(Ident, Place)> {
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
    Some((name.ident.clone(), Place::lent_mutably(place)?))
}

/// The names assigned (`i = ..`, `i += ..`) or lent mutably (`&mut i`), each once.
struct Changed<'a>(&'a mut Vec<String>);

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
            let name = name.to_string();
            if !self.0.contains(&name) {
                self.0.push(name);
            }
        }
        syn::visit::visit_expr(self, e);
    }
}
