//! Walks over the IR's statements, blocks, calls and loops, and the facts of one walk
//! (where a variable is declared, whether it is assigned on every path).

use crate::ir::*;

/// Repeats `step` over every definition, in program order or `backwards`, until nothing
/// changes.
pub(super) fn fixpoint(body: &Block, backwards: bool, step: &mut dyn FnMut(VarId, &Op) -> bool) {
    fn go(block: &Block, backwards: bool, f: &mut dyn FnMut(&Stmt)) {
        let mut visit = |stmt: &Stmt| {
            f(stmt);
            match stmt {
                Stmt::If { then, els, .. } => {
                    go(then, backwards, f);
                    go(els, backwards, f);
                }
                Stmt::Loop { body, .. } => go(body, backwards, f),
                _ => {}
            }
        };
        if backwards {
            block.stmts.iter().rev().for_each(&mut visit);
        } else {
            block.stmts.iter().for_each(&mut visit);
        }
    }
    loop {
        let mut changed = false;
        go(body, backwards, &mut |stmt| {
            if let Stmt::Let { var, op, .. }
            | Stmt::Assign { var, op, .. }
            | Stmt::SetElem { var, op, .. } = stmt
            {
                changed |= step(*var, op);
            }
        });
        if !changed {
            break;
        }
    }
}

/// Visits every statement, with the scope of the block it is in.
pub fn walk<'a>(block: &'a Block, f: &mut dyn FnMut(&'a Stmt, ScopeId)) {
    walk_stmts(&block.stmts, block.scope, f);
}

/// Every call whose value goes into a variable, with that variable, in program order.
pub fn walk_calls(block: &Block, f: &mut dyn FnMut(VarId, &Call)) {
    walk(block, &mut |stmt, _| {
        if let Stmt::Let {
            var,
            op: Op::Call(call),
            ..
        }
        | Stmt::Assign {
            var,
            op: Op::Call(call),
            ..
        } = stmt
        {
            f(*var, call);
        }
    });
}

/// Whether the function has calls to itself that add into the caller's gradients
/// ([`Call::into`]).
pub fn calls_into(body: &Block) -> bool {
    let mut into = false;
    walk_calls(body, &mut |_, call| into |= call.into);
    into
}

/// Every call whose value goes into a variable, to change.
pub fn walk_calls_mut(block: &mut Block, f: &mut dyn FnMut(&mut Call)) {
    for stmt in &mut block.stmts {
        match stmt {
            Stmt::Let {
                op: Op::Call(call), ..
            }
            | Stmt::Assign {
                op: Op::Call(call), ..
            } => f(call),
            Stmt::If { then, els, .. } => {
                walk_calls_mut(then, f);
                walk_calls_mut(els, f);
            }
            Stmt::Loop { body, .. } => walk_calls_mut(body, f),
            _ => {}
        }
    }
}

/// [`walk`] from statements of the block `scope`.
pub fn walk_stmts<'a>(stmts: &'a [Stmt], scope: ScopeId, f: &mut dyn FnMut(&'a Stmt, ScopeId)) {
    for stmt in stmts {
        f(stmt, scope);
        match stmt {
            Stmt::If { then, els, .. } => {
                walk(then, f);
                walk(els, f);
            }
            Stmt::Loop { body, .. } => walk(body, f),
            _ => {}
        }
    }
}

/// Every block, outermost first.
pub fn each_block(block: &Block, each: &mut dyn FnMut(&Block)) {
    each(block);
    for stmt in &block.stmts {
        match stmt {
            Stmt::If { then, els, .. } => {
                each_block(then, each);
                each_block(els, each);
            }
            Stmt::Loop { body, .. } => each_block(body, each),
            _ => {}
        }
    }
}

pub(super) fn walk_loops(block: &Block, f: &mut dyn FnMut(&LoopHead, ScopeId)) {
    walk(block, &mut |stmt, _| {
        if let Stmt::Loop { head, body, .. } = stmt {
            f(head, body.scope);
        }
    });
}

/// Whether a loop body can `break` out of its own loop (not counting inner loops).
pub(super) fn contains_break(block: &Block) -> bool {
    block.stmts.iter().any(|s| match s {
        Stmt::Break => true,
        Stmt::If { then, els, .. } => contains_break(then) || contains_break(els),
        _ => false,
    })
}
/// The block each variable is declared in without a value (`let v;`), in one walk.
pub(super) fn declarations<'a>(block: &'a Block, out: &mut [Option<&'a Block>]) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Declare { var } => out[*var] = Some(block),
            Stmt::If { then, els, .. } => {
                declarations(then, out);
                declarations(els, out);
            }
            Stmt::Loop { body, .. } => declarations(body, out),
            _ => {}
        }
    }
}

/// Whether `v`, declared in `block` without a value, has one on every path to the block's
/// end and to every `break` out of it: only then can its value be saved or captured there.
pub(super) fn definitely_assigned(block: &Block, v: VarId) -> bool {
    /// (assigned when control falls through, or `None` if it never does; all exits fine)
    fn go(block: &Block, v: VarId, mut assigned: bool, in_loop: bool) -> (Option<bool>, bool) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { var, .. } if *var == v => assigned = true,
                Stmt::If { then, els, .. } => {
                    let (t, t_ok) = go(then, v, assigned, in_loop);
                    let (e, e_ok) = go(els, v, assigned, in_loop);
                    if !(t_ok && e_ok) {
                        return (None, false);
                    }
                    match (t, e) {
                        (None, None) => return (None, true),
                        (Some(a), None) | (None, Some(a)) => assigned = a,
                        (Some(a), Some(b)) => assigned = a && b,
                    }
                }
                Stmt::Loop { body, .. } => {
                    // A `break` inside leaves the inner loop only; zero iterations assign nothing.
                    let (_, ok) = go(body, v, assigned, true);
                    if !ok {
                        return (None, false);
                    }
                }
                Stmt::Break => return (None, in_loop || assigned),
                _ => {}
            }
        }
        (Some(assigned), true)
    }
    match go(block, v, false, false) {
        (Some(assigned), ok) => assigned && ok,
        (None, ok) => ok,
    }
}
