//! Slices a reverse loop reads and writes in place of the sequences it indexes.
//!
//! The reverse of `for r in a + 1..d { qx[r] += l[li] * s2; li += 1; }` reaches `grad_qx`
//! only at `r` and `grad_l` and `l` only at `li`, which it steps back by one each
//! iteration. Over the offsets `t` of `a + 1..d` those elements are `grad_qx[a + 1..d][t]`
//! and `grad_l[li - len..li][t]`: sliced once before the loop (`&grad_qx[first..][..len]`),
//! indexed by the offset, each access needs no bounds check of its own, and the compiler
//! can keep the loop's sums in registers instead of testing every index (gmm's triangular
//! product). Every element the slices cover was reached by the forward loop, so a slice is
//! in bounds whenever the forward pass was.

use super::*;

/// A sequence (its value or its gradient) a reverse loop reaches only at one place per
/// iteration.
#[derive(Clone, Debug)]
pub struct View {
    pub var: VarId,
    /// The gradient `grad_v` (else the value `v`).
    pub adjoint: bool,
    /// What it is indexed by: the loop's index, or a counter the loop steps back by one.
    pub at: VarId,
    /// Written in the loop: a `&mut` slice.
    pub write: bool,
}

/// The slices of one reverse loop.
pub struct Views {
    pub views: Vec<View>,
    /// Whether the body still reads the loop's index elsewhere (`tmp[i - 1]`, `x[i * d +
    /// j]`): then the index is computed from the offset at the top of each iteration.
    pub index_read: bool,
}

/// How a reverse loop's body reaches one sequence: at which variable each time (`None`: in
/// any other way), and whether it writes it.
#[derive(Default)]
struct Reach {
    at: Vec<Option<VarId>>,
    write: bool,
}

/// The sequences a reverse loop over a span (`a..b` by one, [`Analysis::spans`]) with
/// index `index` reaches only at `index`, or only at a counter its body steps back by one
/// before anything else but taking back saved values (`li = li - 1;`, with `reversed`: a
/// loop run last iteration first): [`View`]s. `terms` are the loop's partial-sum terms, printed in its body. Empty
/// when the body calls a pullback, branches or loops: only gradients declared, added into,
/// set and reset, and saved values taken back or computed again.
pub fn views(vars: &[Var], index: VarId, body: &[B], terms: &[E], reversed: bool) -> Views {
    // The counter's step undone before anything reads it (values popped first read none).
    let first_undo = body
        .iter()
        .position(|b| !matches!(b, B::Pop(_) | B::Restore(_) | B::Nop));
    let counter = match first_undo.map(|n| &body[n]) {
        Some(B::Undo(c, undo)) if reversed && steps_back_by_one(vars, *c, undo) => Some(*c),
        _ => None,
    };
    let at = |i: &Index| -> Option<VarId> {
        let [k] = i.0.as_slice() else { return None };
        let [read] = k.reads.as_slice() else {
            return None;
        };
        let plain = matches!(&k.expr, syn::Expr::Path(p) if p.path.is_ident(&vars[*read].ident));
        (i.1.is_empty() && plain && (*read == index || Some(*read) == counter)).then_some(*read)
    };
    let mut reach: BTreeMap<(VarId, bool), Reach> = BTreeMap::new();
    let mut recomputes = false;
    let mut note = |v: VarId, adjoint: bool, i: Option<&Index>, write: bool| {
        let r = reach.entry((v, adjoint)).or_default();
        r.at.push(i.and_then(at));
        r.write |= write;
    };
    for (n, b) in body.iter().enumerate() {
        match b {
            B::Undo(c, _) if Some(n) == first_undo && Some(*c) == counter => {}
            B::LetAdj(w, e) => {
                note(*w, true, None, true);
                e_reach(e, &mut note);
            }
            B::AddSum(_, e) => e_reach(e, &mut note),
            B::SetAdj(p, e) | B::AddAdj(p, e) => {
                place_reach(p, true, &mut note);
                e_reach(e, &mut note);
            }
            B::Kill(p) => place_reach(p, true, &mut note),
            B::LetUp(p) => place_reach(p, false, &mut note),
            B::ZeroAdj(w) => note(*w, true, None, true),
            // Saved values taken back: a float, or elements of a sequence written as a
            // whole (never through a slice).
            B::Pop(_) | B::Restore(_) | B::Nop => {}
            B::RestoreElem(v, _) | B::Unpush(v) | B::RestoreSlice(Snapshot { var: v, .. }) => {
                note(*v, false, None, true)
            }
            // A value computed again reads its operands as written (shared, as a slice's).
            B::Recompute(..) => recomputes = true,
            _ => {
                return Views {
                    views: Vec::new(),
                    index_read: true,
                };
            }
        }
    }
    for e in terms {
        e_reach(e, &mut note);
    }
    let views: Vec<View> = reach
        .into_iter()
        .filter(|((v, _), _)| vars[*v].kind == Kind::Seq)
        .filter_map(|((var, adjoint), r)| {
            let first = (*r.at.first()?)?;
            r.at.iter().all(|&a| a == Some(first)).then_some(View {
                var,
                adjoint,
                at: first,
                write: r.write,
            })
        })
        .collect();
    // Only a loop that writes a gradient through a slice gains from them: the compiler
    // checks reads of values it only reads well enough on its own (Rosenbrock's `x[i]`).
    if !views.iter().any(|v| v.adjoint && v.write) {
        return Views {
            views: Vec::new(),
            index_read: true,
        };
    }
    // Whether the index is still read once the slices take their accesses.
    let mut read = BTreeSet::new();
    let mut reads = |v: VarId, adjoint: bool, i: Option<&Index>, _: bool| {
        if let Some(i) = i
            && !views.iter().any(|w| w.var == v && w.adjoint == adjoint)
        {
            read.extend(i.reads().copied());
        }
    };
    for b in body {
        match b {
            B::LetAdj(_, e) | B::AddSum(_, e) => e_reach(e, &mut reads),
            B::SetAdj(p, e) | B::AddAdj(p, e) => {
                place_reach(p, true, &mut reads);
                e_reach(e, &mut reads);
            }
            B::Kill(p) | B::LetUp(p) => place_reach(p, true, &mut reads),
            // (Never sliced: written as a whole.)
            B::RestoreElem(v, i) => reads(*v, false, Some(i), true),
            B::RestoreSlice(Snapshot { var, lo, hi }) => {
                for bound in [lo, hi] {
                    reads(*var, false, Some(&Index::one(bound.clone())), true);
                }
            }
            _ => {}
        }
    }
    for e in terms {
        e_reach(e, &mut reads);
    }
    Views {
        index_read: recomputes || read.contains(&index),
        views,
    }
}

/// Whether `undo` is `c - 1`.
fn steps_back_by_one(vars: &[Var], c: VarId, undo: &syn::Expr) -> bool {
    let syn::Expr::Binary(b) = undo else {
        return false;
    };
    let one = matches!(&*b.right, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) if n.base10_digits() == "1");
    matches!(b.op, syn::BinOp::Sub(_))
        && one
        && matches!(&*b.left, syn::Expr::Path(p) if p.path.is_ident(&vars[c].ident))
}

/// The sequence a gradient's place reaches: `grad_v[i]` at `i`, `grad_v` whole otherwise.
fn place_reach(p: &Place, write: bool, note: &mut impl FnMut(VarId, bool, Option<&Index>, bool)) {
    match p {
        Place::Elem(v, i) => note(*v, true, Some(i), write),
        Place::Var(v) | Place::Part(v, _) => note(*v, true, None, write),
    }
}

/// The sequences an expression reaches, values and gradients.
fn e_reach(e: &E, note: &mut impl FnMut(VarId, bool, Option<&Index>, bool)) {
    match e {
        E::Elem(v, i) => note(*v, false, Some(i), false),
        E::AdjElem(v, i) => note(*v, true, Some(i), false),
        E::Var(v) => note(*v, false, None, false),
        E::Adj(v) | E::Up(v) => note(*v, true, None, false),
        // Tangents (forward over reverse prints no views) and calls: whole, in any way.
        E::Dot(v) | E::DotElem(v, _) | E::DotAdj(v) | E::DotAdjElem(v, _) | E::DotUp(v) => {
            note(*v, false, None, true);
            note(*v, true, None, true);
        }
        E::Apply(v, _) => note(*v, false, None, true),
        // An integer read in a constant (`i as f64`): no sequence, but a read of the index.
        E::Konst(k) => {
            for &v in &k.reads {
                note(v, false, Some(&Index::one(k.clone())), false);
            }
        }
        _ => {}
    }
    e.for_each_child(|c| e_reach(c, note));
}
