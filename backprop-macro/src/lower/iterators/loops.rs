//! `for` loops over chains as the index loops they mean: `for (a, b) in x.iter().zip(&y)`
//! is `for i in 0..x.len().min(y.len()) { let a = &x[i]; let b = &y[i]; .. }`, and a loop
//! over a joined walk (`x.iter().chain(&y)`) one such loop per part.

use super::*;

/// `for pat in chain { body }` as an index loop.
pub(in crate::lower) fn for_loop(cx: &mut dyn Context, f: &syn::ExprForLoop) -> Option<Expr> {
    if let Some(parts) = joined::parts(cx, &f.expr) {
        return joined_loop(cx, f, parts);
    }
    // `for v in &a` over an array: the walk over its elements.
    let array = |e: &Expr| matches!(strip(e), Expr::Reference(r) if cx.is_array(&r.expr));
    let parsed = chain(&f.expr).or_else(|| whole(&f.expr).filter(|_| array(&f.expr)));
    let chain = checked(cx, parsed)?;
    // A loop over constants only is lowering's own (its items are constants).
    if chain.only_constants(cx) {
        return None;
    }
    let mutable = chain.muts.iter().any(|&m| m);
    // A plain `xs.iter().enumerate()` loop is lowering's own (over a slice, not an array),
    // when its pair is taken apart by the pattern (`for p in ..` reads `p.0` and `p.1`).
    let pair_by_name = chain.enumerate && matches!(&*f.pat, Pat::Ident(_));
    if chain.seqs.len() == 1
        && !pair_by_name
        && !cx.is_array(chain.seqs[0])
        && !matches!(strip(chain.seqs[0]), Expr::Index(_))
        && chain.maps.is_empty()
        && !chain.reverse
        && chain.limits.is_empty()
        && !mutable
    {
        return None;
    }
    if mutable && !chain.maps.is_empty() {
        cx.error(
            chain.first_adapter().unwrap_or(f.for_token.span),
            places::ADAPTED,
        );
        return Some(syn::parse_quote!({}));
    }
    let i = cx.fresh("i");
    let step = match loop_step(cx, f, &chain, &i)? {
        Ok(step) => step,
        Err(span) => {
            cx.error(span, places::MISUSE);
            return Some(syn::parse_quote!({}));
        }
    };
    let (range, label) = (chain.range(), &f.label);
    let span = f.for_token.span;
    Some(syn::parse_quote_spanned! {span=>
        #label for #i in #range {
            #step
        }
    })
}

/// One step of `for pat in chain { body }` at index `i`: the item bound to the pattern, then
/// the body; `Err` where the body misuses an item it may write through.
fn loop_step(
    cx: &mut dyn Context,
    f: &syn::ExprForLoop,
    chain: &Chain,
    i: &Ident,
) -> Option<Result<TokenStream, Span>> {
    let (pat, body) = (&f.pat, &f.body.stmts);
    let mut misuse = None;
    let read = pairs::Elements::of(cx, pat, body);
    let step = mapped(cx, &chain.maps, chain.item(i), &mut |value| {
        let mut body = body.clone();
        let taken = read.as_ref().and_then(|r| r.take_apart(&value, &mut body));
        let pat = taken.as_ref().unwrap_or(pat);
        let places = places::of(pat, &value);
        let bind_item = bind(pat, value)?;
        misuse = misuse.or(places::substitute(&places, &mut body));
        Some(quote!(#bind_item #(#body)*))
    })?;
    Some(misuse.map_or(Ok(step), Err))
}

/// `for pat in xs.iter().chain(&ys) { body }` (or over `.flatten()`): one loop per part, the
/// body in each; one that breaks out is refused (a `break` would leave one part's loop).
fn joined_loop(
    cx: &mut dyn Context,
    f: &syn::ExprForLoop,
    parts: Result<Vec<joined::Part>, Span>,
) -> Option<Expr> {
    let refused = |cx: &mut dyn Context, span, message| {
        cx.error(span, message);
        Some(syn::parse_quote!({}))
    };
    let parts = match parts {
        Ok(parts) => parts,
        Err(span) => return refused(cx, span, joined::JOINED),
    };
    // Over constants only: lowering's own loop (its items are constants).
    if !cx.carries(&f.expr) {
        return None;
    }
    if let Some(span) = crate::lower::break_value::first_break(&f.body, f.label.as_ref()) {
        return refused(cx, span, joined::JOINED);
    }
    let i = cx.fresh("i");
    let mut loops = joined::counter(&parts);
    for part in &parts {
        let chain = checked(cx, chain(&part.walk).or_else(|| whole(&part.walk)))
            .filter(|c| !c.muts.iter().any(|&m| m));
        let Some(chain) = chain else {
            return refused(cx, part.walk.span(), joined::JOINED);
        };
        let step = match loop_step(cx, f, &chain, &i) {
            Some(Ok(step)) => step,
            Some(Err(span)) => return refused(cx, span, places::MISUSE),
            None => return refused(cx, part.walk.span(), joined::JOINED),
        };
        loops.extend(part.looped(f.label.as_ref(), &i, &chain.range(), &step));
    }
    let span = f.for_token.span;
    Some(syn::parse_quote_spanned! {span=> { #loops } })
}
