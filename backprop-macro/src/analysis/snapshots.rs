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
    pub covered: BTreeSet<(VarId, ScopeId)>,
}

impl Snapshots {
    /// The loop bodies whose element writes of `v` a copy covers.
    pub fn covered_of(&self, v: VarId) -> impl Iterator<Item = ScopeId> + '_ {
        self.covered
            .range((v, 0)..(v + 1, 0))
            .map(|&(_, body)| body)
    }
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
    // Made when a copy first needs the loops after it (`covered_after`).
    let mut touches: Option<BTreeMap<VarId, Vec<usize>>> = None;
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
                        // Only what the body writes at its top level can be copied.
                        let top: BTreeSet<VarId> = body
                            .stmts
                            .iter()
                            .filter_map(|s| match s {
                                Stmt::SetElem { var, .. } => Some(*var),
                                _ => None,
                            })
                            .collect();
                        for &v in candidates.iter().filter(|v| top.contains(v)) {
                            // The writes in one loop save alike ([`overwrites`]).
                            let unread = facts.unread.range((v, 0)..(v + 1, 0));
                            if f.within(f.vars[v].scope, body.scope)
                                || unread.into_iter().any(|&(_, s)| f.within(s, body.scope))
                                || plan.covered_of(v).any(|s| f.within(body.scope, s))
                                || reads.contains(&v)
                                || passed_to_call(&body.stmts, v)
                                || !writes_own_index(body, v, index)
                            {
                                continue;
                            }
                            rest.retain(|&c| c != v);
                            plan.covered.insert((v, body.scope));
                            if is_zero(&lo) {
                                let touches = touches
                                    .get_or_insert_with(|| touching(f, &block.stmts, active));
                                let followers = touches.get(&v).into_iter().flatten();
                                let followers = followers.filter(|&&p| p > at);
                                let followers = followers.map(|&p| &block.stmts[p]);
                                let covered = &mut plan.covered;
                                covered_after(f, followers, v, &hi, (active, assigned), covered);
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

/// For each variable, the statements of `stmts` (by position) that write its elements,
/// hand it to a call, or whose reverse reads it: the ones [`covered_after`] looks at.
fn touching(f: &Func, stmts: &[Stmt], active: &[bool]) -> BTreeMap<VarId, Vec<usize>> {
    let mut out: BTreeMap<VarId, Vec<usize>> = BTreeMap::new();
    for (at, stmt) in stmts.iter().enumerate() {
        let one = std::slice::from_ref(stmt);
        let mut found = backward_reads(&f.vars, one, active);
        walk_stmts(one, 0, &mut |s, _| {
            if let Stmt::SetElem { var, .. } = s {
                found.insert(*var);
            }
            // As `passed_to_call` finds them.
            if let Stmt::Let { op, .. } | Stmt::Assign { op, .. } | Stmt::SetElem { op, .. } = s
                && matches!(op, Op::Call(_))
            {
                found.extend(op.operands().iter().filter_map(|o| o.var()));
            }
        });
        for v in found {
            out.entry(v).or_default().push(at);
        }
    }
    out
}

/// The loops after a snapshot of `v[0..hi]` whose writes it covers: up to the first
/// statement whose reverse reads `v` or that writes an element not provably below `hi`.
/// `stmts` are the statements after the snapshot's loop that touch `v` ([`touching`]).
fn covered_after<'s>(
    f: &Func,
    stmts: impl Iterator<Item = &'s Stmt>,
    v: VarId,
    hi: &Konst,
    (active, assigned): (&[bool], &[bool]),
    covered: &mut BTreeSet<(VarId, ScopeId)>,
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
            Stmt::Loop { body, .. } if below => {
                covered.insert((v, body.scope));
            }
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
        && !a.snapshots.covered_of(v).any(|body| f.within(scope, body))
}
