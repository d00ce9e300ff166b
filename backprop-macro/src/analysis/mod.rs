//! What the reverse sweep needs to know before it is written.
//!
//! - **Activity**: a variable is active when it depends on a differentiable parameter
//!   (varied) and influences the result (useful). Only active variables get adjoints.
//! - **Needed values**: the primal values the backward rules read. A needed value that the
//!   forward pass overwrites (an assignment in place, or a block-local value of a loop body
//!   or branch) is saved on a stack and restored in reverse: the Tapenade scheme, saving
//!   only what is read. `s += x[i]` saves nothing; `t *= x` saves the old `t`.
//! - **Control**: a branch whose reverse is not empty records which way it went; a loop
//!   records its range or its iteration count.
//!
//! The analysis is flow-insensitive (a variable is active everywhere or nowhere), which is
//! conservative and never wrong.

use crate::ir::*;
use crate::rules::{self, Contrib, E, Place};
use proc_macro2::Span;
use std::collections::{BTreeMap, BTreeSet};

mod moves;
mod overwrites;
mod picks;
mod plans;
mod reads;
pub mod reserve;
mod shapes;
mod snapshots;
mod sparse;
mod tape;
mod walk;

pub use picks::Pick;
use plans::*;
pub use plans::{assign_saved_at, eval_saves, undo_step};
use reads::{Reads, activity, backward_reads_of, saved_values};
pub use snapshots::{Snapshot, Snapshots, elem_saved_at};
pub use walk::{calls_into, each_block, walk, walk_calls, walk_calls_mut, walk_stmts};
use walk::{contains_break, declarations, definitely_assigned, fixpoint, walk_loops};

/// How the reverse sweep replays one loop or branch.
#[derive(Clone)]
pub struct Control {
    /// The branch's recorded condition.
    pub flag: Option<VarId>,
    /// The loop's `Steps`, replayed backwards.
    pub range: Option<VarId>,
    /// How many iterations the loop ran, when it can leave early or has no range.
    pub count: Option<VarId>,
}

/// What the analysis found about one variable.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts {
    /// Carries a derivative: it depends on a differentiated input and reaches the result.
    pub active: bool,
    /// Read by the backward pass.
    pub needed: bool,
    /// Saved before every assignment in place, restored in reverse.
    pub saved: bool,
    /// The adjoint starts as zero at the start of the reverse of the declaring block (it
    /// gets contributions from nested blocks); otherwise its first contribution declares it.
    pub zero_init: bool,
    /// Assigned in place in the forward pass: `let mut`.
    pub mutable: bool,
    /// Assigned in place by the user's code (not counting the reverse sweep's records).
    pub in_place: bool,
    /// Assigned whole in place (`v = ...;`, not only element by element): the reverse
    /// resets its adjoint there.
    pub reassigned: bool,
    /// Declared without a value but read in reverse on paths that may not assign it: declared
    /// with a zero instead.
    pub zero_declare: bool,
    /// An integer counter stepped by literals (`li += 1`): the reverse sweep undoes each step
    /// instead of restoring a saved value.
    pub counter: bool,
}

pub struct Analysis {
    /// What was found about each variable, by its id.
    pub facts: Vec<Facts>,
    /// Pushed at the end of its (loop body or branch) block, popped at the start of the
    /// block's reverse.
    pub block_saves: BTreeMap<ScopeId, Vec<VarId>>,
    /// Variables with a stack of their values, in declaration order.
    pub stacks: Vec<VarId>,
    /// Sequences with a stack of the elements their element writes overwrote.
    pub elem_stacks: Vec<VarId>,
    /// Keyed by the scope of an `if`'s `then` block or a loop's body.
    pub control: BTreeMap<ScopeId, Control>,
    /// For calls with several active arguments: the variable holding the pullback's result.
    pub grads: BTreeMap<VarId, VarId>,
    /// Keyed by a loop's body: floats assigned in place inside the loop that no backward rule
    /// inside it reads. They are pushed once before the loop and popped once after its
    /// reverse, instead of at every assignment (`inner -= x[j] * m` in a loop, read only
    /// after it). See [`saved_at`].
    pub loop_saves: BTreeMap<ScopeId, Vec<VarId>>,
    /// Keyed by a loop's body: floats as in `loop_saves` whose value before the loop nothing
    /// reads (defined just before it): not saved at all.
    pub loop_unsaved: BTreeMap<ScopeId, Vec<VarId>>,
    /// Arrays copied whole around a loop instead of saved element by element; see
    /// [`elem_saved_at`].
    pub snapshots: Snapshots,
    /// Element writes that destroy no value a backward rule reads: they save nothing
    /// ([`overwrites`]).
    pub unread: overwrites::Unread,
    /// Whole assignments in place that save nothing: see [`overwrites::UnreadAssigns`].
    pub unread_assigns: overwrites::UnreadAssigns,
    /// Arguments passed by value as a copy, since the reverse reads them: see [`moves`].
    pub copied_args: moves::Copies,
    /// Temporaries an assignment moves instead of copying: see [`moves::moved_temporaries`].
    pub moved: BTreeSet<VarId>,
    /// Block-local values the reverse of their block computes again instead of popping
    /// (cheap operations on values that do not change in the loop), in forward order.
    pub recompute: BTreeMap<ScopeId, Vec<(VarId, Op)>>,
    /// The variable the pullback starts from.
    pub result: VarId,
    /// Room reserved on the stacks before loops, and which pushes need no growth check.
    pub reserve: reserve::Reservations,
    /// The function calls itself through one tape ([`tape::fits`]): `__forward_tape` pushes onto
    /// stacks its caller passes in, `__backward_tape` pops them; no closure per call.
    pub tape: bool,
    /// The running extrema, by their loop body's scope: reversed through the element
    /// picked last ([`picks`]).
    pub picks: BTreeMap<ScopeId, Pick>,
    /// Forward mode: by a loop's body, the variables from outside it whose tangents are
    /// all its tangents depend on, each a float or a small array: when they are all zero
    /// the loop runs without tangents ([`sparse`]).
    pub sparse: BTreeMap<ScopeId, Vec<VarId>>,
    /// Arrays the backward pass reads only for their shape: the pullback keeps their shape
    /// (`let s0 = like(&s0);` at the forward pass's end), not them ([`shapes`]).
    pub shape_only: Vec<VarId>,
    /// The indices of loops over `a..b`, by one upwards (a runtime `Span`): their reverse
    /// may walk offsets into slices of the sequences it indexes ([`crate::reverse::views`]).
    pub spans: BTreeSet<VarId>,
}

/// The backward rule of a definition or assignment `target = op`.
pub fn stmt_contribs(
    vars: &[Var],
    op: &Op,
    target: &rules::Place,
    active: &dyn Fn(VarId) -> bool,
) -> Vec<Contrib> {
    let up = match target {
        rules::Place::Var(v) => E::Adj(*v),
        rules::Place::Elem(v, i) | rules::Place::Part(v, i) => E::AdjElem(*v, i.clone()),
    };
    stmt_contribs_from(vars, op, target, up, active)
}

/// The same, from a given upstream adjoint.
pub fn stmt_contribs_from(
    vars: &[Var],
    op: &Op,
    target: &rules::Place,
    up: E,
    active: &dyn Fn(VarId) -> bool,
) -> Vec<Contrib> {
    let out = target.value();
    // A sine's derivative is its twin, the cosine of the same value, and the other way
    // round ([`Var::twin`]), when that twin carries a derivative too (forward over reverse
    // then reads its tangent). Floats only: arrays go through the kernels.
    if let rules::Place::Var(v) = target
        && vars[*v].kind == Kind::Float
        && let Some(twin) = vars[*v].twin.filter(|&w| active(w))
        && let Some(cs) = rules::twin_backward(op, up.clone(), twin, active)
    {
        return cs;
    }
    // An element of an array is a float: only the whole array goes through the kernels.
    let whole = matches!(target, rules::Place::Var(_));
    if is_tensor(vars, op, target.var()) && (whole || !scalar_operands(vars, op)) {
        rules::backward_tensor(op, up, out, active)
    } else {
        rules::backward(op, up, out, active)
    }
}

/// Whether no operand of `op` is a whole array.
fn scalar_operands(vars: &[Var], op: &Op) -> bool {
    !matches!(op, Op::Dot(..) | Op::Reduce(..))
        && op
            .operands()
            .iter()
            .all(|o| o.whole().is_none_or(|v| vars[v].kind != Kind::Tensor))
}

/// Whether `target = op` works on arrays (or on values that may be arrays).
pub fn is_tensor(vars: &[Var], op: &Op, target: VarId) -> bool {
    matches!(op, Op::Dot(..) | Op::Reduce(..))
        || vars[target].kind == Kind::Tensor
        || op
            .operands()
            .iter()
            .any(|o| o.whole().is_some_and(|v| vars[v].kind == Kind::Tensor))
}

/// What the analysis adds to the lowered function, returned for the pipeline to apply
/// ([`Additions::apply`]) before the backward pass is written: the reverse sweep's own
/// variables (loops' counts and ranges, branches' flags, running extrema's picks, the
/// results of pullbacks), the names they took, and, when the function runs on one tape
/// ([`Analysis::tape`]), its calls to itself made again in reverse.
pub struct Additions {
    vars: Vec<Var>,
    names: crate::names::Names,
    recompute_calls: bool,
}

impl Additions {
    /// The additions of `analyzed`, a copy of `f` the analysis worked on.
    fn of(f: &Func, mut analyzed: Func, recompute_calls: bool) -> Additions {
        Additions {
            vars: analyzed.vars.split_off(f.vars.len()),
            names: analyzed.names,
            recompute_calls,
        }
    }

    /// Appends the variables to `f`'s (their ids are those the analysis gave them), takes
    /// the names, and marks the calls made again in reverse.
    pub fn apply(self, f: &mut Func) {
        f.vars.extend(self.vars);
        f.names = self.names;
        if self.recompute_calls {
            walk_calls_mut(&mut f.body, &mut |call| call.recompute |= call.into);
        }
    }
}

/// The analysis of a lowered function, and what it adds to it. `f` is left as lowering made
/// it: the analysis works on a copy, whose new variables it returns.
///
/// A function whose calls to itself add into the caller's gradients ([`Call::into`]) is
/// analyzed twice when it may run on one tape: the second time with those calls made again
/// in the backward pass ([`Call::recompute`]), so that their arguments are at hand there
/// and no pullback is kept. If that analysis passes [`tape::fits`], it is the one used.
/// `one_tape`: whether it may be (not under `hessian`, whose forward over reverse would then
/// run each call's forward pass again in reverse).
pub fn analyze(f: &Func, one_tape: bool) -> (Analysis, Additions) {
    let mut work = f.clone();
    let a = analyze_once(&mut work);
    if one_tape && calls_into(&f.body) && tape::fits(&work, &a, false) {
        let mut again = f.clone();
        walk_calls_mut(&mut again.body, &mut |call| call.recompute |= call.into);
        let mut b = analyze_once(&mut again);
        if tape::fits(&again, &b, true) {
            b.tape = true;
            return (b, Additions::of(f, again, true));
        }
    }
    (a, Additions::of(f, work, false))
}

fn analyze_once(f: &mut Func) -> Analysis {
    let n = f.vars.len();
    let result = match &f.result {
        Operand::Var(v) => *v,
        _ => unreachable_result(),
    };

    let active = activity(f, result);
    // Running extrema are seen as sums until the analysis is done.
    let mut picks = picks::find(f, &active);
    let updates = picks::view_as_sums(f, &picks);

    // What the backward rules read, and where adjoints get contributions.
    let Reads {
        mut needed,
        has_contrib,
        nested_contrib,
        assigned_in_place,
        reassigned,
        elem_written,
    } = backward_reads_of(f, &active);

    let saved = saved_values(
        f,
        &mut needed,
        &has_contrib,
        &nested_contrib,
        &assigned_in_place,
        &reassigned,
    );
    let written = snapshots::Written {
        in_place: &assigned_in_place,
        whole: &reassigned,
        elements: &elem_written,
    };
    let unread = overwrites::plan(f, &active, &saved);
    let unread_assigns = overwrites::unread_assigns(f, &active, &saved);
    let snapshots = snapshots::plan(f, &active, &saved, written, &unread, &mut needed);
    // Which loops and branches have a reverse: those with a contribution or a save inside.
    let pick_loops: BTreeSet<ScopeId> = picks.iter().map(|p| p.scope).collect();
    let (control, new_vars, mut replayed) = control_plan(
        f,
        &active,
        &saved,
        &assigned_in_place,
        &pick_loops,
        &mut needed,
    );
    let control_vars = add_records(f, new_vars, &mut picks);
    let mut zero_init: Vec<bool> = (0..n)
        .map(|v| active[v] && has_contrib[v] && nested_contrib[v] && v != result)
        .collect();
    declare_into_gradients(f, &active, &mut zero_init);
    let mut lists = Lists {
        active,
        needed,
        saved,
        zero_init,
        assigned: assigned_in_place,
    };
    // The records are read backward, never replayed, and assigned in place only as counts.
    lists.grow(n + control_vars, true);
    for c in control.values() {
        if let Some(count) = c.count {
            lists.assigned[count] = true;
        }
    }
    replayed.resize(f.vars.len(), false);
    // The control records added since are never assigned in place.
    let mut elem_written = elem_written;
    elem_written.resize(f.vars.len(), false);
    let mut whole_assigned = reassigned;
    whole_assigned.resize(f.vars.len(), false);
    let stores = plan_stores(
        f,
        &mut lists,
        &control,
        &replayed,
        &elem_written,
        &whole_assigned,
    );

    // Calls with several active arguments keep the pullback's result in a variable.
    let grads = pullback_results(f, &lists.active);
    // Variables added since (the pullbacks' results) have none of the facts.
    lists.grow(f.vars.len(), false);
    let (loop_saves, loop_unsaved) = plan_loop_saves(f, &lists.active, &lists.saved);
    let sparse = sparse::plan(f, &lists.active);
    let facts = facts_of(f, &lists, n, &whole_assigned, &stores.counters);
    let mut analysis = Analysis {
        facts,
        loop_saves,
        loop_unsaved,
        snapshots,
        unread,
        unread_assigns,
        copied_args: Default::default(),
        moved: Default::default(),
        block_saves: stores.block_saves,
        stacks: stores.stacks,
        elem_stacks: stores.elem_stacks,
        control,
        grads,
        recompute: stores.recompute,
        result,
        reserve: Default::default(),
        tape: false,
        picks: BTreeMap::new(),
        sparse,
        shape_only: Vec::new(),
        spans: BTreeSet::new(),
    };
    picks::restore(f, &picks, updates);
    analysis.picks = picks.into_iter().map(|p| (p.scope, p)).collect();
    plan_from_facts(f, &mut analysis);
    analysis
}

/// The plans made from the facts: stacks nothing pushes dropped, room reserved, arrays kept
/// for their shape only, arguments copied and temporaries moved.
fn plan_from_facts(f: &Func, analysis: &mut Analysis) {
    drop_unpushed_stacks(f, analysis);
    analysis.reserve = reserve::plan(f, analysis);
    analysis.shape_only = shapes::plan(f, &analysis.facts, analysis.result, &analysis.recompute);
    analysis.copied_args = moves::plan(f, analysis);
    analysis.moved = moves::moved_temporaries(f, analysis);
    analysis.spans = spans(f);
}

/// The indices of the loops over `a..b` ([`Analysis::spans`]): `steps(a..b)`, without
/// `.rev()` or `.step_by(k)` ([`crate::lower`] writes a range loop's head so).
fn spans(f: &Func) -> BTreeSet<VarId> {
    let mut spans = BTreeSet::new();
    walk_loops(&f.body, &mut |head, _| {
        if let LoopHead::Range {
            var: Some(v),
            steps,
        } = head
            && let syn::Expr::Call(call) = &steps.expr
            && let [range] = call.args.iter().collect::<Vec<_>>().as_slice()
            && let syn::Expr::Range(range) = crate::lower::strip(range)
            && matches!(range.limits, syn::RangeLimits::HalfOpen(_))
            && range.start.is_some()
            && range.end.is_some()
        {
            spans.insert(*v);
        }
    });
    spans
}

/// Per variable, a fact as the analysis finds it: one list each, grown as it adds variables.
struct Lists {
    active: Vec<bool>,
    needed: Vec<bool>,
    saved: Vec<bool>,
    zero_init: Vec<bool>,
    assigned: Vec<bool>,
}

impl Lists {
    /// Room for variables added since, with none of the facts but `needed`.
    fn grow(&mut self, len: usize, needed: bool) {
        self.needed.resize(len, needed);
        for list in [
            &mut self.active,
            &mut self.saved,
            &mut self.zero_init,
            &mut self.assigned,
        ] {
            list.resize(len, false);
        }
    }
}

/// Adds the control records ([`control_plan`]) and each running extremum's record (`m_at`)
/// to the function's variables; returns how many there are.
fn add_records(f: &mut Func, mut new_vars: Vec<Var>, picks: &mut [Pick]) -> usize {
    for p in picks.iter_mut() {
        p.at = f.vars.len() + new_vars.len();
        let name = f.names.generated(&format!("{}_at", f.vars[p.acc].ident));
        new_vars.push(Var {
            ident: syn::Ident::new(&name, Span::call_site()),
            kind: Kind::Other,
            ty: None,
            scope: p.outer,
            param: None,
            twin: None,
        });
    }
    let added = new_vars.len();
    f.vars.extend(new_vars);
    added
}

/// Where values are kept for the backward pass: computed again, pushed at a block's end,
/// stacks of whole values and of overwritten elements.
struct Stores {
    recompute: BTreeMap<ScopeId, Vec<(VarId, Op)>>,
    block_saves: BTreeMap<ScopeId, Vec<VarId>>,
    counters: Vec<bool>,
    stacks: Vec<VarId>,
    elem_stacks: Vec<VarId>,
}

fn plan_stores(
    f: &Func,
    lists: &mut Lists,
    control: &BTreeMap<ScopeId, Control>,
    replayed: &[bool],
    elem_written: &[bool],
    whole_assigned: &[bool],
) -> Stores {
    let Lists {
        needed,
        assigned,
        saved,
        ..
    } = lists;
    let mut recompute = plan_recompute(f, needed, assigned, replayed);
    recompute_ranges(f, control, &mut recompute, needed, assigned, replayed);
    let block_saves = plan_block_saves(f, needed, replayed, &recompute);
    let counters = plan_counters(f, saved);
    let saved_whole = |v: VarId| saved[v] && whole_assigned[v] && !counters[v];
    let pushed: BTreeSet<VarId> = block_saves.values().flatten().copied().collect();
    let stacks: Vec<VarId> = (0..f.vars.len())
        .filter(|&v| saved_whole(v) || pushed.contains(&v))
        .collect();
    let elem_stacks: Vec<VarId> = (0..f.vars.len())
        .filter(|&v| saved[v] && elem_written[v])
        .collect();
    Stores {
        recompute,
        block_saves,
        counters,
        stacks,
        elem_stacks,
    }
}

/// The facts of every variable, from the lists; `n`: how many the function had before the
/// analysis added its own.
fn facts_of(
    f: &Func,
    lists: &Lists,
    n: usize,
    whole_assigned: &[bool],
    counters: &[bool],
) -> Vec<Facts> {
    let (zero_declare, mutable) = declared_forms(f, &lists.needed, &lists.assigned);
    let fact = |list: &[bool], v: VarId| list.get(v).copied().unwrap_or(false);
    (0..f.vars.len())
        .map(|v| Facts {
            active: lists.active[v],
            needed: lists.needed[v],
            saved: lists.saved[v],
            zero_init: lists.zero_init[v],
            mutable: mutable[v],
            in_place: v < n && lists.assigned[v],
            reassigned: fact(whole_assigned, v),
            zero_declare: zero_declare[v],
            counter: fact(counters, v),
        })
        .collect()
}

/// Calls to itself whose pullbacks add into the parameters' gradients need those gradients
/// declared (as zeros) before anything adds to them.
fn declare_into_gradients(f: &Func, active: &[bool], zero_init: &mut [bool]) {
    let into = calls_into(&f.body);
    for p in f.params.iter().filter(|p| into && p.differentiable()) {
        zero_init[p.var] |= active[p.var];
    }
}

/// A variable whose every save a loop made unnecessary ([`Analysis::loop_unsaved`]) has no
/// stack.
fn drop_unpushed_stacks(f: &Func, a: &mut Analysis) {
    let mut pushed = BTreeSet::new();
    let mut elems = BTreeSet::new();
    for (site, _) in reserve::push_sites(f, a) {
        match site {
            reserve::Site::Push(reserve::Store::Values(v)) => pushed.insert(v),
            reserve::Site::Push(reserve::Store::Elems(v)) => elems.insert(v),
            reserve::Site::Copy(s) => elems.insert(s.var),
        };
    }
    a.stacks.retain(|v| pushed.contains(v));
    a.elem_stacks.retain(|v| elems.contains(v));
}

/// The values each block pushes at its end for its reverse: its locals the backward pass
/// reads, unless replayed (loop indices) or computed again in reverse.
fn plan_block_saves(
    f: &Func,
    needed: &[bool],
    replayed: &[bool],
    recompute: &BTreeMap<ScopeId, Vec<(VarId, Op)>>,
) -> BTreeMap<ScopeId, Vec<VarId>> {
    let recomputed: BTreeSet<VarId> = recompute.values().flatten().map(|(v, _)| *v).collect();
    let mut block_saves: BTreeMap<ScopeId, Vec<VarId>> = BTreeMap::new();
    for (v, var) in f.vars.iter().enumerate() {
        if needed[v]
            && var.scope != 0
            && !replayed[v]
            && var.param.is_none()
            && !recomputed.contains(&v)
        {
            block_saves.entry(var.scope).or_default().push(v);
        }
    }
    block_saves
}

/// How each variable is declared: with a zero (`let mut v = 0.0;`, when the reverse may
/// read it on a path that does not assign it), and whether it needs `mut`.
fn declared_forms(f: &Func, needed: &[bool], assigned: &[bool]) -> (Vec<bool>, Vec<bool>) {
    let mut declared = vec![None; f.vars.len()];
    declarations(&f.body, &mut declared);
    let zero_declare: Vec<bool> = (0..f.vars.len())
        .map(|v| needed[v] && declared[v].is_some_and(|b| !definitely_assigned(b, v)))
        .collect();
    let mutable: Vec<bool> = (0..f.vars.len())
        .map(|v| assigned[v] || zero_declare[v])
        .collect();
    (zero_declare, mutable)
}

/// The loops' and branches' records ([`plan_control`]), their variables named, and which
/// loop indices the reverse replays. A branch condition the reverse evaluates again
/// marks what it reads as read backward.
fn control_plan(
    f: &mut Func,
    active: &[bool],
    saved: &[bool],
    assigned_in_place: &[bool],
    picks: &BTreeSet<ScopeId>,
    needed: &mut [bool],
) -> (BTreeMap<ScopeId, Control>, Vec<Var>, Vec<bool>) {
    let n = f.vars.len();
    let mut control = BTreeMap::new();
    let mut new_vars: Vec<Var> = Vec::new();
    let mut next = n;
    // Loop variables of range loops are replayed, not saved.
    let mut replayed = vec![false; n];
    walk_loops(&f.body, &mut |head, _| {
        if let LoopHead::Range { var: Some(v), .. } = head {
            replayed[*v] = true;
        }
    });
    let facts = plans::ControlFacts {
        active,
        saved,
        assigned: assigned_in_place,
        replayed: &replayed,
        picks,
    };
    plan_control(f, &f.body, &facts, &mut control, &mut new_vars, &mut next);
    walk(&f.body, &mut |stmt, _| {
        if let Stmt::If { cond, then, .. } = stmt
            && control.get(&then.scope).is_some_and(|c| c.flag.is_none())
        {
            for &u in &cond.reads {
                needed[u] = true;
            }
        }
    });
    let mut names = std::mem::replace(&mut f.names, crate::names::Names::new(Default::default()));
    for var in &mut new_vars {
        let name = names.generated(&var.ident.to_string());
        var.ident = syn::Ident::new(&name, var.ident.span());
    }
    f.names = names;
    (control, new_vars, replayed)
}

/// For calls with several active arguments: a variable for the pullback's result, keyed by
/// the pullback (added to `f.vars`).
fn pullback_results(f: &mut Func, active: &[bool]) -> BTreeMap<VarId, VarId> {
    let mut grads = BTreeMap::new();
    let mut calls = Vec::new();
    walk_calls(&f.body, &mut |var, call| {
        let active_args = call
            .args
            .iter()
            .filter(|a| a.value.var().is_some_and(|v| active[v]))
            .count();
        if active[var] && active_args > 0 {
            calls.push((call.pullback, var));
        }
    });
    let mut claimed = std::collections::BTreeSet::new();
    for (pullback, target) in calls {
        // `grads_y` is reserved with `y`: the first call into `y` takes it as it is.
        let base = crate::names::Derived::Grads.of(&f.vars[target].ident.to_string());
        let name = if claimed.insert(base.clone()) {
            base
        } else {
            f.names.generated(&base)
        };
        let span = f.vars[pullback].ident.span();
        let scope = f.vars[pullback].scope;
        f.vars.push(Var {
            ident: syn::Ident::new(&name, span),
            kind: Kind::Other,
            ty: None,
            scope,
            param: None,
            twin: None,
        });
        grads.insert(pullback, f.vars.len() - 1);
    }
    grads
}

fn unreachable_result() -> VarId {
    // Lowering always ends the body with the result in a variable.
    0
}
