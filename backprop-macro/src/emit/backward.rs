//! The backward pass: adjoint statements, restores, reverse loops and branches.

use super::*;
use crate::analysis::Snapshot;

impl Emit<'_> {
    pub fn backward(&self, stmts: &[B]) -> TokenStream {
        let mut assigned = BTreeSet::new();
        let mut restored = BTreeSet::new();
        collect_mutations(stmts, &mut assigned, &mut restored);
        self.b_stmts(stmts, &assigned, &restored)
    }

    /// Whether the backward pass assigns this adjoint after declaring it.
    pub fn adjoint_mutated(&self, stmts: &[B], v: VarId) -> bool {
        let mut assigned = BTreeSet::new();
        collect_mutations(stmts, &mut assigned, &mut BTreeSet::new());
        assigned.contains(&v)
    }

    pub(super) fn b_stmts(
        &self,
        stmts: &[B],
        assigned: &BTreeSet<VarId>,
        restored: &BTreeSet<VarId>,
    ) -> TokenStream {
        stmts
            .iter()
            .map(|b| {
                if self.fob {
                    // Forward over reverse: the tangent first (it reads the old values),
                    // then the statement.
                    let (before, after) = self.b_tangent(b, assigned, restored);
                    let stmt = match b {
                        B::If(..) | B::For(..) => self.b_stmt(b, assigned, restored),
                        _ => self.b_stmt(b, assigned, restored),
                    };
                    quote!(#before #stmt #after)
                } else {
                    self.b_stmt(b, assigned, restored)
                }
            })
            .collect()
    }

    /// A local name for the generated code, `base` or `base_1`, `base_2`, ... whichever no
    /// variable of the function has, with mixed-site hygiene.
    pub(super) fn free_ident(&self, base: String) -> Ident {
        let name = (0..)
            .map(|n| match n {
                0 => base.clone(),
                n => format!("{base}_{n}"),
            })
            .find(|name| self.f.names.is_free(name))
            .expect("a free name");
        Ident::new(&name, Span::mixed_site())
    }

    /// The adjoint's tangent there: `dot_grad_v` or `dot_grad_v[i]`.
    pub(super) fn dot_place(&self, p: &Place) -> TokenStream {
        self.adjoint_at(Derived::DotGrad, p)
    }

    /// The adjoint (`Derived::Grad`) or its tangent at a place, element or whole.
    fn adjoint_at(&self, d: Derived, p: &Place) -> TokenStream {
        if let (Derived::Grad, Place::Elem(v, i)) = (d, p)
            && let Some(bound) = super::rebound::rebound(*v, i, true)
        {
            return bound;
        }
        let id = self.derived(d, p.var());
        match p {
            Place::Var(_) => id.to_token_stream(),
            Place::Elem(_, i) | Place::Part(_, i) => quote!(#id #i),
        }
    }

    /// What `Unpush` and `Repush` do to a sequence: `pop()`, `push(zero)` (a value's
    /// `0.0`, an adjoint's or a tangent's zero, `Tangents::ZERO` along several directions).
    fn length_change(b: &B, zero: &TokenStream) -> TokenStream {
        match b {
            B::Repush(_) => quote!(push(#zero)),
            _ => quote!(pop()),
        }
    }

    /// The tangent statements of a backward statement, to go before and after it.
    pub(super) fn b_tangent(
        &self,
        b: &B,
        assigned: &BTreeSet<VarId>,
        restored: &BTreeSet<VarId>,
    ) -> (TokenStream, TokenStream) {
        let active = |v: VarId| self.a.facts[v].active;
        let t = |e: &E| crate::rules::tangent_e(e, &active).map(|t| self.adjoint_value(&t));
        let none = TokenStream::new();
        match b {
            B::LetAdj(v, e) => {
                let m = if assigned.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let dot = self.derived(Derived::DotGrad, *v);
                let value = t(e).unwrap_or_else(|| self.zero(*v));
                (none, quote!(let #m #dot = #value;))
            }
            B::ZeroAdj(v) => {
                let (dot, zero) = (self.derived(Derived::DotGrad, *v), self.zero(*v));
                (none, quote!(let mut #dot = #zero;))
            }
            B::SetAdj(p, e) => {
                let dot = self.dot_place(p);
                let value = t(e).unwrap_or_else(|| self.float("0.0"));
                (quote!(#dot = #value;), none)
            }
            B::AddAdj(p, e) => match crate::rules::tangent_e(e, &active) {
                Some(tangent) => {
                    let value = self
                        .whole_contribution(p, &tangent)
                        .unwrap_or_else(|| self.adjoint_value(&tangent));
                    let dot = self.dot_place(p);
                    if p.is_whole(&self.f.vars) {
                        let private = &self.private;
                        (quote!(#private::accumulate(&mut #dot, #value);), none)
                    } else {
                        (quote!(#dot += #value;), none)
                    }
                }
                None => (none.clone(), none),
            },
            B::Kill(p) => {
                let dot = self.dot_place(p);
                if let Place::Var(v) = p
                    && matches!(self.f.vars[*v].kind, Kind::Seq | Kind::Tensor)
                    && !self.lanes
                {
                    // Shaped like the value, as the adjoint itself is.
                    let (id, private) = (self.ident(*v), &self.private);
                    (none, quote!(#private::reset_like(&mut #dot, &#id);))
                } else if p.is_whole(&self.f.vars) {
                    (none, {
                        let zero = self.float("0.0");
                        quote!(#dot.fill(#zero);)
                    })
                } else {
                    (none, {
                        let zero = self.float("0.0");
                        quote!(#dot = #zero;)
                    })
                }
            }
            // (`PullInto` is only in the reverse pass's list, never printed with tangents.)
            B::LetGrads(..)
            | B::LetPullback(..)
            | B::PullInto(..)
            | B::If(..)
            | B::For(..)
            | B::Nop => (none.clone(), none),
            B::LetUp(p) => {
                let (id, dot) = (
                    self.derived(Derived::DotUpstream, p.var()),
                    self.dot_place(p),
                );
                (none, quote!(let #id = #dot;))
            }
            B::Recompute(v, op) if active(*v) => {
                let (dot, value) = (self.dot(*v), self.tangent_of(*v, op));
                (none, quote!(let #dot = #value;))
            }
            B::Pop(v) if active(*v) => {
                let m = if restored.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let (dot, s) = (self.dot(*v), self.derived(Derived::DotStack, *v));
                (none, quote!(let #m #dot = #s.pop();))
            }
            B::Restore(v) if active(*v) => {
                let (dot, s) = (self.dot(*v), self.derived(Derived::DotStack, *v));
                (none, quote!(#dot = #s.pop();))
            }
            B::RestoreElem(v, i) if active(*v) => {
                let (dot, s) = (self.dot(*v), self.derived(Derived::DotElems, *v));
                (none, quote!(#dot #i = #s.pop();))
            }
            B::RestoreSlice(snapshot) if active(snapshot.var) => {
                let (dot, s) = (
                    self.dot(snapshot.var),
                    self.derived(Derived::DotElems, snapshot.var),
                );
                let (lo, hi) = (&snapshot.lo.expr, &snapshot.hi.expr);
                (none, quote!(#s.pop_range(&mut #dot, #lo, #hi);))
            }
            // The element taken off the tangents too (or put back), as off value and adjoint.
            B::Unpush(v) | B::Repush(v) if active(*v) => {
                let value = self.a.facts[*v].needed.then(|| self.dot(*v));
                let adjoint = self.derived(Derived::DotGrad, *v);
                let change = Self::length_change(b, &self.float_tangent_zero());
                let names = value.into_iter().chain([adjoint]);
                (none, quote!(#(#names.#change;)*))
            }
            _ => (none.clone(), none),
        }
    }

    /// The adjoint there: `grad_v` or `grad_v[i]`.
    pub(super) fn place(&self, p: &Place) -> TokenStream {
        self.adjoint_at(Derived::Grad, p)
    }

    pub(super) fn b_stmt(
        &self,
        b: &B,
        assigned: &BTreeSet<VarId>,
        restored: &BTreeSet<VarId>,
    ) -> TokenStream {
        match b {
            B::LetAdj(v, e) => {
                let m = if assigned.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let (id, e) = (self.adj(*v), self.adjoint_expr(e));
                quote!(let #m #id = #e;)
            }
            B::ZeroAdj(v) => {
                let id = self.adj(*v);
                let zero = self.tangent_zero(*v);
                quote!(let mut #id = #zero;)
            }
            B::SetAdj(p, e) => {
                let (p, e) = (self.place(p), self.adjoint_expr(e));
                quote!(#p = #e;)
            }
            B::AddAdj(p, e) => self.b_add(p, e),
            // A whole sequence or array: zeros shaped like its value, which an assignment
            // undone just before may have given another shape. (Adjoints along several
            // directions, `Tangents` lanes, are another type than the value: filled.)
            B::Kill(Place::Var(v))
                if matches!(self.f.vars[*v].kind, Kind::Seq | Kind::Tensor) && !self.lanes =>
            {
                let (adj, id, private) = (self.adj(*v), self.ident(*v), &self.private);
                quote!(#private::reset_like(&mut #adj, &#id);)
            }
            B::Kill(p) => {
                let (pt, zero) = (self.place(p), self.float_tangent_zero());
                if p.is_whole(&self.f.vars) {
                    quote!(#pt.fill(#zero);)
                } else {
                    quote!(#pt = #zero;)
                }
            }
            B::LetGrads(v, e) => self.b_grads(*v, e),
            B::LetPullback(pb, call) => self.b_pullback(*pb, call),
            B::PullInto(pb, e, call) => self.b_pull_into(*pb, e, call.as_deref()),
            B::LetUp(p) => {
                let (id, p) = (self.derived(Derived::Upstream, p.var()), self.place(p));
                quote!(let #id = #p;)
            }
            B::Recompute(v, op) => {
                let (id, op) = (self.ident(*v), self.op(op));
                quote!(let #id = #op;)
            }
            B::Pop(v) => {
                let m = if restored.contains(v) {
                    quote!(mut)
                } else {
                    TokenStream::new()
                };
                let (id, s) = (self.ident(*v), self.derived(Derived::Stack, *v));
                if self.kept(*v) {
                    return quote!(let #id = #s.pop(); let #m #id = #id.restore(););
                }
                quote!(let #m #id = #s.pop();)
            }
            B::Restore(v) => {
                let (id, s) = (self.ident(*v), self.derived(Derived::Stack, *v));
                quote!(#id = #s.pop();)
            }
            B::RestoreElem(v, i) => {
                let (id, s) = (self.ident(*v), self.derived(Derived::Elems, *v));
                quote!(#id #i = #s.pop();)
            }
            B::AddSum(v, e) => {
                let (sum, e) = (self.derived(Derived::Sum, *v), self.adjoint_expr(e));
                quote!(#sum += #e;)
            }
            B::Undo(v, undo) => {
                let id = self.ident(*v);
                quote!(#id = #undo;)
            }
            B::Unpush(v) | B::Repush(v) => {
                let facts = &self.a.facts[*v];
                let value = facts.needed.then(|| self.ident(*v).clone());
                let adjoint = facts.active.then(|| self.adj(*v));
                let value_change = Self::length_change(b, &self.float("0.0"));
                let adjoint_change = Self::length_change(b, &self.float_tangent_zero());
                let value = value.map(|v| quote!(#v.#value_change;));
                let adjoint = adjoint.map(|a| quote!(#a.#adjoint_change;));
                quote!(#value #adjoint)
            }
            B::RestoreSlice(snapshot) => {
                let v = snapshot.var;
                let (id, s) = (self.ident(v), self.derived(Derived::Elems, v));
                let (lo, hi) = (&snapshot.lo.expr, &snapshot.hi.expr);
                quote!(#s.pop_range(&mut #id, #lo, #hi);)
            }
            B::If(cond, t, e) => {
                let c = self.expr(cond, 0);
                let t = self.b_stmts(t, assigned, restored);
                let e = self.b_stmts(e, assigned, restored);
                if e.is_empty() {
                    quote!(if #c { #t })
                } else {
                    quote!(if #c { #t } else { #e })
                }
            }
            B::For(var, replay, body) => self.b_for(*var, replay, body, assigned, restored),
            B::Nop => TokenStream::new(),
        }
    }

    /// A call to itself, pulled back into the parameters' gradients: through its tape
    /// (`__backward_tape`) or its boxed pullback.
    fn b_pull_into(&self, pb: VarId, e: &E, call: Option<&Call>) -> TokenStream {
        let up = self.expr(e, 0);
        let grads = self
            .f
            .params
            .iter()
            .filter(|p| p.differentiable())
            .map(|p| self.adj(p.var));
        match call {
            Some(call) => {
                let callee = self.callee(call, "__backward_tape");
                let (args, stacks) = (self.call_args(call), self.tape_stacks());
                quote_spanned!(call.span=>
                    #callee(#(#args,)* #(#stacks,)* #up, #(&mut #grads),*);
                )
            }
            None => {
                let pb = self.ident(pb);
                quote!(#pb(#up, #(&mut #grads),*);)
            }
        }
    }

    /// `grad_p += e;`: a matrix product's gradient straight into the total (GEMM, beta =
    /// 1), a whole sequence's elementwise.
    fn b_add(&self, p: &Place, e: &E) -> TokenStream {
        match e {
            E::Tensor(inner) if matches!(&**inner, E::Kernel(k, _) if k.accumulating().is_some()) =>
            {
                let E::Kernel(kernel, args) = &**inner else {
                    unreachable!("matched just above")
                };
                let private = &self.private;
                let kernel = kernel.accumulating().expect("matched just above");
                let kernel = Ident::new(kernel, Span::mixed_site());
                let pt = self.place(p);
                let args = args.iter().map(|a| self.texpr(a));
                quote!(#private::tensor::#kernel(&mut #pt, #(&#args),*);)
            }
            e => {
                let e = self
                    .whole_contribution(p, e)
                    .unwrap_or_else(|| self.adjoint_expr(e));
                let pt = self.place(p);
                if p.is_whole(&self.f.vars) {
                    let private = &self.private;
                    quote!(#private::accumulate(&mut #pt, #e);)
                } else {
                    quote!(#pt += #e;)
                }
            }
        }
    }

    /// A contribution to `p`, an adjoint's row copied when `p` is a whole sequence
    /// (`vec![a, b]`'s `grad_a` takes `grad_m[0]`, which stays where it is).
    fn whole_contribution(&self, p: &Place, e: &E) -> Option<TokenStream> {
        match e {
            E::AdjElem(..) | E::DotAdjElem(..) if p.is_whole(&self.f.vars) => {
                let (private, e) = (&self.private, self.expr(e, 0));
                Some(quote!(#private::owned_copy(&#e)))
            }
            _ => None,
        }
    }

    /// `let grads_y = pullback_y(grad_y);`: the gradients of a call.
    fn b_grads(&self, v: VarId, e: &E) -> TokenStream {
        let id = self.ident(v);
        match (self.fob, e) {
            // Forward over reverse: the pullback takes the upstream adjoint and its
            // tangent, and returns the gradients and their tangents.
            (true, E::Apply(pullback, args)) => {
                let pb = self.ident(*pullback);
                let up = self.expr(&args[0], 0);
                let dot_up = crate::rules::tangent_e(&args[0], &|u| self.a.facts[u].active)
                    .map(|t| self.expr(&t, 0))
                    .unwrap_or_else(|| self.float("0.0"));
                let dot = self.dot(v);
                quote!(let (#id, #dot) = #pb(#up, #dot_up);)
            }
            _ => {
                let e = self.expr(e, 0);
                quote!(let #id = #e;)
            }
        }
    }

    /// A call's pullback made again in the backward pass.
    fn b_pullback(&self, pb: VarId, call: &Call) -> TokenStream {
        let pb = self.ident(pb);
        let args = self.call_args(call);
        if self.fob {
            // Forward over reverse: the call again with its arguments' tangents.
            let tangents = self.call_tangents(call);
            let fob = self.callee(call, call.fob_item());
            quote_spanned!(call.span=> let #pb = #fob(#(#args,)* #(#tangents),*).2;)
        } else if let Some(result) = call.result {
            // From the arguments and the result: a gate's rule alone.
            let (value, at) = (self.ident(result), self.callee(call, "__pullback_at"));
            quote_spanned!(call.span=> let #pb = #at(#(#args,)* #value);)
        } else if call.nested() {
            // The pullback of a nested `grad` alone: its value would be a gradient again.
            let pullback = self.callee(call, "__pullback");
            quote_spanned!(call.span=> let #pb = #pullback(#(#args),*);)
        } else {
            let vjp = self.callee(call, call.vjp_item());
            quote_spanned!(call.span=> let #pb = #vjp(#(#args),*).1;)
        }
    }

    /// A reverse loop.
    fn b_for(
        &self,
        var: Option<VarId>,
        replay: &Replay,
        body: &[B],
        assigned: &BTreeSet<VarId>,
        restored: &BTreeSet<VarId>,
    ) -> TokenStream {
        let p = match var {
            Some(v) => self.ident(v).to_token_stream(),
            None => quote!(_),
        };
        let iter = self.replay_iter(replay);
        // A loop inside another whose upstream gradients (and, under forward over reverse,
        // their tangents) are all zero adds nothing: skipped.
        let guard = match replay {
            Replay::Forward(r) if self.f.scopes[self.f.vars[*r].scope].loop_depth > 0 => {
                crate::reverse::zero_guard(&self.f.vars, var, body)
            }
            _ => None,
        };
        let zero = self.float("0.0");
        let guarded = |lp: TokenStream| match &guard {
            Some(upstream) => {
                let mut upstream: Vec<Ident> = upstream.iter().map(|&v| self.adj(v)).collect();
                if self.fob {
                    let dots = guard
                        .iter()
                        .flatten()
                        .map(|&v| self.derived(Derived::DotGrad, v));
                    upstream.extend(dots);
                }
                quote!(if #(#upstream != #zero)||* { #lp })
            }
            None => lp,
        };
        if self.fob {
            let body = self.b_stmts(body, assigned, restored);
            return guarded(quote!(for #p in #iter { #body }));
        }
        // Values computed again from nothing the loop changes: once, before it, if it runs.
        let (hoisted, body) = match replay {
            Replay::Rev(r) | Replay::Forward(r) => {
                let (hoisted, body) = crate::reverse::hoist_recomputes(var, body);
                (Some((*r, hoisted)).filter(|(_, h)| !h.is_empty()), body)
            }
            _ => (None, body.to_vec()),
        };
        let (mut body, sums) = crate::reverse::hoist_sums(&self.f.vars, var, &body);
        // A loop whose iterations can add into its sums last computes dot products: their
        // terms go round four partial sums (`sum_lanes`), not one chain of additions.
        let lanes = crate::reverse::lane_terms(&sums, &mut body);
        // (Not in a loop of partial sums, whose terms are printed apart from its body.)
        let bound = var
            .filter(|_| lanes.is_none())
            .and_then(|index| self.bind_element_adjoints(index, &body));
        // Over a span, the sequences reached only at the index (or a counter) are sliced once.
        let spans = (bound.is_none())
            .then(|| self.spans(var, replay, &body, lanes.as_deref().unwrap_or_default()))
            .flatten();
        let stmts = self.b_stmts(&body, assigned, restored);
        let stmts = match bound {
            Some((bindings, count)) => {
                super::rebound::unbind(count);
                quote!(#bindings #stmts)
            }
            None => stmts,
        };
        let terms: Option<Vec<TokenStream>> = lanes
            .as_ref()
            .map(|terms| terms.iter().map(|e| self.adjoint_expr(e)).collect());
        // The loop walks the offsets into its slices, its index computed from each.
        let (iter, p, stmts) = match &spans {
            Some(s) => {
                self.spans_done(s);
                let (index, offset) = (&s.index, &s.offset);
                (
                    s.iter.clone(),
                    offset.to_token_stream(),
                    quote!(#index #stmts),
                )
            }
            None => (iter, p, stmts),
        };
        let lp = match terms {
            Some(terms) => {
                let private = &self.private;
                let sums = sums.iter().map(|(v, _)| self.derived(Derived::Sum, *v));
                let zero = self.float_tangent_zero();
                quote!([#(#sums),*] = #private::sum_lanes(#iter, #zero, |#p| {
                    #stmts
                    [#(#terms),*]
                });)
            }
            None => quote!(for #p in #iter { #stmts }),
        };
        let lp = match &spans {
            Some(s) => {
                let (head, runs, slices) = (&s.head, &s.runs, &s.slices);
                quote!({ #head if #runs { #slices #lp } })
            }
            None => lp,
        };
        let lp = match hoisted {
            Some((range, hoisted)) => {
                let range = self.ident(range);
                let pre = self.b_stmts(&hoisted, assigned, restored);
                quote!(if ::core::iter::ExactSizeIterator::len(&#range) > 0 {
                    #pre
                    #lp
                })
            }
            None => lp,
        };
        self.with_sums(guarded(lp), &sums)
    }

    /// The iterations a reverse loop replays: its recorded steps backwards, a partial
    /// count, a count, or forwards where its iterations commute.
    fn replay_iter(&self, replay: &Replay) -> TokenStream {
        match replay {
            Replay::Rev(r) => {
                let r = self.ident(*r);
                quote!(#r.rev())
            }
            Replay::Partial(r, c) => {
                let (r, c) = (self.ident(*r), self.ident(*c));
                quote!(#r.replay(#c))
            }
            Replay::Count(c) => {
                let c = self.ident(*c);
                quote!(0..#c)
            }
            Replay::Forward(r) => self.ident(*r).to_token_stream(),
        }
    }

    /// A reverse loop with its sums kept in locals ([`crate::reverse::hoist_sums`]): each
    /// starts at zero before the loop and is added into its gradient after it.
    fn with_sums(&self, lp: TokenStream, sums: &[(VarId, Index)]) -> TokenStream {
        let zero = self.float("0.0");
        let (before, after): (TokenStream, TokenStream) = sums
            .iter()
            .map(|(v, i)| {
                let sum = self.derived(Derived::Sum, *v);
                let grad = self.adjoint_at(Derived::Grad, &Place::Elem(*v, i.clone()));
                // Added only if something was: after a loop that ran no iteration the
                // index may be out of bounds (`for r in a + 1..n` reading `x[a + 1]`).
                let start = self.float_tangent_zero();
                (
                    quote!(let mut #sum = #start;),
                    quote!(if #sum != #zero { #grad += #sum; }),
                )
            })
            .unzip();
        if sums.is_empty() {
            lp
        } else {
            // A block of its own: an enclosing loop's sum of the same name stays visible.
            quote!({ #before #lp #after })
        }
    }
}

pub(super) fn collect_mutations(
    stmts: &[B],
    assigned: &mut BTreeSet<VarId>,
    restored: &mut BTreeSet<VarId>,
) {
    for b in stmts {
        match b {
            B::SetAdj(p, _) | B::AddAdj(p, _) | B::Kill(p) => {
                assigned.insert(p.var());
            }
            B::Restore(v)
            | B::RestoreElem(v, _)
            | B::RestoreSlice(Snapshot { var: v, .. })
            | B::Undo(v, _)
            | B::Unpush(v)
            | B::Repush(v) => {
                restored.insert(*v);
            }
            B::If(_, t, e) => {
                collect_mutations(t, assigned, restored);
                collect_mutations(e, assigned, restored);
            }
            B::For(_, _, body) => collect_mutations(body, assigned, restored),
            _ => {}
        }
    }
}
