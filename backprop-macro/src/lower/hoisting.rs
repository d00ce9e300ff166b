//! Statements put before the statement whose expression needs them: `e?` as a `let ..
//! else` before it (`helpers/bodies.rs`), a walk's rows made before it (`flat_maps.rs`).
//! Only what the statement evaluates first thing moves: not what is inside a loop's body or
//! condition, a branch, the right of `&&` or `||`, a closure, a block or a macro, nor a `let
//! .. else`'s `else` (those run sometimes, or again).

use super::*;

/// Calls `take` on each expression of each statement of `block` (and of the blocks inside,
/// a closure's too where `closures`) that the statement evaluates first thing, innermost
/// first; the statements `take` pushes go before that statement.
pub(in crate::lower) fn hoist(
    block: &mut syn::Block,
    closures: bool,
    take: &mut dyn FnMut(&mut Expr, &mut Vec<syn::Stmt>),
) {
    Blocks { closures, take }.visit_block_mut(block);
}

struct Blocks<'f> {
    closures: bool,
    take: &'f mut dyn FnMut(&mut Expr, &mut Vec<syn::Stmt>),
}

impl VisitMut for Blocks<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        for mut stmt in std::mem::take(&mut block.stmts) {
            let mut before = Vec::new();
            Eager {
                take: &mut *self.take,
                before: &mut before,
            }
            .visit_stmt_mut(&mut stmt);
            block.stmts.append(&mut before);
            syn::visit_mut::visit_stmt_mut(self, &mut stmt);
            block.stmts.push(stmt);
        }
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        if self.closures {
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The expressions a statement evaluates first thing, each given to `take` after its parts.
struct Eager<'f, 'b> {
    take: &'f mut dyn FnMut(&mut Expr, &mut Vec<syn::Stmt>),
    before: &'b mut Vec<syn::Stmt>,
}

impl VisitMut for Eager<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::If(i) => self.visit_expr_mut(&mut i.cond),
            Expr::Match(m) => self.visit_expr_mut(&mut m.expr),
            Expr::ForLoop(f) => self.visit_expr_mut(&mut f.expr),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                self.visit_expr_mut(&mut b.left);
            }
            Expr::Block(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::Closure(_)
            | Expr::Unsafe(_)
            | Expr::Async(_) => return,
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
        (self.take)(e, self.before);
    }

    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        if let Some(init) = &mut l.init {
            self.visit_expr_mut(&mut init.expr);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}
