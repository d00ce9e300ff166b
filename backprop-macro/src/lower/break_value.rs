//! `loop` with a value (`let y = loop { ... break v; ... };`) as the assignments it means:
//! `let y; loop { ... { y = v; break; } ... }`. The same for `y = loop { ... }` and for a
//! loop that is a block's value, which gets a variable of its own. Lowering then sees a
//! `let` assigned later, which it supports.

use super::*;

/// Rewrites every `loop` with a value in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &HashSet<String>) {
    let mut rewrite = Rewrite { taken, fresh: 0 };
    rewrite.visit_block_mut(block);
}

struct Rewrite<'a> {
    /// Every identifier of the function: a loop's own variable avoids them.
    taken: &'a HashSet<String>,
    fresh: usize,
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // Inner blocks first: loops nested in loops.
        syn::visit_mut::visit_block_mut(self, block);
        let stmts = std::mem::take(&mut block.stmts);
        let last = stmts.len().saturating_sub(1);
        for (i, stmt) in stmts.into_iter().enumerate() {
            match stmt {
                // `let y = loop { ... };`
                syn::Stmt::Local(mut local) if valued(local.init.as_ref().map(|i| &*i.expr)) => {
                    let Some(name) = local_name(&local.pat) else {
                        block.stmts.push(syn::Stmt::Local(local));
                        continue;
                    };
                    let init = local.init.take().expect("checked above");
                    let Expr::Loop(mut l) = *init.expr else {
                        unreachable!("checked above")
                    };
                    assign_breaks(&mut l.body, &name);
                    block.stmts.push(syn::Stmt::Local(local));
                    block
                        .stmts
                        .push(syn::Stmt::Expr(Expr::Loop(l), Some(Default::default())));
                }
                // `y = loop { ... };`
                syn::Stmt::Expr(Expr::Assign(a), semi) if valued(Some(&a.right)) => {
                    let Expr::Path(p) = &*a.left else {
                        block.stmts.push(syn::Stmt::Expr(Expr::Assign(a), semi));
                        continue;
                    };
                    let Some(name) = p.path.get_ident().cloned() else {
                        block.stmts.push(syn::Stmt::Expr(Expr::Assign(a), semi));
                        continue;
                    };
                    let Expr::Loop(mut l) = *a.right else {
                        unreachable!("checked above")
                    };
                    assign_breaks(&mut l.body, &name);
                    block
                        .stmts
                        .push(syn::Stmt::Expr(Expr::Loop(l), Some(Default::default())));
                }
                // A block's value: `loop { ... break v; }` at its end.
                syn::Stmt::Expr(Expr::Loop(mut l), None)
                    if i == last && valued(Some(&Expr::Loop(l.clone()))) =>
                {
                    let name = self.fresh_name(l.loop_token.span);
                    assign_breaks(&mut l.body, &name);
                    block.stmts.push(syn::parse_quote!(let #name;));
                    block
                        .stmts
                        .push(syn::Stmt::Expr(Expr::Loop(l), Some(Default::default())));
                    block
                        .stmts
                        .push(syn::Stmt::Expr(syn::parse_quote!(#name), None));
                }
                other => block.stmts.push(other),
            }
        }
    }

    // Items and closures inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

impl Rewrite<'_> {
    fn fresh_name(&mut self, span: Span) -> Ident {
        loop {
            let name = if self.fresh == 0 {
                "loop_value".to_owned()
            } else {
                format!("loop_value_{}", self.fresh)
            };
            self.fresh += 1;
            if !self.taken.contains(&name) {
                return Ident::new(&name, span);
            }
        }
    }
}

/// An unlabeled `loop` some `break` of which carries a value.
fn valued(expr: Option<&Expr>) -> bool {
    let Some(Expr::Loop(l)) = expr else {
        return false;
    };
    if l.label.is_some() {
        return false;
    }
    let mut find = FindBreak(false);
    find.visit_block(&l.body);
    find.0
}

struct FindBreak(bool);

impl<'ast> Visit<'ast> for FindBreak {
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        self.0 |= b.label.is_none() && b.expr.is_some();
    }
    // A nested loop's own breaks leave it, not this one.
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The variable a `let` binds: `y` or `y: f64`.
fn local_name(pat: &Pat) -> Option<Ident> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => Some(p.ident.clone()),
        Pat::Type(t) => local_name(&t.pat),
        _ => None,
    }
}

/// `break v` (of this loop) becomes `{ name = v; break; }`.
fn assign_breaks(body: &mut syn::Block, name: &Ident) {
    struct Assign<'a>(&'a Ident);
    impl VisitMut for Assign<'_> {
        // `break v;` as a statement becomes two statements, `name = v; break;`, so the
        // block visibly ends at the `break`.
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let name = self.0;
            for stmt in std::mem::take(&mut block.stmts) {
                match stmt {
                    syn::Stmt::Expr(Expr::Break(b), _) if b.label.is_none() && b.expr.is_some() => {
                        let value = b.expr.expect("checked");
                        let span = b.break_token.span;
                        block
                            .stmts
                            .push(syn::parse_quote_spanned!(span=> #name = #value;));
                        block.stmts.push(syn::parse_quote_spanned!(span=> break;));
                    }
                    mut other => {
                        self.visit_stmt_mut(&mut other);
                        block.stmts.push(other);
                    }
                }
            }
        }
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            match expr {
                Expr::Break(b) if b.label.is_none() && b.expr.is_some() => {
                    let value = b.expr.take().expect("checked");
                    let name = self.0;
                    *expr =
                        syn::parse_quote_spanned!(b.break_token.span=> { #name = #value; break; });
                }
                Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) | Expr::Closure(_) => {}
                _ => syn::visit_mut::visit_expr_mut(self, expr),
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Assign(name).visit_block_mut(body);
}
