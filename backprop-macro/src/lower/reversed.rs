//! `.rev()` after maps and filters, moved before them:
//!
//! ```text
//! x.iter().map(|v| v * 2.0).rev()     ==>  x.iter().rev().map(|v| v * 2.0)
//! ```
//!
//! The same items in the same order, where each closure only computes its value
//! ([`computes_only`]): the chains lowering reads reverse the walk itself, before its maps.

use super::*;

/// Rewrites every such chain in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    Rewrite.visit_block_mut(block);
}

struct Rewrite;

/// The adaptors `rev` moves before: one closure or none, item for item.
const MOVABLE: &[&str] = &["map", "filter", "copied", "cloned"];

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(rev) = e else { return };
        if rev.method != "rev" || !rev.args.is_empty() {
            return;
        }
        if let Some(moved) = moved_before(&rev.receiver) {
            *e = moved;
        }
    }

    // Items inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `walk.rev()` with `.rev()` moved before the maps and filters that end `walk`, or `None`
/// where none does (or one of their closures does more than compute its value).
fn moved_before(walk: &Expr) -> Option<Expr> {
    let Expr::MethodCall(last) = strip(walk) else {
        return None;
    };
    if !MOVABLE.contains(&last.method.to_string().as_str())
        || !last.args.iter().all(|a| computes_only(a, &|_| false))
    {
        return None;
    }
    let inner = &last.receiver;
    let reversed = moved_before(inner).unwrap_or_else(|| syn::parse_quote!(#inner.rev()));
    let mut call = last.clone();
    call.receiver = Box::new(reversed);
    Some(Expr::MethodCall(call))
}
