//! Walks joined end to end: `xs.iter().chain(ys)` walks `xs`, then `ys`; `m.iter().flatten()`
//! (or `m.iter().flat_map(|row| row.iter())`) walks each row of `m` in turn. Each part is a
//! chain of its own, with the adaptors written after the join (`.map(..)`, `.filter(..)`,
//! `.copied()`) applied to it, and the terminal's accumulator is carried from one part's loop
//! into the next: `x.iter().chain(&y).map(|v| v * v).sum::<f64>()` is
//!
//! ```text
//! { let mut total = -0.0; for i in 0..x.len() { .. } for i in 0..y.len() { .. } total }
//! ```
//!
//! the same additions in the same order as the standard library's. A `for` loop over a
//! joined walk is one loop per part, the body in each. `.enumerate()` after the join counts
//! across the parts, with one counter declared before their loops.

use super::*;

/// One part of a joined walk.
pub(super) struct Part {
    /// The part's chain: `x.iter().map(..)`, or for a row, `m[r].iter().map(..)`.
    pub(super) walk: Expr,
    /// For the rows of a nested sequence: the row's index (`r`) and the rows (`m`).
    pub(super) rows: Option<(Ident, Expr)>,
}

/// What may follow a join, applied to each part (`enumerate` counting across the parts).
const AFTER: &[&str] = &["map", "filter", "copied", "cloned", "enumerate"];

/// The method that stands for `.enumerate()` after a join in each part's walk: it counts
/// with the counter it names, declared once before the parts' loops ([`counter`]).
pub(super) const COUNTED: &str = "__backprop_counted";

/// What joined walks support, for errors.
pub(in crate::lower) const JOINED: &str = "#[differentiate] supports walks joined by `.chain(..)`, `.flatten()` or `.flat_map(..)` that then `.map(..)`, `.filter(..)`, `.copied()`, `.cloned()` or `.enumerate()` (counting across the parts) and end in `.sum()`, `.product()`, `.fold(..)`, `.for_each(..)`, `.collect()`, `.max_by(..)`/`.min_by(..)` or `.reduce(..)` (then unwrapped), or that a `for` loop without `break` walks; each part walks a sequence of floats (`xs.iter().chain(&ys)`, `.chain(ys.iter().map(..))`), and `.flatten()` the rows of a nested sequence (`m.iter().flatten()`, `m.iter().flat_map(|row| row.iter())`) or the arrays a closure writes out (`xs.iter().flat_map(|&a| [a, a * a])`)";

/// The parts of `expr` if it is a joined walk; `Err(span)` where one is written with what
/// the rewrite does not take (an adaptor after the join that is not in [`AFTER`], a part
/// that is no walk).
pub(super) fn parts(cx: &mut dyn Context, expr: &Expr) -> Option<Result<Vec<Part>, Span>> {
    let mut after = Vec::new();
    let mut e = strip(expr);
    let mut parts = loop {
        let Expr::MethodCall(m) = e else {
            return None;
        };
        let name = m.method.to_string();
        match (name.as_str(), m.args.len()) {
            (name, _) if AFTER.contains(&name) => {
                after.push(m);
                e = strip(&m.receiver);
            }
            ("chain", 1) => {
                let mut parts = match parts(cx, &m.receiver) {
                    Some(Ok(parts)) => parts,
                    Some(Err(span)) => return Some(Err(span)),
                    None => vec![Part {
                        walk: (*m.receiver).clone(),
                        rows: None,
                    }],
                };
                let Some(walk) = walked(&m.args[0]) else {
                    return Some(Err(m.args[0].span()));
                };
                parts.push(Part { walk, rows: None });
                break parts;
            }
            ("flatten", 0) => {
                let Some(rows) = sources::source(&m.receiver).filter(|r| cx.has_rows(r)) else {
                    return Some(Err(m.method.span()));
                };
                let r = cx.fresh("row");
                let walk = syn::parse_quote!(#rows[#r].iter());
                break vec![row_part(walk, r, rows)];
            }
            ("flat_map", 1) => {
                let rows = sources::source(&m.receiver).filter(|r| cx.has_rows(r));
                let (Some(rows), Expr::Closure(c)) = (rows, strip(&m.args[0])) else {
                    return Some(Err(m.method.span()));
                };
                let (1, Pat::Ident(name)) = (c.inputs.len(), &c.inputs[0]) else {
                    return Some(Err(c.inputs_begin.span));
                };
                // (Not where the body binds the row's name again: it would read `m[r]`.)
                if binds(&c.body, &name.ident) {
                    return Some(Err(name.ident.span()));
                }
                let r = cx.fresh("row");
                let mut walk = (*c.body).clone();
                let row: Expr = syn::parse_quote!(#rows[#r]);
                Replace {
                    name: &name.ident,
                    by: &row,
                }
                .visit_expr_mut(&mut walk);
                break vec![row_part(walk, r, rows)];
            }
            // An adaptor this rewrite does not take, after a join further in.
            _ if joins(&m.receiver) => return Some(Err(m.method.span())),
            _ => return None,
        }
    };
    let count = after
        .iter()
        .any(|m| m.method == "enumerate")
        .then(|| cx.fresh("count"));
    for part in &mut parts {
        for m in after.iter().rev() {
            let mut call = (*m).clone();
            if let (true, Some(count)) = (m.method == "enumerate", &count) {
                call.method = Ident::new(COUNTED, m.method.span());
                call.args = syn::parse_quote!(#count);
            }
            call.receiver = Box::new(std::mem::replace(&mut part.walk, Expr::PLACEHOLDER));
            part.walk = Expr::MethodCall(call);
        }
    }
    Some(Ok(parts))
}

/// `let mut count = 0usize;` for the counter of an `.enumerate()` after a join, if the
/// parts' walks count.
pub(super) fn counter(parts: &[Part]) -> TokenStream {
    let counted = parts.iter().find_map(|p| counted(&p.walk));
    match counted {
        Some(count) => quote!(let mut #count = 0usize;),
        None => TokenStream::new(),
    }
}

/// The counter a walk counts with, if it does.
fn counted(e: &Expr) -> Option<Ident> {
    match strip(e) {
        Expr::MethodCall(m) if m.method == COUNTED => match m.args.first().map(strip) {
            Some(Expr::Path(p)) => p.path.get_ident().cloned(),
            _ => None,
        },
        Expr::MethodCall(m) => counted(&m.receiver),
        _ => None,
    }
}

/// Whether a pattern inside `e` binds `name`.
fn binds(e: &Expr, name: &Ident) -> bool {
    struct Binds<'a>(&'a Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Binds<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.1 |= p.ident == *self.0;
        }
    }
    let mut b = Binds(name, false);
    syn::visit::Visit::visit_expr(&mut b, e);
    b.1
}

fn row_part(walk: Expr, r: Ident, rows: &Expr) -> Part {
    Part {
        walk,
        rows: Some((r, rows.clone())),
    }
}

/// Whether `e` joins walks somewhere along its receivers.
fn joins(e: &Expr) -> bool {
    match strip(e) {
        Expr::MethodCall(m) => {
            ["chain", "flatten", "flat_map"]
                .iter()
                .any(|j| m.method == j)
                || joins(&m.receiver)
        }
        _ => false,
    }
}

/// The walk `.chain(arg)` adds: `ys.iter()` for `&ys` and `ys`, `arg` itself for a chain.
fn walked(arg: &Expr) -> Option<Expr> {
    match strip(arg) {
        Expr::Reference(r) if r.mutability.is_none() => {
            let seq = sources::path_of(&r.expr)?;
            Some(syn::parse_quote!(#seq.iter()))
        }
        e @ (Expr::Path(_) | Expr::Field(_)) => Some(syn::parse_quote!(#e.iter())),
        e @ Expr::MethodCall(_) => Some(e.clone()),
        _ => None,
    }
}

impl Part {
    /// The part's loop: `for i in range { step }`, inside the loop over the rows for a row.
    pub(super) fn looped(
        &self,
        label: Option<&syn::Label>,
        i: &Ident,
        range: &TokenStream,
        step: &TokenStream,
    ) -> TokenStream {
        let inner = quote!(#label for #i in #range { #step });
        match &self.rows {
            Some((r, rows)) => quote!(for #r in 0..#rows.len() { #inner }),
            None => inner,
        }
    }

    /// How many items the part walks, given how many its chain walks (of one row).
    pub(super) fn count(&self, len: &TokenStream) -> TokenStream {
        match &self.rows {
            Some((r, rows)) => quote!((0..#rows.len()).map(|#r| #len).sum::<usize>()),
            None => len.clone(),
        }
    }
}
