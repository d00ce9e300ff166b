//! Slices a loop reads and writes in place of the sequences it indexes: a reverse loop
//! ([`views`]), or a loop of the forward pass that only computes values ([`forward_views`]).
//!
//! The reverse of `for r in a + 1..d { qx[r] += l[li] * s2; li += 1; }` reaches `grad_qx`
//! only at `r` and `grad_l` and `l` only at `li`, which it steps back by one each
//! iteration. Over the offsets `t` of `a + 1..d` those elements are `grad_qx[a + 1..d][t]`
//! and `grad_l[li - len..li][t]`: sliced once before the loop (`&grad_qx[first..][..len]`),
//! indexed by the offset, each access needs no bounds check of its own, and the compiler
//! can keep the loop's sums in registers instead of testing every index (gmm's triangular
//! product). Every element the slices cover was reached by the forward loop, so a slice is
//! in bounds whenever the forward pass was. The forward loop itself goes the same way.

use super::*;
use crate::lower::{mentions, strip};
use quote::ToTokens;

/// The value of an integer literal (`1`, `2usize`).
pub(super) fn literal(e: &syn::Expr) -> Option<i64> {
    match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) => n.base10_parse().ok(),
        _ => None,
    }
}

/// A sequence (its value or its gradient) a reverse loop reaches only at one place per
/// iteration.
#[derive(Clone)]
pub struct View {
    pub var: VarId,
    /// The gradient `grad_v` (else the value `v`).
    pub adjoint: bool,
    /// Where it is reached: the loop's index, or a counter the loop steps back by one, with
    /// an offset; the literal offsets of all its accesses span `lo..=hi` (`x[i]` and
    /// `x[i + 1]`: a slice one longer than the loop, `x_span[i_offset + 1]`).
    pub at: At,
    pub lo: i64,
    pub hi: i64,
    /// Each access as written, with its literal offset.
    pub texts: Vec<(String, i64)>,
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

/// How a reverse loop's body reaches one sequence: where each time (`None`: in any other
/// way), and whether it writes it.
#[derive(Default)]
struct Reach {
    at: Vec<Option<At>>,
    write: bool,
}

/// An element at the loop's index or counter, plus or minus an offset the loop does not
/// change: `r`, `li`, `r + 1`, `r - 1`, `c * d + r`; of a nested sequence, in a row the
/// loop does not change (`w[o][r]`, `layers[l].w[o][r]`: the prefix `[o]`, `[l].w[o]`).
#[derive(Clone)]
pub struct At {
    /// The levels before the last and the fields between them: the row the element is in
    /// (empty for a flat sequence).
    pub prefix: Index,
    /// The loop's index or the counter.
    pub at: VarId,
    /// `(true, e)` for `at + e` (or `e + at`), `(false, e)` for `at - e`: an offset that is
    /// not a literal.
    pub offset: Option<(bool, syn::Expr)>,
    /// A literal offset: `1` in `r + 1`, `-1` in `r - 1`.
    pub konst: i64,
    /// The index as written, to recognize it when printing.
    pub text: String,
}

impl At {
    /// The offset that is not a literal, as written (`None` for none).
    fn offset_text(&self) -> Option<(bool, String)> {
        self.offset
            .as_ref()
            .map(|(add, e)| (*add, e.to_token_stream().to_string()))
    }

    /// The row as written, to recognize it when printing.
    pub fn prefix_text(&self) -> String {
        self.prefix.to_token_stream().to_string()
    }

    /// Whether `other` reaches the same slice: the same row, the same step and offset.
    fn same_slice(&self, other: &At) -> bool {
        self.at == other.at
            && self.offset_text() == other.offset_text()
            && self.prefix_text() == other.prefix_text()
    }
}

/// The sequences a reverse loop over a span (`a..b` by one, [`Analysis::spans`]) with
/// index `index` reaches only at `index`, or only at a counter its body steps back by one
/// before anything else but taking back saved values (`li = li - 1;`, with `reversed`: a
/// loop run last iteration first), at an offset the loop does not change ([`At`]):
/// [`View`]s. `terms` are the loop's partial-sum terms, printed in its body. Empty when the
/// body calls a pullback, branches or loops (only gradients declared, added into, set and
/// reset, and saved values taken back or computed again), or writes no gradient through a
/// slice.
pub fn views(vars: &[Var], index: VarId, body: &[B], terms: &[E], reversed: bool) -> Views {
    let none = Views {
        views: Vec::new(),
        index_read: true,
    };
    let (first_undo, counter) = undone_counter(vars, body, reversed);
    let place = Where {
        vars,
        index,
        counter,
        // What the body changes: an index that reads it is not at a fixed offset.
        written: body
            .iter()
            .filter_map(|b| match b {
                B::Pop(v) | B::Restore(v) | B::Recompute(v, _) | B::Undo(v, _) => Some(*v),
                _ => None,
            })
            .collect(),
    };
    let mut reach: BTreeMap<(VarId, bool), Reach> = BTreeMap::new();
    let mut note = |v: VarId, adjoint: bool, i: Option<&Index>, write: bool| {
        let r = reach.entry((v, adjoint)).or_default();
        r.at.push(i.and_then(|i| place.at(i)));
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
            // A value computed again reads values (shared borrows, as a slice of a value
            // is): its elements may come from the same slices.
            B::Recompute(_, op) => {
                for o in op.operands() {
                    match o {
                        Operand::Elem(v, i) => note(*v, false, Some(i), false),
                        Operand::Var(v) => note(*v, false, None, false),
                        Operand::Konst(_) => {}
                    }
                }
            }
            // Saved values taken back: a float, or elements of a sequence written as a
            // whole (never through a slice).
            B::Pop(_) | B::Restore(_) | B::Nop => {}
            B::RestoreElem(v, _) | B::RestoreSlice(Snapshot { var: v, .. }) => {
                note(*v, false, None, true)
            }
            // Taken off the values and the adjoint alike: neither through a slice.
            B::Unpush(v) | B::Repush(v) => {
                note(*v, false, None, true);
                note(*v, true, None, true);
            }
            _ => return none,
        }
    }
    for e in terms {
        e_reach(e, &mut note);
    }
    let views = views_of(vars, reach);
    // Only a loop that writes a gradient through a slice gains from them: the compiler
    // checks reads of values it only reads well enough on its own (Rosenbrock's `x[i]`).
    if !views.iter().any(|v| v.adjoint && v.write) {
        return none;
    }
    Views {
        index_read: index_read(index, body, terms, &views),
        views,
    }
}

/// The sequences reached only at one place each ([`At`], the same slice every time), from
/// how a loop's body reaches them.
fn views_of(vars: &[Var], reach: BTreeMap<(VarId, bool), Reach>) -> Vec<View> {
    reach
        .into_iter()
        .filter(|((v, _), _)| vars[*v].kind == Kind::Seq)
        .filter_map(|((var, adjoint), r)| {
            let keys: Vec<&At> = r.at.iter().map(|k| k.as_ref()).collect::<Option<_>>()?;
            let first = (*keys.first()?).clone();
            if !keys.iter().all(|k| k.same_slice(&first)) {
                return None;
            }
            let mut texts: Vec<(String, i64)> =
                keys.iter().map(|k| (k.text.clone(), k.konst)).collect();
            texts.sort();
            texts.dedup();
            Some(View {
                var,
                adjoint,
                lo: keys.iter().map(|k| k.konst).min()?,
                hi: keys.iter().map(|k| k.konst).max()?,
                at: first,
                texts,
                write: r.write,
            })
        })
        .collect()
}

/// The slices of a loop of the forward pass over a span (`a..b` by one) with index
/// `index`, whose body only computes values and sets elements (no call, branch, loop or
/// `break`): the sequences it reaches only at `index`, or only at a counter its last
/// statement steps forward by one (`li = li + 1;`, the counter's only change), at an offset
/// the loop does not change ([`At`]), one of them written; with the positions of the
/// definitions of floats (`let`) computed from nothing the loop changes, which may move
/// before it (gmm's `let s2 = x[i * d + a] - mu[c * d + a];`: the compiler keeps their
/// bounds checks in the loop, and with them the loop unvectorized). `None` when it writes
/// no sequence so.
///
/// gmm's `for r in a + 1..d { qx[r] += l[li] * s2; li += 1; }` then runs over the
/// offsets of `&mut qx[first..][..len]` and `&l[li..][..len]`: no bounds check per element,
/// and the compiler vectorizes it as it does the reverse's. Every element a slice covers is
/// one an iteration reaches, so a slice is in bounds whenever the loop as written is (a loop
/// that would index out of bounds panics before its first iteration instead of during one).
pub fn forward_views(vars: &[Var], index: VarId, body: &[Stmt]) -> Option<(Views, Vec<usize>)> {
    let counter = stepped_counter(vars, body);
    // Each sequence's accesses (`None`: whole, or in a constant), and whether one writes.
    let mut accesses: BTreeMap<VarId, (Vec<Option<&Index>>, bool)> = BTreeMap::new();
    let (mut written, mut read) = (BTreeSet::new(), BTreeSet::new());
    for s in body {
        let (target, op) = match s {
            Stmt::Let { var, op, .. } | Stmt::Assign { var, op, .. } => (*var, op),
            Stmt::SetElem { var, index, op, .. } => {
                let a = accesses.entry(*var).or_default();
                a.0.push(Some(index));
                a.1 = true;
                (*var, op)
            }
            _ => return None,
        };
        use Op::*;
        if !matches!(
            op,
            Konst(_) | Copy(_) | Neg(_) | Bin(..) | Math(..) | Cast(..)
        ) {
            return None;
        }
        written.insert(target);
        let konst = match op {
            Konst(k) => Some(k),
            _ => None,
        };
        let operands = op.operands().into_iter().map(|o| match o {
            Operand::Elem(v, i) => (vec![*v], Some(i)),
            Operand::Var(v) => (vec![*v], None),
            Operand::Konst(k) => (k.reads.clone(), None),
        });
        let konst = konst.map(|k| (k.reads.clone(), None));
        for (vs, i) in operands.chain(konst) {
            if i.is_none() {
                read.extend(vs.iter().copied());
            }
            for v in vs {
                accesses.entry(v).or_default().0.push(i);
            }
        }
    }
    // The counter changes nowhere else.
    let steps = body.iter().filter(|s| match s {
        Stmt::Let { var, .. } | Stmt::Assign { var, .. } => Some(*var) == counter,
        _ => false,
    });
    if counter.is_some() && steps.count() != 1 {
        return None;
    }
    let fixed = fixed_definitions(vars, index, body, &written);
    let place = Where {
        vars,
        index,
        counter,
        written,
    };
    let reach = accesses
        .iter()
        .map(|(&v, (at, write))| {
            let at = at.iter().map(|i| i.and_then(|i| place.at(i))).collect();
            ((v, false), Reach { at, write: *write })
        })
        .collect();
    let views = views_of(vars, reach);
    // The index read anywhere but in the sliced accesses.
    for (v, (at, _)) in &accesses {
        if !views.iter().any(|w| w.var == *v) {
            read.extend(at.iter().flatten().flat_map(|i| i.reads().copied()));
        }
    }
    // As in the reverse, only a loop that writes through a slice gains from them (its
    // stores then vectorize); reads alone the compiler checks well enough.
    if !views.iter().any(|v| v.write) {
        return None;
    }
    let views = Views {
        views,
        index_read: read.contains(&index),
    };
    Some((views, fixed))
}

/// The counter a forward loop's last statement steps forward by one: `li = li + 1`.
fn stepped_counter(vars: &[Var], body: &[Stmt]) -> Option<VarId> {
    let one = |o: &Operand| matches!(o, Operand::Konst(k) if literal(&k.expr) == Some(1));
    // `li = li + 1`, as arithmetic or as an integer's constant expression.
    match body.last() {
        Some(Stmt::Assign {
            var,
            op: Op::Bin(BinOp::Add, Operand::Var(c), step),
            ..
        }) if var == c && one(step) => Some(*c),
        Some(Stmt::Assign {
            var,
            op: Op::Konst(k),
            ..
        }) if steps_by_one(vars, *var, &k.expr, syn::BinOp::Add(Default::default())) => Some(*var),
        _ => None,
    }
}

/// The positions of a forward loop's definitions of floats computed from nothing it changes
/// (`written`, its index), in order: each may read the ones before.
fn fixed_definitions(
    vars: &[Var],
    index: VarId,
    body: &[Stmt],
    written: &BTreeSet<VarId>,
) -> Vec<usize> {
    let mut moving = written.clone();
    moving.insert(index);
    let mut fixed = Vec::new();
    // What the loop changes besides defining it.
    let changed: BTreeSet<VarId> = body
        .iter()
        .filter_map(|t| match t {
            Stmt::Assign { var, .. } | Stmt::SetElem { var, .. } => Some(*var),
            _ => None,
        })
        .collect();
    for (n, s) in body.iter().enumerate() {
        if let Stmt::Let { var, op, .. } = s
            && vars[*var].kind == Kind::Float
            && matches!(
                op,
                Op::Copy(_) | Op::Neg(_) | Op::Cast(..) | Op::Bin(..) | Op::Math(..)
            )
            && !op.reads().iter().any(|r| moving.contains(r))
            && !changed.contains(var)
        {
            moving.remove(var);
            fixed.push(n);
        }
    }
    fixed
}

/// The counter a reverse loop's body steps back by one before anything reads it (values
/// popped first read none), and where: the forward loop stepped it at its end.
fn undone_counter(vars: &[Var], body: &[B], reversed: bool) -> (Option<usize>, Option<VarId>) {
    let first = body
        .iter()
        .position(|b| !matches!(b, B::Pop(_) | B::Restore(_) | B::Nop));
    match first.map(|n| &body[n]) {
        Some(B::Undo(c, undo)) if reversed && steps_back_by_one(vars, *c, undo) => {
            (first, Some(*c))
        }
        _ => (first, None),
    }
}

/// Where the elements a loop reaches are, relative to its index and counter.
struct Where<'a> {
    vars: &'a [Var],
    index: VarId,
    counter: Option<VarId>,
    /// What the loop's body changes.
    written: BTreeSet<VarId>,
}

impl Where<'_> {
    fn keyed(&self, v: VarId) -> bool {
        v == self.index || Some(v) == self.counter
    }

    fn is(&self, e: &syn::Expr, v: VarId) -> bool {
        let ident = &self.vars[v].ident;
        matches!(strip(e), syn::Expr::Path(p) if p.path.is_ident(ident))
    }

    /// `r`, `li`, `r + e`, `e + r` or `r - e` with `e` the same in every iteration (a
    /// literal, or an expression of what the loop does not change), in a row of a nested
    /// sequence the loop does not change: the element's [`At`].
    fn at(&self, i: &Index) -> Option<At> {
        let (k, rows) = i.0.split_last()?;
        // A field of the element itself (`ps[r].x`) is not in a slice of floats.
        if i.1.iter().any(|(level, _)| *level >= i.0.len()) {
            return None;
        }
        let moves = |v: &VarId| self.keyed(*v) || self.written.contains(v);
        if rows.iter().flat_map(|k| &k.reads).any(moves) {
            return None;
        }
        let prefix = Index(rows.to_vec(), i.1.clone());
        let at = |at: VarId, offset: Option<(bool, syn::Expr)>, konst: i64| At {
            prefix: prefix.clone(),
            at,
            offset,
            konst,
            text: k.expr.to_token_stream().to_string(),
        };
        if let Some(&v) = k
            .reads
            .iter()
            .find(|&&v| self.keyed(v) && self.is(&k.expr, v))
        {
            return Some(at(v, None, 0));
        }
        let syn::Expr::Binary(b) = strip(&k.expr) else {
            return None;
        };
        let add = match b.op {
            syn::BinOp::Add(_) => true,
            syn::BinOp::Sub(_) => false,
            _ => return None,
        };
        let (v, e) = k.reads.iter().filter(|&&v| self.keyed(v)).find_map(|&v| {
            if self.is(&b.left, v) {
                Some((v, &*b.right))
            } else if add && self.is(&b.right, v) {
                Some((v, &*b.left))
            } else {
                None
            }
        })?;
        let names_step = [self.index]
            .iter()
            .chain(&self.counter)
            .any(|&v| mentions(&e.to_token_stream(), &self.vars[v].ident));
        let fixed = k
            .reads
            .iter()
            .all(|&w| w == v || !self.written.contains(&w));
        if !fixed || names_step {
            return None;
        }
        Some(match literal(e) {
            Some(n) => at(v, None, if add { n } else { -n }),
            None => at(v, Some((add, e.clone())), 0),
        })
    }
}

/// Whether a loop's body reads its index anywhere but in the accesses its slices take
/// (`tmp[i - 1]` of a sequence not sliced, `i as f64`, a value computed again).
fn index_read(index: VarId, body: &[B], terms: &[E], views: &[View]) -> bool {
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
            // A value computed again: its operands, and a constant's reads.
            // (A field read, a call or an array operation may name the index in ways its
            // operands do not show: read, to be safe.)
            B::Recompute(_, Op::Field(_) | Op::Call(_) | Op::List { .. } | Op::Dot(..))
            | B::Recompute(_, Op::Reduce(..)) => return true,
            B::Recompute(_, op) => {
                let konst = match op {
                    Op::Konst(k) => Some(k),
                    _ => None,
                };
                let operands = op.operands().into_iter().filter_map(|o| match o {
                    Operand::Elem(v, i) => Some((*v, i.clone())),
                    Operand::Konst(k) => Some((VarId::MAX, Index::one(k.clone()))),
                    Operand::Var(_) => None,
                });
                let konst = konst.map(|k| (VarId::MAX, Index::one(k.clone())));
                for (v, i) in operands.chain(konst) {
                    reads(v, false, Some(&i), false);
                }
            }
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
    read.contains(&index)
}

/// Whether `undo` is `c - 1`.
fn steps_back_by_one(vars: &[Var], c: VarId, undo: &syn::Expr) -> bool {
    steps_by_one(vars, c, undo, syn::BinOp::Sub(Default::default()))
}

/// Whether `e` is `c - 1` (`op` a subtraction) or `c + 1` (an addition).
fn steps_by_one(vars: &[Var], c: VarId, e: &syn::Expr, op: syn::BinOp) -> bool {
    let syn::Expr::Binary(b) = strip(e) else {
        return false;
    };
    let one = match &*b.right {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) => n.base10_digits() == "1",
        _ => false,
    };
    std::mem::discriminant(&b.op) == std::mem::discriminant(&op)
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
