//! Whether a function that calls itself can run on one tape: `__forward_tape` and
//! `__backward_tape` (see `items/recursion.rs`) in place of a closure per call.

use super::*;

/// Whether the function's calls to itself can share one tape: every value it saves is a
/// float (the stacks' element type is then known, to pass them as parameters), the backward
/// pass reads no value of the function's top-level block (which a closure would capture and
/// a separate function cannot see), nor a counter, and every parameter can be passed to the
/// forward and the backward function both (borrowed, or a number or `bool`). `remade`:
/// after the calls were made again in reverse, when no pullback may be saved either.
pub(super) fn fits(f: &Func, a: &Analysis, remade: bool) -> bool {
    let pullback = |v: VarId| f.vars[v].kind == Kind::Pullback;
    let recomputed: BTreeSet<VarId> = a.recompute.values().flatten().map(|(v, _)| *v).collect();
    let copyable = |ty: &syn::Type| match ty {
        syn::Type::Reference(r) => r.mutability.is_none(),
        syn::Type::Path(p) if f.float_ty.as_ref().is_some_and(|t| p.path.is_ident(t)) => true,
        ty => matches!(
            crate::lower::classify(ty),
            crate::lower::TypeClass::Int
                | crate::lower::TypeClass::Bool
                | crate::lower::TypeClass::Float
        ),
    };
    a.stacks
        .iter()
        .all(|&v| f.vars[v].kind == Kind::Float || (!remade && pullback(v)))
        && a.elem_stacks.is_empty()
        && a.snapshots.around.is_empty()
        && !a.facts.iter().any(|v| v.counter)
        && f.params.iter().all(|p| copyable(&p.ty))
        && !f.vars.iter().enumerate().any(|(v, var)| {
            a.facts[v].needed
                && var.scope == 0
                && var.param.is_none()
                && !recomputed.contains(&v)
                && (remade || !pullback(v))
        })
}
