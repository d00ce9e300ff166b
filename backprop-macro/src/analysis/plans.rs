//! The plans analysis makes: which values are recomputed rather than saved, where a
//! loop-carried value is saved, and which loops and branches get a reverse and a record.

use super::*;

/// Which block-local values the reverse recomputes: cheap operations (`+ - * /`, negation,
/// copies, casts, constants) whose inputs do not change inside the loop (parameters and
/// top-level values never assigned in place, replayed loop indices, other recomputed
/// values of the same block, elements of a sequence of this or an enclosing block that
/// nothing writes after it is made).
pub(super) fn plan_recompute(
    f: &Func,
    needed: &mut [bool],
    assigned: &[bool],
    replayed: &[bool],
) -> BTreeMap<ScopeId, Vec<(VarId, Op)>> {
    let n = needed.len();
    let stable = |u: VarId| -> bool {
        u < f.vars.len() && !assigned[u] && (f.vars[u].scope == 0 || f.vars[u].param.is_some())
    };
    let mut candidates: BTreeMap<ScopeId, Vec<(VarId, Op)>> = BTreeMap::new();
    let mut recomputable = vec![false; n];
    walk(&f.body, &mut |stmt, scope| {
        let Stmt::Let { var, op, .. } = stmt else {
            return;
        };
        if scope == 0 || assigned[*var] {
            return;
        }
        let cheap = matches!(
            op,
            Op::Konst(_) | Op::Copy(_) | Op::Neg(_) | Op::Bin(..) | Op::Cast(..)
        );
        if !cheap {
            return;
        }
        let reads = op.reads();
        // A number or a constant bound once in an enclosing block: saved there (once per
        // run of that block, not once per run of this one) if the reverse does not have it
        // already. (`let item = &pairs[i];` of a local `pairs`: its items are not saved,
        // each a borrow of `pairs`, which ends with its block.)
        let outer_number = |u: VarId| {
            let var = &f.vars[u];
            var.scope != scope
                && var.param.is_none()
                && !assigned[u]
                && matches!(var.kind, Kind::Float | Kind::Int | Kind::Bool | Kind::Other)
                && f.within(scope, var.scope)
        };
        // `x[j]` of `let x = h.to_vec();` in this block or one around it, never written:
        // read from `x` again, which the backward pass then has (kept whole once per run
        // of its block, if nothing read it already), not each element saved.
        let unwritten_elements = |u: VarId| {
            let var = &f.vars[u];
            var.kind == Kind::Seq
                && var.param.is_none()
                && !assigned[u]
                && f.within(scope, var.scope)
                && only_elements_of(op, u)
        };
        let ok = reads.iter().all(|&u| {
            stable(u)
                || (replayed[u] && f.within(scope, f.vars[u].scope))
                || (recomputable[u] && f.vars[u].scope == scope)
                || outer_number(u)
                || unwritten_elements(u)
        });
        if ok {
            recomputable[*var] = true;
            candidates
                .entry(scope)
                .or_default()
                .push((*var, op.clone()));
        }
    });
    // Keep the needed ones and what they are computed from, through any number of blocks
    // (a value in a loop may be computed from one recomputed in the block around it).
    let ops: BTreeMap<VarId, &Op> = candidates
        .values()
        .flatten()
        .map(|(v, op)| (*v, op))
        .collect();
    let mut keep = vec![false; n];
    let mut work: Vec<VarId> = ops.keys().copied().filter(|&v| needed[v]).collect();
    while let Some(v) = work.pop() {
        if std::mem::replace(&mut keep[v], true) {
            continue;
        }
        for u in ops[&v].reads() {
            if recomputable[u] {
                work.push(u);
            } else {
                // The backward pass reads it: a value it captures (which must then have a
                // value on every path) or a replayed loop index.
                needed[u] = true;
            }
        }
    }
    candidates
        .into_iter()
        .map(|(scope, list)| {
            (
                scope,
                list.into_iter()
                    .filter(|(v, _)| keep[*v])
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, list)| !list.is_empty())
        .collect()
}

/// Whether `op` reads `u` only as elements (`u[i]`): not whole, not in an index or a
/// constant.
fn only_elements_of(op: &Op, u: VarId) -> bool {
    let in_konst = |k: &Konst| k.reads.contains(&u);
    if let Op::Konst(k) = op
        && in_konst(k)
    {
        return false;
    }
    op.operands().iter().all(|o| match o {
        Operand::Var(w) => *w != u,
        Operand::Elem(_, index) => !index.reads().any(|&w| w == u),
        Operand::Konst(k) => !in_konst(k),
    })
}

/// The ranges of loops nested in other loops, made again in reverse (`steps(a + 1..d)`)
/// instead of saved, when their bounds read only values that do not change in the loop:
/// parameters and top-level values never assigned in place, and replayed loop indices.
pub(super) fn recompute_ranges(
    f: &Func,
    control: &BTreeMap<ScopeId, Control>,
    recompute: &mut BTreeMap<ScopeId, Vec<(VarId, Op)>>,
    needed: &mut [bool],
    assigned: &[bool],
    replayed: &[bool],
) {
    walk(&f.body, &mut |stmt, scope| {
        let Stmt::Loop {
            head: LoopHead::Range { steps, .. },
            body,
            ..
        } = stmt
        else {
            return;
        };
        let Some(range) = control.get(&body.scope).and_then(|c| c.range) else {
            return;
        };
        let stable = |u: VarId| {
            !assigned[u] && (f.vars[u].scope == 0 || f.vars[u].param.is_some())
                || (replayed[u] && f.within(scope, f.vars[u].scope))
        };
        if scope == 0 || !steps.reads.iter().all(|&u| stable(u)) {
            return;
        }
        for &u in &steps.reads {
            needed[u] = true;
        }
        let op = Op::Konst(steps.clone());
        recompute.entry(scope).or_default().push((range, op));
    });
}

/// Whether an assignment in place of `v` in block `scope` saves the old value: `v` is saved,
/// and no enclosing loop saves it once at its entry instead (or needs its value there not
/// at all).
pub fn saved_at(f: &Func, a: &Analysis, v: VarId, scope: ScopeId) -> bool {
    // The plans of the blocks enclosing `scope` (it included), looked up one by one: a
    // function with many loops would otherwise scan every plan at every assignment.
    let covers = |plan: &BTreeMap<ScopeId, Vec<VarId>>| {
        std::iter::successors(Some(scope), |&s| f.scopes[s].parent)
            .any(|body| plan.get(&body).is_some_and(|vars| vars.contains(&v)))
    };
    a.facts[v].saved && !a.facts[v].counter && !covers(&a.loop_saves) && !covers(&a.loop_unsaved)
}

/// Whether the assignment in place of `v` at position `at` of block `scope` saves the old
/// value: as [`saved_at`], unless nothing reads the value it destroys
/// ([`Analysis::unread_assigns`]).
pub fn assign_saved_at(f: &Func, a: &Analysis, v: VarId, scope: ScopeId, at: usize) -> bool {
    saved_at(f, a, v, scope) && !a.unread_assigns.contains(&(scope, at))
}

/// What a statement evaluated for its effect (`idx.push(k)`) saves whole before it runs:
/// the variables it changes in place that the reverse reads.
pub fn eval_saves(f: &Func, a: &Analysis, k: &Konst, scope: ScopeId) -> Vec<VarId> {
    k.mutated(&f.vars)
        .into_iter()
        .filter(|&v| saved_at(f, a, v, scope))
        .collect()
}

/// For every saved float and every outermost loop that assigns it in place but has no
/// backward rule reading it: save it once at the loop's entry. Inside such a loop no reverse
/// rule reads the variable, so its values there need no restoring; only its value before the
/// loop, which rules before the loop may read, is restored after the loop's reverse.
///
/// The second map: such loops where nothing could read that value either, because the
/// variable is defined just before the loop (`let mut distance = 0.0;` and the loop, with
/// only definitions of other values not reading it between): nothing is saved at all.
pub(super) fn plan_loop_saves(
    f: &Func,
    active: &[bool],
    saved: &[bool],
) -> (BTreeMap<ScopeId, Vec<VarId>>, BTreeMap<ScopeId, Vec<VarId>>) {
    type Plan = BTreeMap<ScopeId, Vec<VarId>>;
    let mut plans: (Plan, Plan) = Default::default();
    let mut by_let = vec![false; f.vars.len()];
    walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let { var, .. } = stmt {
            by_let[*var] = true;
        }
    });
    // Floats with a value before any loop after their definition.
    let candidates: Vec<VarId> = (0..f.vars.len())
        .filter(|&v| saved[v] && f.vars[v].kind == Kind::Float)
        .filter(|&v| f.vars[v].param.is_some() || by_let[v])
        .collect();
    if candidates.is_empty() {
        return plans;
    }
    /// `v` defined by a `let` before `stmts[at]` whose backward rule does not read it (as
    /// `exp`'s reads its value), with only definitions of other values that do not read it
    /// in between.
    fn fresh(vars: &[Var], active: &[bool], stmts: &[Stmt], at: usize, v: VarId) -> bool {
        for stmt in stmts[..at].iter().rev() {
            match stmt {
                Stmt::Let { var, .. } if *var == v => {
                    return !backward_reads(vars, std::slice::from_ref(stmt), active).contains(&v);
                }
                Stmt::Let { op, .. } => {
                    let reads = |o: &Operand| {
                        o.var() == Some(v) || matches!(o, Operand::Konst(k) if k.reads.contains(&v))
                    };
                    if op.operands().into_iter().any(reads) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        false
    }
    fn visit(
        f: &Func,
        block: &Block,
        candidates: &[VarId],
        active: &[bool],
        plans: &mut (Plan, Plan),
    ) {
        for (at, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                Stmt::If { then, els, .. } => {
                    visit(f, then, candidates, active, plans);
                    visit(f, els, candidates, active, plans);
                }
                Stmt::Loop { body, .. } => {
                    let reads = backward_reads(&f.vars, &body.stmts, active);
                    let assigned = assigned_in_place(&f.vars, body);
                    let mut covered = Vec::new();
                    for &v in candidates {
                        // Declared outside the loop, assigned in place inside, read by no
                        // backward rule inside.
                        if !f.within(f.vars[v].scope, body.scope)
                            && assigned.contains(&v)
                            && !reads.contains(&v)
                        {
                            covered.push(v);
                        }
                    }
                    let rest: Vec<VarId> = candidates
                        .iter()
                        .copied()
                        .filter(|v| !covered.contains(v))
                        .collect();
                    let (restored, fresh): (Vec<VarId>, Vec<VarId>) = covered
                        .into_iter()
                        .partition(|&v| !fresh(&f.vars, active, &block.stmts, at, v));
                    if !restored.is_empty() {
                        plans.0.insert(body.scope, restored);
                    }
                    if !fresh.is_empty() {
                        plans.1.insert(body.scope, fresh);
                    }
                    visit(f, body, &rest, active, plans);
                }
                _ => {}
            }
        }
    }
    visit(f, &f.body, &candidates, active, &mut plans);
    plans
}

/// The variables a block (nested blocks included) assigns in place.
pub(super) fn assigned_in_place(vars: &[Var], block: &Block) -> BTreeSet<VarId> {
    let mut found = BTreeSet::new();
    walk(block, &mut |stmt, _| match stmt {
        Stmt::Assign {
            var, init: false, ..
        } => {
            found.insert(*var);
        }
        Stmt::Eval(k) => {
            found.extend(k.mutated(vars));
            found.extend(k.resized(vars));
        }
        _ => {}
    });
    found
}

/// The backward rule of a definition or assignment whose target is active, and the
/// variables the rule reads (an element write's index too).
pub(super) fn rule_of(
    vars: &[Var],
    stmt: &Stmt,
    active: &[bool],
) -> Option<(Vec<Contrib>, Vec<VarId>)> {
    let (target, op) = match stmt {
        Stmt::Let { var, op, .. } | Stmt::Assign { var, op, .. } => (rules::Place::Var(*var), op),
        Stmt::SetElem { var, index, op, .. } => (rules::Place::Elem(*var, index.clone()), op),
        _ => return None,
    };
    if !active[target.var()] {
        return None;
    }
    let cs = stmt_contribs(vars, op, &target, &|v| active[v]);
    let mut reads = Vec::new();
    rules::contrib_reads(&cs, &mut reads);
    if let rules::Place::Elem(_, i) = &target {
        reads.extend(i.reads());
    }
    Some((cs, reads))
}

/// The variables the backward rules of statements (nested blocks included) read.
pub(super) fn backward_reads(vars: &[Var], stmts: &[Stmt], active: &[bool]) -> BTreeSet<VarId> {
    let mut all = BTreeSet::new();
    walk_stmts(stmts, 0, &mut |stmt, _| {
        if let Some((_, reads)) = rule_of(vars, stmt, active) {
            all.extend(reads);
        }
    });
    all
}

/// Whether a block (or anything in it) has a reverse: an active definition with a
/// contribution, or an assignment that saves a value.
pub(super) fn has_reverse(vars: &[Var], block: &Block, active: &[bool], saved: &[bool]) -> bool {
    let mut found = false;
    walk(block, &mut |stmt, _| match stmt {
        Stmt::Let { var, op, .. } | Stmt::Assign { var, op, .. } => {
            found |= saved[*var] && matches!(stmt, Stmt::Assign { init: false, .. });
            if active[*var] {
                found |= !stmt_contribs(vars, op, &rules::Place::Var(*var), &|v| active[v])
                    .is_empty()
                    || matches!(stmt, Stmt::Assign { init: false, .. });
            }
        }
        Stmt::SetElem { var, .. } => found |= active[*var] || saved[*var],
        _ => {}
    });
    found
}

/// Whether a condition reads as well in the reverse as where it was written, and has no
/// effect to repeat: comparisons and arithmetic of names, literals, fields, elements and
/// casts (`x > y`, `used & (1 << j) == 0`, `k % 3 == 1`), no calls, `match` or blocks.
fn plain_condition(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Binary(b) => plain_condition(&b.left) && plain_condition(&b.right),
        syn::Expr::Unary(u) => plain_condition(&u.expr),
        syn::Expr::Paren(p) => plain_condition(&p.expr),
        syn::Expr::Cast(c) => plain_condition(&c.expr),
        syn::Expr::Index(i) => plain_condition(&i.expr) && plain_condition(&i.index),
        syn::Expr::Field(f) => plain_condition(&f.base),
        syn::Expr::Path(_) | syn::Expr::Lit(_) => true,
        _ => false,
    }
}

/// What [`plan_control`] decides from: activity, saves, in-place assignments, and the
/// loop indices the reverse replays.
#[derive(Clone, Copy)]
pub(super) struct ControlFacts<'a> {
    pub active: &'a [bool],
    pub saved: &'a [bool],
    pub assigned: &'a [bool],
    pub replayed: &'a [bool],
    /// The bodies of running extrema ([`super::picks`]), whose reverse needs no record of
    /// the loop: only where it picked last.
    pub picks: &'a BTreeSet<ScopeId>,
}

/// Which loops and branches get a reverse, and their records: a branch's condition is
/// recorded (`branch`) unless it reads only values that do not change (integer, `bool`
/// and float parameters and top-level values never assigned in place) and indices of
/// enclosing loops the reverse replays, which the reverse evaluates it again from.
pub(super) fn plan_control(
    f: &Func,
    block: &Block,
    facts: &ControlFacts,
    control: &mut BTreeMap<ScopeId, Control>,
    new_vars: &mut Vec<Var>,
    next: &mut VarId,
) {
    let ControlFacts {
        active,
        saved,
        assigned,
        replayed,
        picks,
    } = *facts;
    let mut new_var = |base: &str, kind: Kind, span: Span, scope: ScopeId| -> VarId {
        new_vars.push(Var {
            ident: syn::Ident::new(base, span),
            kind,
            ty: None,
            scope,
            param: None,
            twin: None,
        });
        *next += 1;
        *next - 1
    };
    let mut plans: Vec<(ScopeId, Control)> = Vec::new();
    for stmt in &block.stmts {
        match stmt {
            Stmt::If {
                cond,
                then,
                els,
                span,
            } if has_reverse(&f.vars, then, active, saved)
                || has_reverse(&f.vars, els, active, saved) =>
            {
                // A condition the reverse can evaluate again costs no record.
                let stable = |u: VarId| {
                    !assigned[u]
                        && matches!(f.vars[u].kind, Kind::Int | Kind::Bool | Kind::Float)
                        && (f.vars[u].scope == 0 || f.vars[u].param.is_some())
                };
                let replayable = |u: VarId| replayed[u] && f.within(block.scope, f.vars[u].scope);
                let again = plain_condition(&cond.expr)
                    && cond.reads.iter().all(|&u| stable(u) || replayable(u));
                let flag = (!again).then(|| new_var("branch", Kind::Bool, *span, block.scope));
                plans.push((
                    then.scope,
                    Control {
                        flag,
                        range: None,
                        count: None,
                    },
                ));
            }
            Stmt::Loop { head, body, span }
                if !picks.contains(&body.scope) && has_reverse(&f.vars, body, active, saved) =>
            {
                let early = contains_break(body);
                let (range, count) = match head {
                    LoopHead::Range { var, .. } => {
                        let base = match var {
                            Some(v) => format!("range_{}", f.vars[*v].ident),
                            None => "range".to_owned(),
                        };
                        let range = new_var(&base, Kind::Other, *span, block.scope);
                        let count =
                            early.then(|| new_var("iterations", Kind::Int, *span, block.scope));
                        (Some(range), count)
                    }
                    _ => (
                        None,
                        Some(new_var("iterations", Kind::Int, *span, block.scope)),
                    ),
                };
                plans.push((
                    body.scope,
                    Control {
                        flag: None,
                        range,
                        count,
                    },
                ));
            }
            _ => {}
        }
    }
    control.extend(plans);
    for stmt in &block.stmts {
        match stmt {
            Stmt::If { then, els, .. } => {
                plan_control(f, then, facts, control, new_vars, next);
                plan_control(f, els, facts, control, new_vars, next);
            }
            Stmt::Loop { body, .. } => plan_control(f, body, facts, control, new_vars, next),
            _ => {}
        }
    }
}

/// Integers every in-place assignment of which steps them by a literal (`li += 1`,
/// `k -= 2`): the reverse sweep undoes each step (`li -= 1`) instead of saving the value
/// before it. Keyed by variable, the undoing expression of each kind of step is built by
/// [`undo_step`].
pub(super) fn plan_counters(f: &Func, saved: &[bool]) -> Vec<bool> {
    // Stepped by an integer literal, it is an integer whatever kind lowering guessed for it
    // (a float plus `1` does not compile).
    let mut counter = saved.to_vec();
    let mut stepped = vec![false; f.vars.len()];
    walk(&f.body, &mut |stmt, _| match stmt {
        Stmt::Assign {
            var,
            op,
            init: false,
            ..
        } => {
            stepped[*var] = true;
            if undo_step(f, *var, op).is_none() {
                counter[*var] = false;
            }
        }
        Stmt::SetElem { var, .. } => counter[*var] = false,
        _ => {}
    });
    for (c, s) in counter.iter_mut().zip(stepped) {
        *c &= s;
    }
    counter
}

/// For `v = v + c` or `v = v - c` with `c` an integer literal: `v - c` or `v + c`.
pub fn undo_step(f: &Func, v: VarId, op: &Op) -> Option<syn::Expr> {
    let is_literal = |e: &syn::Expr| {
        matches!(
            strip_parens(e),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(_),
                ..
            })
        )
    };
    let (add, step) = match op {
        Op::Bin(b @ (BinOp::Add | BinOp::Sub), Operand::Var(x), Operand::Konst(k))
            if *x == v && is_literal(&k.expr) =>
        {
            (matches!(b, BinOp::Add), &k.expr)
        }
        Op::Konst(k) if k.reads == [v] => match strip_parens(&k.expr) {
            syn::Expr::Binary(b)
                if matches!(strip_parens(&b.left), syn::Expr::Path(p) if p.path.is_ident(&f.vars[v].ident))
                    && is_literal(&b.right) =>
            {
                match b.op {
                    syn::BinOp::Add(_) => (true, &*b.right),
                    syn::BinOp::Sub(_) => (false, &*b.right),
                    _ => return None,
                }
            }
            _ => return None,
        },
        _ => return None,
    };
    let id = &f.vars[v].ident;
    Some(if add {
        syn::parse_quote!(#id - #step)
    } else {
        syn::parse_quote!(#id + #step)
    })
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        other => other,
    }
}
