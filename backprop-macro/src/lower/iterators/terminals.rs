//! The methods that end a chain (`sum`, `product`, `fold`, `for_each`, `collect`,
//! `max_by(..).unwrap()`, `reduce(..).unwrap()`) as the block that loops over it.

use super::*;

/// `chain.sum()`, `.product()`, `.fold(init, |acc, x| ..)`, `.for_each(|x| ..)` or
/// `.collect()` as a block.
pub(in crate::lower) fn terminal(cx: &mut dyn Context, m: &syn::ExprMethodCall) -> Option<Expr> {
    // An index the comparison picks is a constant, not a loop over values.
    if super::methods::picks_index(m) {
        return None;
    }
    if let Some(block) = extreme(cx, m) {
        return Some(block);
    }
    if let Some(block) = reduced(cx, m) {
        return Some(block);
    }
    let method = m.method.to_string();
    if !matches!(
        (method.as_str(), m.args.len()),
        ("sum" | "product" | "collect", 0) | ("fold", 2) | ("for_each", 1)
    ) {
        return None;
    }
    // Walks joined end to end: the loop of each part in turn.
    if let Some(block) = joined_terminal(cx, m, &method) {
        return block;
    }
    // Over a range of indices, or over the windows or chunks of a sequence.
    let (chain, stretches) = match ending_chain(cx, &m.receiver, m) {
        Some(chain) => (Some(chain), None),
        None => (None, Some(stretch_chain(cx, &m.receiver)?)),
    };
    let i = cx.fresh("i");
    if let Some(chain) = &chain
        && chain.muts.iter().any(|&m| m)
        && (method != "for_each" || !chain.maps.is_empty())
    {
        let at = match method == "for_each" {
            true => chain.first_adapter(),
            false => None,
        };
        cx.error(at.unwrap_or(m.method.span()), places::ADAPTED);
        return Some(syn::parse_quote!({}));
    }
    if method == "for_each"
        && let Some(chain) = &chain
        && let Some(span) = places::misused(chain, &m.args[0], &i)
    {
        cx.error(span, places::MISUSE);
        return Some(syn::parse_quote!({}));
    }
    let total = cx.fresh("total");
    let Accumulator {
        init,
        typed,
        prelude,
        step: mut finish,
    } = accumulator(
        cx,
        m,
        &method,
        chain.as_ref().and_then(Chain::count),
        &total,
    )?;
    let (step, head) = match (&chain, stretches) {
        (Some(chain), _) => {
            let range = chain.range();
            let step = mapped(cx, &chain.maps, chain.item(&i), &mut *finish)?;
            (step, quote!(#i in #range))
        }
        (None, Some((maps, head, None))) => {
            // The first map's parameters are the loop's own: its body is the first value.
            let Some((Adapter::Map(first), rest)) = maps.split_first() else {
                return None;
            };
            let (name, body) = (cx.fresh("mapped"), &first.body);
            let inner = mapped(cx, rest, Value::One(quote!(#name)), &mut *finish)?;
            (quote!(let #name = #body; #inner), head)
        }
        (None, Some((maps, head, Some(item)))) => (mapped(cx, &maps, item, &mut *finish)?, head),
        (None, None) => return None,
    };
    let span = m.method.span();
    Some(syn::parse_quote_spanned! {span=>
        {
            let mut #total #typed = #init;
            #prelude
            for #head {
                #step
            }
            #total
        }
    })
}

/// What one item adds to an accumulator (`None` where the item does not fit).
type Step = Box<dyn FnMut(Value) -> Option<TokenStream>>;

/// How a terminal method accumulates: the accumulator's first value, its type where the
/// chain names it, what comes before the loop, and the step adding one item.
struct Accumulator {
    init: TokenStream,
    typed: TokenStream,
    prelude: TokenStream,
    step: Step,
}

/// A terminal over a joined walk ([`joined`]): the accumulator's loop once per part, in
/// order. `None` when the receiver is not one; an error where a part is not a walk.
fn joined_terminal(
    cx: &mut dyn Context,
    m: &syn::ExprMethodCall,
    method: &str,
) -> Option<Option<Expr>> {
    let refused = |cx: &mut dyn Context, span| {
        cx.error(span, joined::JOINED);
        Some(Some(syn::parse_quote!({})))
    };
    let parts = match joined::parts(cx, &m.receiver)? {
        Ok(parts) => parts,
        Err(span) => return refused(cx, span),
    };
    // Over constants only, with no derivative going in: a constant, kept as written.
    if !cx.carries(&Expr::MethodCall(m.clone())) {
        return Some(None);
    }
    let chains = match part_chains(cx, &parts, m) {
        Ok(chains) => chains,
        Err(span) => return refused(cx, span),
    };
    // How many items, for `collect` (unknown after a filter).
    let count = chains
        .iter()
        .zip(&parts)
        .map(|(chain, part)| Some(part.count(&chain.count()?)))
        .collect::<Option<Vec<_>>>()
        .map(|counts| quote!(#(#counts)+*));
    let (total, i) = (cx.fresh("total"), cx.fresh("i"));
    let Some(Accumulator {
        init,
        typed,
        prelude,
        step: mut finish,
    }) = accumulator(cx, m, method, count, &total)
    else {
        return refused(cx, m.method.span());
    };
    let loops = match part_loops(cx, &parts, &chains, &i, &mut *finish) {
        Ok(loops) => loops,
        Err(span) => return refused(cx, span),
    };
    let span = m.method.span();
    Some(Some(syn::parse_quote_spanned! {span=>
        {
            let mut #total #typed = #init;
            #prelude
            #loops
            #total
        }
    }))
}

/// The accumulator of `method` (`sum`, `product`, `fold`, `for_each`, `collect`) into
/// `total`; `count` is how many items the walk gives (for `collect`; `None` when a filter
/// leaves it unknown).
fn accumulator(
    cx: &mut dyn Context,
    m: &syn::ExprMethodCall,
    method: &str,
    count: Option<TokenStream>,
    total: &Ident,
) -> Option<Accumulator> {
    let float = |text| float_lit(super::types::float_param().as_ref(), text);
    let mut prelude = TokenStream::new();
    // The accumulator's type, where the chain names it (`fold(0.0, f64::max)`).
    let mut typed = TokenStream::new();
    let (init, step): (TokenStream, Step) = match method {
        "fold" => {
            // `fold(init, f64::max)`: the function as the closure `|acc, x| f64::max(acc,
            // x)` (typed by its path: `0.0.max(x)` would be of an ambiguous float type).
            let named: Option<syn::ExprClosure> = match strip(&m.args[1]) {
                Expr::Path(p) if p.path.segments.len() == 2 => {
                    let method = &p.path.segments[1].ident;
                    let float = &p.path.segments[0].ident;
                    Math::from_name(&method.to_string())
                        .filter(|e| e.arity == 1)
                        .map(|_| {
                            typed = quote!(: #float);
                            syn::parse_quote!(|acc, x| #p(acc, x))
                        })
                }
                _ => None,
            };
            let f = match (&named, strip(&m.args[1])) {
                (Some(c), _) => c,
                (None, Expr::Closure(c)) => c,
                _ => return None,
            };
            if f.inputs.len() != 2 {
                return None;
            }
            let (acc, init, body) = (plain(&f.inputs[0]), &m.args[0], f.body.clone());
            if typed.is_empty() {
                let arrays = cx.is_array(root_receiver(&m.receiver));
                typed = literal_type(init, &f.body, &acc, arrays);
            }
            let x = f.inputs[1].clone();
            let total = total.clone();
            let read = pairs::Elements::of_expr(cx, &x, &body);
            (
                quote!(#init),
                Box::new(move |value| {
                    let mut body = body.clone();
                    let taken = read
                        .as_ref()
                        .and_then(|r| r.take_apart_expr(&value, &mut body));
                    // The item first: it reads the sequence, which the accumulator's name may
                    // hide (`x.iter().fold(0.0, |x, v| x + v)`).
                    let bind_x = bind(taken.as_ref().unwrap_or(&x), value)?;
                    Some(quote!(#bind_x let #acc = #total; #total = #body;))
                }),
            )
        }
        "for_each" => {
            let Expr::Closure(f) = strip(&m.args[0]) else {
                return None;
            };
            if f.inputs.len() != 1 {
                return None;
            }
            let (x, body) = (f.inputs[0].clone(), (*f.body).clone());
            let read = pairs::Elements::of_expr(cx, &x, &body);
            (
                quote!(()),
                Box::new(move |value| {
                    let mut body = [syn::Stmt::Expr(body.clone(), None)];
                    let taken = read.as_ref().and_then(|r| r.take_apart(&value, &mut body));
                    let x = taken.as_ref().unwrap_or(&x);
                    // `xs.iter_mut().for_each(|x| *x *= 2.0)`: the places the body writes.
                    let places = places::of(x, &value);
                    places::substitute(&places, &mut body);
                    let bind_x = bind(x, value)?;
                    let [body] = body;
                    Some(quote!(#bind_x #body;))
                }),
            )
        }
        "collect" => {
            // (Rows are pushed into a vector of the type written.)
            typed = collected_rows(m).map_or_else(TokenStream::new, |t| quote!(: #t));
            let (init, before, step) = collector(cx, count.filter(|_| typed.is_empty()), total);
            prelude = before;
            (init, step)
        }
        _ => {
            typed = turbofish_type(m);
            let (init, op) = if method == "sum" {
                // The standard library's float sums start at −0.0 (so a sum of nothing,
                // or of −0.0s, is −0.0): the same value, to the sign of zero.
                let zero = match super::types::float_param() {
                    Some(t) => quote!(#t::neg_zero()),
                    None => quote!(-0.0),
                };
                (zero, quote!(+))
            } else {
                (float("1.0"), quote!(*))
            };
            let total = total.clone();
            (
                init,
                Box::new(move |value| {
                    let value = value.one()?;
                    Some(quote!(#total = #total #op #value;))
                }),
            )
        }
    };
    Some(Accumulator {
        init,
        typed,
        prelude,
        step,
    })
}

/// A chain over the windows or chunks of a sequence of floats (`x.windows(2).map(|w| ..)`;
/// of rows or structs when the first map's parameter is the window, `ps.windows(2).map(|w|
/// w[1].x - w[0].x)`,
/// also `.enumerate()`d, or two such walks zipped: `x.windows(2).zip(y.windows(2))`): its
/// adapters, the head of the `for` loop over them (which lowering walks as its index loop,
/// `windows.rs`), and the item each iteration gives — `None` when the first adapter is a
/// map whose parameters the loop takes as its own (`for w in x.windows(2)`), so that a body
/// that only indexes `w` reads `x` in place.
fn stretch_chain<'a>(
    cx: &mut dyn Context,
    expr: &'a Expr,
) -> Option<(Vec<Adapter<'a>>, TokenStream, Option<Value>)> {
    let (maps, mut e) = adapters(expr)?;
    let enumerate = peel(&mut e, "enumerate");
    // A stretch of a sequence, and whether its items are rows (or structs) rather than
    // floats.
    let stretch = |cx: &dyn Context, e: &Expr| match strip(e) {
        Expr::MethodCall(m)
            if STRETCHES.contains(&m.method.to_string().as_str())
                && m.args.len() == 1
                && cx.is_seq(&m.receiver) =>
        {
            Some(cx.has_rows(&m.receiver))
        }
        _ => None,
    };
    let (zipped, rows) = match strip(e) {
        Expr::MethodCall(z) if z.method == "zip" && z.args.len() == 1 => {
            let (a, b) = (stretch(cx, &z.receiver), stretch(cx, &z.args[0]));
            (true, a? || b?)
        }
        one => (false, stretch(cx, one)?),
    };
    let name = |p: &Pat| match plain(p) {
        Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => Some(i.ident),
        _ => None,
    };
    // The item's shape, made of plain names: a stretch, or a pair of them zipped.
    let shape = |p: &Pat| match (zipped, plain(p)) {
        (false, p) => name(&p).map(|w| quote!(#w)),
        (true, Pat::Tuple(t)) if t.elems.len() == 2 => {
            let (a, b) = (name(&t.elems[0])?, name(&t.elems[1])?);
            Some(quote!((#a, #b)))
        }
        _ => None,
    };
    // The first map's parameters, when they are plain names of the item's shape.
    let own = match maps.first() {
        Some(Adapter::Map(c)) => match (enumerate, plain(&c.inputs[0])) {
            (false, p) => shape(&p),
            (true, Pat::Tuple(t)) if t.elems.len() == 2 => name(&t.elems[0])
                .zip(shape(&t.elems[1]))
                .map(|(j, w)| quote!((#j, #w))),
            _ => None,
        },
        _ => None,
    };
    let iter = match enumerate {
        true => quote!(#e.enumerate()),
        false => quote!(#e),
    };
    if let Some(pat) = own {
        return Some((maps, quote!(#pat in #iter), None));
    }
    // Windows of rows or of structs only as the loop's own item (`ps.windows(2).map(|w|
    // w[1].x - w[0].x)`: `w[j]` read in place), never held as a value.
    if rows {
        return None;
    }
    let (w, item) = match zipped {
        false => {
            let w = cx.fresh("window");
            (quote!(#w), Value::One(quote!(#w)))
        }
        true => {
            let (a, b) = (cx.fresh("window"), cx.fresh("window"));
            let item = Value::Tuple(vec![Value::One(quote!(#a)), Value::One(quote!(#b))]);
            (quote!((#a, #b)), item)
        }
    };
    Some(if enumerate {
        let j = cx.fresh("j");
        let item = Value::Tuple(vec![Value::One(quote!(#j)), item]);
        (maps, quote!((#j, #w) in #iter), Some(item))
    } else {
        (maps, quote!(#w in #iter), Some(item))
    })
}

/// `chain.max_by(|a, b| a.total_cmp(b)).unwrap()` (or `min_by`, `.expect(..)`,
/// `.unwrap_or(d)`, after `.copied()` or `.cloned()`, a method path `f64::total_cmp`) as the loop that keeps the greatest (least) item so far: an `if`
/// on the comparison, whose value carries no derivative, and an assignment it guards. Ties
/// go as in the standard library: `max_by` keeps the last greatest, `min_by` the first least.
fn extreme(cx: &mut dyn Context, m: &syn::ExprMethodCall) -> Option<Expr> {
    let Expr::MethodCall(inner) = strip(&m.receiver) else {
        return None;
    };
    let mut inner = inner;
    // `.max_by(..).copied().unwrap_or(0.0)`: the best item's value.
    if (inner.method == "copied" || inner.method == "cloned") && inner.args.is_empty() {
        let Expr::MethodCall(search) = strip(&inner.receiver) else {
            return None;
        };
        inner = search;
    }
    let unwraps = (m.method == "unwrap" && m.args.is_empty())
        || ((m.method == "expect" || m.method == "unwrap_or") && m.args.len() == 1);
    let max = match inner.method.to_string().as_str() {
        "max_by" => true,
        "min_by" => false,
        _ => return None,
    };
    if !unwraps || inner.args.len() != 1 {
        return None;
    }
    let compare: syn::ExprClosure = match strip(&inner.args[0]) {
        Expr::Closure(c) if c.inputs.len() == 2 => c.clone(),
        // `f64::total_cmp`: called as the closure `|a, b| f64::total_cmp(a, b)`.
        Expr::Path(p) => syn::parse_quote!(|a, b| #p(a, b)),
        _ => return None,
    };
    let (i, best, found, item) = (
        cx.fresh("i"),
        cx.fresh("best"),
        cx.fresh("found"),
        cx.fresh("item"),
    );
    // The comparison of the best so far with the item, its arguments substituted: by
    // reference for `|a, b|`, by value for `|&a, &b|`.
    let mut order = (*compare.body).clone();
    super::closures::Substitute {
        names: [(&compare.inputs[0], &best), (&compare.inputs[1], &item)]
            .into_iter()
            .filter_map(|(p, v)| match super::closures::closure_param(p)? {
                (name, true) => Some((name.to_string(), syn::parse_quote!(#v))),
                (name, false) => Some((name.to_string(), syn::parse_quote!(&#v))),
            })
            .collect(),
    }
    .visit_expr_mut(&mut order);
    // `max_by` takes the item unless the best so far is greater, `min_by` only if it is.
    let replace = match max {
        true => quote!(!= ::core::cmp::Ordering::Greater),
        false => quote!(== ::core::cmp::Ordering::Greater),
    };
    let mut finish = |value: Value| {
        let value = value.one()?;
        // The first item is taken before any comparison (which also gives `best` its type
        // before a method is called on it).
        Some(quote! {
            let #item = #value;
            if !#found {
                #best = #item;
            } else if #order #replace {
                #best = #item;
            }
            #found = true;
        })
    };
    let result = unwrapped(m, &best, &found)?;
    let loops = walk_loops(cx, &inner.receiver, m, &i, &mut finish)?;
    Some(first_item_loop(
        &best,
        &found,
        loops,
        result,
        inner.method.span(),
    ))
}

/// The loops that walk `receiver` (a chain, or each part of a joined walk in turn), each
/// item's step from `finish`; `whole` is the method that ends the walk.
fn walk_loops(
    cx: &mut dyn Context,
    receiver: &Expr,
    whole: &syn::ExprMethodCall,
    i: &Ident,
    finish: &mut dyn FnMut(Value) -> Option<TokenStream>,
) -> Option<TokenStream> {
    let Some(parts) = joined::parts(cx, receiver) else {
        let chain = ending_chain(cx, receiver, whole)?;
        let (step, range) = (
            mapped(cx, &chain.maps, chain.item(i), finish)?,
            chain.range(),
        );
        return Some(quote!(for #i in #range { #step }));
    };
    let parts = parts.ok()?;
    let chains = part_chains(cx, &parts, whole).ok()?;
    part_loops(cx, &parts, &chains, i, finish).ok()
}

/// Each part's chain, as `whole` ends it; `Err` at the first part that is no walk of
/// floats (or one written through).
fn part_chains<'a>(
    cx: &mut dyn Context,
    parts: &'a [joined::Part],
    whole: &syn::ExprMethodCall,
) -> Result<Vec<Chain<'a>>, Span> {
    parts
        .iter()
        .map(|part| {
            ending_chain(cx, &part.walk, whole)
                .filter(|c| !c.muts.iter().any(|&m| m))
                .ok_or_else(|| part.walk.span())
        })
        .collect()
}

/// The parts' loops in order (the counter of an `.enumerate()` after the join first),
/// each item's step from `finish`.
fn part_loops(
    cx: &mut dyn Context,
    parts: &[joined::Part],
    chains: &[Chain],
    i: &Ident,
    finish: &mut dyn FnMut(Value) -> Option<TokenStream>,
) -> Result<TokenStream, Span> {
    let mut loops = joined::counter(parts);
    for (chain, part) in chains.iter().zip(parts) {
        let step =
            mapped(cx, &chain.maps, chain.item(i), finish).ok_or_else(|| part.walk.span())?;
        loops.extend(part.looped(None, i, &chain.range(), &step));
    }
    Ok(loops)
}

/// What `.unwrap()`, `.expect(msg)` or `.unwrap_or(d)` of the `Option` a search builds give:
/// `acc`, asserting that `found`; or `d` when nothing was.
fn unwrapped(m: &syn::ExprMethodCall, acc: &Ident, found: &Ident) -> Option<TokenStream> {
    Some(match (m.method.to_string().as_str(), m.args.len()) {
        ("unwrap", 0) => {
            quote!(assert!(#found, "called `Option::unwrap()` on a `None` value"); #acc)
        }
        ("expect", 1) => {
            let message = &m.args[0];
            quote!(assert!(#found, "{}", #message); #acc)
        }
        ("unwrap_or", 1) => {
            let otherwise = &m.args[0];
            quote!(if #found { #acc } else { #otherwise })
        }
        _ => return None,
    })
}

/// The loops of a search over a chain (`max_by`, `reduce`): `acc` starts at zero (typed
/// by the first item, which each step stores when not `found`), `result` reads it after.
fn first_item_loop(
    acc: &Ident,
    found: &Ident,
    loops: TokenStream,
    result: TokenStream,
    span: Span,
) -> Expr {
    let zero = float_lit(super::types::float_param().as_ref(), "0.0");
    syn::parse_quote_spanned! {span=>
        {
            let mut #acc = #zero;
            let mut #found = false;
            #loops
            #result
        }
    }
}

/// `chain.reduce(f).unwrap()` (or `.expect(..)`, `.unwrap_or(d)`), `f` a closure `|a, b|
/// ..` or a float method's path (`f64::max`), as the loop it means: the first item as the
/// start, then `acc = f(acc, item)` for each other one.
fn reduced(cx: &mut dyn Context, m: &syn::ExprMethodCall) -> Option<Expr> {
    let Expr::MethodCall(inner) = strip(&m.receiver) else {
        return None;
    };
    if inner.method != "reduce" || inner.args.len() != 1 {
        return None;
    }
    let (acc, found) = (cx.fresh("acc"), cx.fresh("found"));
    let result = unwrapped(m, &acc, &found)?;
    let f: syn::ExprClosure = match strip(&inner.args[0]) {
        Expr::Closure(c) if c.inputs.len() == 2 => c.clone(),
        Expr::Path(p) if p.path.segments.len() == 2 => {
            let method = &p.path.segments[1].ident;
            Math::from_name(&method.to_string()).filter(|e| e.arity == 1)?;
            let (a, b) = (cx.fresh("a"), cx.fresh("b"));
            syn::parse_quote!(|#a, #b| #p(#a, #b))
        }
        _ => return None,
    };
    let i = cx.fresh("i");
    let (first, second, body) = (f.inputs[0].clone(), f.inputs[1].clone(), f.body.clone());
    let mut finish = |value: Value| {
        // The accumulator as the user's code holds it: as the items are.
        let held = match &value {
            Value::Ref(_) => Value::Ref(quote!(#acc)),
            _ => Value::One(quote!(#acc)),
        };
        let (bind_acc, item) = (bind(&first, held)?, bind(&second, value.clone())?);
        let value = value.one()?;
        Some(quote! {
            if !#found {
                #acc = #value;
            } else {
                #bind_acc
                #item
                #acc = #body;
            }
            #found = true;
        })
    };
    let loops = walk_loops(cx, &inner.receiver, m, &i, &mut finish)?;
    Some(first_item_loop(
        &acc,
        &found,
        loops,
        result,
        inner.method.span(),
    ))
}

/// `collect()` into `total`: the `Vec` it starts as, what comes before the loop, and the
/// step. Into a `Vec` of the chain's length, element by element; after a filter, whose
/// `count` is unknown, pushed (each an element write at the old length).
fn collector(
    cx: &mut dyn Context,
    count: Option<TokenStream>,
    total: &Ident,
) -> (TokenStream, TokenStream, Step) {
    let total = total.clone();
    let Some(len) = count else {
        return (
            quote!(::std::vec::Vec::new()),
            TokenStream::new(),
            Box::new(move |value| {
                let value = value.one()?;
                Some(quote!(#total.push(#value);))
            }),
        );
    };
    let k = cx.fresh("k");
    let zero = float_lit(super::types::float_param().as_ref(), "0.0");
    (
        quote!(vec![#zero; #len]),
        quote!(let mut #k = 0usize;),
        Box::new(move |value| {
            let value = value.one()?;
            Some(quote!(#total[#k] = #value; #k += 1;))
        }),
    )
}

/// The type of a `collect` into rows (`collect::<Vec<Vec<f64>>>()`, or a `let`'s type given
/// it): they are pushed, not written into a vector of floats.
fn collected_rows(m: &syn::ExprMethodCall) -> Option<&syn::Type> {
    m.turbofish.iter().flat_map(|t| &t.args).find_map(|a| match a {
        syn::GenericArgument::Type(t)
            if matches!(super::types::classify(t), TypeClass::Seq(_, depth) if depth > 1) =>
        {
            Some(t)
        }
        _ => None,
    })
}

/// `sum::<f64>()`: the accumulator of the type the turbofish names (a chain over values
/// computed from arrays adds through the runtime's generic `add`, which leaves an untyped
/// zero's type open). Nothing without one.
fn turbofish_type(m: &syn::ExprMethodCall) -> TokenStream {
    let args: Vec<&syn::GenericArgument> = m.turbofish.iter().flat_map(|t| &t.args).collect();
    match args[..] {
        [syn::GenericArgument::Type(ty)] => quote!(: #ty),
        _ => TokenStream::new(),
    }
}

/// `fold(0.0, |acc, c| acc.mul_add(x, c))`: Rust types the untyped literal from where the
/// fold's value goes, before the closure's method call needs it; the loop the fold becomes
/// calls the method first. And where the loop adds through the arrays' generic arithmetic
/// (`acc + (e * t)` with `t = v.dot(v)`), nothing types it before its value's methods
/// (`t4.tanh()`). The literal then takes the signature's float type (a value of another
/// float type is written typed).
fn literal_type(init: &Expr, body: &Expr, acc: &Pat, arrays: bool) -> TokenStream {
    let untyped = super::types::float_param().is_none() && super::types::untyped_float(init);
    match untyped && (arrays || calls_method_on(body, acc)) {
        true => super::types::signature_float().map_or_else(TokenStream::new, |t| quote!(: #t)),
        false => TokenStream::new(),
    }
}

/// Whether `body` calls a method on the variable `acc` binds (`acc.max(x)`).
fn calls_method_on(body: &Expr, acc: &Pat) -> bool {
    struct Finder<'a> {
        acc: &'a Ident,
        found: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if let Expr::Path(p) = strip(&m.receiver)
                && p.path.is_ident(self.acc)
            {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let Pat::Ident(acc) = acc else {
        return false;
    };
    let mut finder = Finder {
        acc: &acc.ident,
        found: false,
    };
    syn::visit::Visit::visit_expr(&mut finder, body);
    finder.found
}
