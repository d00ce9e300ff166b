//! Read-only views of a sequence, read through the sequence itself.
//!
//! ```text
//! let centroid = &c[j * d..(j + 1) * d];    let _ = c[j * d..(j + 1) * d].len();
//! for l in 0..d {                      ==>  for l in 0..d {
//!     let diff = centroid[l] - point[l];        let diff = c[j * d..(j + 1) * d][l] - point[l];
//! ```
//!
//! A view of a differentiable sequence is otherwise an owned copy with a pullback of its
//! own (`sub_slice::__vjp`): in a loop, a copy and a zeroed gradient per iteration, both
//! saved for the reverse sweep. Read through the sequence, its elements are the sequence's
//! elements, and their gradients go straight into the sequence's gradient. Each element is
//! read through the slicing the view made (`c[lo..hi][l]`, whose bounds the compiler checks
//! once per view, as it does the view's), and the slicing also stays where the user wrote
//! it, for its bounds check (`let _ = c[lo..hi].len();`), even if nothing is read.
//!
//! Only where the two readings are the same: `let v = &s[lo..hi];` (or `&s[..hi]`,
//! `&s[lo..]`), bounds of names, literals and arithmetic (read again at each element), `v`
//! afterwards only indexed (`v[e]`) or measured (`v.len()`), and neither `s`, `v` nor a
//! name in the bounds assigned, borrowed mutably or bound again after it in its block.
//!
//! The same for an element bound by value, `let p = pts[i];` of a `Copy` struct read only
//! by its fields (`p.x`): it is the element borrowed, `let p = &pts[i];`, which lowering
//! reads field by field, under the same conditions.

use super::*;
use extrema::Mentions;

/// Rewrites the reads of every such view in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    AsSlice.visit_block_mut(block);
    Rewrite.visit_block_mut(block);
}

/// `v.as_slice()` of a `Vec` as the view it is, `&v[..]` (ndarray's `a.as_slice()` is an
/// `Option`, unwrapped where it is read: left as it is).
struct AsSlice;

impl VisitMut for AsSlice {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::MethodCall(m)
                if ["unwrap", "expect", "is_some", "is_none"]
                    .iter()
                    .any(|n| m.method == n) =>
            {
                if let Expr::MethodCall(inner) = &mut *m.receiver
                    && inner.method == "as_slice"
                {
                    self.visit_expr_mut(&mut inner.receiver);
                    m.args.iter_mut().for_each(|a| self.visit_expr_mut(a));
                    return;
                }
            }
            Expr::MethodCall(m) if m.method == "as_slice" && m.args.is_empty() => {
                self.visit_expr_mut(&mut m.receiver);
                let (receiver, span) = (&m.receiver, m.method.span());
                *e = syn::parse_quote_spanned!(span=> &#receiver[..]);
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

struct Rewrite;

impl VisitMut for Rewrite {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        for at in 0..block.stmts.len() {
            // `let p = pts[i];` of a `Copy` struct read only by its fields: the element
            // borrowed, `let p = &pts[i];`, which lowering reads through.
            if let Some(place) = element_binding(&block.stmts[at], &block.stmts[at + 1..]) {
                if let syn::Stmt::Local(local) = &mut block.stmts[at]
                    && let Some(init) = &mut local.init
                {
                    *init.expr = syn::parse_quote!(&#place);
                }
                continue;
            }
            let Some(view) = view(&block.stmts[at]) else {
                continue;
            };
            let rest = &block.stmts[at + 1..];
            if !only_indexed(&view, rest) {
                continue;
            }
            let mut reads = Reads { view: &view };
            for stmt in &mut block.stmts[at + 1..] {
                reads.visit_stmt_mut(stmt);
            }
            // The slicing, for its bounds check only: no copy.
            let View {
                seq, start, end, ..
            } = &view;
            let start = start.iter();
            block.stmts[at] = syn::parse_quote!(let _ = #seq[#(#start)*..#end].len(););
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// `let name = &seq[start..end];`
struct View {
    name: Ident,
    seq: Ident,
    start: Option<Expr>,
    end: Expr,
}

/// `let name = init;` (`let name: T = init;` where `typed`), the name plain (not `mut`,
/// `ref` or `@`), no `else`: the name and the value.
fn plain_let(stmt: &syn::Stmt, typed: bool) -> Option<(&Ident, &Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let pat = match &local.pat {
        Pat::Type(t) if typed => &*t.pat,
        p => p,
    };
    let Pat::Ident(name) = pat else {
        return None;
    };
    if name.by_ref.is_some() || name.mutability.is_some() || name.subpat.is_some() {
        return None;
    }
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    Some((&name.ident, &init.expr))
}

fn view(stmt: &syn::Stmt) -> Option<View> {
    let (name, init) = plain_let(stmt, true)?;
    let Expr::Reference(r) = init else {
        return None;
    };
    let Expr::Index(index) = &*r.expr else {
        return None;
    };
    let Expr::Range(range) = &*index.index else {
        return None;
    };
    if r.mutability.is_some() || !matches!(range.limits, syn::RangeLimits::HalfOpen(_)) {
        return None;
    }
    let Expr::Path(seq) = &*index.expr else {
        return None;
    };
    let seq = seq.path.get_ident()?;
    // Bounds read again at every element: only names, literals and arithmetic of them.
    let bounds = [range.start.as_deref(), range.end.as_deref()];
    if !bounds.into_iter().flatten().all(extrema::plain) {
        return None;
    }
    Some(View {
        name: name.clone(),
        seq: seq.clone(),
        start: range.start.as_deref().cloned(),
        end: match range.end.as_deref() {
            Some(end) => end.clone(),
            None => syn::parse_quote!(#seq.len()),
        },
    })
}

/// `let p = seq[i];` (not `mut`, `i` names, literals and arithmetic), every later mention
/// of `p` a field (`p.x`), and nothing it reads changed or bound again: the place.
fn element_binding(stmt: &syn::Stmt, rest: &[syn::Stmt]) -> Option<Expr> {
    let (name, init) = plain_let(stmt, false)?;
    let Expr::Index(index) = init else {
        return None;
    };
    let Expr::Path(seq) = &*index.expr else {
        return None;
    };
    let seq = seq.path.get_ident()?;
    if matches!(*index.index, Expr::Range(_)) || !extrema::plain(&index.index) {
        return None;
    }
    let mut watched = Mentions::default();
    watched.visit_expr(&index.index);
    let mut watched = watched.names;
    watched.insert(seq.to_string());
    let mentions = only_used_as(
        name,
        &watched,
        rest,
        |e, name| matches!(e, Expr::Field(f) if is_name(&f.base, name)),
    );
    mentions.filter(|&n| n > 0).map(|_| init.clone())
}

/// Whether every later mention of the view is `v[e]` or `v.len()`, and nothing it reads
/// changes or is bound again.
fn only_indexed(view: &View, rest: &[syn::Stmt]) -> bool {
    let mut bounds = Mentions::default();
    if let Some(start) = &view.start {
        bounds.visit_expr(start);
    }
    bounds.visit_expr(&view.end);
    let mut watched = bounds.names;
    watched.insert(view.seq.to_string());
    only_used_as(&view.name, &watched, rest, |e, name| {
        element_of(e, name).is_some() || length_of(e, name)
    })
    .is_some()
}

/// How many times `rest` mentions `name`, when each mention is one `sanctioned` accepts
/// and neither `name` nor a `watched` name is changed or bound again there.
fn only_used_as(
    name: &Ident,
    watched: &HashSet<String>,
    rest: &[syn::Stmt],
    sanctioned: fn(&Expr, &Ident) -> bool,
) -> Option<usize> {
    let mut uses = Uses {
        name,
        accepts: sanctioned,
        sanctioned: 0,
        all: 0,
        opaque: false,
    };
    let mut m = Mentions::default();
    let mut bound = HashSet::new();
    for stmt in rest {
        uses.visit_stmt(stmt);
        // A use that is not one of these ends the search: a block of such `let`s (the
        // elements of a sequence of structs, read by the floats they are) is read once
        // per use, not once per `let`.
        if uses.opaque || uses.all != uses.sanctioned {
            return None;
        }
        m.visit_stmt(stmt);
        bound.extend(extrema::locals(stmt));
    }
    let own = name.to_string();
    let kept = !bound.contains(&own)
        && !m.changed.contains(&own)
        && !watched
            .iter()
            .any(|w| bound.contains(w) || m.changed.contains(w));
    (kept && !uses.opaque && uses.all == uses.sanctioned).then_some(uses.all)
}

/// Counts the mentions of a name, and those `accepts` takes (`v[e]`, `v.len()`; `p.x`).
struct Uses<'a> {
    name: &'a Ident,
    accepts: fn(&Expr, &Ident) -> bool,
    sanctioned: usize,
    all: usize,
    /// A macro the count cannot see into mentions the view.
    opaque: bool,
}

impl Visit<'_> for Uses<'_> {
    fn visit_expr(&mut self, e: &Expr) {
        if (self.accepts)(e, self.name) {
            self.sanctioned += 1;
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_ident(&mut self, i: &Ident) {
        if i == self.name {
            self.all += 1;
        }
    }

    fn visit_macro(&mut self, m: &syn::Macro) {
        let mut names = HashSet::new();
        collect_idents(m.tokens.clone(), &mut names);
        self.opaque |= names.contains(&self.name.to_string());
    }

    fn visit_item(&mut self, _: &syn::Item) {
        self.opaque = true;
    }
}

fn is_name(e: &Expr, name: &Ident) -> bool {
    matches!(e, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// `v[e]`: an element of the view (a range of it, `&v[1..3]`, is a view of the view, which
/// leaves the view as it is).
fn element_of<'e>(e: &'e Expr, name: &Ident) -> Option<&'e syn::ExprIndex> {
    match e {
        Expr::Index(i) if is_name(&i.expr, name) && !matches!(*i.index, Expr::Range(_)) => Some(i),
        _ => None,
    }
}

/// `v.len()`.
fn length_of(e: &Expr, name: &Ident) -> bool {
    match e {
        Expr::MethodCall(m) => m.method == "len" && m.args.is_empty() && is_name(&m.receiver, name),
        _ => false,
    }
}

/// Rewrites `v[e]` as `seq[start..end][e]` and `v.len()` as `(end - start)`.
struct Reads<'a> {
    view: &'a View,
}

impl VisitMut for Reads<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let View {
            name,
            seq,
            start,
            end,
        } = self.view;
        // Precedences as `precedence::konst_prec` gives them: `+` and `-` are 12, `*` and `/` 13.
        if let Some(i) = element_of(e, name) {
            // The element through the slicing, as the compiler sees the view: `seq[lo..hi][e]`
            // (its bounds checked once per view, not `seq[lo + e]` checked per element).
            let index = &i.index;
            let start = start.iter();
            *e = syn::parse_quote_spanned!(i.span()=> #seq[#(#start)*..#end][#index]);
        } else if length_of(e, name) {
            *e = match start {
                None => parenthesized(end.clone(), crate::precedence::PREC_ATOM),
                Some(start) => {
                    let (end, start) = (
                        parenthesized(end.clone(), 12),
                        parenthesized(start.clone(), 13),
                    );
                    syn::parse_quote!((#end - #start))
                }
            };
        }
    }
}
