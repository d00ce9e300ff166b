//! ndarray's in-place map of a local array as the assignment it means:
//!
//! ```text
//! h.mapv_inplace(|v| v.max(0.0));     ==>  h = h.mapv(|v| v.max(0.0));
//! ```
//!
//! The method is ndarray's own (no slice, `Vec` or struct of parameters has it), so the
//! rewrite needs no types; the assignment is then an array assigned whole, which lowering
//! supports. Only on a local named by itself (not a field or an element). (`scaled_add`,
//! which `Differentiable` structs have too, is rewritten where lowering knows the
//! receiver is an array: `statements.rs`.)

use super::*;

/// Rewrites every such statement in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    Rewrite.visit_block_mut(block);
}

struct Rewrite;

impl VisitMut for Rewrite {
    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        syn::visit_mut::visit_stmt_mut(self, stmt);
        let syn::Stmt::Expr(Expr::MethodCall(m), Some(semi)) = stmt else {
            return;
        };
        let Expr::Path(target) = strip(&m.receiver) else {
            return;
        };
        if target.path.get_ident().is_none() {
            return;
        }
        let span = m.method.span();
        let value: Expr = match (m.method.to_string().as_str(), m.args.len()) {
            ("mapv_inplace", 1) => {
                let f = &m.args[0];
                syn::parse_quote_spanned!(span=> #target.mapv(#f))
            }
            _ => return,
        };
        let semi = *semi;
        *stmt = syn::Stmt::Expr(
            syn::parse_quote_spanned!(span=> #target = #value),
            Some(semi),
        );
    }

    // Items inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
