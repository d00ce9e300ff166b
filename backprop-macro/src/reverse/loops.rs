//! Passes over a reverse loop's body: whether its iterations commute (and may run in
//! forward order, or be skipped when their upstream gradients are zero), values it can
//! compute once before it, and sums it can keep in a local.

use super::*;
use quote::ToTokens;

/// Whether the iterations of a reverse loop commute: nothing is restored from a stack, and
/// every gradient declared outside the body is only incremented, only read, or touched only
/// at one element of its own per iteration (`grad_k[i]` read, added into and reset, where
/// the index is the loop's index plus an offset the loop does not change: no two iterations
/// share an element). Then running them in forward order gives the same sums (up to
/// rounding, where iterations add into one element) and walks memory the way current CPUs
/// prefetch and forward stores fastest, and the compiler vectorizes it.
pub(super) fn independent_iterations(vars: &[Var], index: Option<VarId>, body: &[B]) -> bool {
    outer_reads(vars, index, body).is_some()
}

/// For a loop whose iterations commute ([`independent_iterations`]): the scalar gradients
/// declared outside it that it reads, when every other gradient from outside is only
/// incremented. Everything the loop adds is a multiple of one of them (a reverse pass is
/// linear in its upstream gradients), so when they are all zero the loop adds nothing and
/// need not run: the reverse of `closest = closest.min(distance)` sends the gradient to one
/// `distance` of the `k`, and the other `k − 1` reverse loops over its `d` terms are
/// skipped. `None` when the loop cannot be skipped so: it restores a value, reads a gradient
/// it also adds to, resets one, or reads one that is not a float.
pub fn zero_guard(vars: &[Var], index: Option<VarId>, body: &[B]) -> Option<Vec<VarId>> {
    let outer = outer_reads(vars, index, body)?;
    let floats = outer
        .read
        .iter()
        .all(|&v| vars.get(v).is_some_and(|var| var.kind == Kind::Float));
    (!outer.read.is_empty() && floats && !outer.owned).then_some(outer.read)
}

/// What a loop whose iterations commute does with the gradients declared outside it.
struct Outer {
    /// The gradients it reads, sorted.
    read: Vec<VarId>,
    /// Whether it also reads or resets elements each iteration owns (`grad_k[i]`): a loop
    /// that resets one cannot be skipped when its upstream gradients are zero.
    owned: bool,
}

/// How a reverse loop's body touches a gradient declared outside it.
#[derive(Default)]
struct Uses {
    added: bool,
    read: bool,
    set: bool,
    /// The indices of every element access; `None` for the whole gradient.
    at: Vec<Option<Index>>,
}

/// The gradients declared outside `body` that it reads, if its iterations commute.
fn outer_reads(vars: &[Var], index: Option<VarId>, body: &[B]) -> Option<Outer> {
    fn declared(stmts: &[B], out: &mut Vec<VarId>) {
        for b in stmts {
            match b {
                B::LetAdj(v, _) | B::ZeroAdj(v) => out.push(*v),
                B::If(_, t, e) => {
                    declared(t, out);
                    declared(e, out);
                }
                B::For(_, _, body) => declared(body, out),
                _ => {}
            }
        }
    }
    fn element(p: &Place) -> Option<Index> {
        match p {
            Place::Elem(_, i) => Some(i.clone()),
            Place::Var(_) | Place::Part(..) => None,
        }
    }
    fn reads(e: &E, uses: &mut BTreeMap<VarId, Uses>) {
        match e {
            E::Adj(v) | E::Up(v) => {
                let u = uses.entry(*v).or_default();
                u.read = true;
                u.at.push(None);
            }
            E::AdjElem(v, i) => {
                let u = uses.entry(*v).or_default();
                u.read = true;
                u.at.push(Some(i.clone()));
            }
            _ => {}
        }
        e.for_each_child(|c| reads(c, uses));
    }
    fn scan(stmts: &[B], uses: &mut BTreeMap<VarId, Uses>) -> bool {
        for b in stmts {
            match b {
                B::Pop(_)
                | B::Restore(_)
                | B::RestoreElem(..)
                | B::RestoreSlice(_)
                | B::Undo(..)
                | B::Unpush(_)
                | B::Repush(_)
                | B::LetUp(_)
                | B::PullInto(..) => {
                    return false;
                }
                B::SetAdj(p, _) | B::Kill(p) | B::AddAdj(p, _) => {
                    let u = uses.entry(p.var()).or_default();
                    match b {
                        B::AddAdj(..) => u.added = true,
                        _ => u.set = true,
                    }
                    u.at.push(element(p));
                    if let B::SetAdj(_, e) | B::AddAdj(_, e) = b {
                        reads(e, uses);
                    }
                }
                B::LetAdj(_, e) | B::LetGrads(_, e) => reads(e, uses),
                B::If(c, t, e) => {
                    reads(c, uses);
                    if !scan(t, uses) || !scan(e, uses) {
                        return false;
                    }
                }
                B::For(_, replay, body)
                    if !matches!(replay, Replay::Rev(_) | Replay::Forward(_))
                        || !scan(body, uses) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        true
    }
    let mut local = Vec::new();
    declared(body, &mut local);
    let mut uses = BTreeMap::new();
    if !scan(body, &mut uses) {
        return None;
    }
    let bound = bound_in(index, body);
    let mut outer = Outer {
        read: Vec::new(),
        owned: false,
    };
    for (v, u) in uses.iter().filter(|(v, _)| !local.contains(v)) {
        let shared = u.set || (u.added && u.read);
        if shared {
            // Every access at one index, which the loop's index moves on each iteration.
            let first = u.at.first().cloned().flatten()?;
            let one =
                u.at.iter()
                    .all(|i| i.as_ref().is_some_and(|i| same_tokens(i, &first)));
            if !one || !own_element(vars, index?, &bound, &first) {
                return None;
            }
            outer.owned = true;
        }
        if u.read {
            outer.read.push(*v);
        }
    }
    Some(outer)
}

/// Whether `at` is the loop's `index` moved by an offset the loop does not change: `i`,
/// `i + k`, `k + i` or `i - k`. Each iteration's index is then different.
fn own_element(vars: &[Var], index: VarId, bound: &[VarId], at: &Index) -> bool {
    fn is_index(e: &syn::Expr, name: &syn::Ident) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.is_ident(name),
            syn::Expr::Paren(p) => is_index(&p.expr, name),
            syn::Expr::Group(g) => is_index(&g.expr, name),
            _ => false,
        }
    }
    fn shifted(e: &syn::Expr, name: &syn::Ident) -> Option<Vec<syn::Expr>> {
        match e {
            _ if is_index(e, name) => Some(Vec::new()),
            syn::Expr::Paren(p) => shifted(&p.expr, name),
            syn::Expr::Group(g) => shifted(&g.expr, name),
            syn::Expr::Binary(b) => {
                let (inner, offset) = match b.op {
                    syn::BinOp::Add(_) if is_index(&b.right, name) => (&b.right, &b.left),
                    syn::BinOp::Add(_) | syn::BinOp::Sub(_) => (&b.left, &b.right),
                    _ => return None,
                };
                let mut offsets = shifted(inner, name)?;
                offsets.push((**offset).clone());
                Some(offsets)
            }
            _ => None,
        }
    }
    let Some(k) = at.single() else {
        return false;
    };
    let name = &vars[index].ident;
    let Some(offsets) = shifted(&k.expr, name) else {
        return false;
    };
    // The offsets read nothing the loop binds or changes, its index included.
    let mentions_index = |o: &syn::Expr| crate::lower::mentions(&o.to_token_stream(), name);
    !offsets.iter().any(mentions_index) && !k.reads.iter().any(|r| *r != index && bound.contains(r))
}

/// Primal values a reverse loop's body binds or changes, and its index: what a value
/// reading one of them would change with in the loop.
fn bound_in(index: Option<VarId>, body: &[B]) -> Vec<VarId> {
    fn binds(stmts: &[B], out: &mut Vec<VarId>) {
        for b in stmts {
            match b {
                B::If(_, t, e) => {
                    binds(t, out);
                    binds(e, out);
                }
                B::For(var, _, body) => {
                    out.extend(*var);
                    binds(body, out);
                }
                other => {
                    for key in writes(other).unwrap_or_default() {
                        if let Key::Primal(v) = key {
                            out.push(v);
                        }
                    }
                }
            }
        }
    }
    let mut bound: Vec<VarId> = index.into_iter().collect();
    binds(body, &mut bound);
    bound
}

/// Values a reverse loop's body computes again on every iteration (`B::Recompute`) from
/// nothing that changes in the loop (`let s2 = x[i * d + a] - mu[c * d + a];` in the
/// reverse of a loop over `r`): computed once before the loop instead. The loads could not
/// move out by themselves: the compiler cannot tell that the gradient the loop stores into
/// is not what they read. Returns them, in order, and the rest of the body. Only
/// arithmetic of variables, elements and constants moves.
pub fn hoist_recomputes(index: Option<VarId>, body: &[B]) -> (Vec<B>, Vec<B>) {
    let mut bound = bound_in(index, body);
    let (mut hoisted, mut rest) = (Vec::new(), Vec::new());
    for b in body {
        let fixed = match b {
            B::Recompute(_, op) => {
                let arithmetic = matches!(
                    op,
                    Op::Copy(_) | Op::Neg(_) | Op::Cast(..) | Op::Bin(..) | Op::Math(..)
                );
                let mut reads = op.operands().into_iter().flat_map(|o| match o {
                    Operand::Var(v) => vec![*v],
                    Operand::Elem(v, i) => std::iter::once(*v).chain(i.reads().copied()).collect(),
                    Operand::Konst(k) => k.reads.clone(),
                });
                arithmetic && !reads.any(|r| bound.contains(&r))
            }
            _ => false,
        };
        match b {
            B::Recompute(v, _) if fixed => {
                // What reads it may move too.
                if let Some(at) = bound.iter().position(|w| w == v) {
                    bound.remove(at);
                }
                hoisted.push(b.clone());
            }
            _ => rest.push(b.clone()),
        }
    }
    (hoisted, rest)
}

/// Sums a reverse loop adds into one element of a gradient whose index does not change in
/// the loop (`grad_mu[c * d + a] += -grad_s2` in the reverse of a loop over `r`): they go
/// into a local (`sum_grad_mu += -grad_s2`), added to the element once after the loop, so
/// the loop does not store to and load from the same element on every iteration. Only for
/// an adjoint the loop does nothing else with than add to it. Returns the body with those additions as
/// [`B::AddSum`], and the elements to add the sums to.
pub fn hoist_sums(vars: &[Var], index: Option<VarId>, body: &[B]) -> (Vec<B>, Vec<(VarId, Index)>) {
    let bound = bound_in(index, body);
    // The first addition into each array's adjoint at an index fixed in the loop.
    let mut sums: Vec<(VarId, Index)> = Vec::new();
    for b in body {
        if let B::AddAdj(Place::Elem(v, i), _) = b {
            let fixed = i.reads().all(|r| !bound.contains(r));
            if fixed && vars[*v].kind == Kind::Seq && !sums.iter().any(|(w, _)| w == v) {
                sums.push((*v, i.clone()));
            }
        }
    }
    // The loop may only add into those adjoints (additions commute), nothing else.
    sums.retain(|(v, _)| body.iter().all(|b| only_adds(b, *v)));
    let body = body
        .iter()
        .map(|b| match b {
            B::AddAdj(Place::Elem(v, i), e)
                if sums.iter().any(|(w, j)| w == v && same_tokens(i, j)) =>
            {
                B::AddSum(*v, e.clone())
            }
            other => other.clone(),
        })
        .collect();
    (body, sums)
}

/// The terms of a reverse loop's sums ([`hoist_sums`]), taken out of its body, when each
/// iteration can add them last: one addition into each sum, after which the body only adds
/// into, sets or declares adjoints those terms do not read. The loop is then these dot
/// products, summed in partial sums (`sum_lanes`) rather than one chain of additions.
/// Returns the terms in the order of `sums`; `None` leaves the body as it was.
pub fn lane_terms(sums: &[(VarId, Index)], body: &mut Vec<B>) -> Option<Vec<E>> {
    // One addition into each sum (`hoist_sums` makes additions into sums only).
    let added: Vec<VarId> = body
        .iter()
        .filter_map(|b| match b {
            B::AddSum(v, _) => Some(*v),
            _ => None,
        })
        .collect();
    let distinct: BTreeSet<VarId> = added.iter().copied().collect();
    if sums.is_empty() || added.len() != sums.len() || distinct.len() != added.len() {
        return None;
    }
    // From the end back, once: the adjoints the statements after each addition write, and
    // whether a statement of another kind follows it.
    let (mut written, mut other) = (BTreeSet::new(), false);
    for b in body.iter().rev() {
        match b {
            B::AddSum(_, e) => {
                let mut keys = Vec::new();
                e_keys(e, &mut keys);
                if other
                    || keys
                        .iter()
                        .any(|k| matches!(k, Key::Adj(v) if written.contains(v)))
                {
                    return None;
                }
            }
            B::AddAdj(p, _) | B::SetAdj(p, _) | B::Kill(p) => {
                written.insert(p.var());
            }
            B::LetAdj(w, _) => {
                written.insert(*w);
            }
            _ => other = true,
        }
    }
    let mut terms: Vec<(VarId, E)> = Vec::new();
    body.retain(|b| match b {
        B::AddSum(v, e) => {
            terms.push((*v, e.clone()));
            false
        }
        _ => true,
    });
    let order = |v: &VarId| sums.iter().position(|(w, _)| w == v);
    terms.sort_by_key(|(v, _)| order(v));
    Some(terms.into_iter().map(|(_, e)| e).collect())
}

pub(super) fn reads_adj(e: &E, v: VarId) -> bool {
    let mut keys = Vec::new();
    e_keys(e, &mut keys);
    keys.contains(&Key::Adj(v))
}

/// Whether a backward statement touches `v`'s adjoint only by adding to it.
fn only_adds(b: &B, v: VarId) -> bool {
    match b {
        B::AddAdj(p, e) if p.var() == v => !reads_adj(e, v),
        B::If(c, t, e) => {
            !reads_adj(c, v)
                && t.iter().all(|b| only_adds(b, v))
                && e.iter().all(|b| only_adds(b, v))
        }
        B::For(_, _, body) => body.iter().all(|b| only_adds(b, v)),
        other => !mentions_adj(other, v),
    }
}

/// Whether a backward statement reads or writes `v`'s adjoint.
pub(super) fn mentions_adj(b: &B, v: VarId) -> bool {
    match b {
        B::LetAdj(w, e) => *w == v || reads_adj(e, v),
        B::ZeroAdj(w) => *w == v,
        B::SetAdj(p, e) | B::AddAdj(p, e) => p.var() == v || reads_adj(e, v),
        B::Kill(p) | B::LetUp(p) => p.var() == v,
        B::LetGrads(_, e) => reads_adj(e, v),
        // It adds into the parameters' gradients.
        B::PullInto(..) => true,
        B::AddSum(w, e) => *w == v || reads_adj(e, v),
        B::If(c, t, e) => {
            reads_adj(c, v)
                || t.iter().any(|b| mentions_adj(b, v))
                || e.iter().any(|b| mentions_adj(b, v))
        }
        B::For(_, _, body) => body.iter().any(|b| mentions_adj(b, v)),
        B::LetPullback(..)
        | B::Pop(_)
        | B::Recompute(..)
        | B::Restore(_)
        | B::RestoreElem(..)
        | B::RestoreSlice(_)
        | B::Undo(..)
        | B::Unpush(_)
        | B::Repush(_)
        | B::Nop => false,
    }
}

/// The adjoints of sequences of structs that a reverse loop over `index` reaches only
/// through its element at `index` and one field of it (`grad_layers[index].w[k]`,
/// `grad_layers[index].b`), with the fields it uses and whether each is read as a whole
/// float (`.b`, no index after it) rather than indexed (`.w[k]`). The loop's body can bind
/// each field once (`let grad_layers_w: &mut [_] = &mut grad_layers[index].w;`): the
/// compiler then keeps the slice in registers, instead of loading two `Vec` headers and
/// checking two bounds per element after every store into another gradient.
pub fn element_adjoints(
    vars: &[Var],
    index: VarId,
    body: &[B],
) -> Vec<(VarId, Vec<(syn::Member, bool)>)> {
    #[derive(Default)]
    struct Uses {
        fields: Vec<(syn::Member, bool)>,
        other: bool,
    }
    fn at_index(vars: &[Var], index: VarId, i: &Index) -> Option<(syn::Member, bool)> {
        let first = i.0.first()?;
        let name = &vars[index].ident;
        let plain = matches!(&first.expr, syn::Expr::Path(p) if p.path.is_ident(name));
        match i.1.as_slice() {
            [(1, member)] if plain && first.reads == [index] => {
                Some((member.clone(), i.0.len() == 1))
            }
            _ => None,
        }
    }
    fn note(
        uses: &mut BTreeMap<VarId, Uses>,
        vars: &[Var],
        index: VarId,
        v: VarId,
        i: Option<&Index>,
    ) {
        let u = uses.entry(v).or_default();
        match i.and_then(|i| at_index(vars, index, i)) {
            Some((member, scalar)) => match u.fields.iter().find(|(m, _)| *m == member) {
                Some((_, s)) if *s != scalar => u.other = true,
                Some(_) => {}
                None => u.fields.push((member, scalar)),
            },
            None => u.other = true,
        }
    }
    fn in_e(uses: &mut BTreeMap<VarId, Uses>, vars: &[Var], index: VarId, e: &E) {
        match e {
            E::AdjElem(v, i) => note(uses, vars, index, *v, Some(i)),
            E::Adj(v) | E::Up(v) => note(uses, vars, index, *v, None),
            _ => {}
        }
        e.for_each_child(|c| in_e(uses, vars, index, c));
    }
    fn in_place(uses: &mut BTreeMap<VarId, Uses>, vars: &[Var], index: VarId, p: &Place) {
        match p {
            Place::Elem(v, i) => note(uses, vars, index, *v, Some(i)),
            Place::Var(v) | Place::Part(v, _) => note(uses, vars, index, *v, None),
        }
    }
    fn walk(uses: &mut BTreeMap<VarId, Uses>, vars: &[Var], index: VarId, body: &[B]) {
        for b in body {
            match b {
                B::LetAdj(w, e) | B::AddSum(w, e) => {
                    note(uses, vars, index, *w, None);
                    in_e(uses, vars, index, e);
                }
                B::ZeroAdj(w) => note(uses, vars, index, *w, None),
                B::SetAdj(p, e) | B::AddAdj(p, e) => {
                    in_place(uses, vars, index, p);
                    in_e(uses, vars, index, e);
                }
                B::Kill(p) | B::LetUp(p) => in_place(uses, vars, index, p),
                B::LetGrads(_, e) => in_e(uses, vars, index, e),
                B::PullInto(_, e, _) => {
                    in_e(uses, vars, index, e);
                    // It adds into every parameter's gradient.
                    for (v, _) in vars
                        .iter()
                        .enumerate()
                        .filter(|(_, var)| var.param.is_some())
                    {
                        note(uses, vars, index, v, None);
                    }
                }
                B::If(c, t, e) => {
                    in_e(uses, vars, index, c);
                    walk(uses, vars, index, t);
                    walk(uses, vars, index, e);
                }
                B::For(_, _, inner) => walk(uses, vars, index, inner),
                B::LetPullback(..)
                | B::Pop(_)
                | B::Recompute(..)
                | B::Restore(_)
                | B::RestoreElem(..)
                | B::RestoreSlice(_)
                | B::Undo(..)
                | B::Unpush(_)
                | B::Repush(_)
                | B::Nop => {}
            }
        }
    }
    let mut uses = BTreeMap::new();
    walk(&mut uses, vars, index, body);
    uses.into_iter()
        .filter(|(_, u)| !u.other && !u.fields.is_empty())
        .map(|(v, u)| (v, u.fields))
        .collect()
}

/// The parameters (sequences of structs) a reverse loop over `index` reads at `index` and
/// a field (`layers[index].w[k]`), with the fields and whether each is read whole: bound
/// once in the loop's body as [`element_adjoints`] are (a parameter never changes, so every
/// read can go through the binding, and others may stay as they are).
pub fn element_reads(
    vars: &[Var],
    index: VarId,
    body: &[B],
) -> Vec<(VarId, Vec<(syn::Member, bool)>)> {
    fn in_e(found: &mut Vec<(VarId, Vec<(syn::Member, bool)>)>, vars: &[Var], index: VarId, e: &E) {
        if let E::Elem(v, i) = e
            && vars[*v].param.is_some()
            && let Some(first) = i.0.first()
            && first.reads == [index]
            && matches!(&first.expr, syn::Expr::Path(p) if p.path.is_ident(&vars[index].ident))
            && let [(1, member)] = i.1.as_slice()
        {
            let scalar = i.0.len() == 1;
            match found.iter_mut().find(|(w, _)| w == v) {
                Some((_, fields)) => {
                    if !fields.iter().any(|(m, s)| m == member && *s == scalar) {
                        fields.push((member.clone(), scalar));
                    }
                }
                None => found.push((*v, vec![(member.clone(), scalar)])),
            }
        }
        e.for_each_child(|c| in_e(found, vars, index, c));
    }
    fn walk(
        found: &mut Vec<(VarId, Vec<(syn::Member, bool)>)>,
        vars: &[Var],
        index: VarId,
        body: &[B],
    ) {
        for b in body {
            match b {
                B::LetAdj(_, e)
                | B::AddSum(_, e)
                | B::SetAdj(_, e)
                | B::AddAdj(_, e)
                | B::LetGrads(_, e)
                | B::PullInto(_, e, _) => in_e(found, vars, index, e),
                B::If(c, t, e) => {
                    in_e(found, vars, index, c);
                    walk(found, vars, index, t);
                    walk(found, vars, index, e);
                }
                B::For(_, _, inner) => walk(found, vars, index, inner),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    walk(&mut found, vars, index, body);
    // A field read both whole and indexed is left as it is.
    for (_, fields) in &mut found {
        let both: Vec<syn::Member> = fields
            .iter()
            .filter(|(m, s)| fields.iter().any(|(n, t)| n == m && t != s))
            .map(|(m, _)| m.clone())
            .collect();
        fields.retain(|(m, _)| !both.contains(m));
    }
    found.retain(|(_, fields)| !fields.is_empty());
    found
}

/// Whether a backward pass has a loop.
pub fn has_loop(stmts: &[B]) -> bool {
    stmts.iter().any(|b| match b {
        B::For(..) => true,
        B::If(_, then, other) => has_loop(then) || has_loop(other),
        _ => false,
    })
}
