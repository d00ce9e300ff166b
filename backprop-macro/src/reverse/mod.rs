//! The backward pass: the forward statements in reverse order, one statement per local
//! gradient, adjoints named after the user's variables. Branches replay the recorded
//! decision, loops run backwards over the recorded range or count, values the forward pass
//! overwrote are restored from their stacks just before the statement that needs them.

use crate::analysis::{self, Analysis, Snapshot};
use crate::ir::*;
use crate::rules::{Contrib, E, Place};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod fused;
mod loops;
mod stores;
mod views;
use loops::independent_iterations;
pub use loops::{
    element_adjoints, element_reads, has_loop, hoist_recomputes, hoist_sums, lane_terms, zero_guard,
};
pub use views::{At, View, Views, forward_views, views};

/// A statement of the backward pass.
#[derive(Clone)]
pub enum B {
    /// `let grad_v = value;` (the first contribution).
    LetAdj(VarId, E),
    /// `let mut grad_v = 0.0;` (or zeros shaped like `v`).
    ZeroAdj(VarId),
    /// `grad_v = value;`
    SetAdj(Place, E),
    /// `grad_v += value;`
    AddAdj(Place, E),
    /// `grad_v = 0.0;`: the variable was overwritten; its old value starts from zero.
    Kill(Place),
    /// `let grads_y = pullback_y(grad_y);`
    LetGrads(VarId, E),
    /// `let pullback_y = f::__vjp(args).1;`: the pullback of a call made again.
    LetPullback(VarId, Box<crate::ir::Call>),
    /// `pullback_y(grad_y, &mut grad_a, ..)`: a call to the function itself whose pullback
    /// adds into the gradients of the differentiable parameters, in their order. With the
    /// call, on one tape ([`Analysis::tape`]): `f::__backward_tape(args, stacks, grad_y,
    /// &mut grad_a, ..)`.
    PullInto(VarId, E, Option<Box<crate::ir::Call>>),
    /// `let upstream_v = grad_v;` (or `grad_v[i]`), before the adjoint is reset.
    LetUp(Place),
    /// `let v = v_stack.pop();`: a block-local value of this iteration or branch.
    Pop(VarId),
    /// `let v = op;`: a block-local value computed again.
    Recompute(VarId, Op),
    /// `v = v_stack.pop();`: the value before an assignment in place.
    Restore(VarId),
    /// `v[i] = v_stack.pop();`
    RestoreElem(VarId, Index),
    /// `sum_grad_v += value;`: a sum into one element of `v`'s adjoint, kept in a local
    /// while a reverse loop runs ([`hoist_sums`]).
    AddSum(VarId, E),
    /// `v = v - 1;`: an integer counter's step undone.
    Undo(VarId, syn::Expr),
    /// `v.pop();` and `grad_v.pop();`: the element a `push` added taken off again, from
    /// the values where the reverse reads them, from the adjoint where there is one.
    Unpush(VarId),
    /// `v.push(0.0);` and `grad_v.push(0.0);`: the element a `pop` took put back (its value
    /// then restored as an overwritten element's), where `Unpush` would take it off.
    Repush(VarId),
    /// `v_elems.pop_range(&mut v, lo, hi);`: the elements copied before a loop.
    RestoreSlice(Snapshot),
    If(E, Vec<B>, Vec<B>),
    For(Option<VarId>, Replay, Vec<B>),
    Nop,
}

/// How a reverse loop runs.
#[derive(Clone)]
pub enum Replay {
    /// `range.rev()`: all iterations.
    Rev(VarId),
    /// `range.replay(count)`: the first `count` iterations, last first.
    Partial(VarId, VarId),
    /// `0..count`.
    Count(VarId),
    /// `range`: iterations that only add into gradients commute, and run in forward order.
    Forward(VarId),
}

/// The backward pass. With `inline_calls`, a call with one active argument reads its
/// pullback's result in place (`pullback_y(grad_y).0`); without, every pullback's result is
/// bound first, as forward over reverse needs (its pullbacks return two tuples).
pub fn backward(f: &Func, a: &Analysis, inline_calls: bool) -> Vec<B> {
    let mut into = BTreeSet::new();
    if inline_calls {
        analysis::walk_calls(&f.body, &mut |_, call| {
            if call.into {
                into.insert(call.pullback);
            }
        });
    }
    let mut r = Rev {
        f,
        a,
        declared: vec![false; f.vars.len()],
        inline_calls,
        into,
        scoped: f.vars_by_scope(),
    };
    r.declared[a.result] = true;
    stores::store_first(f, a, fused::lanes(r.block(&f.body)))
}

struct Rev<'a> {
    f: &'a Func,
    a: &'a Analysis,
    declared: Vec<bool>,
    inline_calls: bool,
    /// The pullbacks of calls that add into the caller's gradients ([`B::PullInto`]).
    into: BTreeSet<VarId>,
    /// Each block's variables ([`Func::vars_by_scope`]).
    scoped: Vec<Vec<VarId>>,
}

/// The index of each adjoint's last `Kill` in the block being written, while nothing has
/// read or changed the adjoint since: the next contribution can assign instead of add.
type Zeroed = BTreeMap<VarId, usize>;

impl Rev<'_> {
    fn block(&mut self, block: &Block) -> Vec<B> {
        let mut out = Vec::new();
        if block.scope != 0 {
            if let Some(saves) = self.a.block_saves.get(&block.scope) {
                out.extend(saves.iter().rev().map(|&v| B::Pop(v)));
            }
            if let Some(list) = self.a.recompute.get(&block.scope) {
                out.extend(list.iter().map(|(v, op)| B::Recompute(*v, op.clone())));
            }
        }
        for &v in &self.scoped[block.scope] {
            if self.a.facts[v].zero_init && !self.declared[v] {
                out.push(B::ZeroAdj(v));
                self.declared[v] = true;
            }
        }
        let mut zeroed = Zeroed::new();
        for (at, stmt) in block.stmts.iter().enumerate().rev() {
            self.stmt(stmt, (block.scope, at), &mut out, &mut zeroed);
        }
        merge_element_contributions(&mut out);
        out.retain(|b| !matches!(b, B::Nop));
        out
    }

    /// The statement at position `at` of block `scope`.
    fn stmt(
        &mut self,
        stmt: &Stmt,
        (scope, at): (ScopeId, usize),
        out: &mut Vec<B>,
        zeroed: &mut Zeroed,
    ) {
        match stmt {
            Stmt::Let { var, op, .. }
            | Stmt::Assign {
                var,
                op,
                init: true,
                ..
            } => {
                if self.a.facts[*var].active && self.declared[*var] && !zeroed.contains_key(var) {
                    let cs = analysis::stmt_contribs(&self.f.vars, op, &Place::Var(*var), &|u| {
                        self.a.facts[u].active
                    });
                    self.contribs(&cs, scope, out, zeroed);
                }
            }
            Stmt::Assign {
                var,
                op,
                init: false,
                ..
            } => self.assign(*var, op, (scope, at), out, zeroed),
            Stmt::SetElem { var, index, op, .. } => {
                self.set_elem(*var, index, op, scope, out, zeroed)
            }
            Stmt::If {
                cond, then, els, ..
            } => {
                let Some(control) = self.a.control.get(&then.scope) else {
                    return;
                };
                // The recorded condition, or the condition evaluated again.
                let cond = match control.flag {
                    Some(flag) => E::Var(flag),
                    None => E::Konst(cond.clone()),
                };
                let t = self.block(then);
                let e = self.block(els);
                zeroed.clear();
                out.push(B::If(cond, t, e));
            }
            Stmt::Loop { head, body, .. } => {
                self.reverse_loop(head, body, out, zeroed);
                // The values saved once at the loop's entry, back after its reverse.
                for &v in self.a.loop_saves.get(&body.scope).into_iter().flatten() {
                    out.push(B::Restore(v));
                }
                let around = self.a.snapshots.around.get(&body.scope);
                for s in around.into_iter().flatten() {
                    out.push(B::RestoreSlice(s.clone()));
                }
            }
            Stmt::Eval(k) => {
                for v in analysis::eval_saves(self.f, self.a, k, scope) {
                    out.push(B::Restore(v));
                }
                // The element taken off again, from the values the reverse reads and from
                // the adjoint (which a copy's gradient then adds at the length it had).
                // Or the element a `pop` took put back (its value restored by the reverse of
                // the write before the `pop`, `v[n] = 0.0`).
                let vars = &self.f.vars;
                let pushed = k.pushed(vars).into_iter().map(|v| (v, B::Unpush(v)));
                let popped = k.popped(vars).into_iter().map(|v| (v, B::Repush(v)));
                for (v, b) in pushed.chain(popped) {
                    if self.a.facts[v].needed || self.a.facts[v].active {
                        out.push(b);
                    }
                }
            }
            Stmt::Declare { .. } | Stmt::Break => {}
        }
    }

    /// `v = op;` in place: the old value restored (before the rules when they read it, after
    /// otherwise), the contributions, and the adjoint reset; a counter's step undone.
    fn assign(
        &mut self,
        v: VarId,
        op: &Op,
        (scope, at): (ScopeId, usize),
        out: &mut Vec<B>,
        zeroed: &mut Zeroed,
    ) {
        let reads_self = op
            .operands()
            .iter()
            .any(|o| matches!(o, Operand::Var(x) if *x == v));
        if self.a.facts[v].counter {
            let undo = analysis::undo_step(self.f, v, op).expect("a counter's step");
            out.push(B::Undo(v, undo));
            return;
        }
        let saved = analysis::assign_saved_at(self.f, self.a, v, scope, at);
        if reads_self && saved {
            out.push(B::Restore(v));
        }
        // Where its adjoint is known to be zero, nothing flows back.
        if self.a.facts[v].active && self.declared[v] && !zeroed.contains_key(&v) {
            let cs = analysis::stmt_contribs(&self.f.vars, op, &Place::Var(v), &|u| {
                self.a.facts[u].active
            });
            if reads_self {
                self.self_update(op, &Place::Var(v), cs, scope, out, zeroed);
            } else {
                self.contribs(&cs, scope, out, zeroed);
                // The earlier value first: the adjoint of a sequence or array takes its
                // shape (`h = layer(&h)` changes `h`'s length).
                if saved {
                    out.push(B::Restore(v));
                }
                self.kill(Place::Var(v), out, zeroed);
                return;
            }
        }
        if !reads_self && saved {
            out.push(B::Restore(v));
        }
    }

    /// `v[index] = op;`, as [`Rev::assign`] for one element.
    fn set_elem(
        &mut self,
        v: VarId,
        index: &Index,
        op: &Op,
        scope: ScopeId,
        out: &mut Vec<B>,
        zeroed: &mut Zeroed,
    ) {
        let reads_elem = op
            .operands()
            .iter()
            .any(|o| matches!(o, Operand::Elem(x, _) if *x == v));
        let saved = analysis::elem_saved_at(self.f, self.a, v, scope);
        if reads_elem && saved {
            out.push(B::RestoreElem(v, index.clone()));
        }
        // An array whose gradient nothing adds to (its elements read only where the
        // derivative is zero: `c.copysign(arr[3])`) has no gradient to take from.
        if self.a.facts[v].active && self.declared[v] {
            let target = Place::Elem(v, index.clone());
            let cs =
                analysis::stmt_contribs(&self.f.vars, op, &target, &|u| self.a.facts[u].active);
            if reads_elem {
                self.self_update(op, &target, cs, scope, out, zeroed);
            } else {
                self.contribs(&cs, scope, out, zeroed);
                out.push(B::Kill(target));
            }
        }
        if !reads_elem && saved {
            out.push(B::RestoreElem(v, index.clone()));
        }
    }

    /// The reverse of a loop: its body reversed, over the recorded or replayed iterations.
    fn reverse_loop(
        &mut self,
        head: &LoopHead,
        body: &Block,
        out: &mut Vec<B>,
        zeroed: &mut Zeroed,
    ) {
        if let Some(pick) = self.a.picks.get(&body.scope) {
            out.push(self.pick_reverse(pick));
            zeroed.clear();
            return;
        }
        let Some(control) = self.a.control.get(&body.scope).cloned() else {
            return;
        };
        let (var, replay) = match (head, control.range, control.count) {
            (LoopHead::Range { var, .. }, Some(range), None) => (*var, Replay::Rev(range)),
            (LoopHead::Range { var, .. }, Some(range), Some(count)) => {
                (*var, Replay::Partial(range, count))
            }
            (_, _, Some(count)) => (None, Replay::Count(count)),
            _ => return,
        };
        let var = var.filter(|v| self.a.facts[*v].needed);
        let b = self.block(body);
        zeroed.clear();
        let replay = match replay {
            Replay::Rev(range) if independent_iterations(&self.f.vars, var, &b) => {
                Replay::Forward(range)
            }
            other => other,
        };
        out.push(B::For(var, replay, b));
    }

    /// The reverse of a running extremum's loop ([`analysis::Pick`]): the gradient goes to
    /// the element picked last, if one was, else it stays with the value before the loop.
    /// `if let Some(i) = m_at { grad_x[i] += grad_m; grad_m = 0.0; }`
    fn pick_reverse(&self, p: &analysis::Pick) -> B {
        let (at, var) = (&self.f.vars[p.at].ident, &self.f.vars[p.var].ident);
        let cond = Konst {
            expr: syn::parse_quote!(let ::core::option::Option::Some(#var) = #at),
            reads: vec![p.at],
        };
        let mut then = Vec::new();
        if self.a.facts[p.seq].active {
            then.push(B::AddAdj(
                Place::Elem(p.seq, p.index.clone()),
                E::Adj(p.acc),
            ));
        }
        then.push(B::Kill(Place::Var(p.acc)));
        B::If(E::Konst(cond), then, Vec::new())
    }

    /// `target = op(target, ...)`: the contributions to other inputs read the adjoint as it
    /// is; then the adjoint becomes the sum of what flows to the target's old value. Where
    /// the flow to the old value is routed (`m = m.max(x)`) or goes through a pullback, the
    /// upstream adjoint is kept in `upstream_v` and the adjoint restarts from zero.
    fn self_update(
        &mut self,
        op: &Op,
        target: &Place,
        cs: Vec<Contrib>,
        scope: ScopeId,
        out: &mut Vec<B>,
        zeroed: &mut Zeroed,
    ) {
        let same = |p: &Place| match (p, target) {
            (Place::Var(a), Place::Var(b)) => a == b,
            (Place::Elem(a, i), Place::Elem(b, j)) | (Place::Part(a, i), Place::Part(b, j)) => {
                a == b && same_tokens(i, j)
            }
            _ => false,
        };
        let up = match target {
            Place::Var(v) => E::Adj(*v),
            Place::Elem(v, i) | Place::Part(v, i) => E::AdjElem(*v, i.clone()),
        };
        let mut own = Vec::new();
        let mut others = Vec::new();
        let mut routed = false;
        for c in cs {
            match c {
                Contrib::Add(p, e) if same(&p) => own.push(e),
                Contrib::Add(..) => others.push(c),
                other => {
                    let mut places = Vec::new();
                    crate::rules::contrib_places(std::slice::from_ref(&other), &mut places);
                    routed |= places.contains(&target.var());
                    others.push(other);
                }
            }
        }
        if routed {
            out.push(B::LetUp(target.clone()));
            self.kill(target.clone(), out, zeroed);
            zeroed.remove(&target.var());
            let cs =
                analysis::stmt_contribs_from(&self.f.vars, op, target, E::Up(target.var()), &|u| {
                    self.a.facts[u].active
                });
            self.contribs(&cs, scope, out, zeroed);
            return;
        }
        self.contribs(&others, scope, out, zeroed);
        match own.len() {
            0 => self.kill(target.clone(), out, zeroed),
            // `s = s + e`: the adjoint of the old `s` is the adjoint of the new one.
            1 if is_same_e(&own[0], &up) => {}
            _ => {
                let sum = own
                    .into_iter()
                    .reduce(crate::rules::add)
                    .expect("at least one");
                unzero(&sum, zeroed);
                zeroed.remove(&target.var());
                out.push(B::SetAdj(target.clone(), sum));
            }
        }
    }

    fn contribs(&mut self, cs: &[Contrib], scope: ScopeId, out: &mut Vec<B>, zeroed: &mut Zeroed) {
        for c in cs {
            match c {
                Contrib::Add(place, value) => self.add(place, value.clone(), scope, out, zeroed),
                Contrib::Branch(cond, then, els) => {
                    let mut t = Vec::new();
                    let mut e = Vec::new();
                    let mut inner = Zeroed::new();
                    self.contribs(then, usize::MAX, &mut t, &mut inner);
                    self.contribs(els, usize::MAX, &mut e, &mut inner);
                    let mut touched = Vec::new();
                    crate::rules::contrib_places(std::slice::from_ref(c), &mut touched);
                    for v in touched {
                        zeroed.remove(&v);
                    }
                    out.push(B::If(cond.clone(), t, e));
                }
                Contrib::Pullback {
                    pullback,
                    upstream,
                    parts,
                    recompute,
                } => {
                    let tape = self.a.tape && self.into.contains(pullback);
                    if let Some(c) = recompute.as_ref().filter(|_| !tape) {
                        out.push(B::LetPullback(*pullback, c.clone()));
                    }
                    if self.into.contains(pullback) {
                        unzero(upstream, zeroed);
                        for (place, _) in parts {
                            zeroed.remove(&place.var());
                        }
                        let call = recompute.clone().filter(|_| tape);
                        out.push(B::PullInto(*pullback, upstream.clone(), call));
                        continue;
                    }
                    let call = E::Apply(*pullback, vec![upstream.clone()]);
                    unzero(upstream, zeroed);
                    match self.a.grads.get(pullback) {
                        Some(&grads) if parts.len() > 1 || !self.inline_calls => {
                            out.push(B::LetGrads(grads, call));
                            for (place, i) in parts {
                                self.add(
                                    place,
                                    E::Field(Box::new(E::Var(grads)), *i),
                                    scope,
                                    out,
                                    zeroed,
                                );
                            }
                        }
                        _ => {
                            for (place, i) in parts {
                                self.add(
                                    place,
                                    E::Field(Box::new(call.clone()), *i),
                                    scope,
                                    out,
                                    zeroed,
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// `place += value`, or the first contribution's `let`, or an assignment after a kill.
    fn add(
        &mut self,
        place: &Place,
        value: E,
        scope: ScopeId,
        out: &mut Vec<B>,
        zeroed: &mut Zeroed,
    ) {
        unzero(&value, zeroed);
        let v = place.var();
        match place {
            Place::Var(_) if !self.declared[v] => {
                debug_assert_eq!(
                    self.f.vars[v].scope, scope,
                    "undeclared adjoint outside its block"
                );
                self.declared[v] = true;
                out.push(B::LetAdj(v, value));
            }
            Place::Var(_) if zeroed.contains_key(&v) => {
                let at = zeroed.remove(&v).expect("checked");
                out[at] = B::Nop;
                out.push(B::SetAdj(place.clone(), value));
            }
            _ => out.push(B::AddAdj(place.clone(), value)),
        }
    }

    fn kill(&mut self, place: Place, out: &mut Vec<B>, zeroed: &mut Zeroed) {
        let v = place.var();
        if matches!(place, Place::Var(_)) && self.f.vars[v].kind == Kind::Float {
            zeroed.insert(v, out.len());
        }
        out.push(B::Kill(place));
    }
}

/// An expression reading an adjoint ends that adjoint's known-zero stretch.
fn unzero(e: &E, zeroed: &mut Zeroed) {
    if let E::Adj(v) | E::AdjElem(v, _) = e {
        zeroed.remove(v);
    }
    e.for_each_child(|c| unzero(c, zeroed));
}

fn is_same_e(a: &E, b: &E) -> bool {
    match (a, b) {
        (E::Adj(x), E::Adj(y)) => x == y,
        (E::AdjElem(x, i), E::AdjElem(y, j)) => x == y && same_tokens(i, j),
        _ => false,
    }
}

fn same_tokens(a: &Index, b: &Index) -> bool {
    a.text() == b.text()
}

/// What a backward statement reads or writes: a primal value or an adjoint.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Primal(VarId),
    Adj(VarId),
}

/// What an expression reads: primal values, and adjoints (an upstream value counts as its
/// variable's adjoint).
fn e_keys(e: &E, out: &mut Vec<Key>) {
    if let E::Adj(v) | E::AdjElem(v, _) | E::Up(v) = e {
        out.push(Key::Adj(*v));
    }
    let mut primal = Vec::new();
    e.own_reads(&mut primal);
    out.extend(primal.into_iter().map(Key::Primal));
    e.for_each_child(|c| e_keys(c, out));
}

/// The keys a statement writes; `None` for a statement that may touch anything (a nested
/// branch or loop).
fn writes(b: &B) -> Option<Vec<Key>> {
    Some(match b {
        B::LetAdj(v, _) | B::ZeroAdj(v) => vec![Key::Adj(*v)],
        B::SetAdj(p, _) | B::AddAdj(p, _) | B::Kill(p) => vec![Key::Adj(p.var())],
        B::LetGrads(v, _)
        | B::Pop(v)
        | B::Restore(v)
        | B::RestoreElem(v, _)
        | B::RestoreSlice(Snapshot { var: v, .. })
        | B::Undo(v, _)
        | B::Recompute(v, _)
        | B::LetPullback(v, _) => {
            vec![Key::Primal(*v)]
        }
        B::Unpush(v) | B::Repush(v) => vec![Key::Primal(*v), Key::Adj(*v)],
        B::LetUp(p) => vec![Key::Adj(p.var())],
        B::AddSum(v, _) => vec![Key::Adj(*v)],
        B::Nop => Vec::new(),
        B::If(..) | B::For(..) | B::PullInto(..) => return None,
    })
}

/// The keys a statement reads.
fn read_keys(b: &B) -> Vec<Key> {
    let mut keys = Vec::new();
    match b {
        B::LetAdj(_, e)
        | B::SetAdj(_, e)
        | B::AddAdj(_, e)
        | B::LetGrads(_, e)
        | B::PullInto(_, e, None) => e_keys(e, &mut keys),
        B::PullInto(_, e, Some(call)) => {
            e_keys(e, &mut keys);
            for a in &call.args {
                e_keys(&crate::rules::operand(&a.value), &mut keys);
            }
        }
        B::LetUp(p) => keys.push(Key::Adj(p.var())),
        B::LetPullback(_, call) => {
            for a in &call.args {
                e_keys(&crate::rules::operand(&a.value), &mut keys);
            }
            keys.extend(call.result.map(Key::Primal));
        }
        _ => {}
    }
    if let Some(i) = match b {
        B::SetAdj(p, _) | B::AddAdj(p, _) | B::Kill(p) => p.index(),
        _ => None,
    } {
        keys.extend(i.reads().map(|&r| Key::Primal(r)));
    }
    if let B::AddAdj(p, _) = b {
        keys.push(Key::Adj(p.var()));
    }
    keys
}

/// How far back (in statements) an increment looks for an earlier one to the same
/// element, and how large (in expression nodes) a merged increment may grow: both bound
/// the work per statement, so the pass stays linear in the function's size, and the
/// second keeps each generated line readable.
const MERGE_WINDOW: usize = 64;
const MERGED_SIZE: usize = 40;

/// What one statement reads and writes, for the merging pass.
struct Facts {
    writes: Option<Vec<Key>>,
    reads: Vec<Key>,
    /// For `grad_x[i] += e`: `x`, the index as text, and what `e` alone reads.
    increment: Option<(VarId, String, Vec<Key>)>,
}

impl Facts {
    fn of(b: &B) -> Facts {
        let increment = match b {
            B::AddAdj(Place::Elem(v, i), e) => {
                let mut keys = Vec::new();
                e_keys(e, &mut keys);
                Some((*v, i.text(), keys))
            }
            _ => None,
        };
        Facts {
            writes: writes(b),
            reads: read_keys(b),
            increment,
        }
    }

    /// An increment of `v`'s adjoint whose value does not read that adjoint: it commutes
    /// with any other such increment, whatever the two indices.
    fn commutes(&self, v: VarId) -> bool {
        matches!(&self.increment, Some((w, _, keys)) if *w == v && !keys.contains(&Key::Adj(v)))
    }
}

/// Where the statements seen so far last did what stops a merge across them: the
/// merging pass asks these instead of walking the statements in between, so it costs one
/// look per statement, not one per statement and window position.
#[derive(Default)]
struct Latest {
    /// The last increment of each element, by adjoint and index text.
    increment: HashMap<(VarId, String), usize>,
    /// A statement that may touch anything (a nested branch or loop).
    opaque: Option<usize>,
    /// A statement that reads or writes the adjoint, other than an increment that commutes.
    touches_adjoint: Dense,
    /// A statement that writes the key.
    write: Dense,
}

/// A statement's position by variable (or by [`Key::slot`]): a vector, as variables are
/// numbered densely (a `HashMap` cost a fifth of this pass in an unoptimized build).
#[derive(Default)]
struct Dense(Vec<Option<usize>>);

impl Dense {
    fn insert(&mut self, at: usize, position: usize) {
        if at >= self.0.len() {
            self.0.resize(at + 1, None);
        }
        self.0[at] = Some(position);
    }

    fn get(&self, at: usize) -> Option<usize> {
        self.0.get(at).copied().flatten()
    }
}

impl Key {
    /// Its place in a [`Dense`] table.
    fn slot(self) -> usize {
        match self {
            Key::Primal(v) => 2 * v,
            Key::Adj(v) => 2 * v + 1,
        }
    }
}

impl Latest {
    fn record(&mut self, at: usize, facts: &Facts) {
        let Some(writes) = &facts.writes else {
            self.opaque = Some(at);
            return;
        };
        for &key in writes.iter().chain(&facts.reads) {
            if let Key::Adj(v) = key
                && !facts.commutes(v)
            {
                self.touches_adjoint.insert(v, at);
            }
        }
        for &key in writes {
            self.write.insert(key.slot(), at);
        }
    }

    /// Whether a statement after `k` (and before the current one) writes `key`.
    fn written_after(&self, key: &Key, k: usize) -> bool {
        self.write.get(key.slot()).is_some_and(|at| at > k)
    }
}

/// `grad_x[i] += a; ...; grad_x[i] += b;` becomes `...; grad_x[i] += a + b;` when nothing
/// between reads or changes `grad_x`, `i`, or what `a` reads. In a loop, repeated
/// read-modify-writes of one element form a chain through memory that serializes the
/// iterations; one addition per element and block keeps the reverse loop as fast as a
/// hand-written one.
fn merge_element_contributions(out: &mut [B]) {
    let mut latest = Latest::default();
    for j in 0..out.len() {
        let mut facts = Facts::of(&out[j]);
        if let Some((v, text, _)) = &facts.increment
            && let Some(k) = latest.increment.insert((*v, text.clone()), j)
            && merge_into(out, *v, k, j, &latest)
        {
            facts = Facts::of(&out[j]);
        }
        latest.record(j, &facts);
    }
}

/// Merges the increment at `k` into the later one to the same element at `j`, if nothing
/// in between stops it; whether it did.
fn merge_into(out: &mut [B], v: VarId, k: usize, j: usize, latest: &Latest) -> bool {
    let (B::AddAdj(Place::Elem(_, idx), second), B::AddAdj(_, first)) = (&out[j], &out[k]) else {
        return false;
    };
    let size = second.size();
    if size > MERGED_SIZE || first.size() + size > MERGED_SIZE || j - k > MERGE_WINDOW {
        return false;
    }
    let after_k = |at: Option<usize>| at.is_some_and(|at| at > k);
    if after_k(latest.opaque)
        || after_k(latest.touches_adjoint.get(v))
        || idx
            .reads()
            .any(|&r| latest.written_after(&Key::Primal(r), k))
    {
        return false;
    }
    let mut first_reads = Vec::new();
    e_keys(first, &mut first_reads);
    if first_reads.iter().any(|r| latest.written_after(r, k)) {
        return false;
    }
    let first = first.clone();
    out[k] = B::Nop;
    if let B::AddAdj(_, second) = &mut out[j] {
        *second = crate::rules::add(first, second.clone());
    }
    true
}
