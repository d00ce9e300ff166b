//! Room reserved on a loop's stacks before the loop runs, so that its pushes need no growth
//! check.
//!
//! A push that may grow its stack is a call on the loop's path, and every float register is
//! clobbered by a call: LLVM then keeps the loop's running floats in memory for the whole
//! loop (llsq's `inner -= x[j] * mul` ran at half speed for it). So a loop over a range
//! counts the push sites of each stack in its body, reserves `len × count` once before it
//! starts, and those pushes skip the check (`push_reserved`, which panics rather than grows
//! if the count were ever short). An inner loop whose range does not change in the outer
//! one is counted into the outer loop's reservation, so that no reservation runs inside the
//! outer loop either.
//!
//! A loop that can leave early reserves nothing: its range may be far longer than what it
//! runs (`for i in 0..usize::MAX { .. break; }`).

use std::collections::{BTreeMap, BTreeSet};

use super::{Analysis, Snapshot, assign_saved_at, contains_break, elem_saved_at, eval_saves};
use crate::ir::*;

/// A stack the forward pass pushes onto: a variable's values, or the elements its element
/// writes overwrote.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Store {
    Values(VarId),
    Elems(VarId),
}

/// How many values one iteration of a loop pushes onto one stack, at most: its push sites
/// outside inner loops, plus, per inner loop over a range that does not change in this
/// loop, that range's length times the inner loop's own count.
#[derive(Clone, Default)]
pub struct Count {
    pub sites: usize,
    /// The inner loop's `Steps` and its count.
    pub inner: Vec<(Konst, Count)>,
}

#[derive(Default)]
pub struct Reservations {
    /// Keyed by a loop's body: what the loop reserves before it starts, per iteration.
    pub before: BTreeMap<ScopeId, Vec<(Store, Count)>>,
    /// What the function reserves at its start, before any float is computed, for loops
    /// directly in its body whose ranges read only parameters (`0..x.len()`) and that are
    /// the only pushers of those stacks: each loop's `Steps` and count per iteration.
    pub at_start: Vec<(Store, Konst, Count)>,
    /// (loop body, stack): every push onto the stack in that body, inner loops included,
    /// fits in room reserved before this loop or an enclosing one.
    covered: BTreeSet<(ScopeId, Store)>,
}

impl Reservations {
    /// The stacks some loop reserves room on; the others grow as their pushes come (a
    /// `while` loop's), so they start on a pooled buffer instead.
    pub fn reserved_stores(&self) -> BTreeSet<Store> {
        let before = self.before.values().flatten().map(|(s, _)| *s);
        before
            .chain(self.at_start.iter().map(|(s, _, _)| *s))
            .collect()
    }

    /// Whether a push onto `store` made in block `scope` may skip the growth check.
    pub fn reserved(&self, f: &Func, scope: ScopeId, store: Store) -> bool {
        innermost_loop(f, scope).is_some_and(|body| self.covered.contains(&(body, store)))
    }
}

/// The body of the innermost loop enclosing block `scope`, if any.
fn innermost_loop(f: &Func, scope: ScopeId) -> Option<ScopeId> {
    let mut s = scope;
    loop {
        let here = &f.scopes[s];
        let parent_depth = here.parent.map_or(0, |p| f.scopes[p].loop_depth);
        if here.loop_depth > parent_depth {
            return Some(s);
        }
        s = here.parent?;
    }
}

pub fn plan(f: &Func, a: &Analysis) -> Reservations {
    let mut plan = Reservations::default();
    visit(f, a, &f.body, None, &mut plan);
    // A reservation just before a loop is a call the floats computed before it must
    // survive (`let mut a = x[0];` then the loop over `a = a.max(x[i])`): where it can, it
    // moves to the start, when nothing else pushes onto that stack in between.
    let mut blocks: BTreeMap<Store, Vec<ScopeId>> = BTreeMap::new();
    for (site, scope) in push_sites(f, a) {
        blocks.entry(site.store()).or_default().push(scope);
    }
    let params: BTreeSet<VarId> = f.params.iter().map(|p| p.var).collect();
    let fixed = |k: &Konst| {
        k.reads
            .iter()
            .all(|v| params.contains(v) && !a.facts[*v].mutable)
    };
    for stmt in &f.body.stmts {
        let Stmt::Loop {
            head: LoopHead::Range { steps, .. },
            body,
            ..
        } = stmt
        else {
            continue;
        };
        let Some(stores) = plan.before.get_mut(&body.scope) else {
            continue;
        };
        stores.retain(|(store, count)| {
            let mut homes = blocks.get(store).into_iter().flatten();
            let alone = homes.all(|&s| f.within(s, body.scope));
            let hoist = alone && fixed(steps) && count.all_steps(&fixed);
            if hoist {
                plan.at_start.push((*store, steps.clone(), count.clone()));
            }
            !hoist
        });
    }
    plan
}

impl Count {
    /// Whether every inner loop's range counted here satisfies `ok`.
    fn all_steps(&self, ok: &dyn Fn(&Konst) -> bool) -> bool {
        self.inner.iter().all(|(k, c)| ok(k) && c.all_steps(ok))
    }
}

/// Plans every loop in `block`; `outer` is the innermost enclosing loop's body.
fn visit(f: &Func, a: &Analysis, block: &Block, outer: Option<ScopeId>, plan: &mut Reservations) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::If { then, els, .. } => {
                visit(f, a, then, outer, plan);
                visit(f, a, els, outer, plan);
            }
            Stmt::Loop { head, body, .. } => {
                if reserves(a, head, body) {
                    let defined = defined_in(head, body);
                    for (store, count) in counts(f, a, body, &defined) {
                        let Some(count) = count else { continue };
                        plan.covered.insert((body.scope, store));
                        // Counted by the enclosing loop's reservation already.
                        let by_outer = outer.is_some_and(|o| plan.covered.contains(&(o, store)));
                        if !by_outer {
                            plan.before
                                .entry(body.scope)
                                .or_default()
                                .push((store, count));
                        }
                    }
                }
                visit(f, a, body, Some(body.scope), plan);
            }
            _ => {}
        }
    }
}

/// A loop over a range the reverse replays, that runs it to the end.
fn reserves(a: &Analysis, head: &LoopHead, body: &Block) -> bool {
    matches!(head, LoopHead::Range { .. })
        && a.control
            .get(&body.scope)
            .is_some_and(|c| c.range.is_some())
        && !contains_break(body)
}

/// Per stack pushed in `body`: its count per iteration, or `None` when an inner loop's
/// pushes cannot be counted from here (`defined`: variables defined in the loop whose
/// count this is, which an inner range must not read).
fn counts(
    f: &Func,
    a: &Analysis,
    body: &Block,
    defined: &BTreeSet<VarId>,
) -> BTreeMap<Store, Option<Count>> {
    let mut out: BTreeMap<Store, Option<Count>> = BTreeMap::new();
    each_site(f, a, body, &mut Vec::new(), &mut |event| match event {
        Event::Site(Site::Push(store), _) => {
            if let Some(c) = out.entry(store).or_insert(Some(Count::default())) {
                c.sites += 1;
            }
        }
        // Copies of whole ranges: their length is not counted.
        Event::Site(site @ Site::Copy(_), _) => {
            out.insert(site.store(), None);
        }
        Event::Loop(head, inner) => {
            let hoisted = match head {
                LoopHead::Range { steps, .. } if reserves(a, head, inner) => {
                    invariant(a, steps, defined).then_some(steps)
                }
                _ => None,
            };
            for (store, count) in counts(f, a, inner, defined) {
                let term = hoisted.zip(count).map(|(len, c)| (len.clone(), c));
                match (out.entry(store).or_insert(Some(Count::default())), term) {
                    (Some(total), Some(term)) => total.inner.push(term),
                    (entry, _) => *entry = None,
                }
            }
        }
    });
    out
}

/// A place the forward pass pushes onto a stack.
pub enum Site<'b> {
    /// One value.
    Push(Store),
    /// A copy of several elements of an array (`push_range`).
    Copy(&'b Snapshot),
}

impl Site<'_> {
    /// The stack it pushes onto.
    pub fn store(&self) -> Store {
        match self {
            Site::Push(store) => *store,
            Site::Copy(s) => Store::Elems(s.var),
        }
    }
}

/// What [`each_site`] reports.
enum Event<'b> {
    /// A push site, in the given block.
    Site(Site<'b>, ScopeId),
    /// An inner loop.
    Loop(&'b LoopHead, &'b Block),
}

/// Every push site the forward pass emits for `block` (see `emit::forward`), with the block
/// it is in; inner loops are reported whole (their entry saves and copies, made outside
/// them, as sites here).
fn each_site<'b>(
    f: &Func,
    a: &'b Analysis,
    block: &'b Block,
    chain: &mut Vec<ScopeId>,
    on: &mut dyn FnMut(Event<'b>),
) {
    chain.push(block.scope);
    let scope = block.scope;
    let saves = |scope: ScopeId| a.block_saves.get(&scope).into_iter().flatten().copied();
    for (at, stmt) in block.stmts.iter().enumerate() {
        match stmt {
            Stmt::Assign {
                var, init: false, ..
            } if assign_saved_at(f, a, *var, scope, at) => {
                on(Event::Site(Site::Push(Store::Values(*var)), scope))
            }
            Stmt::SetElem { var, .. } if elem_saved_at(f, a, *var, scope) => {
                on(Event::Site(Site::Push(Store::Elems(*var)), scope))
            }
            Stmt::Eval(k) => {
                for v in eval_saves(f, a, k, scope) {
                    on(Event::Site(Site::Push(Store::Values(v)), scope));
                }
            }
            Stmt::If { then, els, .. } => {
                each_site(f, a, then, chain, on);
                each_site(f, a, els, chain, on);
            }
            Stmt::Break => {
                // Every block up to the loop body saves its locals before leaving.
                for &s in chain.iter() {
                    for v in saves(s) {
                        on(Event::Site(Site::Push(Store::Values(v)), scope));
                    }
                }
            }
            Stmt::Loop { head, body, .. } => {
                for &v in a.loop_saves.get(&body.scope).into_iter().flatten() {
                    on(Event::Site(Site::Push(Store::Values(v)), scope));
                }
                for s in a.snapshots.around.get(&body.scope).into_iter().flatten() {
                    on(Event::Site(Site::Copy(s), scope));
                }
                on(Event::Loop(head, body));
            }
            Stmt::Let { .. }
            | Stmt::Declare { .. }
            | Stmt::Assign { .. }
            | Stmt::SetElem { .. } => {}
        }
    }
    if scope != 0 && !block.exits() {
        for v in saves(scope) {
            on(Event::Site(Site::Push(Store::Values(v)), scope));
        }
    }
    chain.pop();
}

/// Every push site in the function, with the block it is in, inner loops included: what
/// the reservations here and the inline stacks' capacities (`emit::forward`) count.
pub fn push_sites<'b>(f: &'b Func, a: &'b Analysis) -> Vec<(Site<'b>, ScopeId)> {
    fn sites<'b>(f: &Func, a: &'b Analysis, block: &'b Block, out: &mut Vec<(Site<'b>, ScopeId)>) {
        let mut loops = Vec::new();
        each_site(f, a, block, &mut Vec::new(), &mut |event| match event {
            Event::Site(site, scope) => out.push((site, scope)),
            Event::Loop(_, body) => loops.push(body),
        });
        for body in loops {
            sites(f, a, body, out);
        }
    }
    let mut out = Vec::new();
    sites(f, a, &f.body, &mut out);
    out
}

/// Whether an inner loop's range may be evaluated before the outer loop starts: it reads no
/// variable the outer loop defines or anything assigns in place, and it cannot panic.
fn invariant(a: &Analysis, steps: &Konst, defined: &BTreeSet<VarId>) -> bool {
    steps
        .reads
        .iter()
        .all(|v| !defined.contains(v) && !a.facts[*v].mutable)
        && cannot_panic(&steps.expr)
}

/// Built only of paths, integer literals, ranges, casts, `.len()`, `.rev()` and
/// `.step_by(k)` with a literal `k > 0`: what `steps(0..x.len())` is made of, which
/// evaluates the same wherever it runs and never panics.
fn cannot_panic(e: &syn::Expr) -> bool {
    use syn::Expr;
    match e {
        Expr::Path(p) => p.qself.is_none(),
        Expr::Lit(l) => matches!(l.lit, syn::Lit::Int(_)),
        Expr::Paren(p) => cannot_panic(&p.expr),
        Expr::Group(g) => cannot_panic(&g.expr),
        Expr::Cast(c) => cannot_panic(&c.expr),
        Expr::Range(r) => {
            r.start.as_deref().is_some_and(cannot_panic)
                && r.end.as_deref().is_some_and(cannot_panic)
        }
        // The runtime's `steps(..)` only: a function of the user's may panic or have effects,
        // and must run where and as often as the user's code runs it.
        Expr::Call(c) => is_steps(&c.func) && c.args.iter().all(cannot_panic),
        Expr::MethodCall(m) => {
            let args_ok = match m.method.to_string().as_str() {
                "len" | "rev" => m.args.is_empty(),
                "step_by" => matches!(
                    m.args.first(),
                    Some(Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(k), .. }))
                        if m.args.len() == 1 && k.base10_parse::<u64>().is_ok_and(|k| k > 0)
                ),
                _ => false,
            };
            args_ok && cannot_panic(&m.receiver)
        }
        _ => false,
    }
}

/// `…::__private::steps`, the function the lowering wraps a loop's range in.
fn is_steps(func: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = func else {
        return false;
    };
    let names: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    matches!(names.as_slice(), [.., private, steps] if private == "__private" && steps == "steps")
}

/// The variables a loop defines: its index, and its body's variables and inner loops'
/// indices.
pub(super) fn defined_in(head: &LoopHead, body: &Block) -> BTreeSet<VarId> {
    let mut out = BTreeSet::new();
    if let LoopHead::Range { var: Some(v), .. } | LoopHead::Iter { var: Some(v), .. } = head {
        out.insert(*v);
    }
    super::walk(body, &mut |stmt, _| match stmt {
        Stmt::Let { var, .. } | Stmt::Declare { var } => {
            out.insert(*var);
        }
        Stmt::Loop {
            head: LoopHead::Range { var: Some(v), .. } | LoopHead::Iter { var: Some(v), .. },
            ..
        } => {
            out.insert(*v);
        }
        _ => {}
    });
    out
}
