//! `find` bound to a name, `let hit = x.iter().find(|&&v| v > t);`, as the position it
//! finds, `let hit = x.iter().position(|&v| v > t);` (an index in an `Option`, a constant),
//! with each use reading the element there: `match hit { Some(&v) => a, None => b }` and
//! `if let Some(&v) = hit { a }` as `Some(k) => { let v = x[k]; a }`, `*hit.unwrap()` and
//! `hit.copied().unwrap()` as `x[hit.unwrap()]`, `hit.copied().unwrap_or(d)` as the `match`
//! it means; `hit.is_some()` and `hit.is_none()` as they are (and of a `find` not bound,
//! `x.iter().find(..).is_some()`, the same of the position; and `x.iter().skip_while(test)`
//! the walk skipping up to the position where the test first fails). While `hit` lives, it borrows
//! `x`, which therefore holds the same values at every use. Any other use leaves the `let`
//! as written (lowering's error about `find` is then the one to read).

use super::*;

/// Rewrites every such `let` in `block`; `private` is the facade's `__private` path.
pub(super) fn desugar(
    block: &mut syn::Block,
    private: &TokenStream,
    taken: &mut HashSet<String>,
    errors: &mut Errors,
) {
    Rewrite {
        private,
        taken,
        errors,
    }
    .visit_block_mut(block);
}

const FOUND_USE: &str = "#[differentiate] reads `find` bound to a name (`let hit = x.iter().find(..);`) through `match hit` and `if let Some(&v) = hit` (with `Some(..)`, `None` and `_` arms), `*hit.unwrap()`, `hit.copied().unwrap()`, `hit.copied().unwrap_or(..)`, `hit.is_some()` and `hit.is_none()`; for other uses, write the position (`let k = x.iter().position(..);`) and read `x[k]`";

const SEQ_REBOUND: &str = "#[differentiate] reads `find` bound to a name as the position it finds, each use reading the sequence there; here the sequence's name is bound again before a use: rename the new binding, or write the position (`let k = x.iter().position(..);`) and read `x[k]` before it";

struct Rewrite<'a> {
    private: &'a TokenStream,
    taken: &'a mut HashSet<String>,
    errors: &'a mut Errors,
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        for i in 0..block.stmts.len() {
            let syn::Stmt::Local(local) = &block.stmts[i] else {
                continue;
            };
            let (Some((hit, false)), Some(init)) = (pat_ident(&local.pat), &local.init) else {
                continue;
            };
            let Expr::MethodCall(find) = strip(&init.expr) else {
                continue;
            };
            let Some(found) = super::matches::found_at(find, Some(self.private)) else {
                continue;
            };
            if init.diverge.is_some() || !is_place(found.seq) {
                continue;
            }
            let at = Ident::new(
                &crate::names::unused(self.taken, &format!("{hit}_at")),
                hit.span(),
            );
            let mut uses = Uses {
                hit,
                at: &at,
                seq: found.seq,
                by_value: found.by_value,
                refused: None,
            };
            let mut later: Vec<syn::Stmt> = block.stmts[i + 1..].to_vec();
            let scope = scope_of(&later, hit);
            // Each use reads the sequence by its name: one bound again before would read
            // another (`let x = y;`).
            if super::extrema::binds_again(&later[..scope], &[found.seq]).is_some() {
                self.errors.spanned(find, SEQ_REBOUND);
                let (hit, position) = (hit.clone(), found.at);
                block.stmts[i] =
                    syn::parse_quote_spanned!(find.method.span()=> let #hit = #position;);
                continue;
            }
            for s in &mut later[..scope] {
                uses.visit_stmt_mut(s);
            }
            let position = found.at;
            let hit = hit.clone();
            let refused = uses.refused;
            // (Refused, the uses are left as written: the error is the one to read.)
            block.stmts[i] = syn::parse_quote_spanned!(find.method.span()=> let #hit = #position;);
            match refused {
                Some(refused) => self.errors.spanned(refused, FOUND_USE),
                None => drop(
                    block
                        .stmts
                        .splice(i + 1..i + 1 + scope, later.drain(..scope)),
                ),
            }
        }
    }

    /// `x.iter().find(..).is_some()` (and `.is_none()`): the same of the position, a test.
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::MethodCall(m) = e
            && (m.method == "is_some" || m.method == "is_none")
            && m.args.is_empty()
            && let Expr::MethodCall(find) = strip(&m.receiver)
            && let Some(found) = super::matches::found_at(find, Some(self.private))
        {
            *m.receiver = found.at;
            return;
        }
        // `x.iter().skip_while(|&&v| v < t)`: the walk from the first item that fails the
        // test, `x.iter().skip(x.iter().position(|&v| !(v < t)).unwrap_or(x.len()))`.
        if let Expr::MethodCall(m) = e
            && m.method == "skip_while"
            && let [Expr::Closure(test)] = &m.args.iter().collect::<Vec<_>>()[..]
        {
            let (receiver, body) = (&m.receiver, &test.body);
            let mut negated = (*test).clone();
            *negated.body = syn::parse_quote!(!(#body));
            let find: syn::ExprMethodCall = syn::parse_quote!(#receiver.find(#negated));
            if let Some(found) = super::matches::found_at(&find, Some(self.private)) {
                let (seq, at, span) = (found.seq, found.at, m.method.span());
                *e = syn::parse_quote_spanned!(span=>
                    #receiver.skip(#at.unwrap_or(#seq.len())));
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A name or a field chain (`x`, `m.w`): read again at each use.
fn is_place(e: &Expr) -> bool {
    match strip(e) {
        Expr::Path(p) => p.path.get_ident().is_some(),
        Expr::Field(f) => is_place(&f.base),
        _ => false,
    }
}

/// The uses of `hit` after its `let`, rewritten to read `seq` at the position; `refused`,
/// the first use it cannot rewrite.
struct Uses<'a> {
    hit: &'a Ident,
    /// The name of the position in arms that bind the element.
    at: &'a Ident,
    seq: &'a Expr,
    /// The sequence's items are values (`x.iter().copied().find(..)`), not references.
    by_value: bool,
    refused: Option<TokenStream>,
}

impl Uses<'_> {
    fn is_hit(&self, e: &Expr) -> bool {
        matches!(strip(e), Expr::Path(p) if p.path.is_ident(self.hit))
    }

    /// The name the pattern `Some(pat)` binds, `pat` of an item, and the element it is,
    /// `x[k]` (or `&x[k]`); `None` for `_`.
    fn element_of(&self, pat: &Pat) -> Option<Option<(Ident, Expr)>> {
        let (seq, at) = (self.seq, self.at);
        let (name, value) = match pat {
            Pat::Wild(_) => return Some(None),
            Pat::Reference(r) if !self.by_value => (pat_ident(&r.pat)?.0, true),
            p => (pat_ident(p)?.0, self.by_value),
        };
        let element = match value {
            true => syn::parse_quote!(#seq[#at]),
            false => syn::parse_quote!((&#seq[#at])),
        };
        Some(Some((name.clone(), element)))
    }

    /// An arm's pattern over `hit`: `Some(pat)` as `Some(k)` and the `let` of the element,
    /// `None` and `_` as they are.
    fn arm(&self, pat: &mut Pat) -> Option<TokenStream> {
        match pat {
            // `Some(&v) if v > 0.0`: the guard reads the element where it reads the name.
            Pat::Guard(g) => {
                let bound = match &*g.pat {
                    Pat::TupleStruct(s) if s.path.is_ident("Some") && s.elems.len() == 1 => {
                        self.element_of(&s.elems[0])?
                    }
                    _ => None,
                };
                let lets = self.arm(&mut g.pat)?;
                if let Some((name, element)) = bound {
                    Replace {
                        name: &name,
                        by: &element,
                    }
                    .visit_expr_mut(&mut g.guard);
                }
                Some(lets)
            }
            Pat::Wild(_) => Some(TokenStream::new()),
            Pat::Ident(p) if p.ident == "None" => Some(TokenStream::new()),
            Pat::TupleStruct(s) if s.path.is_ident("Some") && s.elems.len() == 1 => {
                let lets = match self.element_of(&s.elems[0])? {
                    Some((name, element)) => quote!(let #name = #element;),
                    None => TokenStream::new(),
                };
                let at = self.at;
                s.elems[0] = syn::parse_quote!(#at);
                Some(lets)
            }
            _ => None,
        }
    }

    /// `*hit.unwrap()`, `hit.copied().unwrap()` (`expect` too): the element read there;
    /// `hit.copied().unwrap_or(d)`: the `match` it means.
    fn element(&self, e: &Expr) -> Option<Expr> {
        let (seq, hit, at) = (self.seq, self.hit, self.at);
        let (inner, deref) = match strip(e) {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => (strip(&u.expr), true),
            other => (other, false),
        };
        let Expr::MethodCall(m) = inner else {
            return None;
        };
        let mut receiver = &*m.receiver;
        let copied = super::iterators::copies(&mut receiver) || self.by_value;
        if !self.is_hit(receiver) {
            return None;
        }
        let span = m.method.span();
        match (
            m.method.to_string().as_str(),
            &m.args.iter().collect::<Vec<_>>()[..],
        ) {
            ("unwrap" | "expect", _) if copied || deref => {
                Some(syn::parse_quote_spanned!(span=> #seq[#hit.unwrap()]))
            }
            ("unwrap_or", [d]) if copied && !deref => Some(syn::parse_quote_spanned!(span=>
                match #hit { Some(#at) => #seq[#at], None => #d }
            )),
            _ => None,
        }
    }
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if self.refused.is_some() {
            return;
        }
        if let Some(read) = self.element(e) {
            *e = read;
            return;
        }
        match e {
            Expr::Match(m) if self.is_hit(&m.expr) => {
                for arm in &mut m.arms {
                    match self.arm(&mut arm.pat) {
                        Some(lets) => {
                            let body = &arm.body;
                            *arm.body = syn::parse_quote!({ #lets #body });
                        }
                        None => self.refused = Some(arm.pat.to_token_stream()),
                    }
                    self.visit_expr_mut(&mut arm.body);
                }
                return;
            }
            Expr::If(i) if matches!(&*i.cond, Expr::Let(l) if self.is_hit(&l.expr)) => {
                let Expr::Let(l) = &mut *i.cond else {
                    unreachable!("an `if let`")
                };
                match self.arm(&mut l.pat) {
                    Some(lets) => {
                        let stmts = &i.then_branch.stmts;
                        i.then_branch = syn::parse_quote!({ #lets #(#stmts)* });
                    }
                    None => self.refused = Some(l.pat.to_token_stream()),
                }
                self.visit_block_mut(&mut i.then_branch);
                if let Some((_, other)) = &mut i.else_branch {
                    self.visit_expr_mut(other);
                }
                return;
            }
            // `hit.is_some()`, `hit.is_none()`: the same of the position.
            Expr::MethodCall(m)
                if self.is_hit(&m.receiver)
                    && (m.method == "is_some" || m.method == "is_none")
                    && m.args.is_empty() =>
            {
                return;
            }
            _ => {}
        }
        if self.is_hit(e) {
            self.refused = Some(e.to_token_stream());
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
