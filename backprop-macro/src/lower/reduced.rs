//! The `Option` a chain's `reduce`, `max_by` or `min_by` returns, matched: it is `None`
//! exactly when the chain walks nothing, so the match is a test of the count, then the value
//! unwrapped, which lowering differentiates:
//!
//! ```text
//! match x.iter().copied().reduce(f64::max) {       if x.iter().copied().count() > 0 {
//!     Some(m) => m * w,                       ==>      let m = x.iter().copied().reduce(f64::max).unwrap();
//!     None => 0.0,                                     m * w
//! }                                                } else { 0.0 }
//! ```
//!
//! The same for `if let Some(m) = ..` (with or without `else`) and `let Some(m) = .. else {
//! .. };`; `Some(&m)` of a chain over references reads `.copied()`. The chain is walked
//! twice, once to count (the walk has no effects: its closures compute values).

use super::*;

/// Rewrites every such `match`, `if let` and `let .. else` in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    Rewrite.visit_block_mut(block);
}

struct Rewrite;

/// `C.reduce(f)`, `C.max_by(f)`, `C.min_by(f)`: the chain `C` walked and the call.
fn reduced(e: &Expr) -> Option<&syn::ExprMethodCall> {
    let Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    let reducing = ["reduce", "max_by", "min_by"].iter().any(|n| m.method == n);
    (reducing && m.args.len() == 1 && walks(&m.receiver)).then_some(m)
}

/// Whether `e` is an iterator chain from a sequence's walk (`x.iter()` or `.into_iter()`,
/// then adaptors).
fn walks(e: &Expr) -> bool {
    match strip(e) {
        Expr::MethodCall(m) if ["iter", "into_iter"].iter().any(|n| m.method == n) => true,
        Expr::MethodCall(m) => walks(&m.receiver),
        _ => false,
    }
}

/// `Some(p)` (or `Some(&p)`): the name, and whether it is taken by value from a reference.
fn some_of(pat: &Pat) -> Option<(&Pat, bool)> {
    let Pat::TupleStruct(s) = pat else {
        return None;
    };
    if !s.path.is_ident("Some") || s.elems.len() != 1 {
        return None;
    }
    match &s.elems[0] {
        Pat::Reference(r) if matches!(&*r.pat, Pat::Ident(_)) => Some((&r.pat, true)),
        p @ Pat::Ident(_) => Some((p, false)),
        _ => None,
    }
}

/// `let p = C.f(..).unwrap();` (`.copied()` first for `Some(&p)`), and the test that the
/// chain walks something.
fn unwrapped(call: &syn::ExprMethodCall, pat: &Pat, by_ref: bool) -> (syn::Stmt, Expr) {
    let span = call.method.span();
    let chain = &call.receiver;
    let value: Expr = match by_ref {
        true => syn::parse_quote_spanned!(span=> #call.copied().unwrap()),
        false => syn::parse_quote_spanned!(span=> #call.unwrap()),
    };
    (
        syn::parse_quote_spanned!(span=> let #pat = #value;),
        syn::parse_quote_spanned!(span=> #chain.count() > 0),
    )
}

/// `match C.f(..) { Some(p) => a, None => b }` (either order, `_` for `None`), or `None`.
fn rewrite_match(m: &syn::ExprMatch) -> Option<Expr> {
    let call = reduced(&m.expr)?;
    let [first, second] = &m.arms[..] else {
        return None;
    };
    // (syn keeps a guard in the pattern: a guarded arm is neither of these.)
    let none =
        |p: &Pat| matches!(p, Pat::Wild(_)) || matches!(p, Pat::Ident(i) if i.ident == "None");
    let ((pat, by_ref), a, b) = match (some_of(&first.pat), some_of(&second.pat)) {
        (Some(found), None) if none(&second.pat) => (found, &first.body, &second.body),
        (None, Some(found)) if none(&first.pat) => (found, &second.body, &first.body),
        _ => return None,
    };
    let (bind, test) = unwrapped(call, pat, by_ref);
    Some(syn::parse_quote_spanned!(m.match_token.span=> if #test { #bind #a } else { #b }))
}

/// `if let Some(p) = C.f(..) { a } else { b }`, or `None`.
fn rewrite_if_let(i: &syn::ExprIf) -> Option<Expr> {
    let Expr::Let(l) = &*i.cond else {
        return None;
    };
    let call = reduced(&l.expr)?;
    let (pat, by_ref) = some_of(&l.pat)?;
    let (bind, test) = unwrapped(call, pat, by_ref);
    let (then, span) = (&i.then_branch, i.if_token.span);
    let stmts = &then.stmts;
    Some(match &i.else_branch {
        Some((_, other)) => {
            syn::parse_quote_spanned!(span=> if #test { #bind #(#stmts)* } else #other)
        }
        None => syn::parse_quote_spanned!(span=> if #test { #bind #(#stmts)* }),
    })
}

/// `let Some(p) = C.f(..) else { b };`: `if !(test) { b } let p = ..;`, or `None`.
fn rewrite_let_else(local: &syn::Local) -> Option<[syn::Stmt; 2]> {
    let init = local.init.as_ref()?;
    let (_, diverge) = init.diverge.as_ref()?;
    let call = reduced(&init.expr)?;
    let (pat, by_ref) = some_of(&local.pat)?;
    let (bind, test) = unwrapped(call, pat, by_ref);
    let span = local.let_token.span;
    Some([syn::parse_quote_spanned!(span=> if !(#test) #diverge), bind])
}

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let rewritten = match e {
            Expr::Match(m) => rewrite_match(m),
            Expr::If(i) => rewrite_if_let(i),
            _ => None,
        };
        if let Some(r) = rewritten {
            *e = r;
        }
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let stmts = std::mem::take(&mut block.stmts);
        for stmt in stmts {
            match &stmt {
                syn::Stmt::Local(local) if let Some(pair) = rewrite_let_else(local) => {
                    block.stmts.extend(pair)
                }
                _ => block.stmts.push(stmt),
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
