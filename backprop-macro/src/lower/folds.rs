//! A fold over a tuple of accumulators, `let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN),
//! |(a, b), &v| (a.min(v), b.max(v)));`, as the loop it means: one local per accumulator,
//! the closure's state pattern bound to them at the top of each step, and the step's tuple
//! assigned to them at its end:
//!
//! ```text
//! let mut lo = f64::MAX; let mut hi = f64::MIN;
//! for &v in xs.iter() { let (a, b) = (lo, hi); (lo, hi) = (a.min(v), b.max(v)); }
//! ```
//!
//! Lowering then sees a loop over the chain and tuples written out, which it supports.

use super::*;

/// Rewrites every such `let` in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    Rewrite {
        taken,
        caller: None,
    }
    .visit_block_mut(block);
}

/// A fold whose accumulator is a struct of the caller's module (`let c =
/// pts.iter().fold(V2::new(0.0, 0.0), |a, &p| a + p);`), as the loop it means, before the
/// helpers inline the struct's operators and methods in it:
///
/// ```text
/// let mut fold = V2::new(0.0, 0.0); for &p in pts.iter() { let a = fold; fold = a + p; }
/// let c = fold;
/// ```
pub(super) fn desugar_structs(block: &mut syn::Block, caller: &Ident, taken: &mut HashSet<String>) {
    Rewrite {
        taken,
        caller: Some(caller),
    }
    .visit_block_mut(block);
}

struct Rewrite<'a> {
    taken: &'a mut HashSet<String>,
    /// For folds of structs: the differentiated function, whose module declares them.
    caller: Option<&'a Ident>,
}

/// The parts of `CHAIN.fold((i0, i1, ..), |STATE, ITEM| BODY)`: the chain, the initial
/// values, the state's pattern, the item's, and the step's statements and values.
struct TupleFold<'a> {
    chain: &'a Expr,
    init: Vec<&'a Expr>,
    state: &'a Pat,
    item: &'a Pat,
    stmts: Vec<syn::Stmt>,
    step: Vec<&'a Expr>,
}

/// A closure's parameter without its type (`v: &f64` as `v`): a `for` loop's pattern takes
/// none.
fn untyped(p: &Pat) -> &Pat {
    match p {
        Pat::Type(t) => &t.pat,
        p => p,
    }
}

/// `CHAIN.fold(START, |..| BODY)`: the call, `START` and the closure.
pub(super) fn fold_call(e: &Expr) -> Option<(&syn::ExprMethodCall, &Expr, &syn::ExprClosure)> {
    let Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    let [start, closure] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let Expr::Closure(c) = strip(closure) else {
        return None;
    };
    (m.method == "fold").then_some((m, *start, c))
}

fn tuple_fold(e: &Expr) -> Option<TupleFold<'_>> {
    let (m, init, c) = fold_call(e)?;
    let Expr::Tuple(init) = strip(init) else {
        return None;
    };
    let [state, item] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let (stmts, tail) = match strip(&c.body) {
        Expr::Block(b) if b.label.is_none() => match b.block.stmts.split_last() {
            Some((syn::Stmt::Expr(tail, None), stmts)) => (stmts.to_vec(), tail),
            _ => return None,
        },
        other => (Vec::new(), other),
    };
    let Expr::Tuple(step) = strip(tail) else {
        return None;
    };
    let n = init.elems.len();
    let fits =
        n >= 2 && step.elems.len() == n && matches!(state, Pat::Tuple(t) if t.elems.len() == n);
    fits.then(|| TupleFold {
        chain: &m.receiver,
        init: init.elems.iter().collect(),
        state,
        item,
        stmts,
        step: step.elems.iter().collect(),
    })
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut out = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            // Folds of structs inside a statement's value, each bound to a name first.
            if let Some(caller) = self.caller {
                while let Some(bound) = self.hoist_struct_fold(&mut stmt, caller) {
                    out.extend(
                        self.struct_fold(&bound, caller)
                            .unwrap_or_else(|| vec![bound]),
                    );
                }
            }
            let rewritten = match self.caller {
                Some(caller) => self
                    .struct_fold(&stmt, caller)
                    .or_else(|| sequence_fold(&stmt)),
                None => self.rewrite(&stmt).or_else(|| option_fold(&stmt)),
            };
            match rewritten {
                Some(stmts) => out.extend(stmts),
                None => out.push(stmt),
            }
        }
        block.stmts = out;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The parts of `CHAIN.fold(START, |STATE, ITEM| BODY)` where `START` makes a struct of the
/// caller's module: the call, `START`, `STATE` and `ITEM`.
fn struct_fold_parts<'e>(
    e: &'e Expr,
    caller: &Ident,
) -> Option<(
    &'e syn::ExprMethodCall,
    &'e Expr,
    &'e syn::ExprClosure,
    &'e Pat,
    &'e Pat,
)> {
    let (m, start, c) = fold_call(e)?;
    let [state, item] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    super::struct_seqs::struct_named(caller, start)?;
    Some((m, start, c, state, item))
}

/// The first fold of a struct that `e` evaluates, replaced by `name`, where it is evaluated
/// once, unconditionally, and after nothing that has an effect (so that it may be
/// evaluated first instead): reached through operators, method calls, calls, fields,
/// indices, casts and lists, not closures, blocks or branches. The fold taken out.
fn take_struct_fold(e: &mut Expr, caller: &Ident, name: &Ident) -> Option<Expr> {
    if struct_fold_parts(e, caller).is_some() {
        let path = syn::parse_quote_spanned!(e.span()=> #name);
        return Some(std::mem::replace(e, path));
    }
    let pure = |e: &Expr| computes_only(e, &|_| false);
    // Operands in the order they are evaluated; each later one only if the earlier
    // only computed.
    let in_order = |operands: Vec<&mut Expr>| {
        for operand in operands {
            if let Some(fold) = take_struct_fold(operand, caller, name) {
                return Some(fold);
            }
            if !pure(operand) {
                return None;
            }
        }
        None
    };
    match e {
        Expr::Paren(p) => take_struct_fold(&mut p.expr, caller, name),
        Expr::Group(g) => take_struct_fold(&mut g.expr, caller, name),
        Expr::Field(f) => take_struct_fold(&mut f.base, caller, name),
        Expr::Cast(c) => take_struct_fold(&mut c.expr, caller, name),
        Expr::Unary(u) => take_struct_fold(&mut u.expr, caller, name),
        Expr::Reference(r) if r.mutability.is_none() => take_struct_fold(&mut r.expr, caller, name),
        Expr::MethodCall(m) => in_order(
            std::iter::once(&mut *m.receiver)
                .chain(m.args.iter_mut())
                .collect(),
        ),
        Expr::Binary(b)
            if compound(&b.op).is_none()
                && !is_compound_other(&b.op)
                && !matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) =>
        {
            in_order(vec![&mut b.left, &mut b.right])
        }
        Expr::Call(c) => in_order(
            std::iter::once(&mut *c.func)
                .chain(c.args.iter_mut())
                .collect(),
        ),
        Expr::Tuple(t) => in_order(t.elems.iter_mut().collect()),
        Expr::Array(a) => in_order(a.elems.iter_mut().collect()),
        Expr::Index(i) => in_order(vec![&mut i.expr, &mut i.index]),
        _ => None,
    }
}

impl Rewrite<'_> {
    /// A fold of a struct inside the value of `stmt` (`let d = pts.iter().fold(..).norm();`,
    /// `s += ..`, the tail), replaced by a fresh name; the `let` binding the name to the
    /// fold, to go before it.
    fn hoist_struct_fold(&mut self, stmt: &mut syn::Stmt, caller: &Ident) -> Option<syn::Stmt> {
        let value = match stmt {
            syn::Stmt::Local(local) => {
                let init = local.init.as_mut().filter(|i| i.diverge.is_none())?;
                // A `let` of the fold itself is the loop as it stands.
                if struct_fold_parts(&init.expr, caller).is_some() {
                    return None;
                }
                &mut init.expr
            }
            syn::Stmt::Expr(e, _) => match e {
                // The value is evaluated before the place (of floats and of `Copy` structs
                // alike, where the place only computes).
                Expr::Assign(a) if computes_only(&a.left, &|_| false) => &mut a.right,
                Expr::Binary(b)
                    if (compound(&b.op).is_some() || is_compound_other(&b.op))
                        && computes_only(&b.left, &|_| false) =>
                {
                    &mut b.right
                }
                e => e,
            },
            _ => return None,
        };
        // A name is taken only where a fold may be found.
        let fold_ident = Ident::new("fold", Span::call_site());
        if !mentions(&value.to_token_stream(), &fold_ident) {
            return None;
        }
        let name = Ident::new(&crate::names::unused(self.taken, "folded"), value.span());
        let fold = take_struct_fold(value, caller, &name)?;
        Some(syn::parse_quote_spanned!(fold.span()=> let #name = #fold;))
    }

    /// `let name = CHAIN.fold(INIT, |STATE, ITEM| BODY);` where `INIT` is a struct, as the
    /// loop it means.
    fn struct_fold(&mut self, stmt: &syn::Stmt, caller: &Ident) -> Option<Vec<syn::Stmt>> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let (m, start, c, state, item) = struct_fold_parts(&init.expr, caller)?;
        let span = init.expr.span();
        let acc = Ident::new(&crate::names::unused(self.taken, "fold"), span);
        let (chain, body, pat, item) = (&m.receiver, &c.body, &local.pat, untyped(item));
        Some(vec![
            syn::parse_quote_spanned!(span=> let mut #acc = #start;),
            syn::parse_quote_spanned!(span=>
                for #item in #chain {
                    let #state = #acc;
                    #acc = #body;
                }
            ),
            syn::parse_quote_spanned!(span=> let #pat = #acc;),
        ])
    }

    /// `let PAT = CHAIN.fold((..), |(..), item| (..));` as the loop it means.
    fn rewrite(&mut self, stmt: &syn::Stmt) -> Option<Vec<syn::Stmt>> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
        let fold = tuple_fold(&init.expr)?;
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            other => (other, None),
        };
        let span = init.expr.span();
        // The accumulators: the names the `let` binds, when it binds a tuple of names that
        // nothing the loop reads names too; fresh names otherwise, bound at the end.
        let mut read = HashSet::new();
        collect_idents(fold.chain.to_token_stream(), &mut read);
        for e in &fold.step {
            collect_idents(e.to_token_stream(), &mut read);
        }
        for s in &fold.stmts {
            collect_idents(s.to_token_stream(), &mut read);
        }
        let names: Option<Vec<Ident>> = match pat {
            Pat::Tuple(t) if t.elems.len() == fold.init.len() => t
                .elems
                .iter()
                .map(|p| pat_ident(p).map(|(i, _)| i.clone()))
                .collect(),
            _ => None,
        }
        .filter(|names: &Vec<Ident>| names.iter().all(|n| !read.contains(&n.to_string())));
        let (accs, rebind) = match names {
            Some(names) => (names, false),
            None => {
                let fresh = (0..fold.init.len())
                    .map(|k| {
                        Ident::new(
                            &crate::names::unused(self.taken, &format!("fold_{k}")),
                            span,
                        )
                    })
                    .collect();
                (fresh, true)
            }
        };
        let types: Vec<Option<&syn::Type>> = match ty {
            Some(syn::Type::Tuple(t)) if t.elems.len() == accs.len() => {
                t.elems.iter().map(Some).collect()
            }
            _ => vec![None; accs.len()],
        };
        let mut stmts: Vec<syn::Stmt> = Vec::new();
        for ((acc, init), ty) in accs.iter().zip(&fold.init).zip(&types) {
            let ty = ty.map(|t| quote!(: #t));
            stmts.push(syn::parse_quote_spanned!(span=> let mut #acc #ty = #init;));
        }
        let (state, item, chain, body, step) = (
            fold.state,
            untyped(fold.item),
            fold.chain,
            &fold.stmts,
            &fold.step,
        );
        stmts.push(syn::parse_quote_spanned!(span=>
            for #item in #chain {
                let #state = (#(#accs),*);
                #(#body)*
                (#(#accs),*) = (#(#step),*);
            }
        ));
        if rebind {
            let pat = &local.pat;
            stmts.push(syn::parse_quote_spanned!(span=> let #pat = (#(#accs),*);));
        }
        Some(stmts)
    }
}

/// `let best = xs.iter().fold(None, |acc, &v| match acc { .. });`, a fold whose accumulator
/// is an `Option` (started at `None` or `Some(..)`), as the loop it means, the accumulator
/// the `let`'s own name: `let mut best = None; for &v in xs.iter() { best = match best { ..
/// }; }`. An `Option` local that meets a value carrying a derivative is then held as a float
/// and a flag (`options.rs`, which takes the assignment of a `match` arm by arm).
fn option_fold(stmt: &syn::Stmt) -> Option<Vec<syn::Stmt>> {
    named_fold(stmt, |start| match strip(start) {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "None"),
        Expr::Call(c) => matches!(strip(&c.func), Expr::Path(p) if p.path.is_ident("Some")),
        _ => false,
    })
}

/// A fold whose accumulator is a sequence (started at `x.to_vec()`, `x.clone()`, a
/// `collect()`, `vec![..]` or an array), layers applied in turn (`let out =
/// m.layers.iter().fold(x.to_vec(), |h, l| l.apply(&h));`), as the loop it means, the same
/// way, before the helpers inline the layers' methods in it: `let mut out = x.to_vec(); for
/// l in m.layers.iter() { out = l.apply(&out); }`.
fn sequence_fold(stmt: &syn::Stmt) -> Option<Vec<syn::Stmt>> {
    named_fold(stmt, |start| match strip(start) {
        Expr::MethodCall(m) => {
            m.args.is_empty()
                && ["to_vec", "clone", "to_owned", "collect"]
                    .iter()
                    .any(|c| m.method == c)
        }
        Expr::Macro(m) => m.mac.path.is_ident("vec"),
        Expr::Array(_) | Expr::Repeat(_) => true,
        _ => false,
    })
}

/// `let name = CHAIN.fold(START, |state, ITEM| BODY);` where `starts` takes `START`, as the
/// loop it means, the accumulator the `let`'s own name.
fn named_fold(stmt: &syn::Stmt, starts: impl Fn(&Expr) -> bool) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let (m, start, c) = fold_call(&init.expr)?;
    if !starts(start) || c.inputs.len() != 2 {
        return None;
    }
    let typed = |p: &Pat| match p {
        Pat::Type(t) => Some((pat_ident(&t.pat)?.0.clone(), Some((*t.ty).clone()))),
        other => Some((pat_ident(other)?.0.clone(), None)),
    };
    let (name, let_ty) = typed(&local.pat)?;
    let (state, state_ty) = typed(&c.inputs[0])?;
    // The `let`'s name must mean nothing else where the loop reads it.
    let mut read = HashSet::new();
    collect_idents(init.expr.to_token_stream(), &mut read);
    if read.contains(&name.to_string()) {
        return None;
    }
    let mut body = (*c.body).clone();
    let renames = std::collections::HashMap::from([(state.to_string(), name.clone())]);
    super::helpers::rename(&renames, &mut body);
    let (chain, item, span) = (&m.receiver, untyped(&c.inputs[1]), init.expr.span());
    let ty = let_ty.or(state_ty).map(|t| quote!(: #t));
    Some(vec![
        syn::parse_quote_spanned!(span=> let mut #name #ty = #start;),
        syn::parse_quote_spanned!(span=> for #item in #chain { #name = #body; }),
    ])
}
