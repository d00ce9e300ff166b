//! Arrays the backward pass reads only for their shape.
//!
//! An elementwise operation on arrays sums each gradient back to its operand's shape
//! (`sum_to(&grad_s1, &s0)`), and the gradient of a sum or a mean spreads it over its
//! operand's shape (`sum_back(&grad_s, &s1)`): when that is every backward use of an array,
//! the pullback need not keep the array, only its shape. The forward pass ends with `let s0 = like(&s0);`, and
//! the array is freed when the forward pass returns instead of living as long as the
//! pullback (on the MLP step, the 64 × 256 hidden pre-activation). An array local to a
//! loop's body or a branch is pushed at the block's end as its shape (`like(&s0)`), not
//! whole (a residual layer `h = (h.dot(v) + &h).tanh()` in a loop: the product).

use super::*;
use crate::ops::Kernel;

/// The arrays whose every backward read is the shape argument of `sum_to`, `sum_back` or
/// `mean_back`: defined once, by a `let`, never changed in place, neither a parameter nor
/// the result, nor read by a value the reverse computes again (`recompute`).
pub(super) fn plan(
    f: &Func,
    facts: &[Facts],
    result: VarId,
    recompute: &BTreeMap<ScopeId, Vec<(VarId, Op)>>,
) -> Vec<VarId> {
    // A function without arrays has none to keep: no second pass over its rules.
    if !f.vars.iter().any(|v| v.kind == Kind::Tensor) {
        return Vec::new();
    }
    let active: Vec<bool> = facts.iter().map(|x| x.active).collect();
    let n = f.vars.len();
    let (mut all, mut shape) = (vec![0usize; n], vec![0usize; n]);
    let mut defined = vec![0usize; n];
    // Read by a condition, a loop's head or an effect: also read where the reverse
    // evaluates them again.
    let mut konst_read = vec![false; n];
    walk(&f.body, &mut |stmt, _| {
        let konst = match stmt {
            Stmt::Let { var, .. } | Stmt::Assign { var, .. } => {
                defined[*var] += 1;
                None
            }
            Stmt::Eval(k) | Stmt::If { cond: k, .. } => Some(k),
            Stmt::Loop { head, .. } => match head {
                LoopHead::Range { steps: k, .. } | LoopHead::Iter { iter: k, .. } => Some(k),
                LoopHead::While { cond } => Some(cond),
                LoopHead::Infinite => None,
            },
            _ => None,
        };
        for &v in konst.iter().flat_map(|k| &k.reads) {
            konst_read[v] = true;
        }
        let Some((cs, reads)) = plans::rule_of(&f.vars, stmt, &active) else {
            return;
        };
        for v in reads {
            all[v] += 1;
        }
        let mut shapes = Vec::new();
        contrib_shape_reads(&cs, &mut shapes);
        for v in shapes {
            shape[v] += 1;
        }
    });
    // An adjoint that starts as zeros (`zeros_like(&h)`, for contributions into elements)
    // reads the array's shape.
    for (v, x) in facts.iter().enumerate() {
        if x.zero_init && f.vars[v].kind == Kind::Tensor {
            all[v] += 1;
            shape[v] += 1;
        }
    }
    // A value computed again in the reverse reads its operands' values, not their shapes.
    for (_, op) in recompute.values().flatten() {
        for u in op.reads() {
            konst_read[u] = true;
        }
    }
    let mut by_let = vec![false; n];
    walk(&f.body, &mut |stmt, _| {
        if let Stmt::Let { var, .. } = stmt {
            by_let[*var] = true;
        }
    });
    (0..n)
        .filter(|&v| {
            let var = &f.vars[v];
            shape[v] > 0
                && all[v] == shape[v]
                && var.kind == Kind::Tensor
                && var.param.is_none()
                && v != result
                && defined[v] == 1
                && !konst_read[v]
                && !facts[v].in_place
                && by_let[v]
        })
        .collect()
}

/// The variables read as a shape argument.
fn contrib_shape_reads(cs: &[Contrib], out: &mut Vec<VarId>) {
    for c in cs {
        match c {
            Contrib::Add(_, e) => shape_reads(e, out),
            Contrib::Branch(cond, a, b) => {
                shape_reads(cond, out);
                contrib_shape_reads(a, out);
                contrib_shape_reads(b, out);
            }
            Contrib::Pullback { upstream, .. } => shape_reads(upstream, out),
        }
    }
}

fn shape_reads(e: &E, out: &mut Vec<VarId>) {
    if let E::Kernel(Kernel::SumTo | Kernel::SumBack | Kernel::MeanBack, args) = e
        && let [value, E::Var(v)] = args.as_slice()
    {
        out.push(*v);
        shape_reads(value, out);
        return;
    }
    e.for_each_child(|c| shape_reads(c, out));
}
