//! Backward statements joined where a value made only to be added into another need not
//! be made: a row's (or a slice's) product's gradient added into its part.

use super::loops::{mentions_adj, reads_adj};
use super::{B, Key, e_keys, writes};
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
        let Some(Join {
            row,
            products,
            at,
            place,
            kernel,
            part,
        }) = joinable(stmts, i)
        else {
            continue;
        };
        let clear = products.iter().all(|(k, args)| {
            let mut read = Vec::new();
            for a in args.iter().chain(&part) {
                e_keys(a, &mut read);
            }
            read.push(Key::Adj(place.var()));
            stmts[k + 1..at]
                .iter()
                .all(|b| leaves(b, &read, (row, place.var())))
        });
        if !clear {
            continue;
        }
        for (k, args) in products {
            let args = [args, part.clone()].concat();
            stmts[k] = B::AddAdj(place.clone(), E::Tensor(Box::new(E::Kernel(kernel, args))));
        }
        stmts[at] = B::Nop;
    }
}

/// A lane's or a slice's gradient made of products' gradients and then added into its
/// part of `place`.
struct Join {
    row: VarId,
    /// Each product's statement and the arguments of its gradient's kernel.
    products: Vec<(usize, Vec<E>)>,
    /// The statement adding the gradient into its part.
    at: usize,
    place: Place,
    /// The joined kernel: `lane_dot_back` or `slice_dot_back`.
    kernel: Kernel,
    /// The part's arguments after the gradient (the whole, the axis and index or slice).
    part: Vec<E>,
}

/// From `stmts[i]`, `let grad_row = dot_back_lhs(..);`: each product's statement
/// (`grad_row += dot_back_lhs(..)` after the first) and the one later statement that reads
/// `grad_row` otherwise, adding it into its part, where every statement that touches
/// `grad_row` is one of those.
fn joinable(stmts: &[B], i: usize) -> Option<Join> {
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
    if stmts[..i].iter().any(|b| mentions_adj(b, row)) {
        return None;
    }
    let touching: Vec<usize> = (i + 1..stmts.len())
        .filter(|&j| mentions_adj(&stmts[j], row))
        .collect();
    let (&at, more) = touching.split_last()?;
    let mut products = vec![(i, first)];
    for &k in more {
        let B::AddAdj(Place::Var(v), e) = &stmts[k] else {
            return None;
        };
        products.push((k, product(e).filter(|_| *v == row)?));
    }
    let B::AddAdj(place, E::Tensor(added)) = &stmts[at] else {
        return None;
    };
    let (kernel, args) = match &**added {
        E::Kernel(Kernel::LaneBack, args) => (Kernel::LaneDotBack, args),
        E::Kernel(Kernel::SliceBack, args) => (Kernel::SliceDotBack, args),
        _ => return None,
    };
    let (first, part) = args.split_first()?;
    let only_first =
        matches!(first, E::Adj(v) if *v == row) && !part.iter().any(|a| reads_adj(a, row));
    only_first.then(|| Join {
        row,
        products,
        at,
        place: place.clone(),
        kernel,
        part: part.to_vec(),
    })
}

/// Whether a statement between a product and the part's statement leaves alone what the
/// joined statement reads (`read`) and the `total` it adds into: what it writes is none of
/// that but `row`'s adjoint (whose whole the joined statements add), and it does not read
/// `total`'s adjoint. A nested branch or loop may write anything: not joined across.
fn leaves(b: &B, read: &[Key], (row, total): (VarId, VarId)) -> bool {
    writes(b).is_some_and(|w| w.iter().all(|k| *k == Key::Adj(row) || !read.contains(k)))
        && !mentions_adj(b, total)
}
