//! Running extrema: a loop whose only work is `m = m.max(x[i])` (or `min`, or the
//! `fold(f64::NEG_INFINITY, f64::max)` a chain lowers to).
//!
//! Each update routes the whole gradient of `m` to the operand it picked, so the gradient
//! of the final `m` reaches exactly one value: the element picked last, or `m`'s value
//! before the loop if no element ever was. The forward pass finds the loop variable where
//! that happened (`m_at = Some(i)`): for `m = m.max(x[i])` over a range, after the loop,
//! from the final value (the loop itself runs as written; see `Emit::pick_search`),
//! otherwise recorded at each pick. The reverse of the whole loop is one statement:
//!
//! ```text
//! if let Some(i) = m_at { grad_x[i] += grad_m; grad_m = 0.0; }
//! ```
//!
//! in place of saving `m` at every update and walking every iteration back (log-sum-exp's
//! maximum, softmax's, a max-pooling reduction).
//!
//! Inside another loop (a row's maximum) or a branch, `m_at` is saved like any value of
//! that block the reverse reads: pushed at the block's end, popped at the start of its
//! reverse.
//!
//! For the rest of the analysis the update reads nothing and adds into both operands, as
//! a sum does ([`view_as_sums`]): so `m` is not saved in the loop, and what the index
//! reads is kept for the reverse.

use crate::ir::*;
use crate::rules::{self, E};
use std::collections::BTreeMap;

/// A running extremum found in a loop.
#[derive(Clone)]
pub struct Pick {
    /// The loop's body.
    pub scope: ScopeId,
    /// `m`, assigned once per iteration.
    pub acc: VarId,
    /// The loop variable.
    pub var: VarId,
    /// `x[i]`: the candidate, an element of a sequence.
    pub seq: VarId,
    pub index: Index,
    /// `max` or `min`.
    pub math: Math,
    /// `m.max(x[i])` (else `x[i].max(m)`).
    pub acc_first: bool,
    /// `m_at`: the loop variable where the candidate was picked last, if ever (added to
    /// the function's variables by the analysis). It is declared just before the loop, in
    /// the block around it: inside another loop or a branch, that block pushes it at its
    /// end like any value its reverse reads.
    pub at: VarId,
    /// The block around the loop.
    pub outer: ScopeId,
    /// Where the update is in the loop's body.
    update: usize,
}

impl Pick {
    /// The condition under which the candidate was picked, as the forward pass records it
    /// before the update.
    pub fn picked(&self) -> E {
        let helper = self.math.picks_first().expect("only max and min are picks");
        let (acc, cand) = (
            E::Var(self.acc),
            rules::operand(&Operand::Elem(self.seq, self.index.clone())),
        );
        if self.acc_first {
            E::Not(Box::new(E::Helper(helper, vec![acc, cand])))
        } else {
            E::Helper(helper, vec![cand, acc])
        }
    }
}

/// The running extrema among the function's loops. `at` is left for the caller to fill.
pub(super) fn find(f: &Func, active: &[bool]) -> Vec<Pick> {
    fn visit(f: &Func, block: &Block, active: &[bool], found: &mut Vec<Pick>) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Loop { head, body, .. } => {
                    let pick = match head {
                        LoopHead::Range { var: Some(var), .. } => {
                            running_extremum(f, active, *var, body)
                        }
                        _ => None,
                    };
                    match pick {
                        Some(pick) => found.push(Pick {
                            outer: block.scope,
                            ..pick
                        }),
                        None => visit(f, body, active, found),
                    }
                }
                Stmt::If { then, els, .. } => {
                    visit(f, then, active, found);
                    visit(f, els, active, found);
                }
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    visit(f, &f.body, active, &mut found);
    found
}

/// `body` is copies of the accumulator and of one element (`let m = total; let v = x[i];`),
/// then `total = m.max(v)`; or only the update, `m = m.max(x[i])`.
fn running_extremum(f: &Func, active: &[bool], var: VarId, body: &Block) -> Option<Pick> {
    let (last, copies) = body.stmts.split_last()?;
    let Stmt::Assign {
        var: acc,
        op: Op::Math(math @ (Math::Max | Math::Min), a, rest),
        init: false,
        ..
    } = last
    else {
        return None;
    };
    let acc = *acc;
    if f.vars[acc].kind != Kind::Float || !active[acc] || f.vars[acc].scope == body.scope {
        return None;
    }
    // What each body-local copy holds.
    let mut held: Vec<(VarId, &Operand)> = Vec::new();
    for stmt in copies {
        match stmt {
            Stmt::Let {
                var,
                op: Op::Copy(o @ (Operand::Var(_) | Operand::Elem(..))),
                ..
            } => held.push((*var, o)),
            _ => return None,
        }
    }
    let resolve = |o: &'_ Operand| -> Option<Operand> {
        match o {
            Operand::Var(v) => match held.iter().find(|(h, _)| h == v) {
                Some((_, inner)) => Some((*inner).clone()),
                None => Some(o.clone()),
            },
            Operand::Elem(..) => Some(o.clone()),
            Operand::Konst(_) => None,
        }
    };
    let (first, second) = (resolve(a)?, resolve(rest.first()?)?);
    let (acc_first, cand) = match (&first, &second) {
        (Operand::Var(v), cand @ Operand::Elem(..)) if *v == acc => (true, cand),
        (cand @ Operand::Elem(..), Operand::Var(v)) if *v == acc => (false, cand),
        _ => return None,
    };
    let Operand::Elem(seq, index) = cand else {
        return None;
    };
    // The index reads the loop variable and values from outside the loop only.
    let outside = |v: &VarId| *v == var || !f.within(f.vars[*v].scope, body.scope);
    if f.vars[*seq].kind != Kind::Seq || !index.reads().all(outside) {
        return None;
    }
    // Every copy is read by the update alone (the body has nothing else).
    Some(Pick {
        scope: body.scope,
        acc,
        var,
        seq: *seq,
        index: index.clone(),
        math: *math,
        acc_first,
        at: acc,
        outer: body.scope,
        update: copies.len(),
    })
}

/// Makes each update `m = m + x[i]` for the analysis, and returns the updates as written,
/// for [`restore`].
pub(super) fn view_as_sums(f: &mut Func, picks: &[Pick]) -> Vec<Op> {
    let mut written = vec![None; picks.len()];
    each_update(f, picks, &mut |k, op| {
        let Op::Math(_, a, rest) = op.clone() else {
            unreachable!("a pick's update is a max or min")
        };
        written[k] = Some(std::mem::replace(
            op,
            Op::Bin(BinOp::Add, a, rest[0].clone()),
        ));
    });
    written
        .into_iter()
        .map(|op| op.expect("every pick's loop is in the function"))
        .collect()
}

/// Puts back the updates [`view_as_sums`] replaced.
pub(super) fn restore(f: &mut Func, picks: &[Pick], ops: Vec<Op>) {
    let mut ops: Vec<Option<Op>> = ops.into_iter().map(Some).collect();
    each_update(f, picks, &mut |k, op| {
        *op = ops[k].take().expect("one update per pick");
    });
}

/// Calls `visit` with each pick's index and its update, in one walk over the function.
fn each_update(f: &mut Func, picks: &[Pick], visit: &mut dyn FnMut(usize, &mut Op)) {
    fn walk(
        block: &mut Block,
        by_loop: &BTreeMap<ScopeId, usize>,
        picks: &[Pick],
        visit: &mut dyn FnMut(usize, &mut Op),
    ) {
        for stmt in &mut block.stmts {
            match stmt {
                Stmt::Loop { body, .. } => match by_loop.get(&body.scope) {
                    Some(&k) => {
                        let Stmt::Assign { op, .. } = &mut body.stmts[picks[k].update] else {
                            unreachable!("a pick's update is an assignment")
                        };
                        visit(k, op);
                    }
                    None => walk(body, by_loop, picks, visit),
                },
                Stmt::If { then, els, .. } => {
                    walk(then, by_loop, picks, visit);
                    walk(els, by_loop, picks, visit);
                }
                _ => {}
            }
        }
    }
    let by_loop: BTreeMap<ScopeId, usize> = picks
        .iter()
        .enumerate()
        .map(|(k, p)| (p.scope, k))
        .collect();
    walk(&mut f.body, &by_loop, picks, visit);
}
