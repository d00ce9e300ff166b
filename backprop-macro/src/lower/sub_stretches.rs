//! The windows or chunks of a sub-slice, `x[a..b].chunks(k)` (`windows`, `chunks_exact`):
//! the sub-slice copied first, `let part = x[a..b].to_vec();` before the statement, and
//! walked by name, `part.chunks(k)`, as a sequence's stretches are (a flat parameter vector
//! taken apart: `p[6..].chunks(3).map(|row| ..)`). Not where the range reads a name the
//! statement binds (a closure's parameter, `.map(|i| x[i..].windows(2)..)`): left as
//! written, for the error there.

use super::*;

/// Rewrites each statement of `block` (inner blocks first) walking such stretches.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    Hoist { taken }.visit_block_mut(block);
}

struct Hoist<'a> {
    taken: &'a mut HashSet<String>,
}

/// The stretches of a sub-slice in one statement, each replaced by a name for its copy.
struct Parts<'a, 'b> {
    hoist: &'a mut Hoist<'b>,
    /// The names the statement binds.
    bound: Vec<String>,
    /// The copies to make before the statement.
    copies: Vec<syn::Stmt>,
}

impl VisitMut for Hoist<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut stmts = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            let mut bound = Vec::new();
            helpers::Bound(&mut bound).visit_stmt(&stmt);
            let mut parts = Parts {
                hoist: self,
                bound,
                copies: Vec::new(),
            };
            parts.visit_stmt_mut(&mut stmt);
            stmts.append(&mut parts.copies);
            stmts.push(stmt);
        }
        block.stmts = stmts;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl VisitMut for Parts<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = e else { return };
        let stretch = ["windows", "chunks", "chunks_exact"]
            .iter()
            .any(|s| m.method == s);
        let Expr::Index(ix) = strip(&m.receiver) else {
            return;
        };
        let ranged = matches!(strip(&ix.index), Expr::Range(_));
        let named = matches!(strip(&ix.expr), Expr::Path(p) if p.path.get_ident().is_some());
        let mut read = HashSet::new();
        collect_idents(ix.index.to_token_stream(), &mut read);
        let free = !self.bound.iter().any(|b| read.contains(b));
        if !(stretch && m.args.len() == 1 && ranged && named && free) {
            return;
        }
        let part = Ident::new(&crate::names::unused(self.hoist.taken, "part"), ix.span());
        let slice = m.receiver.clone();
        self.copies
            .push(syn::parse_quote_spanned!(ix.span()=> let #part = #slice.to_vec();));
        *m.receiver = syn::parse_quote!(#part);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
