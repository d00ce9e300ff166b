//! Backward statements joined where a value made only to be added into another need not
//! be made: a row's (or a slice's) product's gradient added into its part.

use super::B;
use crate::ir::VarId;
use crate::ops::Kernel;
use crate::rules::{E, Place};

/// In `stmts` and the blocks inside them: `let grad_row = dot_back_lhs(g, row, x);` (and
/// any more products' gradients added to it, `row.dot(v)` then `row.dot(m)`) whose one
/// other reader is a later `lane_back_into(&mut grad_w, &grad_row, &w, &axis, &i);` become
/// `lane_dot_back_into(&mut grad_w, &g, &row, &x, &w, &axis, &i);` each, in the products'
/// places: `g · xᵀ` added into the row, no vector made for it (`for row in w.outer_iter() {
/// s += row.dot(x).tanh(); }`). Nothing between a product and the row's statement may
/// change what the joined statement reads or read `grad_w`. The same for a slice
/// (`slice_back_into`, `w.slice(s![i, ..])`): `slice_dot_back_into`.
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
        if let Some((row, products, j)) = joinable(stmts, i) {
            let B::AddAdj(place, E::Tensor(added)) = &stmts[j] else {
                continue;
            };
            let (joined, part) = match &**added {
                E::Kernel(Kernel::LaneBack, part) => (Kernel::LaneDotBack, part.clone()),
                E::Kernel(Kernel::SliceBack, part) => (Kernel::SliceDotBack, part.clone()),
                _ => continue,
            };
            let place = place.clone();
            let clear = products.iter().all(|(k, args)| {
                let (mut values, mut adjoints) = (Vec::new(), Vec::new());
                for a in args.iter().chain(&part[1..]) {
                    reads(a, &mut values, &mut adjoints);
                }
                adjoints.push(place.var());
                stmts[k + 1..j]
                    .iter()
                    .all(|b| leaves(b, &values, &adjoints, (row, place.var())))
            });
            if !clear {
                continue;
            }
            for (k, args) in products {
                let args = [args, part[1..].to_vec()].concat();
                stmts[k] = B::AddAdj(place.clone(), E::Tensor(Box::new(E::Kernel(joined, args))));
            }
            stmts[j] = B::Nop;
        }
    }
}

/// Each product's statement and the arguments of its gradient's kernel.
type Products = Vec<(usize, Vec<E>)>;

/// From `stmts[i]`, `let grad_row = dot_back_lhs(..);`: the row, each product's statement
/// and arguments (`grad_row += dot_back_lhs(..)` after the first), and the one later
/// statement that reads `grad_row` otherwise, where every statement that touches
/// `grad_row` is one of those.
fn joinable(stmts: &[B], i: usize) -> Option<(VarId, Products, usize)> {
    let product = |e: &E| match e {
        E::Tensor(e) => match &**e {
            E::Kernel(Kernel::DotBackLhs, args) => Some(args.clone()),
            _ => None,
        },
        _ => None,
    };
    let B::LetAdj(row, made) = &stmts[i] else {
        return None;
    };
    let (row, first) = (*row, product(made)?);
    if stmts[..i].iter().any(|b| touches(b, row)) {
        return None;
    }
    let touching: Vec<usize> = (i + 1..stmts.len())
        .filter(|&j| touches(&stmts[j], row))
        .collect();
    let (&j, more) = touching.split_last()?;
    let mut products = vec![(i, first)];
    for &k in more {
        let B::AddAdj(Place::Var(v), e) = &stmts[k] else {
            return None;
        };
        products.push((k, product(e).filter(|_| *v == row)?));
    }
    let B::AddAdj(_, E::Tensor(added)) = &stmts[j] else {
        return None;
    };
    let (E::Kernel(Kernel::LaneBack, part) | E::Kernel(Kernel::SliceBack, part)) = &**added else {
        return None;
    };
    let only_first = matches!(part.first(), Some(E::Adj(v)) if *v == row)
        && !part[1..].iter().any(|a| reads_adjoint(a, row));
    only_first.then_some((row, products, j))
}

/// The variables `e` reads: their values, and their adjoints (tangents, upstreams).
fn reads(e: &E, values: &mut Vec<VarId>, adjoints: &mut Vec<VarId>) {
    e.own_reads(values);
    match e {
        E::Adj(v)
        | E::AdjElem(v, _)
        | E::Up(v)
        | E::DotAdj(v)
        | E::DotAdjElem(v, _)
        | E::DotUp(v) => adjoints.push(*v),
        E::Dot(v) | E::DotElem(v, _) => values.push(*v),
        _ => {}
    }
    e.for_each_child(|c| reads(c, values, adjoints));
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

/// Whether a statement between a product and the part's statement leaves alone what the
/// joined statement reads (`values`, `adjoints`) and does not read the `total` it adds
/// into: it makes or adds into another adjoint (or `row`'s, whose whole the joined
/// statements add), or pops another's value.
fn leaves(b: &B, values: &[VarId], adjoints: &[VarId], (row, total): (VarId, VarId)) -> bool {
    match b {
        B::LetAdj(w, e) => (*w == row || !adjoints.contains(w)) && !reads_adjoint(e, total),
        B::AddAdj(p, e) => {
            (p.var() == row || !adjoints.contains(&p.var())) && !reads_adjoint(e, total)
        }
        B::Pop(w) => !values.contains(w),
        B::Nop => true,
        _ => false,
    }
}
