//! Loops: `for` over ranges and sequences, `while`, `loop`, their variables.

use super::*;

impl<'e> Lower<'e> {
    pub(super) fn lower_loop(&mut self, expr: &Expr, out: &mut Vec<Stmt>) {
        // `for (a, b) in x.iter().zip(&y)`, with `.map(..)`: the index loop it means.
        if let Expr::ForLoop(f) = expr {
            // `for w in x.windows(2)`, `x.chunks(k)`: the index loop they mean.
            if let Some(rewritten) = self.stretch_loop(f) {
                return self.lower_stmt_expr(&rewritten, out);
            }
            // `for v in &x[1..]`: the walk over `x` it means.
            if let Some(rewritten) = self.sub_slice_loop(f) {
                return self.lower_stmt_expr(&rewritten, out);
            }
            // `for row in a.outer_iter()`: the walk over the rows' indices.
            if let Some(rewritten) = self.lanes_loop(f) {
                return self.lower_loop(&rewritten, out);
            }
            // `for &v in a.iter()`, `for v in &a`, `for v in a` over a one-dimensional array:
            // the enumerated walk the chains already take, its count unread.
            if let Some(rewritten) = self.array_elements_loop(f) {
                return self.lower_loop(&rewritten, out);
            }
            if let Some(rewritten) = iterators::for_loop(self, f) {
                // One loop, or a block of them (one per part of a joined walk).
                return match rewritten {
                    Expr::ForLoop(_) => self.lower_loop(&rewritten, out),
                    _ => self.lower_stmt_expr(&rewritten, out),
                };
            }
        }
        let (label, span) = match expr {
            Expr::ForLoop(f) => (&f.label, f.for_token.span),
            Expr::While(w) => (&w.label, w.while_token.span),
            Expr::Loop(l) => (&l.label, l.loop_token.span),
            _ => return,
        };
        if let Some(label) = label {
            // Labels are rewritten as flags before lowering; one left here is in a place
            // that rewrite does not reach.
            self.errors
                .spanned(label, "#[differentiate] does not support this labeled loop");
        }
        let previous = self.scope;
        match expr {
            Expr::ForLoop(f) => {
                let Some((head, prelude, body_scope)) = self.lower_for_head(f) else {
                    return;
                };
                let mut stmts = prelude;
                self.lower_stmts(&f.body.stmts, Sink::Discard, &mut stmts, &[]);
                self.leave_block(previous);
                out.push(Stmt::Loop {
                    head,
                    body: Block {
                        scope: body_scope,
                        stmts,
                    },
                    span,
                });
            }
            Expr::While(w) => {
                if let Expr::Let(l) = &*w.cond {
                    self.errors
                        .spanned(l, "#[differentiate] does not support `while let`");
                    return;
                }
                let cond = self.konst(&w.cond);
                let scope = self.enter_block(true);
                let mut stmts = Vec::new();
                self.lower_stmts(&w.body.stmts, Sink::Discard, &mut stmts, &[]);
                self.leave_block(previous);
                out.push(Stmt::Loop {
                    head: LoopHead::While { cond },
                    body: Block { scope, stmts },
                    span,
                });
            }
            Expr::Loop(l) => {
                let scope = self.enter_block(true);
                let mut stmts = Vec::new();
                self.lower_stmts(&l.body.stmts, Sink::Discard, &mut stmts, &[]);
                self.leave_block(previous);
                out.push(Stmt::Loop {
                    head: LoopHead::Infinite,
                    body: Block { scope, stmts },
                    span,
                });
            }
            _ => {}
        }
    }

    /// `let k = { let (k, &_) = item; k };` for each name a constant item's pattern binds:
    /// the pattern as written, the other names left out. The names of a loop's item
    /// (`loop_index`) are its indices, which nothing assigns.
    pub(super) fn destructure(&mut self, pat: &Pat, item: VarId, loop_index: bool) -> Vec<Stmt> {
        let item_ident = self.vars[item].ident.clone();
        let mut prelude = Vec::new();
        for ident in pattern_names(pat).unwrap_or_default() {
            let mut only = pat.clone();
            keep_only(&mut only, &ident);
            let var = self.user_var(&ident, Kind::Other, None);
            let value = self.konst_tokens(quote!({ let #only = #item_ident; #ident }), &[item]);
            prelude.push(Stmt::Let {
                var,
                op: Op::Konst(value),
                span: ident.span(),
            });
            self.bind(&ident, var);
            if loop_index {
                self.loop_indices.insert(var);
            }
            // (Walked as a sequence of constants where it is one: a sample's features in
            // `for (xs, y) in data`.)
            self.constant_fields.insert(var);
        }
        prelude
    }

    /// A `for` loop's variable, bound in the loop's scope: a plain name, or none for `_`.
    pub(super) fn loop_var(&mut self, pat: &Pat, kind: Kind, form: &str) -> Option<VarId> {
        if matches!(pat, Pat::Wild(_)) {
            return None;
        }
        match pat_ident(pat) {
            Some((ident, mutable)) => {
                let var = self.user_var(ident, kind, None);
                self.bind(ident, var);
                if !mutable {
                    self.loop_indices.insert(var);
                }
                Some(var)
            }
            None => {
                self.errors.spanned(
                    pat,
                    format!("#[differentiate] supports {form} with a plain name (or `_`)"),
                );
                None
            }
        }
    }

    /// `for PAT in a.iter()` (or `&a`, `a`) of a one-dimensional array whose type the
    /// function declares: `for (_, PAT) in a.iter().enumerate()`.
    fn array_elements_loop(&self, f: &syn::ExprForLoop) -> Option<Expr> {
        let array = match strip(&f.expr) {
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
            Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            other => other,
        };
        if !iterators::Context::is_array(self, array) {
            return None;
        }
        let (label, pat, body) = (&f.label, &f.pat, &f.body);
        Some(syn::parse_quote_spanned!(f.for_token.span=>
            #label for (_, #pat) in #array.iter().enumerate() #body))
    }

    /// The head of a `for` loop, the statements that start its body, and the body's scope
    /// (entered; the caller leaves it).
    pub(super) fn lower_for_head(
        &mut self,
        f: &syn::ExprForLoop,
    ) -> Option<(LoopHead, Vec<Stmt>, ScopeId)> {
        let iterable = strip(&f.expr);
        // A range, possibly reversed and stepped: replayed arithmetically in reverse.
        if let Some(steps) = self.range_steps(iterable) {
            let scope = self.enter_block(true);
            let var = self.loop_var(&f.pat, Kind::Int, "`for i in range`");
            return Some((LoopHead::Range { var, steps }, Vec::new(), scope));
        }
        // Elements of a sequence of floats: `for x in xs.iter()`, `for &x in xs`,
        // `for (i, &x) in xs.iter().enumerate()`.
        if let Some((seq, enumerate, refs)) = self.seq_iteration(iterable) {
            return self.lower_elements_head(f, seq, enumerate, refs);
        }
        // Anything else is iterated as constants.
        self.lower_constants_head(f, iterable)
    }

    /// `for x in xs.iter()`, `for &x in xs`, `for (i, &x) in xs.iter().enumerate()`: the
    /// elements of a sequence of floats (or its rows), by index.
    fn lower_elements_head(
        &mut self,
        f: &syn::ExprForLoop,
        seq: VarId,
        enumerate: bool,
        refs: bool,
    ) -> Option<(LoopHead, Vec<Stmt>, ScopeId)> {
        let len = self.seq_len(seq);
        let private = self.private();
        let len_expr = &len.expr;
        let steps = self.konst_tokens(quote!(#private::steps(0..#len_expr)), &len.reads);
        let scope = self.enter_block(true);
        let (index_pat, elem_pat) = if enumerate {
            match &*f.pat {
                Pat::Tuple(t) if t.elems.len() == 2 => (Some(&t.elems[0]), &t.elems[1]),
                other => {
                    self.errors
                        .spanned(other, "expected a pattern `(i, x)` for `.enumerate()`");
                    return None;
                }
            }
        } else {
            (None, &*f.pat)
        };
        let index = match index_pat.map(|p| (p, pat_ident(p))) {
            Some((_, Some((ident, mutable)))) => {
                let var = self.user_var(ident, Kind::Int, None);
                self.bind(ident, var);
                if !mutable {
                    self.loop_indices.insert(var);
                }
                var
            }
            Some((Pat::Wild(_), _)) | None => {
                let var = self.generated_var("index", Kind::Int, f.pat.span());
                self.loop_indices.insert(var);
                var
            }
            Some((p, None)) => {
                self.errors
                    .spanned(p, "expected a name or `_` for the index");
                return None;
            }
        };
        let mut prelude = Vec::new();
        let elem = match strip_pat_ref(elem_pat) {
            Pat::Wild(_) => None,
            p => match pat_ident(p) {
                Some((ident, _)) => Some(ident.clone()),
                None => {
                    self.errors
                        .spanned(p, "expected a name, `&name` or `_` for the element");
                    return None;
                }
            },
        };
        if let Some(ident) = elem {
            // `seq[index]`: a float, or a row of a nested sequence.
            let (base, mut levels) = self.seq_place(seq);
            levels.0.push(self.konst_var(index));
            if levels.0.len() < self.seq_depth(seq) {
                let depth = self.rows.get(&seq).and_then(|r| r.depth);
                self.bind_row(&ident, base, levels, depth);
            } else {
                let var = self.user_var(&ident, Kind::Float, None);
                prelude.push(Stmt::Let {
                    var,
                    op: Op::Copy(Operand::Elem(base, levels)),
                    span: ident.span(),
                });
                self.bind(&ident, var);
                // `for v in xs`: the user's `v` is a reference (`*v > 0.0`), the
                // lowered one the element.
                if refs && !matches!(elem_pat, Pat::Reference(_)) {
                    self.elem_refs.insert(var);
                }
            }
        }
        Some((
            LoopHead::Range {
                var: Some(index),
                steps,
            },
            prelude,
            scope,
        ))
    }

    /// A loop over anything else: its items are constants (an error if they carry a
    /// derivative).
    fn lower_constants_head(
        &mut self,
        f: &syn::ExprForLoop,
        iterable: &Expr,
    ) -> Option<(LoopHead, Vec<Stmt>, ScopeId)> {
        let iter = self.konst(iterable);
        if iter.reads.iter().any(|&v| self.kind(v).differentiable()) {
            self.errors.spanned(
                iterable,
                "#[differentiate] iterates over ranges (`a..b`, `a..=b`, `.rev()`, `.step_by(k)`) and over floats with `xs.iter()`, `&xs`, `xs.iter_mut()`, `&mut xs`, `xs.iter().enumerate()`, `xs.iter().zip(&ys)`, `.skip(k)`, `.take(k)`, `.step_by(k)`, `.rev()`, `.map(|..| ..)`, `.filter(|..| ..)` and `.scan(init, |acc, x| { ..; Some(..) })` (never ending early), and over `xs.windows(k)`, `xs.chunks(k)` and `xs.chunks_exact(k)`, and `ys.chunks_mut(k)` and `ys.chunks_exact_mut(k)` of a local `Vec` whose chunks the body reads and writes by index (`c[j] = ..`, `c.len()`); other iterator adaptors are not supported",
            );
            return None;
        }
        let scope = self.enter_block(true);
        // `for (k, &l) in labels.iter().enumerate()`: each name taken out of the item.
        if pattern_names(&f.pat).is_some_and(|names| !names.is_empty())
            && pat_ident(strip_pat_ref(&f.pat)).is_none()
        {
            let item = self.generated_var("item", Kind::Other, f.pat.span());
            let prelude = self.destructure(&f.pat, item, true);
            return Some((
                LoopHead::Iter {
                    var: Some(item),
                    iter,
                },
                prelude,
                scope,
            ));
        }
        let var = self.loop_var(strip_pat_ref(&f.pat), Kind::Other, "`for name in ...`");
        // `for o in data` of structs: `o` holds the struct the sequence does (its fields'
        // types then known, `o.xs.clone()` a sequence of floats).
        let held = iterators::source(iterable).and_then(|seq| self.struct_held(seq));
        if let (Some(var), Some(on)) = (var, held) {
            self.param_structs.insert(var, on);
        }
        // `for &c in CONSTS.iter()`: the pattern's `&` goes into the head.
        let iter = if matches!(&*f.pat, Pat::Reference(_)) {
            let inner = iter.expr.clone();
            self.konst_tokens(
                quote!(::core::iter::Iterator::copied(::core::iter::IntoIterator::into_iter(#inner))),
                &iter.reads,
            )
        } else {
            iter
        };
        Some((LoopHead::Iter { var, iter }, Vec::new(), scope))
    }

    /// Whether the user's name for a sequence is a reference: a parameter of a reference
    /// type, a row of a nested sequence, or a sub-slice (held as a copy).
    pub(super) fn borrowed(&self, v: VarId) -> bool {
        let var = &self.vars[v];
        (var.param.is_some() && matches!(var.ty, Some(syn::Type::Reference(_))))
            || self.is_row(v)
            || self.slice_copies.contains(&v)
    }

    /// `a..b`, `a..=b`, with `.rev()` and `.step_by(k)` in any order, as `Steps`.
    pub(super) fn range_steps(&mut self, expr: &Expr) -> Option<Konst> {
        let mut methods = Vec::new();
        let mut base = expr;
        loop {
            match strip(base) {
                Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                    methods.push((m.method.clone(), None));
                    base = &m.receiver;
                }
                Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
                    methods.push((m.method.clone(), Some(&m.args[0])));
                    base = &m.receiver;
                }
                Expr::Range(r) => {
                    let (Some(start), Some(end)) = (&r.start, &r.end) else {
                        self.errors
                            .spanned(r, "#[differentiate] needs both ends of a loop's range");
                        return None;
                    };
                    let range = self.konst(strip(&Expr::Range(r.clone())));
                    let _ = (start, end);
                    let private = self.private();
                    let inner = range.expr.clone();
                    let mut reads = range.reads.clone();
                    let mut tokens = quote!(#private::steps(#inner));
                    for (method, arg) in methods.iter().rev() {
                        match arg {
                            Some(arg) => {
                                let k = self.konst(arg);
                                reads.extend(k.reads.iter().copied());
                                let e = k.expr;
                                tokens.extend(quote!(.#method(#e)));
                            }
                            None => tokens.extend(quote!(.#method())),
                        }
                    }
                    reads.sort_unstable();
                    reads.dedup();
                    return Some(self.konst_tokens(tokens, &reads));
                }
                _ => return None,
            }
        }
    }

    /// `xs`, `&xs`, `xs.iter()`, `xs.iter().copied()`, with `.enumerate()`: the sequence,
    /// whether it is enumerated, and whether its items are references to its elements in
    /// the user's code (`xs.iter()`, `&xs`, a borrowed `xs`; not `.copied()`).
    pub(super) fn seq_iteration(&self, expr: &Expr) -> Option<(VarId, bool, bool)> {
        let mut enumerate = false;
        // Decided by the outermost adaptor that decides it (`into_iter` does not).
        let mut refs = None;
        let mut e = strip(expr);
        if let Expr::MethodCall(m) = e
            && m.method == "enumerate"
            && m.args.is_empty()
        {
            enumerate = true;
            e = strip(&m.receiver);
        }
        loop {
            match e {
                Expr::MethodCall(m)
                    if m.args.is_empty()
                        && ["iter", "copied", "cloned", "into_iter"]
                            .iter()
                            .any(|n| m.method == n) =>
                {
                    if m.method != "into_iter" {
                        refs.get_or_insert(m.method == "iter");
                    }
                    e = strip(&m.receiver);
                }
                Expr::Reference(r) if r.mutability.is_none() => {
                    refs.get_or_insert(true);
                    e = strip(&r.expr);
                }
                other => {
                    let v = self.local_of(other)?;
                    let refs = refs.unwrap_or_else(|| self.borrowed(v));
                    return (self.kind(v) == Kind::Seq).then_some((v, enumerate, refs));
                }
            }
        }
    }
}

/// The names a pattern of names, `_`, `&`, tuples and parentheses binds, in order; `None`
/// for any other pattern (or `mut`, `ref`, `@`).
pub(super) fn pattern_names(pat: &Pat) -> Option<Vec<Ident>> {
    match pat {
        Pat::Ident(i) if i.by_ref.is_none() && i.mutability.is_none() && i.subpat.is_none() => {
            Some(vec![i.ident.clone()])
        }
        Pat::Wild(_) => Some(Vec::new()),
        Pat::Reference(r) => pattern_names(&r.pat),
        Pat::Paren(p) => pattern_names(&p.pat),
        Pat::Tuple(t) => elems_names(&t.elems),
        // `Sample { x, y: label, .. }`, `Pair(a, _)`: a struct's fields.
        Pat::TupleStruct(t) => elems_names(&t.elems),
        Pat::Struct(s) => elems_names(s.fields.iter().map(|f| &*f.pat)),
        Pat::Rest(_) => Some(Vec::new()),
        _ => None,
    }
}

fn elems_names<'p>(elems: impl IntoIterator<Item = &'p Pat>) -> Option<Vec<Ident>> {
    let mut names = Vec::new();
    for elem in elems {
        names.extend(pattern_names(elem)?);
    }
    Some(names)
}

/// The pattern with every name but `keep` replaced by `_`.
fn keep_only(pat: &mut Pat, keep: &Ident) {
    match pat {
        Pat::Ident(i) if i.ident != *keep => *pat = syn::parse_quote!(_),
        Pat::Reference(r) => keep_only(&mut r.pat, keep),
        Pat::Paren(p) => keep_only(&mut p.pat, keep),
        Pat::Tuple(t) => t.elems.iter_mut().for_each(|e| keep_only(e, keep)),
        Pat::TupleStruct(t) => t.elems.iter_mut().for_each(|e| keep_only(e, keep)),
        Pat::Struct(s) => {
            for field in &mut s.fields {
                // `Sample { x, y }`: the shorthand `y` becomes `y: _`.
                if field.colon_token.is_none()
                    && !matches!(&*field.pat, Pat::Ident(i) if i.ident == *keep)
                {
                    field.colon_token = Some(Default::default());
                }
                keep_only(&mut field.pat, keep);
            }
        }
        _ => {}
    }
}
