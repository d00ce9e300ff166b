//! Activity (which variables carry a derivative), what the backward rules read, where
//! adjoints get contributions, and which values are saved before an assignment in place.

use super::*;

/// Which variables carry a derivative: reached from a differentiable parameter and reaching
/// the result, of a differentiable kind.
pub(super) fn activity(f: &Func, result: VarId) -> Vec<bool> {
    let n = f.vars.len();
    let mut varied = vec![false; n];
    for p in &f.params {
        if p.differentiable() {
            varied[p.var] = true;
        }
    }
    fixpoint(&f.body, false, &mut |target, op| {
        // A field read varies with its struct.
        let hit = op
            .operands()
            .iter()
            .any(|o| o.var().is_some_and(|v| varied[v]))
            || matches!(op, Op::Field(field) if varied[field.root]);
        if hit && !varied[target] {
            varied[target] = true;
            return true;
        }
        false
    });
    let mut useful = vec![false; n];
    useful[result] = true;
    // Usefulness flows from results back to operands: visiting the statements last to first
    // settles straight-line code in one pass (first to last would need one per statement).
    fixpoint(&f.body, true, &mut |target, op| {
        let mut changed = false;
        if useful[target] {
            let root = match op {
                Op::Field(field) => Some(field.root),
                _ => None,
            };
            for v in op.operands().iter().filter_map(|o| o.var()).chain(root) {
                if !useful[v] {
                    useful[v] = true;
                    changed = true;
                }
            }
        }
        changed
    });
    let active: Vec<bool> = (0..n)
        .map(|v| varied[v] && useful[v] && f.vars[v].kind.differentiable())
        .collect();
    active
}

/// What the backward rules read, and where adjoints get contributions.
pub(super) struct Reads {
    pub(super) needed: Vec<bool>,
    pub(super) has_contrib: Vec<bool>,
    /// Contributions from a nested block, a routed branch, or into a sequence.
    pub(super) nested_contrib: Vec<bool>,
    pub(super) assigned_in_place: Vec<bool>,
    /// Assigned whole, in place (not only element by element).
    pub(super) reassigned: Vec<bool>,
    /// Written element by element (`v[i] = ..`).
    pub(super) elem_written: Vec<bool>,
}

pub(super) fn backward_reads_of(f: &Func, active: &[bool]) -> Reads {
    let n = f.vars.len();
    let mut needed = vec![false; n];
    let mut nested_contrib = vec![false; n];
    let mut has_contrib = vec![false; n];
    let mut assigned_in_place = vec![false; n];
    // Assigned whole, in place (not only element by element).
    let mut reassigned = vec![false; n];
    let mut elem_written = vec![false; n];
    walk(&f.body, &mut |stmt, scope| {
        match stmt {
            Stmt::Assign {
                var, init: false, ..
            } => {
                assigned_in_place[*var] = true;
                reassigned[*var] = true;
            }
            Stmt::SetElem { var, .. } => {
                assigned_in_place[*var] = true;
                elem_written[*var] = true;
            }
            // `while let Some(k) = stack.pop()`: the condition, or the local that holds the
            // matched item, takes from its receiver.
            Stmt::If { cond, .. }
            | Stmt::Loop {
                head: LoopHead::While { cond },
                ..
            }
            | Stmt::Let {
                op: Op::Konst(cond),
                ..
            } => {
                for v in cond.advanced(&f.vars) {
                    assigned_in_place[v] = true;
                    reassigned[v] = true;
                }
            }
            // `idx.push(k)`, `c[k] += 1` on integers: the variable changes in place.
            Stmt::Eval(k) => {
                let resized = k.resized(&f.vars);
                let changed = k.mutated(&f.vars).into_iter().chain(k.advanced(&f.vars));
                for v in changed.filter(|v| !resized.contains(v)) {
                    assigned_in_place[v] = true;
                    reassigned[v] = true;
                }
                // A push or a pop changes the length, not the elements: nothing to save (the
                // reverse takes the element off again, or puts it back).
                for v in resized {
                    assigned_in_place[v] = true;
                }
            }
            _ => {}
        }
        let Some((cs, reads)) = rule_of(&f.vars, stmt, active) else {
            return;
        };
        for v in reads {
            needed[v] = true;
        }
        for c in &cs {
            let mut places = Vec::new();
            rules::contrib_places(std::slice::from_ref(c), &mut places);
            let branch = matches!(c, Contrib::Branch(..));
            // Into an element of an array: the whole adjoint must exist first.
            let element = matches!(c, Contrib::Add(Place::Elem(..), _));
            for v in places {
                has_contrib[v] = true;
                if branch || element || f.vars[v].scope != scope || f.vars[v].kind == Kind::Seq {
                    nested_contrib[v] = true;
                }
            }
        }
    });
    Reads {
        needed,
        has_contrib,
        nested_contrib,
        assigned_in_place,
        reassigned,
        elem_written,
    }
}

/// Which variables are saved before an assignment in place; adds to `needed` what the
/// restores read.
pub(super) fn saved_values(
    f: &Func,
    needed: &mut [bool],
    has_contrib: &[bool],
    nested_contrib: &[bool],
    assigned_in_place: &[bool],
    reassigned: &[bool],
) -> Vec<bool> {
    let n = f.vars.len();
    // What the backward rules read the values of; `needed` adds what they read only the
    // shape of.
    let mut values_needed = needed.to_vec();
    // A sequence's adjoint starts as zeros shaped like it, as does an array's that takes
    // contributions into its elements or from a branch, and an array's assigned whole is
    // reset to zeros shaped like its value before (`reset_like`): the reverse reads their
    // shapes.
    for v in 0..n {
        let kind = f.vars[v].kind;
        let zeroed = reassigned[v] || nested_contrib[v];
        if has_contrib[v] && (kind == Kind::Seq || (kind == Kind::Tensor && zeroed)) {
            needed[v] = true;
        }
    }
    // An element write saves the old element only when a rule reads the values; a whole
    // reassignment, which may change the shape, also when a rule reads the shape. A saved
    // element is restored by index: what the index reads is needed too.
    loop {
        let saved: Vec<bool> = (0..n)
            .map(|v| (values_needed[v] && assigned_in_place[v]) || (needed[v] && reassigned[v]))
            .collect();
        let mut changed = false;
        walk(&f.body, &mut |stmt, _| {
            if let Stmt::SetElem { var, index, .. } = stmt
                && saved[*var]
            {
                for &r in index.reads() {
                    changed |= !needed[r];
                    needed[r] = true;
                    values_needed[r] = true;
                }
            }
        });
        if !changed {
            return saved;
        }
    }
}
