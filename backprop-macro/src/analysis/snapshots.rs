//! Arrays saved whole around a loop instead of element by element.
//!
//! An element write saves the element it overwrites, so that the reverse sweep can give a
//! backward rule that reads the array the value it had. A loop whose reverse reads nothing
//! of the array does not need the values in between, only the array as it was before the
//! loop, once the loop's reverse is done: `for j in 0..d { qx[j] = .. }` copies `qx[0..d]`
//! onto its stack before the loop (one `memcpy`) and back after the loop's reverse, and the
//! writes inside push nothing (their loop vectorizes again).
//!
//! The copy is never larger than the writes it replaces: it is made only for a loop over
//! `lo..hi` that writes `a[i]` with its own index `i` on every iteration, and it covers
//! exactly `a[lo..hi]`. When `lo` is `0`, the loops that follow it in the same block (up to
//! the first one whose reverse reads the array) and write only elements `a[k]` with `k`
//! ranging below the same `hi` are covered by the same copy: their writes save nothing
//! either (gmm's triangular product after the diagonal one).

use super::*;

/// `a[lo..hi]`, copied before a loop and back after its reverse.
#[derive(Clone)]
pub struct Snapshot {
    pub var: VarId,
    pub lo: Konst,
    pub hi: Konst,
}

/// Where arrays are saved whole: keyed by the loop body the copy is made around, and the
/// loop bodies (that one included) whose element writes the copy covers.
#[derive(Default)]
pub struct Snapshots {
    pub around: BTreeMap<ScopeId, Vec<Snapshot>>,
    pub covered: Vec<(VarId, ScopeId)>,
}

/// Which variables the function writes, as the analysis found them.
#[derive(Clone, Copy)]
pub(super) struct Written<'a> {
    /// Assigned in place, whole or element by element.
    pub in_place: &'a [bool],
    /// Assigned whole in place.
    pub whole: &'a [bool],
    /// Written element by element.
    pub elements: &'a [bool],
}

/// Plans the snapshots. `saved` is which variables save what their writes overwrite. The
/// variables the copies' bounds read are added to `needed` (the reverse sweep evaluates the
/// bounds again).
pub(super) fn plan(
    f: &Func,
    active: &[bool],
    saved: &[bool],
    written: Written,
    unread: &overwrites::Unread,
    needed: &mut [bool],
) -> Snapshots {
    // A whole reassignment may change the length between the copy and its return.
    let candidates: Vec<VarId> = (0..f.vars.len())
        .filter(|&v| saved[v] && written.elements[v] && !written.whole[v])
        .filter(|&v| f.vars[v].kind == Kind::Seq && f.vars[v].param.is_none())
        .collect();
    let assigned = written.in_place;
    let mut plan = Snapshots::default();
    if !candidates.is_empty() {
        let facts = Facts {
            active,
            assigned,
            unread,
        };
        visit(f, &f.body, &candidates, &facts, &mut plan);
    }
    for s in plan.around.values().flatten() {
        for &r in s.lo.reads.iter().chain(&s.hi.reads) {
            needed[r] = true;
        }
    }
    plan
}

/// What [`visit`] reads of the analysis so far.
struct Facts<'a> {
    active: &'a [bool],
    assigned: &'a [bool],
    unread: &'a overwrites::Unread,
}

fn visit(f: &Func, block: &Block, candidates: &[VarId], facts: &Facts, plan: &mut Snapshots) {
    let (active, assigned) = (facts.active, facts.assigned);
    for (at, stmt) in block.stmts.iter().enumerate() {
        match stmt {
            Stmt::If { then, els, .. } => {
                visit(f, then, candidates, facts, plan);
                visit(f, els, candidates, facts, plan);
            }
            Stmt::Loop { head, body, .. } => {
                let mut rest = candidates.to_vec();
                if let Some((index, lo, hi)) = range_loop(head) {
                    let fixed = |k: &Konst| k.reads.iter().all(|&r| !assigned[r]);
                    // (`for mut i in ..` with `i` changed in the body writes elsewhere.)
                    if fixed(&lo) && fixed(&hi) && !assigned[index] {
                        let reads = backward_reads(&f.vars, &body.stmts, active);
                        for &v in candidates {
                            let copied =
                                |&(w, s): &(VarId, ScopeId)| w == v && f.within(body.scope, s);
                            // The writes in one loop save alike ([`overwrites`]).
                            let unread =
                                |&(w, s): &(VarId, ScopeId)| w == v && f.within(s, body.scope);
                            if f.within(f.vars[v].scope, body.scope)
                                || facts.unread.iter().any(unread)
                                || plan.covered.iter().any(copied)
                                || reads.contains(&v)
                                || passed_to_call(&body.stmts, v)
                                || !writes_own_index(body, v, index)
                            {
                                continue;
                            }
                            rest.retain(|&c| c != v);
                            plan.covered.push((v, body.scope));
                            if is_zero(&lo) {
                                let followers = &block.stmts[at + 1..];
                                let covered = &mut plan.covered;
                                covered_after(f, followers, v, &hi, active, assigned, covered);
                            }
                            plan.around.entry(body.scope).or_default().push(Snapshot {
                                var: v,
                                lo: lo.clone(),
                                hi: hi.clone(),
                            });
                        }
                    }
                }
                visit(f, body, &rest, facts, plan);
            }
            _ => {}
        }
    }
}

/// A `for i in lo..hi` loop's index and bounds.
fn range_loop(head: &LoopHead) -> Option<(VarId, Konst, Konst)> {
    let LoopHead::Range {
        var: Some(var),
        steps,
    } = head
    else {
        return None;
    };
    // `steps(lo..hi)`, as lowering writes a range loop's head.
    let syn::Expr::Call(call) = &steps.expr else {
        return None;
    };
    let [syn::Expr::Range(r)] = &call.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
        return None;
    }
    let bound = |e: &Option<Box<syn::Expr>>| {
        e.as_deref().map(|e| Konst {
            expr: e.clone(),
            reads: steps.reads.clone(),
        })
    };
    Some((*var, bound(&r.start)?, bound(&r.end)?))
}

/// Whether a call in the statements takes `v`: its pullback may be made again in reverse,
/// reading `v` there.
fn passed_to_call(stmts: &[Stmt], v: VarId) -> bool {
    let mut found = false;
    walk_stmts(stmts, 0, &mut |stmt, _| {
        if let Stmt::Let { op, .. } | Stmt::Assign { op, .. } | Stmt::SetElem { op, .. } = stmt {
            found |= matches!(op, Op::Call(_)) && op.operands().iter().any(|o| o.var() == Some(v));
        }
    });
    found
}

fn is_zero(k: &Konst) -> bool {
    matches!(&k.expr, syn::Expr::Lit(l) if quote::quote!(#l).to_string().trim_end_matches("usize") == "0")
}

/// Whether the loop body writes `v[i]` at its top level (so once per iteration) and writes
/// no other element of `v` anywhere.
fn writes_own_index(body: &Block, v: VarId, index: VarId) -> bool {
    let is_index = |k: &Index| {
        k.single()
            .is_some_and(|k| k.reads == [index] && matches!(&k.expr, syn::Expr::Path(_)))
    };
    let top = body
        .stmts
        .iter()
        .any(|s| matches!(s, Stmt::SetElem { var, index: k, .. } if *var == v && is_index(k)));
    let mut only = true;
    walk(body, &mut |stmt, _| {
        if let Stmt::SetElem { var, index: k, .. } = stmt {
            only &= *var != v || is_index(k);
        }
    });
    top && only
}

/// The loops after a snapshot of `v[0..hi]` whose writes it covers: up to the first
/// statement whose reverse reads `v` or that writes an element not provably below `hi`.
fn covered_after(
    f: &Func,
    stmts: &[Stmt],
    v: VarId,
    hi: &Konst,
    active: &[bool],
    assigned: &[bool],
    covered: &mut Vec<(VarId, ScopeId)>,
) {
    let tokens = |k: &Konst| {
        let e = &k.expr;
        quote::quote!(#e).to_string()
    };
    let same_hi = |k: &Konst| tokens(k) == tokens(hi);
    for stmt in stmts {
        let one = std::slice::from_ref(stmt);
        if backward_reads(&f.vars, one, active).contains(&v) || passed_to_call(one, v) {
            return;
        }
        // Each loop index's upper bound, to check the writes' indices against `hi`.
        let mut bounded: BTreeSet<VarId> = BTreeSet::new();
        walk_stmts(one, 0, &mut |s, _| {
            if let Stmt::Loop { head, .. } = s
                && let Some((i, _, end)) = range_loop(head)
                && same_hi(&end)
                && !assigned[i]
            {
                bounded.insert(i);
            }
        });
        let mut writes = false;
        let mut below = true;
        walk_stmts(one, 0, &mut |s, _| {
            if let Stmt::SetElem { var, index, .. } = s
                && *var == v
            {
                writes = true;
                below &= index.single().is_some_and(|k| {
                    matches!(&k.expr, syn::Expr::Path(_))
                        && matches!(k.reads[..], [i] if bounded.contains(&i))
                });
            }
        });
        match stmt {
            _ if !writes => {}
            Stmt::Loop { body, .. } if below => covered.push((v, body.scope)),
            _ => return,
        }
    }
}

/// Whether an element write of `v` in `scope` saves the element it overwrites: `v` is
/// saved, a rule may read what the write destroys ([`overwrites`]), and no snapshot covers
/// the loop the write is in.
pub fn elem_saved_at(f: &Func, a: &Analysis, v: VarId, scope: ScopeId) -> bool {
    a.facts[v].saved
        && !a.unread.contains(&(v, scope))
        && !a
            .snapshots
            .covered
            .iter()
            .any(|&(w, body)| w == v && f.within(scope, body))
}
