//! Arrays passed by value to a call (`relu(h)`) that the reverse sweep still reads: the call
//! gets a copy.
//!
//! A call taking an array, a sequence or a struct by value consumes it. The user's code
//! cannot read it afterwards, but the reverse sweep may: a backward rule reads it, a later
//! assignment in place saves it, or the end of its block pushes it. Such an argument is
//! passed as a copy, unless its value is dead: the next statement to mention the variable
//! is an assignment in the same block that saves nothing, as in a loop body
//!
//! ```text
//! h = h.dot(w) + &h;
//! h = relu(h);        // the call, then `h = ` its value: the sum is read by no rule
//! ```
//!
//! And the other way: `h = relu(h)` is lowered as the call into a temporary and `h = ` the
//! temporary. When nothing else reads the temporary, the assignment moves it, as the user's
//! code does, instead of copying it ([`moved_temporaries`]).

use super::*;

/// The arguments passed as a copy, as `(the call's pullback variable, the argument's
/// position)`.
pub type Copies = BTreeSet<(VarId, usize)>;

pub(super) fn plan(f: &Func, a: &Analysis) -> Copies {
    let mut copies = Copies::new();
    // A parameter passed as a reference is copied by passing it.
    let consumed = |v: VarId| {
        matches!(f.vars[v].kind, Kind::Seq | Kind::Tensor | Kind::Struct)
            && a.facts[v].needed
            && !f.borrowed_param(v)
    };
    each_block(&f.body, &mut |block| {
        for (k, stmt) in block.stmts.iter().enumerate() {
            let (Stmt::Let {
                op: Op::Call(call), ..
            }
            | Stmt::Assign {
                op: Op::Call(call), ..
            }) = stmt
            else {
                continue;
            };
            for (i, arg) in call.args.iter().enumerate() {
                let Operand::Var(v) = arg.value else {
                    continue;
                };
                if !arg.by_ref && consumed(v) && !dead(a, block, k, v) {
                    copies.insert((call.pullback, i));
                }
            }
        }
    });
    copies
}

/// Whether the value `v` has at statement `k` of `block` is read by nothing after it: the
/// next statement mentioning `v` assigns it whole and saves nothing.
fn dead(a: &Analysis, block: &Block, k: usize, v: VarId) -> bool {
    for (at, stmt) in block.stmts.iter().enumerate().skip(k + 1) {
        if let Stmt::Assign { var, .. } = stmt
            && *var == v
        {
            return a.unread_assigns.contains(&(block.scope, at));
        }
        let mut mentioned = false;
        walk_stmts(std::slice::from_ref(stmt), block.scope, &mut |s, _| {
            mentioned |= mentions(s, v);
        });
        if mentioned {
            return false;
        }
    }
    false
}

/// Whether a statement (not the blocks inside it) names `v`.
fn mentions(stmt: &Stmt, v: VarId) -> bool {
    let defined = match stmt {
        Stmt::Let { var, .. }
        | Stmt::Assign { var, .. }
        | Stmt::SetElem { var, .. }
        | Stmt::Declare { var } => *var == v,
        _ => false,
    };
    let mut read = false;
    each_read(stmt, &mut |u| read |= u == v);
    defined || read
}

/// Every variable a statement (not the blocks inside it) reads, once per read: its
/// operands, the indices, constants and conditions.
fn each_read(stmt: &Stmt, read: &mut dyn FnMut(VarId)) {
    fn konst(k: &Konst, read: &mut dyn FnMut(VarId)) {
        k.reads.iter().for_each(|&v| read(v));
    }
    match stmt {
        Stmt::Let { op, .. } | Stmt::Assign { op, .. } | Stmt::SetElem { op, .. } => {
            for o in op.operands() {
                match o {
                    Operand::Var(v) => read(*v),
                    Operand::Elem(v, i) => {
                        read(*v);
                        i.reads().for_each(|&r| read(r));
                    }
                    Operand::Konst(k) => konst(k, read),
                }
            }
            if let Op::Konst(k) = op {
                konst(k, read);
            }
            if let Stmt::SetElem { index, .. } = stmt {
                index.reads().for_each(|&r| read(r));
            }
        }
        Stmt::Eval(k) | Stmt::If { cond: k, .. } => konst(k, read),
        Stmt::Loop { head, .. } => match head {
            LoopHead::Range { steps: k, .. }
            | LoopHead::Iter { iter: k, .. }
            | LoopHead::While { cond: k } => konst(k, read),
            LoopHead::Infinite => {}
        },
        Stmt::Declare { .. } | Stmt::Break => {}
    }
}

/// Arrays made by an operation into a local (`let s0 = relu::__vjp(h).0`, `let s1 = a + b`)
/// whose one read is an assignment copying them whole (`h = s0`), and which the reverse
/// reads not at all: the assignment moves them.
pub(super) fn moved_temporaries(f: &Func, a: &Analysis) -> BTreeSet<VarId> {
    let mut reads = vec![0usize; f.vars.len()];
    let mut made = vec![false; f.vars.len()];
    let mut copied = Vec::new();
    walk(&f.body, &mut |stmt, _| {
        each_read(stmt, &mut |v| reads[v] += 1);
        match stmt {
            Stmt::Let { var, op, .. } => {
                // Owned arrays (a reduction or a transpose may give a view).
                made[*var] = matches!(
                    op,
                    Op::Call(_) | Op::Bin(..) | Op::Neg(_) | Op::Math(..) | Op::Dot(..)
                );
            }
            Stmt::Assign {
                op: Op::Copy(Operand::Var(s)),
                ..
            } => copied.push(*s),
            _ => {}
        }
    });
    copied
        .into_iter()
        .filter(|&s| {
            let facts = &a.facts[s];
            f.vars[s].kind == Kind::Tensor
                && made[s]
                && reads[s] == 1
                && s != a.result
                && !facts.needed
                && !facts.zero_init
        })
        .collect()
}
