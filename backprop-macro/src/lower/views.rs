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
//! A list of a sequence's chunks is read the same way, each chunk through its slicing:
//!
//! ```text
//! let rows: Vec<&[f64]> = x.chunks(3).collect();      (x.len() + (3 - 1)) / 3
//! rows.len()                                     ==>  x[i * 3..(i * 3 + 3).min(x.len())][2]
//! rows[i][2]                                          x.chunks(3)
//! for r in &rows { .. }
//! ```
//!
//! (`chunks_exact` without the `min`, its length `x.len() / 3`), where the list is not
//! `mut`, afterwards only indexed (by names, literals and arithmetic), measured, walked
//! (`rows.iter()`, `for r in &rows`) or given whole to a `for` loop, and neither it, the
//! sequence nor a name in the chunk's size is assigned or bound again after it.
//!
//! The same for an element bound by value, `let p = pts[i];` of a `Copy` struct read only
//! by its fields (`p.x`): it is the element borrowed, `let p = &pts[i];`, which lowering
//! reads field by field, under the same conditions.

use super::*;
use extrema::Mentions;

/// Rewrites the reads of every such view in `block`.
pub(super) fn desugar(block: &mut syn::Block) {
    AsSlice.visit_block_mut(block);
    ChunkLists.visit_block_mut(block);
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

/// Rewrites every list of chunks in a block ([module](self)) as its sequence's slicings.
struct ChunkLists;

impl VisitMut for ChunkLists {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut at = 0;
        while at < block.stmts.len() {
            let found = chunk_list(&block.stmts[at]).filter(|list| {
                let mut size = Mentions::default();
                size.visit_expr(&list.size);
                let mut watched = size.names;
                watched.insert(list.seq.to_string());
                only_used_as(
                    &list.name,
                    &watched,
                    &block.stmts[at + 1..],
                    ChunkList::read,
                )
                .is_some()
            });
            let Some(list) = found else {
                at += 1;
                continue;
            };
            let mut reads = ChunkReads { list: &list };
            for stmt in &mut block.stmts[at + 1..] {
                reads.visit_stmt_mut(stmt);
            }
            // Nothing is left to make: the list is its sequence.
            block.stmts.remove(at);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// `let name: Vec<&[T]> = seq.chunks(size).collect();` (or `collect::<Vec<_>>()`;
/// `chunks_exact`).
struct ChunkList {
    name: Ident,
    seq: Ident,
    size: Expr,
    exact: bool,
}

fn chunk_list(stmt: &syn::Stmt) -> Option<ChunkList> {
    let (name, init) = plain_let(stmt, true)?;
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let is_vec = |t: &syn::Type| {
        matches!(t, syn::Type::Path(p) if p.qself.is_none()
            && p.path.segments.last().is_some_and(|s| s.ident == "Vec"))
    };
    let typed = match &local.pat {
        Pat::Type(t) => Some(is_vec(&t.ty)),
        _ => None,
    };
    let Expr::MethodCall(collect) = init else {
        return None;
    };
    let turbofish = collect.turbofish.as_ref().map(|t| {
        matches!(t.args.first(), Some(syn::GenericArgument::Type(t)) if is_vec(t))
            && t.args.len() == 1
    });
    if collect.method != "collect"
        || !collect.args.is_empty()
        || !matches!((typed, turbofish), (Some(true), None) | (None, Some(true)))
    {
        return None;
    }
    let Expr::MethodCall(chunks) = &*collect.receiver else {
        return None;
    };
    let exact = chunks.method == "chunks_exact";
    if !(exact || chunks.method == "chunks") || chunks.args.len() != 1 {
        return None;
    }
    let size = chunks.args.first()?;
    let seq = match &*chunks.receiver {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident()?.clone(),
        _ => return None,
    };
    extrema::plain(size).then(|| ChunkList {
        name: name.clone(),
        seq,
        size: parenthesized(size.clone(), crate::precedence::PREC_ATOM),
        exact,
    })
}

impl ChunkList {
    /// The reads the rewrite takes: `rows[e]` (`e` plain), `rows.len()`, `rows.iter()`,
    /// `for r in &rows` / `for r in rows`.
    fn read(e: &Expr, name: &Ident) -> bool {
        match e {
            Expr::ForLoop(f) => is_name(strip_ref(&f.expr), name),
            Expr::MethodCall(m) => {
                (m.method == "iter" || m.method == "len")
                    && m.args.is_empty()
                    && is_name(&m.receiver, name)
            }
            _ => element_of(e, name).is_some_and(|i| extrema::plain(&i.index)),
        }
    }

    /// `rows.method()`.
    fn whole(&self, m: &syn::ExprMethodCall, method: &str) -> bool {
        is_name(&m.receiver, &self.name) && m.method == method && m.args.is_empty()
    }

    /// `rows[index]` as `seq[lo..hi]`.
    fn chunk_of(&self, e: &Expr) -> Option<Expr> {
        let index = parenthesized((*element_of(e, &self.name)?.index).clone(), 13);
        let ChunkList { seq, size, .. } = self;
        let lo: Expr = syn::parse_quote!(#index * #size);
        let hi: Expr = match self.exact {
            true => syn::parse_quote!(#lo + #size),
            false => syn::parse_quote!((#lo + #size).min(#seq.len())),
        };
        Some(syn::parse_quote!(#seq[#lo..#hi]))
    }

    /// `rows.len()`: the number of chunks.
    fn count(&self) -> Expr {
        let ChunkList { seq, size, .. } = self;
        match self.exact {
            true => syn::parse_quote!((#seq.len() / #size)),
            false => syn::parse_quote!(((#seq.len() + (#size - 1)) / #size)),
        }
    }

    /// `rows.iter()`: `seq.chunks(size)`.
    fn walk(&self) -> Expr {
        let ChunkList { seq, size, .. } = self;
        match self.exact {
            true => syn::parse_quote!(#seq.chunks_exact(#size)),
            false => syn::parse_quote!(#seq.chunks(#size)),
        }
    }
}

fn strip_ref(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) if r.mutability.is_none() => &r.expr,
        e => e,
    }
}

struct ChunkReads<'a> {
    list: &'a ChunkList,
}

impl VisitMut for ChunkReads<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        let list = self.list;
        match e {
            Expr::ForLoop(f) if is_name(strip_ref(&f.expr), &list.name) => *f.expr = list.walk(),
            Expr::MethodCall(m) if list.whole(m, "iter") => *e = list.walk(),
            Expr::MethodCall(m) if list.whole(m, "len") => *e = list.count(),
            // A chunk read or measured in place, through its slicing.
            Expr::Index(syn::ExprIndex { expr: inner, .. })
            | Expr::MethodCall(syn::ExprMethodCall {
                receiver: inner, ..
            }) if element_of(inner, &list.name).is_some() => {
                if let Some(chunk) = list.chunk_of(inner) {
                    **inner = chunk;
                }
            }
            // Given elsewhere: borrowed.
            _ => {
                if let Some(chunk) = list.chunk_of(e) {
                    *e = syn::parse_quote!(&#chunk);
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
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
