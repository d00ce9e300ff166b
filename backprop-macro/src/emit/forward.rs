//! The forward pass: the primal statements, with the saves and records the backward pass
//! needs (stacks, loop counts, branch records).

use super::*;
use crate::analysis::reserve::{Count, Site, Store};
use quote::format_ident;

impl Emit<'_> {
    /// Forward mode's pass (`jvp`): each value followed by its tangent, nothing recorded;
    /// it ends with `(value, tangent)`.
    pub fn jvp_body(&self) -> TokenStream {
        let e = Emit {
            private: self.private.clone(),
            records: false,
            fob: false,
            ..*self
        };
        let body = Moved::new(e.block(&self.f.body, &mut Vec::new()));
        let out = self.ident(self.a.result);
        let dot_out = if self.a.facts[self.a.result].active {
            self.dot(self.a.result).to_token_stream()
        } else {
            self.tangent_zero(self.a.result)
        };
        quote!(#body (#out, #dot_out))
    }

    /// The forward pass, with the saves and records the backward pass needs.
    pub fn forward(&self) -> TokenStream {
        let private = &self.private;
        let active = |v: &&VarId| self.fob && self.a.facts[**v].active;
        let [values, elems] = self.inline_capacities();
        // Inline up to 64 slots; a function with more push sites outside loops keeps them on
        // the heap rather than in a large stack frame.
        let inline = |sites: &BTreeMap<VarId, Option<usize>>, v: VarId| {
            sites
                .get(&v)
                .copied()
                .unwrap_or(Some(0))
                .map(|n| n.max(1))
                .filter(|&n| n <= 64)
        };
        let stacks = self
            .a
            .stacks
            .iter()
            .map(|&v| {
                (
                    self.derived(Derived::Stack, v),
                    inline(&values, v),
                    Store::Values(v),
                )
            })
            .chain(self.a.elem_stacks.iter().map(|&v| {
                (
                    self.derived(Derived::Elems, v),
                    inline(&elems, v),
                    Store::Elems(v),
                )
            }))
            .chain(self.a.stacks.iter().filter(active).map(|&v| {
                (
                    self.derived(Derived::DotStack, v),
                    inline(&values, v),
                    Store::Values(v),
                )
            }))
            .chain(self.a.elem_stacks.iter().filter(active).map(|&v| {
                (
                    self.derived(Derived::DotElems, v),
                    inline(&elems, v),
                    Store::Elems(v),
                )
            }));
        let reserved = self.a.reserve.reserved_stores();
        let stacks = stacks
            .map(|(s, inline, store)| match inline {
                // Pushed only outside loops: at most one value per push site, kept inline.
                Some(n) => quote!(let mut #s = #private::InlineStack::<_, #n>::new();),
                // Grown by its pushes alone (a `while` loop's): on memory a previous call
                // left in the pool. (A stack of elements saved in ranges reserves each
                // range as it saves it, which already takes from the pool.)
                None if matches!(store, Store::Values(_)) && !reserved.contains(&store) => {
                    quote!(let mut #s = #private::Stack::pooled();)
                }
                // An array's elements: large ranges in buffers of their own.
                None if matches!(store, Store::Elems(_)) => {
                    quote!(let mut #s = #private::ElemStack::new();)
                }
                None => quote!(let mut #s = #private::Stack::new();),
            })
            // On one tape, the stacks are the caller's.
            .filter(|_| !self.a.tape);
        let at_start = self.a.reserve.at_start.iter().map(|(store, steps, count)| {
            let steps = &steps.expr;
            self.reserve(*store, &quote!(&#steps), count)
        });
        let body = Moved::new(self.block(&self.f.body, &mut Vec::new()));
        // Arrays the pullback reads only for their shape: it keeps the shape.
        let shapes = self
            .a
            .shape_only
            .iter()
            .filter(|&&v| self.records && !self.a.tape && self.f.vars[v].scope == 0)
            .map(|&v| {
                let id = self.ident(v);
                quote!(let #id = #private::tensor::like(&#id);)
            });
        quote!(#(#stacks)* #(#at_start)* #body #(#shapes)*)
    }

    /// For every stack pushed only outside every loop, how many push sites it has (each
    /// runs at most once, so that many slots hold it): value stacks, then element stacks.
    pub(super) fn inline_capacities(&self) -> [BTreeMap<VarId, Option<usize>>; 2] {
        let mut sites: [BTreeMap<VarId, Option<usize>>; 2] = Default::default();
        for (site, scope) in crate::analysis::reserve::push_sites(self.f, self.a) {
            let outside = self.f.scopes[scope].loop_depth == 0;
            let (kind, v, slots) = match site {
                Site::Push(Store::Values(v)) => (0, v, outside.then_some(1)),
                Site::Push(Store::Elems(v)) => (1, v, outside.then_some(1)),
                // A copy of several elements: as many slots as its bounds span when they are
                // literals and it is made outside every loop (`for i in 0..3` at the top
                // level); otherwise a stack that grows.
                Site::Copy(s) => {
                    let span = || Some(literal(&s.hi.expr)?.saturating_sub(literal(&s.lo.expr)?));
                    (1, s.var, outside.then(span).flatten())
                }
            };
            let entry = sites[kind].entry(v).or_insert(Some(0));
            *entry = entry.zip(slots).map(|(n, k)| n + k);
        }
        sites
    }

    pub(super) fn block(&self, block: &Block, chain: &mut Vec<ScopeId>) -> TokenStream {
        self.block_split(block, chain, &[]).1
    }

    /// A loop's body with the statements at positions `moved` (ascending) apart, to go
    /// before the loop: those, and the rest.
    pub(super) fn block_split(
        &self,
        block: &Block,
        chain: &mut Vec<ScopeId>,
        moved: &[usize],
    ) -> (TokenStream, TokenStream) {
        chain.push(block.scope);
        let (mut before, mut out) = (TokenStream::new(), TokenStream::new());
        for (at, stmt) in block.stmts.iter().enumerate() {
            let printed = self.stmt(stmt, at, chain);
            match moved.binary_search(&at).is_ok() {
                true => before.extend(printed),
                false => out.extend(printed),
            }
        }
        if block.scope != 0 && !block.exits() {
            out.extend(self.saves(block.scope));
        }
        chain.pop();
        (before, out)
    }

    /// The pushes at the end of a block: its locals the backward pass reads.
    pub(super) fn saves(&self, scope: ScopeId) -> TokenStream {
        let Some(vars) = self.a.block_saves.get(&scope).filter(|_| self.records) else {
            return TokenStream::new();
        };
        vars.iter().map(|&v| self.push_value(v, scope)).collect()
    }

    /// `v_stack.push(v);` in block `scope` (`like(&v)`, its shape, when the reverse reads
    /// no more of it), and in forward over reverse its tangent beside it.
    pub(super) fn push_value(&self, v: VarId, scope: ScopeId) -> TokenStream {
        let (s, id) = (self.derived(Derived::Stack, v), self.ident(v));
        let push = self.push_method(Store::Values(v), scope);
        let dot = self.tangent_push(v, false, &push);
        let private = &self.private;
        if !self.a.tape && self.a.shape_only.contains(&v) {
            return quote!(#s.#push(#private::tensor::like(&#id)); #dot);
        }
        if self.kept(v) {
            return quote!(#s.#push({
                use #private::{KeepAsIs as _, KeepCopy as _};
                #private::keep(#id).kept()
            }););
        }
        quote!(#s.#push(#id); #dot)
    }

    /// Whether a saved value is a constant, which may be a reference to a value its block
    /// drops (`for (p, q) in pairs.iter()` over a local table): kept through the runtime's
    /// `keep`, a copy of what a reference points to, and given back as a borrow of the copy
    /// (`restore`).
    /// (A loop's replayed range, the macro's own, is never one.)
    pub(super) fn kept(&self, v: VarId) -> bool {
        !self.a.tape
            && self.f.vars[v].kind == Kind::Other
            && !self.a.control.values().any(|c| c.range == Some(v))
    }

    /// The statement at position `at` of the innermost block of `chain`.
    pub(super) fn stmt(&self, stmt: &Stmt, at: usize, chain: &mut Vec<ScopeId>) -> TokenStream {
        match stmt {
            Stmt::Let { var, op, span } => self.let_stmt(*var, op, *span),
            Stmt::Declare { var } => self.declare(*var),
            Stmt::Assign {
                var,
                op,
                init,
                span,
            } => {
                let scope = *chain.last().expect("a block encloses every statement");
                self.assign(*var, op, *init, (scope, at), *span)
            }
            Stmt::SetElem {
                var,
                index,
                op,
                span,
            } => {
                let scope = *chain.last().expect("a block encloses every statement");
                self.set_elem(*var, index, op, scope, *span)
            }
            Stmt::Eval(k) => {
                // What it changes in place (`idx.push(k)`), saved first where the reverse
                // reads it.
                let scope = *chain.last().expect("a block encloses every statement");
                let saves = crate::analysis::eval_saves(self.f, self.a, k, scope)
                    .into_iter()
                    .filter(|_| self.records)
                    .map(|v| {
                        let (s, id) = (self.derived(Derived::Stack, v), self.ident(v));
                        let push = self.push_method(Store::Values(v), scope);
                        quote!(#s.#push(::core::clone::Clone::clone(&#id));)
                    });
                let e = &k.expr;
                let grow = self.grow_tangents(k, |v| self.with_tangent(v));
                quote!(#(#saves)* #e; #grow)
            }
            Stmt::If {
                cond, then, els, ..
            } => {
                let t = self.block(then, chain);
                let e = self.block(els, chain);
                let e = if e.is_empty() {
                    TokenStream::new()
                } else {
                    quote!(else { #e })
                };
                let c = &cond.expr;
                let control = self.a.control.get(&then.scope).filter(|_| self.records);
                match control.and_then(|c| c.flag) {
                    Some(flag) => {
                        let flag = self.ident(flag);
                        quote!(let #flag = #c; if #flag { #t } #e)
                    }
                    None => quote!(if #c { #t } #e),
                }
            }
            Stmt::Loop { head, body, .. } => {
                // Values the loop overwrites but no rule inside it reads: saved once, here.
                let scope = *chain.last().expect("a block encloses every statement");
                let saves: TokenStream = self
                    .a
                    .loop_saves
                    .get(&body.scope)
                    .filter(|_| self.records)
                    .into_iter()
                    .flatten()
                    .map(|&v| self.push_value(v, scope))
                    .collect();
                let copies = self.snapshot_copies(body.scope);
                let lp = self.forward_loop(head, body, chain);
                // Forward mode: when the tangents flowing into the loop are all zero, so
                // are all it computes; it runs without them.
                let inputs = self.a.sparse.get(&body.scope);
                if let Some(inputs) = inputs.filter(|_| !self.records && self.tangents) {
                    let zero = self.float("0.0");
                    let nonzero = inputs.iter().map(|&v| {
                        let dot = self.dot(v);
                        match self.f.vars[v].kind {
                            Kind::Float => quote!(#dot != #zero),
                            _ => quote!(#dot.iter().any(|t| *t != #zero)),
                        }
                    });
                    let plain = Emit {
                        private: self.private.clone(),
                        tangents: false,
                        ..*self
                    };
                    let values = plain.forward_loop(head, body, chain);
                    return quote!(if #(#nonzero)||* { #lp } else { #values });
                }
                quote!(#saves #copies #lp)
            }
            Stmt::Break => self.break_stmt(chain),
        }
    }

    /// `let v = op;`, a call through `__vjp` (or `__fob`), with its tangent under `fob`.
    fn let_stmt(&self, var: VarId, op: &Op, span: Span) -> TokenStream {
        let id = self.ident(var);
        let m = self.mutability(var);
        if let Op::Call(call) = op
            && self.call_active(var, call)
            && self.tangents
        {
            if self.records && self.a.tape && call.into && !self.fob {
                let (args, stacks) = (self.call_args(call), self.tape_stacks());
                let callee = self.callee(call, "__forward_tape");
                return quote_spanned!(call.span=>
                    let #m #id = #callee(#(#args,)* #(#stacks),*);
                );
            }
            // A call that borrows a local makes its pullback in the backward
            // pass; here it only gives the value (and its tangent).
            let pb = if call.recompute {
                quote!(_)
            } else {
                self.ident(call.pullback).to_token_stream()
            };
            let args = self.call_args(call);
            if !self.records && self.lanes {
                // Along several directions: the callee's `jvp` once per direction.
                // One name for the closure's parameter and its uses, whatever the call's
                // span (a call written by a `macro_rules!` has its own hygiene).
                let lane = Ident::new("lane", Span::call_site());
                let (tangents, dot) = (self.lane_tangents(call, &lane), self.dot(var));
                let args = self.lane_args(call);
                let (private, jvp) = (&self.private, self.callee(call, "__jvp"));
                return quote_spanned!(call.span=>
                    let (#m #id, #m #dot) = #private::per_lane::<LANES, _, _>(|#lane| #jvp(#(#args,)* #(#tangents),*));
                );
            }
            if !self.records {
                let (tangents, dot) = (self.call_tangents(call), self.dot(var));
                let jvp = self.callee(call, "__jvp");
                return quote_spanned!(call.span=>
                    let (#m #id, #m #dot) = #jvp(#(#args,)* #(#tangents),*);
                );
            }
            if self.fob {
                let tangents = self.call_tangents(call);
                let fob = self.callee(call, call.fob_item());
                let dot = self.dot(var);
                return quote_spanned!(call.span=>
                    let (#m #id, #m #dot, #pb) = #fob(#(#args,)* #(#tangents),*);
                );
            }
            if !call.recompute {
                let vjp = self.callee(call, call.vjp_item());
                return quote_spanned!(call.span=> let (#m #id, #pb) = #vjp(#(#args),*););
            }
        }
        if let Some(pair) = self.sin_cos(var, op) {
            let dot = self.dot(var);
            return quote_spanned!(span=> let (#m #id, #m #dot) = #pair;);
        }
        // (A lane or a slice of a borrowed parameter is a view: not the owned array the
        // type says.)
        let ty = match self.borrowed_view(op) {
            true => TokenStream::new(),
            false => self.annotation(var),
        };
        let value = Moved::new(self.op(op));
        let tangent = if self.with_tangent(var) {
            let (dot, t) = (self.dot(var), Moved::new(self.tangent_of(var, op)));
            quote_spanned!(span=> let #m #dot = #t;)
        } else {
            TokenStream::new()
        };
        let tangent = Moved::new(tangent);
        quote_spanned!(span=> let #m #id #ty = #value; #tangent)
    }

    /// `let v;`, or `let mut v = 0.0;` when the reverse may read it on a path that does not
    /// assign it.
    fn declare(&self, var: VarId) -> TokenStream {
        let (id, ty) = (self.ident(var), self.annotation(var));
        let dot = self.dot(var);
        let with_tangent = self.with_tangent(var);
        if self.a.facts[var].zero_declare && self.records {
            let zero = self.zero(var);
            let tangent = if with_tangent {
                quote!(let mut #dot = #zero;)
            } else {
                TokenStream::new()
            };
            quote!(let mut #id #ty = #zero; #tangent)
        } else {
            let m = self.mutability(var);
            let tangent = if with_tangent {
                quote!(let #m #dot;)
            } else {
                TokenStream::new()
            };
            quote!(let #m #id #ty; #tangent)
        }
    }

    /// `v = op;`, saving the old value first where the reverse needs it.
    fn assign(
        &self,
        var: VarId,
        op: &Op,
        init: bool,
        (scope, at): (ScopeId, usize),
        span: Span,
    ) -> TokenStream {
        let id = self.ident(var);
        let saves = self.records
            && !init
            && crate::analysis::assign_saved_at(self.f, self.a, var, scope, at);
        // An array the new value is computed from is copied, otherwise moved.
        let reads_itself = self.f.vars[var].kind != Kind::Float
            && op.operands().iter().any(|o| match o {
                Operand::Var(v) | Operand::Elem(v, _) => *v == var,
                Operand::Konst(k) => k.reads.contains(&var),
            });
        if saves && reads_itself && !self.with_tangent(var) {
            // The new value first, then the old one moved onto the stack: no copy.
            let (s, push) = (
                self.derived(Derived::Stack, var),
                self.push_method(Store::Values(var), scope),
            );
            let (value, private) = (self.op(op), &self.private);
            return quote_spanned!(span=> #s.#push(#private::replaced(#value, &mut #id)););
        }
        let save = if saves {
            let s = self.derived(Derived::Stack, var);
            let push = self.push_method(Store::Values(var), scope);
            let dot = self.tangent_push(var, reads_itself, &push);
            if reads_itself {
                quote!(#s.#push(::core::clone::Clone::clone(&#id)); #dot)
            } else {
                quote!(#s.#push(#id); #dot)
            }
        } else {
            TokenStream::new()
        };
        let value = self.op(op);
        if self.with_tangent(var) {
            let (dot, t) = (self.dot(var), self.tangent_of(var, op));
            // An overwrite reads the old values: its tangent comes first.
            if init {
                quote_spanned!(span=> #save #id = #value; #dot = #t;)
            } else {
                quote_spanned!(span=> #save #dot = #t; #id = #value;)
            }
        } else {
            quote_spanned!(span=> #save #id = #value;)
        }
    }

    /// `v[i] = op;`, saving the old element first where the reverse needs it.
    fn set_elem(
        &self,
        var: VarId,
        index: &Index,
        op: &Op,
        scope: ScopeId,
        span: Span,
    ) -> TokenStream {
        let (id, i) = (self.ident(var), index);
        // Through the slice of the loop it is in, if it has one.
        let target = super::views::sliced(var, i, false).unwrap_or_else(|| quote!(#id #i));
        let fob = self.with_tangent(var);
        let save = if self.records && crate::analysis::elem_saved_at(self.f, self.a, var, scope) {
            let s = self.derived(Derived::Elems, var);
            let push = self.push_method(Store::Elems(var), scope);
            let dot = if fob {
                let (ds, d) = (self.derived(Derived::DotElems, var), self.dot(var));
                quote!(#ds.#push(#d #i);)
            } else {
                TokenStream::new()
            };
            quote!(#s.#push(#target); #dot)
        } else {
            TokenStream::new()
        };
        let value = self.op(op);
        if fob {
            let dot = self.dot(var);
            let t = match crate::rules::tangent(op, E::Elem(var, index.clone()), &|u| {
                self.a.facts[u].active
            }) {
                Some(e) => self.tangent_expr(e),
                None => self.float_tangent_zero(),
            };
            quote_spanned!(span=> #save #dot #i = #t; #target = #value;)
        } else {
            quote_spanned!(span=> #save #target = #value;)
        }
    }

    /// `v_elems.push_range(&v, lo, hi);` for the arrays copied whole before a loop (and in
    /// forward over reverse their tangents beside them).
    fn snapshot_copies(&self, body: ScopeId) -> TokenStream {
        let copies = self.a.snapshots.around.get(&body).filter(|_| self.records);
        let copies = copies.into_iter().flatten();
        copies
            .map(|snapshot| {
                let v = snapshot.var;
                let (id, s) = (self.ident(v), self.derived(Derived::Elems, v));
                let (lo, hi) = (&snapshot.lo.expr, &snapshot.hi.expr);
                let dot = if self.fob && self.a.facts[v].active {
                    let (ds, d) = (self.derived(Derived::DotElems, v), self.dot(v));
                    quote!(#ds.push_range(&#d, #lo, #hi);)
                } else {
                    TokenStream::new()
                };
                quote!(#s.push_range(&#id, #lo, #hi); #dot)
            })
            .collect()
    }

    /// `break`: every block up to the loop body saves its locals first.
    fn break_stmt(&self, chain: &[ScopeId]) -> TokenStream {
        let mut saves = TokenStream::new();
        for &scope in chain.iter().rev() {
            saves.extend(self.saves(scope));
            let s = &self.f.scopes[scope];
            let parent_depth = s.parent.map_or(0, |p| self.f.scopes[p].loop_depth);
            if s.loop_depth > parent_depth {
                break;
            }
        }
        quote!(#saves break;)
    }

    pub(super) fn forward_loop(
        &self,
        head: &LoopHead,
        body: &Block,
        chain: &mut Vec<ScopeId>,
    ) -> TokenStream {
        let control = self.a.control.get(&body.scope).filter(|_| self.records);
        let count = control.and_then(|c| c.count).map(|c| self.ident(c));
        let (init_count, bump) = match count {
            Some(c) => (quote!(let mut #c: usize = 0;), quote!(#c += 1;)),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let pat = |v: &Option<VarId>| match v {
            Some(v) => self.ident(*v).to_token_stream(),
            None => quote!(_),
        };
        // A loop over a span whose body only computes values: over slices.
        if let Some(lp) = self.forward_span_loop(head, body, chain) {
            return lp;
        }
        let pick = self.a.picks.get(&body.scope).filter(|_| self.records);
        let inner = self.block(body, chain);
        // A running extremum records where its candidate was picked last: found after a
        // loop over a range that runs as the user wrote it (the compiler vectorizes it),
        // otherwise recorded at every pick.
        let (record_init, inner, found) = match (pick, head) {
            (Some(p), LoopHead::Range { steps, .. })
                if p.acc_first && control.is_none_or(|c| c.count.is_none()) =>
            {
                let (before, acc, s) = (
                    self.derived(Derived::Before, p.acc),
                    self.ident(p.acc),
                    &steps.expr,
                );
                let found = self.pick_search(p, &quote!(#s), &before);
                (quote!(let #before = #acc;), inner, found)
            }
            (Some(p), _) => {
                let (at, var, picked) = (
                    self.ident(p.at),
                    self.ident(p.var),
                    self.expr(&p.picked(), 0),
                );
                (
                    quote!(let mut #at = ::core::option::Option::None;),
                    quote!(if #picked { #at = ::core::option::Option::Some(#var); } #inner),
                    TokenStream::new(),
                )
            }
            (None, _) => (TokenStream::new(), inner, TokenStream::new()),
        };
        let lp = match head {
            LoopHead::Range { var, steps } => {
                let (p, s) = (pat(var), &steps.expr);
                match control.and_then(|c| c.range).map(|r| self.ident(r)) {
                    Some(range) => {
                        let reserve = self.reserve_stacks(body, range);
                        quote!(
                            #record_init
                            let #range = #s;
                            #init_count
                            #reserve
                            for #p in #range { #bump #inner }
                        )
                    }
                    None => quote!(#record_init for #p in #s { #inner }),
                }
            }
            LoopHead::Iter { var, iter } => {
                let (p, i) = (pat(var), &iter.expr);
                quote!(#init_count for #p in #i { #bump #inner })
            }
            LoopHead::While { cond } => {
                let c = &cond.expr;
                quote!(#init_count while #c { #bump #inner })
            }
            LoopHead::Infinite => quote!(#init_count loop { #bump #inner }),
        };
        quote!(#lp #found)
    }

    /// Where a running extremum `m = m.max(x[i])` picked last, found from its final value
    /// (`m_at`): `max` replaces `m` when `m` is NaN or `m < x[i]`, so once `m` is a number
    /// it only grows, and only at strict increases. A NaN `m` picked at every iteration:
    /// the last; `m` equal to its value before the loop was never replaced; otherwise the
    /// first iteration whose candidate equals `m` was the last to replace it (`min` the
    /// same way round).
    fn pick_search(
        &self,
        p: &crate::analysis::Pick,
        steps: &TokenStream,
        before: &Ident,
    ) -> TokenStream {
        let (at, acc, var) = (self.ident(p.at), self.ident(p.acc), self.ident(p.var));
        let cand = self.expr(
            &crate::rules::operand(&Operand::Elem(p.seq, p.index.clone())),
            0,
        );
        let some = quote!(::core::option::Option::Some);
        quote! {
            let mut #at = ::core::option::Option::None;
            if #acc != #acc {
                for #var in #steps { #at = #some(#var); }
            } else if #acc != #before {
                for #var in #steps {
                    if #cand == #acc { #at = #some(#var); break; }
                }
            }
        }
    }

    /// `v_stack.reserve(range.len() * k)` for the stacks a loop reserves before it runs
    /// (see `analysis::reserve`): `k` counts its push sites and, times their lengths, the
    /// pushes of inner loops over ranges that do not change in it.
    pub(super) fn reserve_stacks(&self, body: &Block, range: &Ident) -> TokenStream {
        let stores = self.a.reserve.before.get(&body.scope).into_iter().flatten();
        stores
            .map(|(store, count)| self.reserve(*store, &quote!(&#range), count))
            .collect()
    }

    /// `s.reserve(steps.len() * count);`, and in forward over reverse the same room on the
    /// stack of the tangents pushed beside the values.
    fn reserve(&self, store: Store, steps: &TokenStream, count: &Count) -> TokenStream {
        let len = quote!(::core::iter::ExactSizeIterator::len(#steps));
        let room = match self.count(count) {
            None => len,
            Some(k) => quote!(#len * #k),
        };
        let (v, dot) = match store {
            Store::Values(v) => (v, Derived::DotStack),
            Store::Elems(v) => (v, Derived::DotElems),
        };
        let s = self.store(store);
        if self.fob && self.a.facts[v].active {
            let ds = self.derived(dot, v);
            quote!(#s.reserve(#room); #ds.reserve(#room);)
        } else {
            quote!(#s.reserve(#room);)
        }
    }

    /// A count of pushes per iteration, as an expression; `None` for exactly one.
    fn count(&self, count: &Count) -> Option<TokenStream> {
        let sites = count.sites;
        if sites == 1 && count.inner.is_empty() {
            return None;
        }
        let mut terms: Vec<TokenStream> = Vec::new();
        if sites > 0 {
            terms.push(quote!(#sites));
        }
        for (steps, c) in &count.inner {
            let steps = &steps.expr;
            let len = quote!(::core::iter::ExactSizeIterator::len(&#steps));
            terms.push(match self.count(c) {
                None => len,
                Some(k) => quote!(#len * #k),
            });
        }
        Some(match terms.as_slice() {
            [one] => one.clone(),
            _ => quote!((#(#terms)+*)),
        })
    }

    /// The stack of a store.
    fn store(&self, store: Store) -> Ident {
        match store {
            Store::Values(v) => self.derived(Derived::Stack, v),
            Store::Elems(v) => self.derived(Derived::Elems, v),
        }
    }

    /// On one tape ([`crate::analysis::Analysis::tape`]): the stacks, in the order
    /// `__forward_tape` and `__backward_tape` take them.
    pub(crate) fn tape_stacks(&self) -> Vec<Ident> {
        let stacks = self.a.stacks.iter();
        stacks.map(|&v| self.derived(Derived::Stack, v)).collect()
    }

    /// `push` onto a store's stack, or `push_reserved` where a loop reserved room for it.
    pub(super) fn push_method(&self, store: Store, scope: ScopeId) -> Ident {
        // On one tape, the calls inside a loop push onto the same stacks: no room is sure.
        let reserved = !self.a.tape && self.a.reserve.reserved(self.f, scope, store);
        format_ident!("{}", if reserved { "push_reserved" } else { "push" })
    }

    /// In forward over reverse, a saved active value's tangent is saved beside it (copied when
    /// the assignment that follows reads it), with the value's `push` method: the loop
    /// reserved room on both stacks.
    pub(super) fn tangent_push(&self, v: VarId, copy: bool, push: &Ident) -> TokenStream {
        if self.fob && self.a.facts[v].active {
            let (s, d) = (self.derived(Derived::DotStack, v), self.dot(v));
            if copy {
                quote!(#s.#push(::core::clone::Clone::clone(&#d));)
            } else {
                quote!(#s.#push(#d);)
            }
        } else {
            TokenStream::new()
        }
    }

    pub(super) fn mutability(&self, v: VarId) -> TokenStream {
        // Forward mode declares nothing for a backward pass to read.
        let mutable = match self.records {
            true => self.a.facts[v].mutable,
            false => self.a.facts[v].in_place,
        };
        if mutable {
            quote!(mut)
        } else {
            TokenStream::new()
        }
    }

    /// A row, a column or a slice of a parameter the function borrows (not mutably),
    /// written as a view.
    pub(super) fn borrowed_view(&self, op: &Op) -> bool {
        use crate::ops::Reduction;
        let mutable = |v: VarId| {
            self.f.vars[v].param.is_some_and(|p| {
                matches!(&self.f.params[p].ty, syn::Type::Reference(r) if r.mutability.is_some())
            })
        };
        matches!(op, Op::Reduce(Reduction::Lane(..) | Reduction::Slice(_), Operand::Var(v))
            if self.f.borrowed_param(*v) && !mutable(*v))
    }

    pub(super) fn annotation(&self, v: VarId) -> TokenStream {
        let var = &self.f.vars[v];
        match (&var.ty, var.param) {
            (Some(ty), None) => quote!(: #ty),
            _ => TokenStream::new(),
        }
    }
}

/// An integer literal's value (`3`, `3usize`).
fn literal(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        _ => None,
    }
}
