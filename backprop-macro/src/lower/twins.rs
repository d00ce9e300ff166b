//! Sines and cosines of one value: `let s = x.sin(); let c = x.cos();` (or `let (s, c) =
//! x.sin_cos();`, lowered to the same two lines). The derivative of each is the other, up
//! to a sign, so the reverse rule of `s` reads `c` (and that of `c` reads `s`) instead of
//! computing `x.cos()` again in the backward pass, as rotations written by hand do
//! (bundle adjustment's Rodrigues rotation, a pendulum's step). Forward mode keeps
//! `x.cos()`: a tangent is printed beside its value, where the later of the two does not
//! exist yet.

use crate::ir::*;
use std::collections::BTreeMap;

/// Marks each such pair as [`Var::twin`]s of each other: both defined by `let` in the same
/// block with only `let`s between them (no branch, loop or exit can separate them), of the
/// same operand, which nothing assigns (so both read one value), and neither reassigned.
pub fn find(f: &mut Func) {
    let mut changed = vec![false; f.vars.len()];
    assigned(&f.body, &f.vars, &mut changed);
    let mut pairs = Vec::new();
    pairs_in(&f.body, &changed, &mut pairs);
    for ((s, s_alias), (c, c_alias)) in pairs {
        f.vars[s].twin = Some(c_alias);
        f.vars[c].twin = Some(s_alias);
    }
}

/// Variables assigned after their definition, or whose elements are.
fn assigned(block: &Block, vars: &[Var], changed: &mut [bool]) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Assign { var, .. } | Stmt::SetElem { var, .. } => changed[*var] = true,
            Stmt::Declare { var } => changed[*var] = true,
            Stmt::Eval(k) => {
                for v in k.mutated(vars).into_iter().chain(k.resized(vars)) {
                    changed[v] = true;
                }
            }
            Stmt::If { then, els, .. } => {
                assigned(then, vars, changed);
                assigned(els, vars, changed);
            }
            Stmt::Loop { body, .. } => assigned(body, vars, changed),
            Stmt::Let { .. } | Stmt::Break => {}
        }
    }
}

/// `Some((math, operand))` for `let v = operand.sin()` or `.cos()` of an unchanging value.
fn sin_or_cos<'s>(stmt: &'s Stmt, changed: &[bool]) -> Option<(VarId, Math, &'s Operand)> {
    let Stmt::Let {
        var,
        op: Op::Math(m @ (Math::Sin | Math::Cos), x, rest),
        ..
    } = stmt
    else {
        return None;
    };
    let fixed = match x {
        Operand::Var(v) => !changed[*v],
        Operand::Elem(v, i) => !changed[*v] && i.reads().all(|r| !changed[*r]),
        Operand::Konst(_) => false,
    };
    (rest.is_empty() && fixed && !changed[*var]).then_some((*var, *m, x))
}

/// What identifies an operand's value: its variable, and the index text of an element.
fn key(x: &Operand) -> Option<(VarId, Option<String>)> {
    match x {
        Operand::Var(v) => Some((*v, None)),
        Operand::Elem(v, i) => Some((*v, Some(i.text()))),
        Operand::Konst(_) => None,
    }
}

/// Each pair: the sine or cosine first defined and the variable holding its value for the
/// other's rule, then the same for the other.
type Pair = ((VarId, VarId), (VarId, VarId));

/// One pass over each block: a map of the sines and cosines not yet paired since the last
/// statement that is not a `let`, by operand.
fn pairs_in(block: &Block, changed: &[bool], pairs: &mut Vec<Pair>) {
    // The user's name for a value bound again (`let (sin, cos) = (t.sin(), t.cos());`
    // computes both first, then `let sin = value;`): the one the rest already reads.
    let mut copies: BTreeMap<VarId, VarId> = BTreeMap::new();
    for stmt in &block.stmts {
        if let Stmt::Let {
            var,
            op: Op::Copy(Operand::Var(u)),
            ..
        } = stmt
            && !changed[*var]
        {
            copies.entry(*u).or_insert(*var);
        }
    }
    let alias = |v: VarId| copies.get(&v).copied().unwrap_or(v);
    let mut open: BTreeMap<(VarId, Option<String>), (VarId, Math)> = BTreeMap::new();
    for stmt in &block.stmts {
        match stmt {
            Stmt::If { then, els, .. } => {
                pairs_in(then, changed, pairs);
                pairs_in(els, changed, pairs);
            }
            Stmt::Loop { body, .. } => pairs_in(body, changed, pairs),
            _ => {}
        }
        if !matches!(stmt, Stmt::Let { .. }) {
            open.clear();
            continue;
        }
        let Some((v, m, x)) = sin_or_cos(stmt, changed) else {
            continue;
        };
        let Some(k) = key(x) else {
            continue;
        };
        match open.get(&k) {
            Some(&(w, n)) if n != m => {
                open.remove(&k);
                pairs.push(((w, alias(w)), (v, alias(v))));
            }
            _ => {
                open.insert(k, (v, m));
            }
        }
    }
}
