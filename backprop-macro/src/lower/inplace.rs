//! ndarray's in-place updates of a local array as the assignments they mean:
//!
//! ```text
//! h.mapv_inplace(|v| v.max(0.0));     ==>  h = h.mapv(|v| v.max(0.0));
//! w.scaled_add(-lr, &g);              ==>  w = &w + &(&g * -lr);
//! ```
//!
//! Both methods are ndarray's own (no slice or `Vec` has them), so the rewrite needs no
//! types; the assignment is then an array assigned whole, which lowering supports. Only on
//! a local named by itself (not a field or an element).

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
            ("scaled_add", 2) => {
                let (alpha, rhs) = (&m.args[0], &m.args[1]);
                syn::parse_quote_spanned!(span=> &#target + &((#rhs) * (#alpha)))
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
