//! Iterator chains over slices as the index loops they mean:
//! `x.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>()` becomes
//! `{ let mut total = 0.0; for i in 0..x.len().min(y.len()) { let a = x[i]; let b = y[i];
//! total = total + a * b; } total }`, and `for (a, b) in x.iter().zip(&y)` an index loop.
//! Supported: a source `xs.iter()` (or `&xs`, `xs`, with `.copied()` / `.cloned()`), then
//! optionally `.zip(ys)` and `.enumerate()`, any number of `.map(|..| ..)`, and `.sum()`,
//! `.product()` or `.fold(init, |acc, ..| ..)`, over sequences of floats (slices, `Vec`s,
//! arrays `[T; N]`; lowering checks, since it knows what each name is). The rewritten
//! expression is then lowered as written by hand.

use super::*;

/// What a rewrite needs from lowering: which names are sequences of floats, and names the
/// function does not use.
pub(super) trait Context {
    fn is_seq(&self, expr: &Expr) -> bool;
    fn fresh(&mut self, base: &str) -> Ident;
}

/// A chain, parsed: the sequences it walks together, whether it counts, and its maps.
struct Chain<'a> {
    seqs: Vec<&'a Expr>,
    enumerate: bool,
    maps: Vec<&'a syn::ExprClosure>,
}

/// `xs.iter()`, `xs.iter().copied()`, `&xs`, `xs`: the sequence `xs` (a path).
fn source(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "copied" || m.method == "cloned") =>
        {
            source(&m.receiver)
        }
        Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => path_of(&m.receiver),
        Expr::Reference(r) if r.mutability.is_none() => path_of(&r.expr),
        other => path_of(other),
    }
}

fn path_of(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        e @ Expr::Path(p) if p.path.get_ident().is_some() => Some(e),
        // A field chain of a struct parameter (`m.v`): `is_seq` decides.
        e @ Expr::Field(_) => Some(e),
        _ => None,
    }
}

/// The chain up to (not including) a terminal method.
fn chain(expr: &Expr) -> Option<Chain<'_>> {
    let mut maps = Vec::new();
    let mut e = strip(expr);
    // `.map(..)` from the last one back.
    while let Expr::MethodCall(m) = e {
        if m.method != "map" || m.args.len() != 1 {
            break;
        }
        let Expr::Closure(c) = strip(&m.args[0]) else {
            return None;
        };
        if c.inputs.len() != 1 {
            return None;
        }
        maps.push(c);
        e = strip(&m.receiver);
    }
    maps.reverse();
    let mut enumerate = false;
    if let Expr::MethodCall(m) = e {
        if m.method == "enumerate" && m.args.is_empty() {
            enumerate = true;
            e = strip(&m.receiver);
        }
    }
    let mut seqs = Vec::new();
    if let Expr::MethodCall(m) = e {
        if m.method == "zip" && m.args.len() == 1 {
            let (first, second) = (source(&m.receiver)?, source(&m.args[0])?);
            seqs.push(first);
            seqs.push(second);
        }
    }
    if seqs.is_empty() {
        // A bare source counts only with an adapter: `for x in xs.iter()` is lowering's.
        if maps.is_empty() && !enumerate {
            return None;
        }
        seqs.push(source(e)?);
    }
    Some(Chain {
        seqs,
        enumerate,
        maps,
    })
}

impl Chain<'_> {
    /// `0..xs.len()`, or the shortest of the zipped lengths.
    fn range(&self) -> TokenStream {
        let first = self.seqs[0];
        let rest = self.seqs[1..].iter().map(|s| quote!(.min(#s.len())));
        quote!(0..#first.len() #(#rest)*)
    }

    /// One item at index `i`: `xs[i]`, `(xs[i], ys[i])`, `(i, xs[i])`, ...
    fn item(&self, i: &Ident) -> Value {
        let mut elems: Vec<Value> = self
            .seqs
            .iter()
            .map(|s| Value::One(quote!(#s[#i])))
            .collect();
        let value = if elems.len() == 1 {
            elems.remove(0)
        } else {
            Value::Tuple(elems)
        };
        if self.enumerate {
            Value::Tuple(vec![Value::One(quote!(#i)), value])
        } else {
            value
        }
    }
}

/// An item: one value, or a tuple of them (zipped, enumerated).
enum Value {
    One(TokenStream),
    Tuple(Vec<Value>),
}

/// `let name = value;` for every name `pat` binds, the tuple taken apart (references in
/// the pattern dropped: the items are values). `None` for a pattern that does not fit.
fn bind(pat: &Pat, value: Value) -> Option<TokenStream> {
    match (pat, value) {
        (Pat::Reference(r), v) => bind(&r.pat, v),
        (Pat::Paren(p), v) => bind(&p.pat, v),
        (Pat::Type(t), v) => bind(&t.pat, v),
        (Pat::Wild(_), _) => Some(TokenStream::new()),
        (Pat::Ident(p), Value::One(v)) if p.subpat.is_none() => {
            let name = &p.ident;
            Some(quote!(let #name = #v;))
        }
        (Pat::Tuple(t), Value::Tuple(vs)) if t.elems.len() == vs.len() => {
            let mut out = TokenStream::new();
            for (p, v) in t.elems.iter().zip(vs) {
                out.extend(bind(p, v)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn plain(pat: &Pat) -> Pat {
    match pat {
        Pat::Reference(r) => plain(&r.pat),
        Pat::Tuple(t) => {
            let elems = t.elems.iter().map(plain);
            syn::parse_quote!((#(#elems),*))
        }
        Pat::Paren(p) => plain(&p.pat),
        Pat::Type(t) => plain(&t.pat),
        other => other.clone(),
    }
}

/// The maps applied to an item: `let pat = value; let t = body; ...`, ending in the value.
fn mapped(
    cx: &mut dyn Context,
    maps: &[&syn::ExprClosure],
    value: Value,
) -> Option<(TokenStream, Value)> {
    let mut stmts = TokenStream::new();
    let mut value = value;
    for map in maps {
        stmts.extend(bind(&map.inputs[0], value)?);
        let body = &map.body;
        let name = cx.fresh("mapped");
        stmts.extend(quote!(let #name = #body;));
        value = Value::One(quote!(#name));
    }
    Some((stmts, value))
}

/// The chain's sequences, if all are sequences of floats.
fn checked<'a>(cx: &dyn Context, chain: Option<Chain<'a>>) -> Option<Chain<'a>> {
    chain.filter(|c| c.seqs.iter().all(|s| cx.is_seq(s)))
}

/// `chain.sum()`, `.product()`, `.fold(init, |acc, x| ..)` as a block.
pub(super) fn terminal(cx: &mut dyn Context, m: &syn::ExprMethodCall) -> Option<Expr> {
    let method = m.method.to_string();
    if !matches!(
        (method.as_str(), m.args.len()),
        ("sum" | "product", 0) | ("fold", 2)
    ) {
        return None;
    }
    let chain = checked(cx, chain(&m.receiver).or_else(|| bare(&m.receiver)))?;
    let i = cx.fresh("i");
    let total = cx.fresh("total");
    let (stmts, value) = mapped(cx, &chain.maps, chain.item(&i))?;
    let (init, step) = if method == "fold" {
        let Expr::Closure(f) = strip(&m.args[1]) else {
            return None;
        };
        if f.inputs.len() != 2 {
            return None;
        }
        let (acc, init, body) = (plain(&f.inputs[0]), &m.args[0], &f.body);
        let bind_x = bind(&f.inputs[1], value)?;
        (
            quote!(#init),
            quote!(#stmts let #acc = #total; #bind_x #total = #body;),
        )
    } else {
        let Value::One(value) = value else {
            return None;
        };
        if method == "sum" {
            let zero = float_lit(super::types::float_param().as_ref(), "0.0");
            (zero, quote!(#stmts #total = #total + #value;))
        } else {
            let one = float_lit(super::types::float_param().as_ref(), "1.0");
            (one, quote!(#stmts #total = #total * #value;))
        }
    };
    let range = chain.range();
    let span = m.method.span();
    Some(syn::parse_quote_spanned! {span=>
        {
            let mut #total = #init;
            for #i in #range {
                #step
            }
            #total
        }
    })
}

/// `for pat in chain { body }` as an index loop.
pub(super) fn for_loop(cx: &mut dyn Context, f: &syn::ExprForLoop) -> Option<Expr> {
    let chain = checked(cx, chain(&f.expr))?;
    // A plain `xs.iter().enumerate()` loop is lowering's own.
    if chain.seqs.len() == 1 && chain.maps.is_empty() {
        return None;
    }
    let i = cx.fresh("i");
    let (stmts, value) = mapped(cx, &chain.maps, chain.item(&i))?;
    let bind_item = bind(&f.pat, value)?;
    let (range, body, label) = (chain.range(), &f.body.stmts, &f.label);
    let span = f.for_token.span;
    Some(syn::parse_quote_spanned! {span=>
        #label for #i in #range {
            #stmts
            #bind_item
            #(#body)*
        }
    })
}

/// `xs.iter()` (`.copied()`, `.cloned()`) alone, before `.sum()` or `.product()`.
fn bare(expr: &Expr) -> Option<Chain<'_>> {
    let Expr::MethodCall(m) = strip(expr) else {
        return None;
    };
    if !m.args.is_empty() || !["iter", "copied", "cloned"].contains(&m.method.to_string().as_str())
    {
        return None;
    }
    Some(Chain {
        seqs: vec![source(expr)?],
        enumerate: false,
        maps: Vec::new(),
    })
}

impl Context for Lower<'_> {
    fn is_seq(&self, expr: &Expr) -> bool {
        self.local_of(expr)
            .is_some_and(|v| self.kind(v) == Kind::Seq)
    }

    fn fresh(&mut self, base: &str) -> Ident {
        Ident::new(&self.names.syntax(base), Span::mixed_site())
    }
}
