//! Backward statements joined where a value made only to be added into another need not
//! be made: a row's product's gradient added into its row.

use super::B;
use crate::ir::VarId;
use crate::ops::Kernel;
use crate::rules::{E, Place};

/// In `stmts` and the blocks inside them: `let grad_row = dot_back_lhs(g, row, x);` whose
/// one reader is a later `lane_back_into(&mut grad_w, &grad_row, &w, &axis, &i);`, nothing
/// between changing what `g`, `row` and `x` read, becomes `lane_dot_back_into(&mut grad_w,
/// &g, &row, &x, &w, &axis, &i);` in the second's place: `g · xᵀ` added into the row, no
/// vector made for it (`for row in w.outer_iter() { s += row.dot(x).tanh(); }`).
pub fn lanes(mut stmts: Vec<B>) -> Vec<B> {
    join_lanes(&mut stmts);
    stmts
}

fn join_lanes(stmts: &mut [B]) {
    for b in stmts.iter_mut() {
        match b {
            B::If(_, then, other) => {
                join_lanes(then);
                join_lanes(other);
            }
            B::For(_, _, body) => join_lanes(body),
            _ => {}
        }
    }
    for i in 0..stmts.len() {
        let B::LetAdj(row, E::Tensor(made)) = &stmts[i] else {
            continue;
        };
        let (row, E::Kernel(Kernel::DotBackLhs, args)) = (*row, &**made) else {
            continue;
        };
        let mut readers = (0..stmts.len()).filter(|&j| j != i && touches(&stmts[j], row));
        let (Some(j), None) = (readers.next(), readers.next()) else {
            continue;
        };
        let B::AddAdj(place, E::Tensor(added)) = &stmts[j] else {
            continue;
        };
        let E::Kernel(Kernel::LaneBack, lane) = &**added else {
            continue;
        };
        if j < i || !matches!(lane.first(), Some(E::Adj(v)) if *v == row) {
            continue;
        }
        let mut read = Vec::new();
        for a in args {
            vars(a, &mut read);
        }
        if !stmts[i + 1..j].iter().all(|b| leaves(b, &read)) || read.contains(&place.var()) {
            continue;
        }
        let fused = [args.clone(), lane[1..].to_vec()].concat();
        let place = place.clone();
        stmts[j] = B::AddAdj(
            place,
            E::Tensor(Box::new(E::Kernel(Kernel::LaneDotBack, fused))),
        );
        stmts[i] = B::Nop;
    }
}

/// Every variable `e` names, as a value, an adjoint or a tangent.
fn vars(e: &E, out: &mut Vec<VarId>) {
    e.own_reads(out);
    match e {
        E::Adj(v)
        | E::Dot(v)
        | E::AdjElem(v, _)
        | E::DotElem(v, _)
        | E::Up(v)
        | E::DotAdj(v)
        | E::DotAdjElem(v, _)
        | E::DotUp(v) => out.push(*v),
        _ => {}
    }
    e.for_each_child(|c| vars(c, out));
}

/// Whether `e` reads `v`'s adjoint (or its tangent, or its upstream).
fn reads_adjoint(e: &E, v: VarId) -> bool {
    let here = matches!(e,
        E::Adj(w) | E::AdjElem(w, _) | E::Up(w) | E::DotAdj(w) | E::DotAdjElem(w, _) | E::DotUp(w)
            if *w == v);
    let mut below = false;
    e.for_each_child(|c| below |= reads_adjoint(c, v));
    here || below
}

/// Whether a statement reads or changes `v`'s adjoint.
fn touches(b: &B, v: VarId) -> bool {
    let at = |p: &Place| p.var() == v;
    match b {
        B::LetAdj(w, e) | B::LetGrads(w, e) | B::AddSum(w, e) => *w == v || reads_adjoint(e, v),
        B::SetAdj(p, e) | B::AddAdj(p, e) => at(p) || reads_adjoint(e, v),
        B::PullInto(_, e, _) => reads_adjoint(e, v),
        B::ZeroAdj(w) | B::Unpush(w) | B::Repush(w) => *w == v,
        B::Kill(p) | B::LetUp(p) => at(p),
        B::If(c, then, other) => {
            reads_adjoint(c, v)
                || then.iter().any(|b| touches(b, v))
                || other.iter().any(|b| touches(b, v))
        }
        B::For(_, _, body) => body.iter().any(|b| touches(b, v)),
        B::LetPullback(..)
        | B::Pop(_)
        | B::Recompute(..)
        | B::Restore(_)
        | B::RestoreElem(..)
        | B::Undo(..)
        | B::RestoreSlice(_)
        | B::Nop => false,
    }
}

/// Whether a statement between the two leaves alone every variable of `read`: it only
/// adds into (or makes) the adjoint of another variable, or pops another's value.
fn leaves(b: &B, read: &[VarId]) -> bool {
    match b {
        B::LetAdj(w, _) | B::Pop(w) => !read.contains(w),
        B::AddAdj(p, _) => !read.contains(&p.var()),
        B::Nop => true,
        _ => false,
    }
}
