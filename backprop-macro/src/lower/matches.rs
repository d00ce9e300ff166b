//! `match` as the `if` / `else if` chain it means: each arm's test is a constant
//! (`match k { 1 | 2 if n > 0 => true, _ => false }`, the derivative does not flow through
//! a comparison), its body a branch; the last arm is the final `else`, since the user's
//! function, compiled as written, is checked for exhaustiveness by rustc. Everything after
//! (values of arms, `return` and `break` in arms, nesting) is then what `if` supports.
//!
//! A name an arm binds and uses (`Some(k) => x * k as f64`) is taken out of the matched
//! value at the top of its branch, `let k = match flag { Some(k) => k, _ => unreachable!() };`
//! (a projection, [`is_projection`]), which lowering accepts when the matched value carries
//! no derivative; a lone name (`v if v < 0.0 => -v`) is the matched value itself, `let v =
//! x;`, which may carry one. `if let P = e { a } else { b }` is the `match e { P => a, _ =>
//! b }` it means, `while let P = e { a }` the `loop { match e { P => a, _ => break } }`,
//! and `matches!(e, P if g)` the `match e { P if g => true, _ => false }`.

use super::*;
use syn::visit::Visit;

/// Rewrites every `match` in `block` into an `if` chain; a pattern that binds a name is an
/// error (its value would have to flow into the arm).
pub(super) fn desugar(
    block: &syn::Block,
    errors: &mut Errors,
    taken: &mut HashSet<String>,
) -> syn::Block {
    let mut block = block.clone();
    let mut rewrite = Rewrite { errors, taken };
    rewrite.visit_block_mut(&mut block);
    block
}

struct Rewrite<'e> {
    errors: &'e mut Errors,
    /// Every identifier of the function: a matched value's local avoids them.
    taken: &'e mut HashSet<String>,
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner matches first: arms may hold matches of their own.
        syn::visit_mut::visit_expr_mut(self, expr);
        if let Some(m) = matches_macro(expr) {
            *expr = m;
        }
        // A chain of `let`s and conditions: `if`s and `match`es nested, each rewritten as
        // it is made (its arms are rewritten already).
        if let Expr::If(i) = expr
            && let Some(conds) = let_chain(i)
        {
            let other = match &i.else_branch {
                Some((_, e)) => quote!(#e),
                None => quote!({}),
            };
            let then = &i.then_branch;
            let chain = self.chained(&conds, &quote!(#then), &other, i.if_token.span);
            match syn::parse2(chain) {
                Ok(chain) => *expr = chain,
                Err(e) => self.errors.push(e),
            }
            return;
        }
        if let Some(popping) = super::growth::popping_let(expr) {
            *expr = popping;
            return;
        }
        if let Some(m) = if_let(expr) {
            *expr = m;
        }
        if let Some((label, m)) = while_let(expr) {
            // The arms are rewritten already: only the new `match` is left to rewrite.
            let inner = self.rewrite(m);
            *expr = syn::parse_quote_spanned!(inner.span()=> #label loop { #inner });
            return;
        }
        if let Expr::Match(m) = expr {
            // A test, or a projection (`let P = e else ..`'s), is what lowering reads.
            if is_test(m) || is_projection(m).is_some() {
                return;
            }
            *expr = self.rewrite(m.clone());
        }
    }

    // `let P = e else { .. };`: the test and the projection it means, rewritten as
    // every other `match`.
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let last = block.stmts.len().saturating_sub(1);
        for (k, stmt) in block.stmts.iter_mut().enumerate() {
            if let syn::Stmt::Expr(Expr::If(i), semi) = stmt
                && (semi.is_some() || k < last)
                && let Some(flagged) = flagged_chain(i, self.taken)
            {
                *stmt = syn::Stmt::Expr(flagged, *semi);
            }
        }
        if block.stmts.iter().any(is_let_else) {
            let stmts = std::mem::take(&mut block.stmts);
            for stmt in stmts {
                match stmt {
                    syn::Stmt::Local(local)
                        if local.init.as_ref().is_some_and(|i| i.diverge.is_some()) =>
                    {
                        block.stmts.extend(let_else(local, self.taken));
                    }
                    other => block.stmts.push(other),
                }
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    // Items inside the body are not the function's code. Closures are rewritten too: an
    // iterator chain's closures become the function's code (`x.iter().map(|&v| match act
    // { .. })`), and the `if` chain means the same in a closure that stays one.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

fn is_let_else(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Local(l) if l.init.as_ref().is_some_and(|i| i.diverge.is_some()))
}

/// `let P = e else { D };` as `if !matches!(e, P) { D }` then `let n = match e { P => n, _
/// => unreachable!() };` for each name `P` binds, its projection. Names bound `mut` stay
/// so; the test binds none (`Some(_)`). A value that takes an item (`stack.pop()`), or that
/// reads a name the pattern binds, is evaluated once, into a local the test and the
/// projections read.
fn let_else(local: syn::Local, taken: &mut HashSet<String>) -> Vec<syn::Stmt> {
    let Some(syn::LocalInit {
        expr: value,
        diverge: Some((_, diverge)),
        ..
    }) = local.init
    else {
        return vec![syn::Stmt::Local(local)];
    };
    let (pat, span) = (&local.pat, local.let_token.span);
    let mut out: Vec<syn::Stmt> = Vec::new();
    let mut takes = TakesItems(false);
    takes.visit_expr(&value);
    // Read once, too, where a later projection would read a name an earlier one binds.
    let names = pattern_idents(pat);
    let tokens = value.to_token_stream();
    let rebinds = names.len() > 1 && names.iter().any(|n| mentions(&tokens, &n.ident));
    let value: Expr = if takes.0 || rebinds {
        let matched = Ident::new(&crate::names::unused(taken, "matched"), value.span());
        out.push(syn::parse_quote_spanned!(span=> let #matched = #value;));
        syn::parse_quote!(#matched)
    } else {
        *value
    };
    let mut test = pat.clone();
    Unbound.visit_pat_mut(&mut test);
    out.push(syn::parse_quote_spanned!(span=> if !matches!(#value, #test) #diverge));
    for name in names {
        let (m, ident) = (&name.mutability, &name.ident);
        out.push(syn::parse_quote_spanned! {span=>
            let #m #ident = match #value { #pat => #ident, _ => ::core::unreachable!() };
        });
    }
    out
}

/// Every name a pattern binds as `_` (`Some(v)` as `Some(_)`, `v @ Some(_)` as `Some(_)`):
/// a test that moves nothing out of what it matches.
struct Unbound;

impl VisitMut for Unbound {
    fn visit_pat_mut(&mut self, pat: &mut Pat) {
        if let Pat::Ident(p) = pat
            && names_a_binding(&p.ident)
        {
            *pat = match p.subpat.take() {
                Some((_, sub)) => *sub,
                None => syn::parse_quote!(_),
            };
        }
        syn::visit_mut::visit_pat_mut(self, pat);
    }
}

/// The names a pattern binds, as written (`mut` too); not unit variants and constants
/// (`None`, `MAX`), which a pattern names as it names a binding.
fn pattern_idents(pat: &Pat) -> Vec<syn::PatIdent> {
    lone_idents(pat)
        .into_iter()
        .filter(|p| names_a_binding(&p.ident))
        .collect()
}

/// Whether a lone identifier in a pattern is, by convention, a name it binds: not a unit
/// variant or a constant (`None`, `MAX`), which start with a capital.
fn names_a_binding(ident: &Ident) -> bool {
    !ident.to_string().starts_with(|c: char| c.is_uppercase())
}

impl Rewrite<'_> {
    /// The `if` chain of `m`. Its arms test the matched value and take their names out of
    /// it again, so a value that changes what it is read from (`stack.pop()`,
    /// `it.next()`) is matched once, through a local: `{ let matched = stack.pop(); if
    /// match matched { .. } { .. } }`.
    fn rewrite(&mut self, mut m: syn::ExprMatch) -> Expr {
        let mut taken = TakesItems(false);
        taken.visit_expr(&m.expr);
        let binds = m.arms.iter().any(|arm| !bindings(&arm.pat).is_empty());
        let once = taken.0 && binds;
        if !once {
            return self.chain(&m).unwrap_or(Expr::Match(m));
        }
        let matched = Ident::new(&crate::names::unused(self.taken, "matched"), m.expr.span());
        let value = std::mem::replace(&mut *m.expr, syn::parse_quote!(#matched));
        let chain = self.chain(&m).unwrap_or(Expr::Match(m));
        syn::parse_quote_spanned!(value.span()=> { let #matched = #value; #chain })
    }

    fn chain(&mut self, m: &syn::ExprMatch) -> Option<Expr> {
        let (last, tests) = m.arms.split_last()?;
        let scrutinee = &m.expr;
        // Read from the last arm up: each earlier arm wraps what follows in its `else`.
        let mut chain = branch(last, scrutinee);
        for arm in tests.iter().rev() {
            // syn keeps a guard in the pattern: `1 | 2 if n > 0`.
            let pat = &arm.pat;
            let then = branch(arm, scrutinee);
            chain = quote_spanned! {arm.pat.span()=>
                if match #scrutinee { #pat => true, _ => false } { #then } else { #chain }
            };
        }
        let chain = if tests.is_empty() {
            quote!({ #chain })
        } else {
            chain
        };
        match syn::parse2(chain) {
            Ok(chain) => Some(chain),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }
}

/// An arm's body as the statements of a branch, after the names its pattern binds and its
/// body uses ([`lets`]; a guard's names are read in the arm's test, where the pattern binds
/// them). `v => ..`, `v if v < 0.0 => ..`: the name is the matched value itself, which may
/// carry a derivative (`match x { v if v < 0.0 => -v, v => v.sqrt() }`).
fn branch(arm: &syn::Arm, scrutinee: &Expr) -> TokenStream {
    let body = arm.body.to_token_stream();
    // The pattern without its guard: in the branch, the whole arm matched, so this does.
    let pat = match &arm.pat {
        Pat::Guard(g) => &*g.pat,
        pat => pat,
    };
    with_lets(lets(pat, scrutinee, &body), &arm.body)
}

/// The `let`s that bind the names `pat` binds and `body` uses, from `scrutinee`: a lone
/// name is the value itself; a tuple pattern over a tuple written out (`match (a, b) { (p,
/// q) if p > q => .. }`) binds each element from its own expression; other names are
/// projections ([`is_projection`]), which lowering accepts when the matched value carries
/// no derivative, or when it is an element ([`element_projection`]).
fn lets(pat: &Pat, scrutinee: &Expr, body: &TokenStream) -> TokenStream {
    let pat = match pat {
        Pat::Paren(p) => &*p.pat,
        pat => pat,
    };
    if let Pat::Ident(p) = pat
        && p.subpat.is_none()
        && p.by_ref.is_none()
        && names_a_binding(&p.ident)
    {
        let (name, mutability) = (&p.ident, &p.mutability);
        return match mentions(body, name) {
            true => quote_spanned! {name.span()=> let #mutability #name = #scrutinee; },
            false => TokenStream::new(),
        };
    }
    if let (Pat::Tuple(names), Expr::Tuple(values)) = (pat, strip(scrutinee))
        && names.elems.len() == values.elems.len()
        && !names.elems.iter().any(|p| matches!(p, Pat::Rest(_)))
    {
        // Each element's value is read after the names before it are bound: none may read
        // a name the pattern binds (`match (b, a) { (a, b) => .. }` stays a projection).
        let bound = bindings(pat);
        let reads_bound = values.elems.iter().any(|v| {
            let tokens = v.to_token_stream();
            bound.iter().any(|b| mentions(&tokens, b))
        });
        if !reads_bound {
            return names
                .elems
                .iter()
                .zip(&values.elems)
                .map(|(p, v)| lets(p, v, body))
                .collect();
        }
    }
    bindings(pat)
        .into_iter()
        // `None`, `MAX`: a unit variant or a constant, not a name bound (by convention).
        .filter(names_a_binding)
        .filter(|b| mentions(body, b))
        .map(|b| {
            let mutability = binds_mut(pat, &b).then(|| quote!(mut));
            quote_spanned! {b.span()=>
                let #mutability #b = match #scrutinee { #pat => #b, _ => ::core::unreachable!() };
            }
        })
        .collect()
}

/// Whether `pat` binds `name` as `mut name`.
fn binds_mut(pat: &Pat, name: &Ident) -> bool {
    struct Find<'n>(&'n Ident, bool);
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.1 |= p.ident == *self.0 && p.mutability.is_some();
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut find = Find(name, false);
    find.visit_pat(pat);
    find.1
}

/// The element a projection ([`is_projection`]) takes out of `x.get(i)`, `x.first()` or
/// `x.last()` (with `.copied()` or `.cloned()` or without) by `Some(&v)` or `Some(v)`:
/// `x[i]` (`&x[i]` for a reference in the user's code). The arm's test has found it there;
/// lowering reads it so when `x` carries a derivative.
pub(super) fn element_projection(m: &syn::ExprMatch) -> Option<Expr> {
    let Pat::TupleStruct(some) = is_projection(m)? else {
        return None;
    };
    let [inner] = &some.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if !some.path.is_ident("Some") {
        return None;
    }
    let mut e = strip(&m.expr);
    let mut by_value = super::iterators::copies(&mut e);
    let Expr::MethodCall(c) = e else {
        return None;
    };
    let mut seq = &*c.receiver;
    let at = match (c.method.to_string().as_str(), c.args.len()) {
        ("get", 1) => {
            let i = &c.args[0];
            quote!(#i)
        }
        ("first", 0) => quote!(0),
        ("last", 0) => quote!(#seq.len() - 1),
        // `x.iter().find(|&&v| v > t)` (or over `.copied()`): the element at the position
        // the same test finds first (`find`'s test takes a reference to the item,
        // `position`'s the item).
        // `x.iter().find(|&&v| v > t)` (or over `.copied()`): the element at the position
        // the same test finds first.
        ("find", 1) => {
            let found = found_at(c, None)?;
            (seq, by_value) = (found.seq, found.by_value);
            let at = found.at;
            quote!(#at.unwrap())
        }
        _ => return None,
    };
    let reference = match inner {
        Pat::Reference(r) if !by_value => pat_ident(&r.pat).map(|_| false),
        p => pat_ident(p).map(|_| !by_value),
    }?;
    syn::parse2(match reference {
        true => quote_spanned! {c.method.span()=> &#seq[#at]},
        false => quote_spanned! {c.method.span()=> #seq[#at]},
    })
    .ok()
}

/// The element or sub-slice a projection ([`is_projection`]) takes out of a sequence by a
/// slice pattern (`match x { [a, .., z] => .. }`, `let [first, rest @ ..] = x else ..`):
/// `x[k]` for the `k`-th name, `x[x.len() - k]` for one `k` from the end after `..`, and
/// `&x[i..x.len() - j]` for `rest @ ..`. A name is a reference (`&x[k]`) where the user's
/// code has one: over a borrowed sequence (`x: &[f64]`), unless the pattern takes it by
/// value (`[&a, ..]`). `None` for another pattern.
pub(super) fn slice_projection(
    m: &syn::ExprMatch,
    borrowed: impl Fn(&Expr) -> bool,
) -> Option<Expr> {
    let Pat::Slice(slice) = is_projection(m)? else {
        return None;
    };
    let Expr::Path(name) = &*m.arms[0].body else {
        return None;
    };
    let name = name.path.get_ident()?;
    // `v.as_slice()`, `&v[..]`, `&a`: the sequence, borrowed.
    let (seq, borrowed) = match strip(&m.expr) {
        Expr::MethodCall(c) if c.method == "as_slice" && c.args.is_empty() => (&*c.receiver, true),
        Expr::Reference(r) => match strip(&r.expr) {
            Expr::Index(ix) if matches!(strip(&ix.index), Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
                (&*ix.expr, true)
            }
            e => (e, true),
        },
        e => (e, borrowed(e)),
    };
    let elems: Vec<&Pat> = slice.elems.iter().collect();
    let rest = elems.iter().position(|p| match p {
        Pat::Rest(_) => true,
        Pat::Ident(i) => matches!(i.subpat.as_ref().map(|s| &*s.1), Some(Pat::Rest(_))),
        _ => false,
    });
    let (n, span) = (elems.len(), name.span());
    for (k, pat) in elems.iter().enumerate() {
        let (ident, by_value) = match pat {
            Pat::Reference(r) => (pat_ident(&r.pat).map(|(i, _)| i), true),
            // `rest @ ..`
            Pat::Ident(i) if Some(k) == rest => (Some(&i.ident), false),
            p => (pat_ident(p).map(|(i, _)| i), !borrowed),
        };
        if ident != Some(name) {
            continue;
        }
        if Some(k) == rest {
            let (before, after) = (k, n - k - 1);
            return Some(syn::parse_quote_spanned!(span=> &#seq[#before..#seq.len() - #after]));
        }
        let at = match rest {
            Some(r) if k > r => {
                let back = n - k;
                quote!(#seq.len() - #back)
            }
            _ => quote!(#k),
        };
        return Some(match by_value {
            true => syn::parse_quote_spanned!(span=> #seq[#at]),
            false => syn::parse_quote_spanned!(span=> &#seq[#at]),
        });
    }
    None
}

/// The statements `lets`, then an arm's body.
fn with_lets(lets: TokenStream, body: &Expr) -> TokenStream {
    match body {
        Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
            let stmts = &b.block.stmts;
            quote!(#lets #(#stmts)*)
        }
        other => quote!(#lets #other),
    }
}

/// `matches!(e, P)` (or `matches!(e, P if guard)`): the test `match e { P => true, _ =>
/// false }` it expands to.
fn matches_macro(expr: &Expr) -> Option<Expr> {
    let Expr::Macro(m) = expr else { return None };
    if !m.mac.path.is_ident("matches") {
        return None;
    }
    let parser = |input: syn::parse::ParseStream| {
        let value: Expr = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let pat = Pat::parse_multi_with_leading_vert(input)?;
        let guard = match input.parse::<Option<syn::Token![if]>>()? {
            Some(_) => Some(input.parse::<Expr>()?),
            None => None,
        };
        input.parse::<Option<syn::Token![,]>>()?;
        Ok((value, pat, guard))
    };
    let (value, pat, guard) = m.mac.parse_body_with(parser).ok()?;
    let guard = guard.map(|g| quote!(if #g));
    let span = m.mac.path.segments[0].ident.span();
    syn::parse2(quote_spanned! {span=>
        match #value { #pat #guard => true, _ => false }
    })
    .ok()
}

/// `if let P = e { a } else { b }` as `match e { P => { a } _ => { b } }` (`_ => {}` without
/// an `else`); a chain of `let`s is [`Rewrite::chained`]'s.
fn if_let(expr: &Expr) -> Option<Expr> {
    let Expr::If(i) = expr else { return None };
    let Expr::Let(l) = &*i.cond else { return None };
    let (pat, value, then) = (&l.pat, &l.expr, &i.then_branch);
    let other = match &i.else_branch {
        Some((_, e)) => quote!(#e),
        None => quote!({}),
    };
    syn::parse2(quote_spanned! {i.if_token.span=>
        match #value { #pat => #then, _ => #other }
    })
    .ok()
}

/// An `if` chain in statement position whose `else` would be written at two or more of
/// its failures (a condition before its first `let`, a second `let`), with a flag instead:
/// `{ let mut matched = false; if CHAIN { matched = true; THEN } if !matched { ELSE; } }`,
/// `ELSE` once. An `else if` ladder of such chains stays linear in its length (each `else`
/// written twice per level doubles the code at every level).
fn flagged_chain(i: &syn::ExprIf, taken: &mut HashSet<String>) -> Option<Expr> {
    let conds = let_chain(i)?;
    let (_, other) = i.else_branch.as_ref()?;
    let lets = conds.iter().filter(|c| matches!(c, Expr::Let(_))).count();
    let failures = lets + usize::from(!matches!(conds[0], Expr::Let(_)));
    if failures < 2 {
        return None;
    }
    let span = i.if_token.span;
    let flag = Ident::new(&crate::names::unused(taken, "matched"), span);
    let (cond, then) = (&i.cond, &i.then_branch);
    Some(syn::parse_quote_spanned! {span=>
        {
            let mut #flag = false;
            if #cond {
                #flag = true;
                #then
            }
            if !#flag {
                #other;
            }
        }
    })
}

/// The conditions of an `if` that chains `let`s and conditions with `&&` (Rust 2024), in
/// order; `None` for a condition without a `let`, or a lone `let`.
fn let_chain(i: &syn::ExprIf) -> Option<Vec<&Expr>> {
    fn conjuncts<'a>(cond: &'a Expr, out: &mut Vec<&'a Expr>) {
        match cond {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                conjuncts(&b.left, out);
                conjuncts(&b.right, out);
            }
            other => out.push(other),
        }
    }
    let mut conds = Vec::new();
    conjuncts(&i.cond, &mut conds);
    (conds.len() > 1 && conds.iter().any(|c| matches!(c, Expr::Let(_)))).then_some(conds)
}

impl Rewrite<'_> {
    /// `then` when every condition holds and every `let` matches, `other` otherwise: the
    /// `if`s and `match`es the chain means, each condition after a `let` its guard (`if let
    /// Some(&v) = x.first() && v > 0.0 && let Some(k) = hit` is `match x.first() { Some(&v)
    /// if v > 0.0 => match hit { Some(k) => a, _ => b }, _ => b }`, `b` written once per way
    /// to reach it), each `match` rewritten as it is made.
    fn chained(
        &mut self,
        conds: &[&Expr],
        then: &TokenStream,
        other: &TokenStream,
        span: Span,
    ) -> TokenStream {
        let Some(first) = conds.iter().position(|c| matches!(c, Expr::Let(_))) else {
            return match conds {
                [] => then.clone(),
                _ => quote_spanned!(span=> if #(#conds)&&* { #then } else { #other }),
            };
        };
        let Expr::Let(l) = conds[first] else {
            unreachable!("found as a `let`");
        };
        let rest = &conds[first + 1..];
        // The conditions up to the next `let` guard its arm.
        let guards = rest
            .iter()
            .position(|c| matches!(c, Expr::Let(_)))
            .unwrap_or(rest.len());
        let guard = match &rest[..guards] {
            [] => TokenStream::new(),
            g => quote!(if #(#g)&&*),
        };
        let inner = self.chained(&rest[guards..], then, other, span);
        let (pat, value) = (&l.pat, &l.expr);
        let matched = quote_spanned!(span=> match #value { #pat #guard => #inner, _ => #other });
        let matched = match syn::parse2(matched) {
            Ok(m) => self.rewrite(m).to_token_stream(),
            Err(e) => {
                self.errors.push(e);
                return quote!({});
            }
        };
        match &conds[..first] {
            [] => matched,
            before => quote_spanned!(span=> if #(#before)&&* { #matched } else { #other }),
        }
    }
}

/// Whether an expression calls a method that hands out an item by changing its receiver
/// (`next`, `pop`, ...), or lends something mutably (`step(&mut pos)`): evaluated twice,
/// it would hand out two.
struct TakesItems(bool);

impl Visit<'_> for TakesItems {
    fn visit_expr_reference(&mut self, r: &syn::ExprReference) {
        self.0 |= r.mutability.is_some();
        syn::visit::visit_expr_reference(self, r);
    }

    fn visit_expr_method_call(&mut self, m: &syn::ExprMethodCall) {
        // Also `Option::take`, a name iterators use for an adaptor by value.
        let name = m.method.to_string();
        self.0 |= name == "take" || TAKING_METHODS.contains(&name.as_str());
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// `'l: while let P = e { a }` as `'l: loop { match e { P => { a } _ => break 'l } }`: the
/// loop's label and the `match`.
fn while_let(expr: &Expr) -> Option<(Option<syn::Label>, syn::ExprMatch)> {
    let Expr::While(w) = expr else { return None };
    let Expr::Let(l) = &*w.cond else { return None };
    let (pat, value, body) = (&l.pat, &l.expr, &w.body);
    let leave = match &w.label {
        Some(label) => {
            let name = &label.name;
            quote!(break #name)
        }
        None => quote!(break),
    };
    let m = syn::parse2(quote_spanned! {w.while_token.span=>
        match #value { #pat => #body, _ => #leave }
    })
    .ok()?;
    Some((w.label.clone(), m))
}

/// `match e { P => name, _ => unreachable!() }`, the projection [`branch`] writes: a
/// constant when `e` carries no derivative, whose arm reads the name `P` binds.
pub(super) fn is_projection(m: &syn::ExprMatch) -> Option<&Pat> {
    let [arm, rest] = &m.arms[..] else {
        return None;
    };
    let unreachable = is_unreachable(&rest.body);
    let named = matches!(&*arm.body, Expr::Path(p)
        if p.path.get_ident().is_some_and(|name| bindings(&arm.pat).contains(name)));
    (matches!(rest.pat, Pat::Wild(_)) && unreachable && named).then_some(&arm.pat)
}

/// `unreachable!(..)`, an arm [`branch`] writes where no value can come.
pub(super) fn is_unreachable(body: &Expr) -> bool {
    matches!(body, Expr::Macro(mac)
        if mac.mac.path.segments.last().is_some_and(|s| s.ident == "unreachable"))
}

/// A `match` that is already a test: every arm's body `true` or `false`. A constant, as a
/// condition is.
pub(super) fn is_test(m: &syn::ExprMatch) -> bool {
    m.arms
        .iter()
        .all(|arm| matches!(&*arm.body, Expr::Lit(l) if matches!(l.lit, syn::Lit::Bool(_))))
}

/// The names a pattern may bind: every lone identifier (rustc decides which of them name a
/// constant or a unit variant, such as `None`; the macro cannot).
pub(super) fn bindings(pat: &Pat) -> Vec<Ident> {
    lone_idents(pat).into_iter().map(|p| p.ident).collect()
}

/// Every lone identifier of a pattern (`v`, `mut v`, `rest @ ..`), in order.
fn lone_idents(pat: &Pat) -> Vec<syn::PatIdent> {
    struct Find(Vec<syn::PatIdent>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.clone());
            syn::visit::visit_pat_ident(self, p);
        }
        // A guard is an expression, not a pattern.
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut find = Find(Vec::new());
    find.visit_pat(pat);
    find.0
}

/// What [`found_at`] finds.
pub(super) struct Found<'a> {
    pub(super) seq: &'a Expr,
    pub(super) by_value: bool,
    pub(super) at: Expr,
}

/// `x.iter().find(|pat| test)` (also over `x.iter().copied()` or `.cloned()`): the sequence
/// `x`, whether its items are values, and the position the same test finds first
/// (`find`'s test takes a reference to the item, `position`'s the item: `|&&v|` becomes
/// `|&v|`; another pattern is called on a reference through `on_ref`, which needs the
/// facade's path `private`, or is not taken).
pub(super) fn found_at<'a>(
    find: &'a syn::ExprMethodCall,
    private: Option<&TokenStream>,
) -> Option<Found<'a>> {
    let [test] = &find.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let Expr::Closure(c) = strip(test) else {
        return None;
    };
    let [pat] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let (walked, body) = (&find.receiver, &c.body);
    let mut walk = strip(walked);
    let copied_last = super::iterators::copies(&mut walk);
    let mut by_value = copied_last;
    // `x.iter().rev().find(..)`: the last element passing, at the position `rposition`
    // finds (counted from the front), over the walk without its `rev`.
    let (mut position, mut forward) = (quote!(position), walked.to_token_stream());
    if let Expr::MethodCall(rev) = walk
        && rev.method == "rev"
        && rev.args.is_empty()
    {
        walk = strip(&rev.receiver);
        by_value |= super::iterators::copies(&mut walk);
        position = quote!(rposition);
        let receiver = &rev.receiver;
        forward = match copied_last {
            true => quote!(#receiver.copied()),
            false => quote!(#receiver),
        };
    }
    let Expr::MethodCall(iter) = walk else {
        return None;
    };
    if find.method != "find" || iter.method != "iter" || !iter.args.is_empty() {
        return None;
    }
    let span = find.method.span();
    let at = match (pat, private) {
        (Pat::Reference(r), _) => {
            let inner = &r.pat;
            syn::parse_quote_spanned!(span=> #forward.#position(|#inner| #body))
        }
        (_, Some(private)) => {
            let item = Ident::new("found", Span::mixed_site());
            syn::parse_quote_spanned!(span=>
                #forward.#position(|#item| #private::on_ref(#item, |#pat| #body)))
        }
        (_, None) => return None,
    };
    Some(Found {
        seq: &iter.receiver,
        by_value,
        at,
    })
}
