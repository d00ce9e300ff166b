//! A sequence's first or last element and the rest, matched (`split_first`, `split_last`),
//! as the slice pattern it means, which lowering reads as elements and a view:
//!
//! ```text
//! if let Some((first, rest)) = x.split_first() {      if let [first, rest @ ..] = &x[..] {
//! match x.split_last() {                              match &x[..] {
//!     Some((&last, init)) => last * init[0],   ==>         [init @ .., &last] => last * init[0],
//!     None => 0.0,                                         [] => 0.0,
//! }                                                    }
//! let Some((_, tail)) = x.split_first() else { .. };  let [_, tail @ ..] = &x[..] else { .. };
//! ```
//!
//! (`&last` binds the element by value, as `Some((&last, _))` does; the pattern is lowering's
//! to read, rustc never sees it.) Only patterns of names, `_` and `&name`: any other is left
//! as written, for the error there.

use super::*;

/// Rewrites every such `if let`, `while let`, `match` and `let .. else` in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    Rewrite.visit_block_mut(block);
}

struct Rewrite;

/// `x` of `x.split_first()` or `x.split_last()`, and whether it is the last.
fn split(e: &Expr) -> Option<(&Expr, bool)> {
    match strip(e) {
        Expr::MethodCall(m) if m.args.is_empty() && m.method == "split_first" => {
            Some((&m.receiver, false))
        }
        Expr::MethodCall(m) if m.args.is_empty() && m.method == "split_last" => {
            Some((&m.receiver, true))
        }
        _ => None,
    }
}

/// The slice pattern of `Some((end, rest))` (`None`: `[]`, `_` itself), where each part is
/// a name, `_` or `&name`; and the names taken by `&name`, which the pattern binds to the
/// element's reference, read by value (`let name = *name;`) where the match goes on.
fn slice_pattern(p: &Pat, last: bool) -> Option<(Pat, Vec<Ident>)> {
    let name = |p: &Pat| match p {
        Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => Some(i.ident.clone()),
        _ => None,
    };
    match p {
        Pat::Wild(_) => Some((p.clone(), Vec::new())),
        Pat::Ident(i) if i.ident == "None" && i.subpat.is_none() => {
            Some((syn::parse_quote!([]), Vec::new()))
        }
        Pat::Path(path) if path.path.is_ident("None") => Some((syn::parse_quote!([]), Vec::new())),
        Pat::TupleStruct(some) if some.path.is_ident("Some") && some.elems.len() == 1 => {
            let Pat::Tuple(pair) = &some.elems[0] else {
                return None;
            };
            let [end, rest] = &pair.elems.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            let mut derefs = Vec::new();
            let end = match end {
                Pat::Wild(_) => quote!(_),
                Pat::Reference(r) => {
                    let n = name(&r.pat)?;
                    derefs.push(n.clone());
                    quote!(#n)
                }
                p => {
                    let n = name(p)?;
                    quote!(#n)
                }
            };
            let rest = match rest {
                Pat::Wild(_) => quote!(..),
                p => {
                    let n = name(p)?;
                    quote!(#n @ ..)
                }
            };
            let pat = match last {
                false => syn::parse_quote_spanned!(some.span()=> [#end, #rest]),
                true => syn::parse_quote_spanned!(some.span()=> [#rest, #end]),
            };
            Some((pat, derefs))
        }
        _ => None,
    }
}

/// `&x[..]`, the sequence a slice pattern matches.
fn whole(seq: &Expr) -> Expr {
    syn::parse_quote_spanned!(seq.span()=> &#seq[..])
}

/// `let name = *name;` for each name.
fn read_by_value(names: &[Ident]) -> Vec<syn::Stmt> {
    names
        .iter()
        .map(|n| syn::parse_quote_spanned!(n.span()=> let #n = *#n;))
        .collect()
}

/// Rewrites the `let` of an `if let` or `while let` whose block goes on where it matched
/// (`block`: `Some`), or of a condition in a chain (`None`: only without `&name`).
fn rewrite_let(l: &mut syn::ExprLet, block: Option<&mut syn::Block>) {
    let Some((seq, last)) = split(&l.expr) else {
        return;
    };
    let Some((pat, derefs)) = slice_pattern(&l.pat, last) else {
        return;
    };
    match block {
        Some(b) => {
            b.stmts.splice(0..0, read_by_value(&derefs));
        }
        None if !derefs.is_empty() => return,
        None => {}
    }
    *l.expr = whole(seq);
    *l.pat = pat;
}

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            Expr::If(i) => match &mut *i.cond {
                Expr::Let(l) => rewrite_let(l, Some(&mut i.then_branch)),
                cond => each_let(cond),
            },
            Expr::While(w) => match &mut *w.cond {
                Expr::Let(l) => rewrite_let(l, Some(&mut w.body)),
                cond => each_let(cond),
            },
            Expr::Match(m) => {
                let Some((seq, last)) = split(&m.expr) else {
                    return;
                };
                let pats: Option<Vec<(Pat, Vec<Ident>)>> =
                    m.arms.iter().map(|a| slice_pattern(&a.pat, last)).collect();
                let Some(pats) = pats else {
                    return;
                };
                *m.expr = whole(seq);
                for (arm, (pat, derefs)) in m.arms.iter_mut().zip(pats) {
                    arm.pat = pat;
                    if !derefs.is_empty() {
                        let (reads, body) = (read_by_value(&derefs), &arm.body);
                        *arm.body = syn::parse_quote_spanned!(body.span()=> { #(#reads)* #body });
                    }
                }
            }
            _ => {}
        }
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, b);
        let mut i = 0;
        while i < b.stmts.len() {
            i += 1;
            let syn::Stmt::Local(l) = &mut b.stmts[i - 1] else {
                continue;
            };
            if let Some(init) = &mut l.init
                && init.diverge.is_some()
                && let Some((seq, last)) = split(&init.expr)
                && let Some((pat, derefs)) = slice_pattern(&l.pat, last)
            {
                *init.expr = whole(seq);
                l.pat = pat;
                let reads = read_by_value(&derefs);
                let n = reads.len();
                b.stmts.splice(i..i, reads);
                i += n;
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The `let`s of a chain of conditions (`if let .. = x.split_first() && ..`).
fn each_let(cond: &mut Expr) {
    match cond {
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            each_let(&mut b.left);
            each_let(&mut b.right);
        }
        Expr::Let(l) => rewrite_let(l, None),
        _ => {}
    }
}
