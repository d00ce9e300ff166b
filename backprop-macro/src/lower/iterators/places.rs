//! The items of `xs.iter_mut()` (or `&mut xs`): places, not values. A loop writing through
//! them, `for x in xs.iter_mut() { *x *= 2.0; }` (also zipped, enumerated, reversed, or
//! `.for_each(|x| ..)`), is the index loop `for i in 0..xs.len() { xs[i] *= 2.0; }`: each
//! `*x` in the body, and each method called on `x` (`x.abs()`), is the element `xs[i]`; of
//! a nested sequence (`for row in m.iter_mut()`), `row[k]` is `m[i][k]`.
//! Any other use of `x` (bound to another name, passed on, shadowed, inside a macro) is an
//! error, since the rewrite cannot follow it.

use super::*;

pub(super) const MISUSE: &str = "#[differentiate] reads an item of `xs.iter_mut()` (or `&mut xs`) as `*x`, to read or assign it (`*x += ..`), or through its methods (`x.abs()`), and a row of a nested sequence by its elements (`row[k] += ..`, `row.iter_mut()`); this use of it (bound to another name, passed on, shadowed, inside a macro, or in a body that binds the sequence's name again) is not supported: write `*x`, or `xs[i]` in an index loop";

pub(super) const ADAPTED: &str = "#[differentiate] writes through the items of `xs.iter_mut()` (or `&mut xs`) in a `for` loop or in `.for_each(|x| ..)`, zipped, enumerated, reversed, skipped or taken; not through `.map(..)` or `.filter(..)`, nor into `.sum()`, `.fold(..)` or `.collect()`: read with `xs.iter()` there";

/// The names `pat` binds to places, each with the element it stands for.
pub(super) fn of(pat: &Pat, value: &Value) -> Vec<(Ident, Expr)> {
    fn collect(pat: &Pat, value: &Value, out: &mut Vec<(Ident, Expr)>) {
        match (pat, value) {
            (Pat::Paren(p), v) => collect(&p.pat, v, out),
            (Pat::Type(t), v) => collect(&t.pat, v, out),
            (Pat::Ident(p), Value::Place(e)) => {
                out.push((p.ident.clone(), syn::parse_quote!(#e)));
            }
            (Pat::Tuple(t), Value::Tuple(vs)) => {
                for (p, v) in t.elems.iter().zip(vs) {
                    collect(p, v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(pat, value, &mut out);
    out
}

/// Rewrites `*x` and `x.method(..)` in `body` as the element `x` stands for. Returns the
/// span of the first use of `x` the rewrite cannot follow, if any.
pub(super) fn substitute(places: &[(Ident, Expr)], body: &mut [syn::Stmt]) -> Option<Span> {
    if places.is_empty() {
        return None;
    }
    // The elements are read by the sequence's name (`xs[i]`): a body binding it again
    // (`let xs = 3.0;`) would read the new one.
    let read: Vec<&Expr> = places.iter().map(|(_, e)| e).collect();
    if let Some(stmt) = super::super::extrema::binds_again(body, &read) {
        return Some(match stmt {
            syn::Stmt::Local(l) => l.pat.span(),
            s => s.span(),
        });
    }
    let mut rewrite = Places {
        places,
        misuse: None,
    };
    for stmt in body {
        rewrite.visit_stmt_mut(stmt);
    }
    rewrite.misuse
}

/// The first use of an item of `chain` that `.for_each(closure)`'s body makes and the
/// rewrite cannot follow.
pub(super) fn misused(chain: &Chain<'_>, closure: &Expr, i: &Ident) -> Option<Span> {
    let Expr::Closure(c) = strip(closure) else {
        return None;
    };
    let pat = c.inputs.first()?;
    let mut body = [syn::Stmt::Expr((*c.body).clone(), None)];
    substitute(&of(pat, &chain.item(i)), &mut body)
}

struct Places<'a> {
    places: &'a [(Ident, Expr)],
    misuse: Option<Span>,
}

impl Places<'_> {
    /// The element `e` stands for, when `e` is one of the names.
    fn place(&self, e: &Expr) -> Option<Expr> {
        let Expr::Path(p) = strip(e) else {
            return None;
        };
        let id = p.path.get_ident()?;
        self.named(id).cloned()
    }

    fn named(&self, id: &Ident) -> Option<&Expr> {
        self.places.iter().find(|(n, _)| n == id).map(|(_, e)| e)
    }
}

impl VisitMut for Places<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                if let Some(place) = self.place(&u.expr) {
                    *e = place;
                    return;
                }
            }
            Expr::MethodCall(m) => {
                if let Some(place) = self.place(&m.receiver) {
                    *m.receiver = place;
                    for arg in &mut m.args {
                        self.visit_expr_mut(arg);
                    }
                    return;
                }
            }
            // `row[k]` of a row of a nested sequence (`m.iter_mut()`'s items): `m[i][k]`.
            Expr::Index(ix) => {
                if let Some(place) = self.place(&ix.expr) {
                    *ix.expr = place;
                    self.visit_expr_mut(&mut ix.index);
                    return;
                }
            }
            Expr::Path(p) => {
                if let Some(id) = p.path.get_ident()
                    && self.named(id).is_some()
                {
                    self.misuse.get_or_insert(id.span());
                }
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        // A binding of the same name would hide the item from here on.
        if self.named(&p.ident).is_some() {
            self.misuse.get_or_insert(p.ident.span());
        }
        syn::visit_mut::visit_pat_ident_mut(self, p);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        fn mentions(tokens: TokenStream, places: &Places<'_>) -> Option<Span> {
            tokens.into_iter().find_map(|t| match t {
                proc_macro2::TokenTree::Ident(id) if places.named(&id).is_some() => Some(id.span()),
                proc_macro2::TokenTree::Group(g) => mentions(g.stream(), places),
                _ => None,
            })
        }
        if let Some(span) = mentions(m.tokens.clone(), self) {
            self.misuse.get_or_insert(span);
        }
    }
}
