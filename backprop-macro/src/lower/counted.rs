//! A walk zipped with a range of integers, as the enumeration it is, the range's item
//! bound in the closure or loop body that takes the pair apart:
//!
//! ```text
//! (0..n).zip(x).map(|(i, v)| i as f64 * v)
//!     ==>  x.into_iter().take(len of 0..n).enumerate().map(|(i, v)| i as f64 * v)
//! x.iter().zip(1..).map(|(v, k)| v / k as f64)
//!     ==>  x.iter().enumerate().map(|(counted, v)| { let k: usize = 1 + counted; v / k as f64 })
//! for (v, k) in x.iter().zip(1..) { .. }   (the same, in the loop's body)
//! ```
//!
//! A value repeated (`repeat(x).take(n)`, already `(0..n).map(|_| x)`) zipped with a walk
//! likewise: `repeat(x).take(n).zip(w).map(|(a, b)| a * b)` is
//! `w.iter().take(n).map(|b| { let a = x; a * b })`.
//!
//! Where the pair is taken apart at once, by `.map`, `.for_each` or `.fold`'s closure or a
//! `for` loop's pattern, the range is written `a..`, `a..b` or `a..=b` with `a` a name or
//! an integer written out (an index: the item is the count plus `a`, a `usize`), and the
//! range's item is bound to a name or ignored.

use super::*;

/// Rewrites every such walk in `block`; `taken`, the function's names.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    Counted { taken }.visit_block_mut(block);
}

struct Counted<'t> {
    taken: &'t mut HashSet<String>,
}

impl VisitMut for Counted<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            Expr::MethodCall(m) => {
                let at = match m.method.to_string().as_str() {
                    "map" | "for_each" if m.args.len() == 1 => 0,
                    "fold" if m.args.len() == 2 => 1,
                    _ => return,
                };
                let Some(zipped) = zipped_with_range(&m.receiver) else {
                    return;
                };
                let Expr::Closure(c) = &mut m.args[at] else {
                    return;
                };
                let input = if at == 0 { 0 } else { 1 };
                if c.inputs.len() != input + 1 {
                    return;
                }
                let taken = match &zipped.repeated {
                    Some(value) => repeated_apart(&mut c.inputs[input], value, zipped.range_first),
                    None => self.take_apart(&mut c.inputs[input], &zipped),
                };
                let Some((span, first)) = taken else {
                    return;
                };
                if let Some(first) = first {
                    let body = &c.body;
                    *c.body = syn::parse_quote_spanned!(body.span()=> { #first #body });
                }
                *m.receiver = zipped.walk(span);
            }
            Expr::ForLoop(f) => {
                let Some(zipped) = zipped_with_range(&f.expr) else {
                    return;
                };
                let taken = match &zipped.repeated {
                    Some(value) => repeated_apart(&mut f.pat, value, zipped.range_first),
                    None => self.take_apart(&mut f.pat, &zipped),
                };
                let Some((span, first)) = taken else {
                    return;
                };
                if let Some(first) = first {
                    f.body.stmts.insert(0, first);
                }
                *f.expr = zipped.walk(span);
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Counted<'_> {
    /// The pair's pattern `(i, v)` (in the zip's order) as `(count, v)`, and the statement
    /// binding `i` from the count (none for `_`, the count then `_` too): the pattern's span
    /// and that statement.
    fn take_apart(&mut self, pat: &mut Pat, zipped: &Zipped) -> Option<(Span, Option<syn::Stmt>)> {
        let (span, bound, other) = split_pair(pat, zipped.range_first)?;
        let Some(p) = bound else {
            *pat = syn::parse_quote_spanned!(span=> (_, #other));
            return Some((span, None));
        };
        let count = Ident::new(&crate::names::unused(self.taken, "counted"), span);
        let value = zipped.item(&count);
        *pat = syn::parse_quote_spanned!(span=> (#count, #other));
        // (Typed: an index, which a generic function's untyped `let` would not say.)
        Some((
            span,
            Some(syn::parse_quote_spanned!(span=> let #p: usize = #value;)),
        ))
    }
}

/// A walk zipped with a range: the walk (as an iterator), the range's ends, and which comes
/// first in the pair.
struct Zipped {
    walk: TokenStream,
    start: Expr,
    /// The end, and whether it is included (`..=`).
    end: Option<(Expr, bool)>,
    range_first: bool,
    /// The range mapped to one value, `(0..n).map(|_| x)` (what `repeat(x).take(n)` is
    /// written as before): each pair's item is `x`, and the walk is taken uncounted.
    repeated: Option<Expr>,
}

impl Zipped {
    /// The walk, counted: as many items as the range has, with their count.
    fn walk(&self, span: Span) -> Expr {
        let (walk, start) = (&self.walk, &self.start);
        let counted = match self.repeated {
            Some(_) => quote!(),
            None => quote!(.enumerate()),
        };
        match &self.end {
            None => syn::parse_quote_spanned!(span=> #walk #counted),
            Some((end, inclusive)) => {
                let range = match inclusive {
                    true => quote!(#start..=#end),
                    false => quote!(#start..#end),
                };
                syn::parse_quote_spanned! {span=>
                    #walk.take(::core::iter::Iterator::size_hint(&(#range)).0) #counted
                }
            }
        }
    }

    /// The range's item at the count `count`: the count itself from `0`, else the start
    /// and the count added (an index: `usize`, as the count is).
    fn item(&self, count: &Ident) -> Expr {
        let start = &self.start;
        match start {
            Expr::Lit(l) if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0") => {
                syn::parse_quote!(#count)
            }
            _ => syn::parse_quote_spanned!(count.span()=> #start + #count),
        }
    }
}

/// `range.zip(walk)` or `walk.zip(range)`, the range's start named or written out.
fn zipped_with_range(e: &Expr) -> Option<Zipped> {
    let Expr::MethodCall(z) = strip(e) else {
        return None;
    };
    if z.method != "zip" || z.args.len() != 1 {
        return None;
    }
    fn ranged(e: &Expr) -> Option<(&syn::ExprRange, Option<Expr>)> {
        range_of(e).map(|r| (r, None)).or_else(|| repeated_range(e))
    }
    let ((range, repeated), walk, range_first) = match (ranged(&z.receiver), ranged(&z.args[0])) {
        (Some(r), None) => (r, as_walk(&z.args[0]), true),
        (None, Some(r)) => (r, z.receiver.to_token_stream(), false),
        _ => return None,
    };
    // (A start whose type may be another integer's than `usize` is left: the item would
    // not be of the range's type.)
    let index = |e: &Expr| match strip(e) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => matches!(i.suffix(), "" | "usize"),
        Expr::Path(p) => p.path.get_ident().is_some(),
        _ => false,
    };
    let start = range.start.as_deref().filter(|s| index(s))?.clone();
    let closed = matches!(range.limits, syn::RangeLimits::Closed(_));
    let end = range.end.as_ref().map(|end| ((**end).clone(), closed));
    Some(Zipped {
        walk,
        start,
        end,
        range_first,
        repeated,
    })
}

/// `(a..b).map(|_| x)` with `x` a name, a field or a literal: the range and `x`.
fn repeated_range(e: &Expr) -> Option<(&syn::ExprRange, Option<Expr>)> {
    let Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    let (Some(range), [Expr::Closure(c)]) = (
        range_of(&m.receiver),
        &m.args.iter().collect::<Vec<_>>()[..],
    ) else {
        return None;
    };
    let single = matches!(c.inputs.iter().collect::<Vec<_>>()[..], [Pat::Wild(_)]);
    (m.method == "map" && single && super::copies::plain(&c.body))
        .then(|| (range, Some((*c.body).clone())))
}

/// The pair's pattern `(a, v)` (in the zip's order) of a repeated value `x` and the walk's
/// item, as `v`, and `let a = x;` (none for `_`): the pattern's span and that statement.
fn repeated_apart(pat: &mut Pat, value: &Expr, first: bool) -> Option<(Span, Option<syn::Stmt>)> {
    let (span, bound, other) = split_pair(pat, first)?;
    *pat = other;
    Some((
        span,
        bound.map(|p| syn::parse_quote_spanned!(span=> let #p = #value;)),
    ))
}

/// A pair's pattern `(a, v)` whose item `a` (first or second) is a name or `_`: its span,
/// the name, and the other item's pattern.
fn split_pair(pat: &Pat, first: bool) -> Option<(Span, Option<syn::PatIdent>, Pat)> {
    let Pat::Tuple(t) = pat else { return None };
    if t.elems.len() != 2 {
        return None;
    }
    let (item, other) = match first {
        true => (&t.elems[0], &t.elems[1]),
        false => (&t.elems[1], &t.elems[0]),
    };
    let bound = match item {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(p.clone()),
        Pat::Wild(_) => None,
        _ => return None,
    };
    Some((t.span(), bound, other.clone()))
}

/// `a..`, `a..b`, `a..=b`, perhaps in parentheses.
fn range_of(e: &Expr) -> Option<&syn::ExprRange> {
    match strip(e) {
        Expr::Range(r) => Some(r),
        _ => None,
    }
}

/// What `zip` takes, as the iterator it makes: `&a` as `a.iter()`, `&mut a` as
/// `a.iter_mut()`, a name as `a.into_iter()`, an iterator as it is.
fn as_walk(e: &Expr) -> TokenStream {
    match strip(e) {
        Expr::Reference(r) => {
            let seq = &r.expr;
            match r.mutability {
                Some(_) => quote!(#seq.iter_mut()),
                None => quote!(#seq.iter()),
            }
        }
        Expr::MethodCall(m) if super::iterators::gives_iterator(&m.method) => quote!(#m),
        e @ (Expr::Path(_) | Expr::Field(_)) => quote!(#e.into_iter()),
        e => quote!((#e).into_iter()),
    }
}
