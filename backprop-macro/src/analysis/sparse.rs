//! Forward mode along a sparse direction. A Jacobian by columns runs `jvp` once per input
//! with a unit tangent, so most tangents are zero most of the time: in hand tracking a
//! finger's angle moves three bones of twenty-two, and skinning the vertices by each of the
//! other nineteen computes nothing but zero tangents. A loop whose tangents all come from
//! a few values outside it, each cheap to test for zero, runs as the user wrote it, values
//! only, when those are all zero.

use super::*;

/// The largest array (`[0.0; N]`, `[a, b, c]`) whose tangent is tested element by element
/// before a loop.
const SMALL_ARRAY: usize = 64;

/// Keyed by a loop's body: the variables from outside the loop whose tangents are all the
/// loop's tangents depend on, when every one is a float or a small array. When they are
/// all zero, so is every tangent the loop computes, and what it adds into tangents from
/// outside adds nothing: the loop can run without its tangents. A loop that assigns a
/// tangent from outside other than by adding into it (`s = ...`, `v[i] = ...`: its tangent
/// would have to become zero), or grows one (`v.push(x)`), is not among them.
pub(super) fn plan(f: &Func, active: &[bool]) -> BTreeMap<ScopeId, Vec<VarId>> {
    // Arrays defined by a small literal.
    let mut small = BTreeSet::new();
    walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let { var, op, .. } = stmt
            && small_array(&f.vars, op)
        {
            small.insert(*var);
        }
    });
    let checkable = |v: VarId| match f.vars[v].kind {
        Kind::Float => true,
        Kind::Seq => f.vars[v].param.is_none() && small.contains(&v),
        _ => false,
    };
    let mut plan: BTreeMap<ScopeId, Vec<VarId>> = BTreeMap::new();
    walk(&f.body, &mut |stmt, _| {
        let Stmt::Loop { head, body, .. } = stmt else {
            return;
        };
        // Bounds that read no variable: a few iterations written in the code (`0..3`),
        // not worth a test.
        if let LoopHead::Range { steps, .. } = head
            && steps.reads.is_empty()
        {
            return;
        }
        let inside = super::reserve::defined_in(head, body);
        let mut inputs = BTreeSet::new();
        let only_adds = body
            .stmts
            .iter()
            .all(|s| flows(f, active, &inside, s, &mut inputs));
        if only_adds && !inputs.is_empty() && inputs.iter().all(|&v| checkable(v)) {
            plan.insert(body.scope, inputs.into_iter().collect());
        }
    });
    // A loop inside another whose test covers its inputs is tested already.
    let covered = |scope: ScopeId, inputs: &[VarId]| {
        let mut at = f.scopes[scope].parent;
        while let Some(s) = at {
            if plan
                .get(&s)
                .is_some_and(|outer| outer.iter().all(|v| inputs.contains(v)))
            {
                return true;
            }
            at = f.scopes[s].parent;
        }
        false
    };
    let nested: Vec<ScopeId> = plan
        .iter()
        .filter(|(scope, inputs)| covered(**scope, inputs))
        .map(|(scope, _)| *scope)
        .collect();
    for scope in nested {
        plan.remove(&scope);
    }
    plan
}

/// `[0.0; N]` or `[a, b, c]` of floats: an array of a literal length up to
/// [`SMALL_ARRAY`], whose tangent is tested element by element (not `[[0.0; 2]; 3]`).
fn small_array(vars: &[Var], op: &Op) -> bool {
    let float_literal = |e: &syn::Expr| {
        matches!(
            e,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Float(_),
                ..
            })
        )
    };
    match op {
        Op::List { items, vec: false } => {
            items.len() <= SMALL_ARRAY
                && items.iter().all(|o| match o {
                    Operand::Var(v) => vars[*v].kind == Kind::Float,
                    Operand::Konst(k) => float_literal(&k.expr),
                    Operand::Elem(..) => false,
                })
        }
        Op::Konst(k) => match &k.expr {
            syn::Expr::Repeat(r) => {
                float_literal(&r.expr)
                    && matches!(
                        &*r.len,
                        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. })
                            if n.base10_parse::<usize>().is_ok_and(|n| n <= SMALL_ARRAY)
                    )
            }
            _ => false,
        },
        _ => false,
    }
}

/// Collects the active variables from outside the loop whose tangents flow into the
/// statement's; `false` when the statement changes a tangent from outside other than by
/// adding into it.
fn flows(
    f: &Func,
    active: &[bool],
    inside: &BTreeSet<VarId>,
    stmt: &Stmt,
    inputs: &mut BTreeSet<VarId>,
) -> bool {
    let mut reads = |ops: &[&Operand]| {
        for o in ops {
            if let Some(v) = o.var()
                && active[v]
                && !inside.contains(&v)
            {
                inputs.insert(v);
            }
        }
    };
    match stmt {
        // A struct's field carries the struct's tangent, which has no operand to test
        // (field reads are at the top of the body; not in a loop).
        Stmt::Let {
            op: Op::Field(_), ..
        } => return false,
        Stmt::Let { op, .. } => reads(&op.operands()),
        Stmt::Assign { var, op, .. } | Stmt::SetElem { var, op, .. }
            if inside.contains(var) || !active[*var] =>
        {
            reads(&op.operands())
        }
        Stmt::Assign { var, op, .. } => {
            match added(op, &|o| matches!(o, Operand::Var(w) if w == var)) {
                Some(other) => reads(&[other]),
                None => return false,
            }
        }
        Stmt::SetElem { var, index, op, .. } => {
            let base = |o: &Operand| matches!(o, Operand::Elem(w, i) if w == var && i.text() == index.text());
            match added(op, &base) {
                Some(other) => reads(&[other]),
                None => return false,
            }
        }
        Stmt::Eval(k) => {
            let grows = k.mutated(&f.vars).into_iter().chain(k.resized(&f.vars));
            return !grows.into_iter().any(|v| active[v]);
        }
        Stmt::If { then, els, .. } => {
            return [then, els]
                .iter()
                .all(|b| b.stmts.iter().all(|s| flows(f, active, inside, s, inputs)));
        }
        Stmt::Loop { body, .. } => {
            return body
                .stmts
                .iter()
                .all(|s| flows(f, active, inside, s, inputs));
        }
        Stmt::Declare { .. } | Stmt::Break => {}
    }
    true
}

/// For `t + x`, `x + t` or `t - x`, where `base` picks `t` out and `x` does not read it: `x`.
fn added<'o>(op: &'o Op, base: &dyn Fn(&Operand) -> bool) -> Option<&'o Operand> {
    let other = match op {
        Op::Bin(BinOp::Add, a, b) if base(a) => b,
        Op::Bin(BinOp::Add, a, b) if base(b) => a,
        Op::Bin(BinOp::Sub, a, b) if base(a) => b,
        _ => return None,
    };
    (!base(other)).then_some(other)
}
