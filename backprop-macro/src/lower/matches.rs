//! `match` as the `if` / `else if` chain it means: each arm's test is a constant
//! (`match k { 1 | 2 if n > 0 => true, _ => false }`, the derivative does not flow through
//! a comparison), its body a branch; the last arm is the final `else`, since the user's
//! function, compiled as written, is checked for exhaustiveness by rustc. Everything after
//! (values of arms, `return` and `break` in arms, nesting) is then what `if` supports.

use super::*;
use syn::visit::Visit;

/// Rewrites every `match` in `block` into an `if` chain; a pattern that binds a name is an
/// error (its value would have to flow into the arm).
pub(super) fn desugar(block: &syn::Block, errors: &mut Errors) -> syn::Block {
    let mut block = block.clone();
    let mut rewrite = Rewrite { errors };
    rewrite.visit_block_mut(&mut block);
    block
}

struct Rewrite<'e> {
    errors: &'e mut Errors,
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner matches first: arms may hold matches of their own.
        syn::visit_mut::visit_expr_mut(self, expr);
        if let Expr::Match(m) = expr {
            if is_test(m) {
                return;
            }
            if let Some(chain) = self.chain(m) {
                *expr = chain;
            }
        }
    }

    // Items and closures inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

impl Rewrite<'_> {
    fn chain(&mut self, m: &syn::ExprMatch) -> Option<Expr> {
        // A name an arm binds may be tested (a guard) but not used: the arm's body is a
        // branch, which does not see it. The chain is built anyway, so that nothing but
        // this error is reported.
        for arm in &m.arms {
            // What the body reads, and the guard: its names are read as the function's.
            let mut body = arm.body.to_token_stream();
            if let Pat::Guard(g) = &arm.pat {
                g.guard.to_tokens(&mut body);
            }
            if let Some(name) = bindings(&arm.pat).into_iter().find(|b| mentions(&body, b)) {
                self.errors.spanned(
                    &arm.pat,
                    format!("#[differentiate] supports `match` arms whose guard and body do not use what the pattern binds (`{name}` here): compare with `if` instead"),
                );
            }
        }
        let (last, tests) = m.arms.split_last()?;
        let scrutinee = &m.expr;
        // Read from the last arm up: each earlier arm wraps what follows in its `else`.
        let mut chain = branch(&last.body);
        for arm in tests.iter().rev() {
            // syn keeps a guard in the pattern: `1 | 2 if n > 0`.
            let pat = &arm.pat;
            let then = branch(&arm.body);
            chain = quote_spanned! {arm.pat.span()=>
                if match #scrutinee { #pat => true, _ => false } { #then } else { #chain }
            };
        }
        let chain = if tests.is_empty() {
            quote!({ #chain })
        } else {
            chain
        };
        match syn::parse2(chain) {
            Ok(chain) => Some(chain),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }
}

/// An arm's body as the statements of a branch.
fn branch(body: &Expr) -> TokenStream {
    match body {
        Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
            let stmts = &b.block.stmts;
            quote!(#(#stmts)*)
        }
        other => quote!(#other),
    }
}

/// A `match` that is already a test: every arm's body `true` or `false`. A constant, as a
/// condition is.
pub(super) fn is_test(m: &syn::ExprMatch) -> bool {
    m.arms
        .iter()
        .all(|arm| matches!(&*arm.body, Expr::Lit(l) if matches!(l.lit, syn::Lit::Bool(_))))
}

/// The names a pattern may bind: every lone identifier (rustc decides which of them name a
/// constant or a unit variant, such as `None`; the macro cannot).
fn bindings(pat: &Pat) -> Vec<Ident> {
    struct Find(Vec<Ident>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.clone());
            syn::visit::visit_pat_ident(self, p);
        }
        // A guard is an expression, not a pattern.
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut find = Find(Vec::new());
    find.visit_pat(pat);
    find.0
}
