//! An iterator bound to a name and stepped by hand, `let mut it = xs.iter(); while let
//! Some(&x) = it.next() { .. }`, as the `for` loop it means, `for &x in xs.iter() { .. }`,
//! when nothing else uses the iterator and nothing between the two statements names what
//! the iterator reads (it borrows them; the loop then reads the same values). Lowering
//! then sees the loop it supports, and its errors about the walk are the loop's.

use super::*;

/// Rewrites every such pair of statements in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    Rewrite.visit_block_mut(block);
}

struct Rewrite;

/// `let mut it = chain;`: the name and the chain.
fn bound_iterator(stmt: &syn::Stmt) -> Option<(&Ident, &Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let Pat::Ident(p) = &local.pat else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    (p.mutability.is_some() && p.by_ref.is_none() && p.subpat.is_none())
        .then_some((&p.ident, &*init.expr))
}

/// `while let Some(pat) = it.next() { body }` of the name `it`: the item's pattern.
fn stepped_by<'a>(stmt: &'a syn::Stmt, it: &Ident) -> Option<&'a Pat> {
    let syn::Stmt::Expr(Expr::While(w), _) = stmt else {
        return None;
    };
    let Expr::Let(l) = &*w.cond else {
        return None;
    };
    let Pat::TupleStruct(some) = &*l.pat else {
        return None;
    };
    let Expr::MethodCall(next) = strip(&l.expr) else {
        return None;
    };
    let steps_it = next.method == "next"
        && next.args.is_empty()
        && matches!(strip(&next.receiver), Expr::Path(p) if p.path.is_ident(it));
    (steps_it && some.path.is_ident("Some") && some.elems.len() == 1).then(|| &some.elems[0])
}

/// The name `while let Some(..) = it.next() { .. }` steps.
fn stepped_name(stmt: &syn::Stmt) -> Option<&Ident> {
    let syn::Stmt::Expr(Expr::While(w), _) = stmt else {
        return None;
    };
    let Expr::Let(l) = &*w.cond else {
        return None;
    };
    let Expr::MethodCall(next) = strip(&l.expr) else {
        return None;
    };
    match strip(&next.receiver) {
        Expr::Path(p) if next.method == "next" => p.path.get_ident(),
        _ => None,
    }
}

/// Whether `tokens` name any of `names`.
fn names_any(tokens: TokenStream, names: &HashSet<String>) -> bool {
    let mut found = HashSet::new();
    collect_idents(tokens, &mut found);
    !found.is_disjoint(names)
}

impl VisitMut for Rewrite {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        // The names stepped by a `while let` here, found once (a `let mut` of another name
        // is not looked at again: linear in the block).
        let stepped: HashSet<String> = block
            .stmts
            .iter()
            .filter_map(stepped_name)
            .map(|i| i.to_string())
            .collect();
        if stepped.is_empty() {
            return;
        }
        let mut i = 0;
        while i < block.stmts.len() {
            let candidate = bound_iterator(&block.stmts[i])
                .is_some_and(|(it, _)| stepped.contains(&it.to_string()));
            if let Some(j) = candidate.then(|| self.loop_of(&block.stmts, i)).flatten() {
                let syn::Stmt::Expr(Expr::While(w), semi) = block.stmts.remove(j) else {
                    unreachable!("`loop_of` found a `while`")
                };
                let syn::Stmt::Local(local) = block.stmts.remove(i) else {
                    unreachable!("`loop_of` found a `let`")
                };
                let chain = local.init.expect("a `let` with a value").expr;
                let Expr::Let(cond) = *w.cond else {
                    unreachable!("`loop_of` found a `while let`")
                };
                let Pat::TupleStruct(some) = *cond.pat else {
                    unreachable!("`loop_of` found `Some(..)`")
                };
                let pat = some.elems.into_iter().next().expect("one element");
                let (label, body) = (w.label, w.body);
                let for_loop: Expr = syn::parse_quote_spanned!(w.while_token.span=>
                    #label for #pat in #chain #body
                );
                block.stmts.insert(j - 1, syn::Stmt::Expr(for_loop, semi));
                continue;
            }
            i += 1;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Rewrite {
    /// The index of the `while let` that steps the iterator bound at `stmts[i]`, when it
    /// is the iterator's only use and nothing in between names what the chain reads.
    fn loop_of(&self, stmts: &[syn::Stmt], i: usize) -> Option<usize> {
        let (it, chain) = bound_iterator(&stmts[i])?;
        let j = (i + 1..stmts.len()).find(|&j| stepped_by(&stmts[j], it).is_some())?;
        let name: HashSet<String> = [it.to_string()].into();
        let mut read = HashSet::new();
        collect_idents(chain.to_token_stream(), &mut read);
        let between_clear = stmts[i + 1..j].iter().all(|s| {
            !names_any(s.to_token_stream(), &read) && !names_any(s.to_token_stream(), &name)
        });
        let syn::Stmt::Expr(Expr::While(w), _) = &stmts[j] else {
            return None;
        };
        let only_use = !names_any(w.body.to_token_stream(), &name)
            && stmts[j + 1..]
                .iter()
                .all(|s| !names_any(s.to_token_stream(), &name));
        (between_clear && only_use).then_some(j)
    }
}
