//! Passes over a reverse loop's body: whether its iterations commute (and may run in
//! forward order, or be skipped when their upstream gradients are zero), values it can
//! compute once before it, and sums it can keep in a local.

use super::*;

/// Whether the iterations of a reverse loop commute: nothing is restored from a stack, and
/// every gradient declared outside the body is only incremented (never set, reset or read)
/// or only read. Then running them in forward order gives the same sums (up to rounding)
/// and walks memory the way current CPUs prefetch and forward stores fastest.
pub(super) fn independent_iterations(body: &[B]) -> bool {
    outer_reads(body).is_some()
}

/// For a loop whose iterations commute ([`independent_iterations`]): the scalar gradients
/// declared outside it that it reads, when every other gradient from outside is only
/// incremented. Everything the loop adds is a multiple of one of them (a reverse pass is
/// linear in its upstream gradients), so when they are all zero the loop adds nothing and
/// need not run: the reverse of `closest = closest.min(distance)` sends the gradient to one
/// `distance` of the `k`, and the other `k − 1` reverse loops over its `d` terms are
/// skipped. `None` when the loop cannot be skipped so: it restores a value, reads a gradient
/// it also adds to, or reads one that is not a float.
pub fn zero_guard(vars: &[Var], body: &[B]) -> Option<Vec<VarId>> {
    let read: BTreeSet<VarId> = outer_reads(body)?.into_iter().collect();
    let floats = read
        .iter()
        .all(|&v| vars.get(v).is_some_and(|var| var.kind == Kind::Float));
    (!read.is_empty() && floats).then(|| read.into_iter().collect())
}

/// The gradients declared outside `body` that it reads, if its iterations commute.
fn outer_reads(body: &[B]) -> Option<Vec<VarId>> {
    fn declared(stmts: &[B], out: &mut Vec<VarId>) {
        for b in stmts {
            match b {
                B::LetAdj(v, _) | B::ZeroAdj(v) => out.push(*v),
                B::If(_, t, e) => {
                    declared(t, out);
                    declared(e, out);
                }
                B::For(_, _, body) => declared(body, out),
                _ => {}
            }
        }
    }
    fn scan(stmts: &[B], local: &[VarId], read: &mut Vec<VarId>, added: &mut Vec<VarId>) -> bool {
        for b in stmts {
            let mut keys = Vec::new();
            match b {
                B::Pop(_)
                | B::Restore(_)
                | B::RestoreElem(..)
                | B::RestoreSlice(_)
                | B::Undo(..)
                | B::Unpush(_)
                | B::LetUp(_)
                | B::PullInto(..) => {
                    return false;
                }
                B::SetAdj(p, _) | B::Kill(p) if !local.contains(&p.var()) => return false,
                B::AddAdj(p, e) => {
                    if !local.contains(&p.var()) {
                        added.push(p.var());
                    }
                    e_keys(e, &mut keys);
                }
                B::LetAdj(_, e) | B::SetAdj(_, e) | B::LetGrads(_, e) => e_keys(e, &mut keys),
                B::If(c, t, e) => {
                    e_keys(c, &mut keys);
                    if !scan(t, local, read, added) || !scan(e, local, read, added) {
                        return false;
                    }
                }
                B::For(_, replay, body)
                    if !matches!(replay, Replay::Rev(_) | Replay::Forward(_))
                        || !scan(body, local, read, added) =>
                {
                    return false;
                }
                _ => {}
            }
            for k in keys {
                if let Key::Adj(v) = k
                    && !local.contains(&v)
                {
                    read.push(v);
                }
            }
        }
        true
    }
    let mut local = Vec::new();
    declared(body, &mut local);
    let (mut read, mut added) = (Vec::new(), Vec::new());
    (scan(body, &local, &mut read, &mut added) && !read.iter().any(|v| added.contains(v)))
        .then_some(read)
}

/// Primal values a reverse loop's body binds or changes, and its index: what a value
/// reading one of them would change with in the loop.
fn bound_in(index: Option<VarId>, body: &[B]) -> Vec<VarId> {
    fn binds(stmts: &[B], out: &mut Vec<VarId>) {
        for b in stmts {
            match b {
                B::If(_, t, e) => {
                    binds(t, out);
                    binds(e, out);
                }
                B::For(var, _, body) => {
                    out.extend(*var);
                    binds(body, out);
                }
                other => {
                    for key in writes(other).unwrap_or_default() {
                        if let Key::Primal(v) = key {
                            out.push(v);
                        }
                    }
                }
            }
        }
    }
    let mut bound: Vec<VarId> = index.into_iter().collect();
    binds(body, &mut bound);
    bound
}

/// Values a reverse loop's body computes again on every iteration (`B::Recompute`) from
/// nothing that changes in the loop (`let s2 = x[i * d + a] - mu[c * d + a];` in the
/// reverse of a loop over `r`): computed once before the loop instead. The loads could not
/// move out by themselves: the compiler cannot tell that the gradient the loop stores into
/// is not what they read. Returns them, in order, and the rest of the body. Only
/// arithmetic of variables, elements and constants moves.
pub fn hoist_recomputes(index: Option<VarId>, body: &[B]) -> (Vec<B>, Vec<B>) {
    let mut bound = bound_in(index, body);
    let (mut hoisted, mut rest) = (Vec::new(), Vec::new());
    for b in body {
        let fixed = match b {
            B::Recompute(_, op) => {
                let arithmetic = matches!(
                    op,
                    Op::Copy(_) | Op::Neg(_) | Op::Cast(..) | Op::Bin(..) | Op::Math(..)
                );
                let mut reads = op.operands().into_iter().flat_map(|o| match o {
                    Operand::Var(v) => vec![*v],
                    Operand::Elem(v, i) => std::iter::once(*v).chain(i.reads().copied()).collect(),
                    Operand::Konst(k) => k.reads.clone(),
                });
                arithmetic && !reads.any(|r| bound.contains(&r))
            }
            _ => false,
        };
        match b {
            B::Recompute(v, _) if fixed => {
                // What reads it may move too.
                if let Some(at) = bound.iter().position(|w| w == v) {
                    bound.remove(at);
                }
                hoisted.push(b.clone());
            }
            _ => rest.push(b.clone()),
        }
    }
    (hoisted, rest)
}

/// Sums a reverse loop adds into one element of a gradient whose index does not change in
/// the loop (`grad_mu[c * d + a] += -grad_s2` in the reverse of a loop over `r`): they go
/// into a local (`sum_grad_mu += -grad_s2`), added to the element once after the loop, so
/// the loop does not store to and load from the same element on every iteration. Only for
/// an adjoint the loop does nothing else with than add to it. Returns the body with those additions as
/// [`B::AddSum`], and the elements to add the sums to.
pub fn hoist_sums(vars: &[Var], index: Option<VarId>, body: &[B]) -> (Vec<B>, Vec<(VarId, Index)>) {
    let bound = bound_in(index, body);
    // The first addition into each array's adjoint at an index fixed in the loop.
    let mut sums: Vec<(VarId, Index)> = Vec::new();
    for b in body {
        if let B::AddAdj(Place::Elem(v, i), _) = b {
            let fixed = i.reads().all(|r| !bound.contains(r));
            if fixed && vars[*v].kind == Kind::Seq && !sums.iter().any(|(w, _)| w == v) {
                sums.push((*v, i.clone()));
            }
        }
    }
    // The loop may only add into those adjoints (additions commute), nothing else.
    sums.retain(|(v, _)| body.iter().all(|b| only_adds(b, *v)));
    let body = body
        .iter()
        .map(|b| match b {
            B::AddAdj(Place::Elem(v, i), e)
                if sums.iter().any(|(w, j)| w == v && same_tokens(i, j)) =>
            {
                B::AddSum(*v, e.clone())
            }
            other => other.clone(),
        })
        .collect();
    (body, sums)
}

fn reads_adj(e: &E, v: VarId) -> bool {
    let mut keys = Vec::new();
    e_keys(e, &mut keys);
    keys.contains(&Key::Adj(v))
}

/// Whether a backward statement touches `v`'s adjoint only by adding to it.
fn only_adds(b: &B, v: VarId) -> bool {
    match b {
        B::AddAdj(p, e) if p.var() == v => !reads_adj(e, v),
        B::If(c, t, e) => {
            !reads_adj(c, v)
                && t.iter().all(|b| only_adds(b, v))
                && e.iter().all(|b| only_adds(b, v))
        }
        B::For(_, _, body) => body.iter().all(|b| only_adds(b, v)),
        other => !mentions_adj(other, v),
    }
}

/// Whether a backward statement reads or writes `v`'s adjoint.
fn mentions_adj(b: &B, v: VarId) -> bool {
    match b {
        B::LetAdj(w, e) => *w == v || reads_adj(e, v),
        B::ZeroAdj(w) => *w == v,
        B::SetAdj(p, e) | B::AddAdj(p, e) => p.var() == v || reads_adj(e, v),
        B::Kill(p) | B::LetUp(p) => p.var() == v,
        B::LetGrads(_, e) => reads_adj(e, v),
        // It adds into the parameters' gradients.
        B::PullInto(..) => true,
        B::AddSum(w, e) => *w == v || reads_adj(e, v),
        B::If(c, t, e) => {
            reads_adj(c, v)
                || t.iter().any(|b| mentions_adj(b, v))
                || e.iter().any(|b| mentions_adj(b, v))
        }
        B::For(_, _, body) => body.iter().any(|b| mentions_adj(b, v)),
        B::LetPullback(..)
        | B::Pop(_)
        | B::Recompute(..)
        | B::Restore(_)
        | B::RestoreElem(..)
        | B::RestoreSlice(_)
        | B::Undo(..)
        | B::Unpush(_)
        | B::Nop => false,
    }
}
