//! Gradients of arrays the forward pass overwrites whole, again and again (a Runge–Kutta
//! stage `k1` written at `[0]` and over `1..n` at every step, read by the next loop): each
//! contribution arrives where the gradient is known to be zero, so it is stored rather than
//! added, and the resets that made it zero are dropped. The backward pass then reads and
//! writes each such gradient once per step instead of three times.
//!
//! The argument is about the backward statements alone. Take one block (the body of the
//! reverse step loop, say) holding every statement that touches `grad_k`, which starts at
//! zero before the block first runs and is read nowhere after it. The statements that touch
//! it, in order and read round the block's repetitions, fall into phases: one loop adding at
//! its own element `grad_k[i + c]` over a range `R` (the same `R` in every phase), then
//! loops and single statements each reading elements and resetting them (`grad_k[i] = 0`),
//! over pieces that are disjoint and cover `R`. Every element of `R` is then added to once
//! and read then reset once per phase: the addition always finds zero (the block's start, or
//! the reset before it), and what a reset wrote is never read before the next phase's
//! addition, now a store, overwrites it. Elements outside `R` are never added to and stay
//! zero either way. Ranges are compared as symbols: `n` is what its one `let n = x.len();`
//! says, `x.len()` of a sequence whose length nothing changes.

use super::views::literal;
use super::{B, Replay};
use crate::analysis::{self, Analysis};
use crate::ir::*;
use crate::lower::strip;
use crate::rules::{E, Place};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// Every eligible gradient's phases found, then rewritten.
pub(super) fn store_first(f: &Func, a: &Analysis, mut body: Vec<B>) -> Vec<B> {
    let facts = Facts::new(f, a);
    let scan = Scan {
        facts: &facts,
        memo: RefCell::new(HashMap::new()),
    };
    let mut edits = Vec::new();
    in_blocks(&scan, &body, &mut Vec::new(), &mut edits);
    for edit in edits {
        edit.apply(&mut body);
    }
    drop_nops(&mut body);
    body
}

/// The way from the function's backward statements to a block: at each step the position
/// of a loop or branch and which of its blocks (a loop's body or an `if`'s first: 0, an
/// `if`'s second: 1).
type Path = Vec<(usize, u8)>;

/// A rewrite found: in the block at `path`, statement `at`, for the gradient of `v`.
struct Edit {
    path: Path,
    at: usize,
    v: VarId,
    /// A loop's addition made a store (else a reset dropped).
    store: bool,
}

impl Edit {
    fn apply(&self, body: &mut [B]) {
        let mut block = body;
        for &(at, which) in &self.path {
            block = match &mut block[at] {
                B::For(_, _, inner) => inner,
                B::If(_, then, _) if which == 0 => then,
                B::If(_, _, other) => other,
                _ => unreachable!("a path leads through loops and branches"),
            };
        }
        let own = |p: &Place| matches!(p, Place::Elem(w, _) if *w == self.v);
        match &mut block[self.at] {
            B::For(_, _, inner) => {
                for b in inner.iter_mut() {
                    match b {
                        B::AddAdj(p, e) if self.store && own(p) => {
                            *b = B::SetAdj(p.clone(), e.clone());
                        }
                        B::Kill(p) if !self.store && own(p) => *b = B::Nop,
                        _ => {}
                    }
                }
            }
            kill => *kill = B::Nop,
        }
    }
}

/// Which statements of a block touch each gradient, found once per block.
struct Scan<'f> {
    facts: &'f Facts<'f>,
    memo: RefCell<HashMap<(*const B, usize), Rc<Mentions>>>,
}

/// For one block: the positions of the statements that read or write each gradient, and
/// of those that may touch any (a call adding into the parameters' gradients).
#[derive(Default)]
struct Mentions {
    by_var: HashMap<VarId, Vec<usize>>,
    any: Vec<usize>,
}

impl Scan<'_> {
    /// The statements of `stmts` touching `grad_v`, in order.
    fn touching(&self, stmts: &[B], v: VarId) -> Vec<usize> {
        let key = (stmts.as_ptr(), stmts.len());
        let found = self.memo.borrow().get(&key).cloned();
        let m = found.unwrap_or_else(|| {
            let m = Rc::new(mentions(stmts));
            self.memo.borrow_mut().insert(key, Rc::clone(&m));
            m
        });
        let mut at: Vec<usize> = m.by_var.get(&v).into_iter().flatten().copied().collect();
        at.extend(&m.any);
        at.sort_unstable();
        at.dedup();
        at
    }
}

/// [`Mentions`] of a block: each statement walked once.
fn mentions(stmts: &[B]) -> Mentions {
    fn adjoints(b: &B, out: &mut BTreeSet<VarId>, any: &mut bool) {
        let e_adjoints = |e: &E, out: &mut BTreeSet<VarId>| {
            let mut keys = Vec::new();
            super::e_keys(e, &mut keys);
            out.extend(keys.into_iter().filter_map(|k| match k {
                super::Key::Adj(w) => Some(w),
                super::Key::Primal(_) => None,
            }));
        };
        match b {
            B::LetAdj(w, e) | B::AddSum(w, e) => {
                out.insert(*w);
                e_adjoints(e, out);
            }
            B::ZeroAdj(w) | B::Unpush(w) | B::Repush(w) => {
                out.insert(*w);
            }
            B::SetAdj(p, e) | B::AddAdj(p, e) => {
                out.insert(p.var());
                e_adjoints(e, out);
            }
            B::Kill(p) | B::LetUp(p) => {
                out.insert(p.var());
            }
            B::LetGrads(_, e) => e_adjoints(e, out),
            B::PullInto(..) => *any = true,
            B::If(c, t, e) => {
                e_adjoints(c, out);
                t.iter().chain(e).for_each(|b| adjoints(b, out, any));
            }
            B::For(_, _, body) => body.iter().for_each(|b| adjoints(b, out, any)),
            _ => {}
        }
    }
    let mut m = Mentions::default();
    for (at, b) in stmts.iter().enumerate() {
        let (mut found, mut any) = (BTreeSet::new(), false);
        adjoints(b, &mut found, &mut any);
        for w in found {
            m.by_var.entry(w).or_default().push(at);
        }
        if any {
            m.any.push(at);
        }
    }
    m
}

/// The gradients declared in `stmts` (`B::ZeroAdj`, zero from there to the block's end,
/// which they do not outlive), and those of the blocks inside.
fn in_blocks<'b>(scan: &Scan<'_>, stmts: &'b [B], path: &mut Path, edits: &mut Vec<Edit>) {
    for (at, b) in stmts.iter().enumerate() {
        let blocks: Vec<&'b [B]> = match b {
            B::If(_, then, other) => vec![then, other],
            B::For(_, _, body) => vec![body],
            _ => continue,
        };
        for (which, inner) in blocks.into_iter().enumerate() {
            path.push((at, which as u8));
            in_blocks(scan, inner, path, edits);
            path.pop();
        }
    }
    for (start, b) in stmts.iter().enumerate() {
        let B::ZeroAdj(v) = *b else {
            continue;
        };
        let touching = scan.touching(stmts, v);
        if scan.facts.fresh.contains(&v) && touching.first() == Some(&start) {
            locate(scan, stmts, v, &touching[1..], path, edits);
        }
    }
}

/// The resets dropped (`B::Nop` in their places), in every block.
fn drop_nops(stmts: &mut Vec<B>) {
    stmts.retain(|b| !matches!(b, B::Nop));
    for b in stmts {
        match b {
            B::If(_, then, other) => {
                drop_nops(then);
                drop_nops(other);
            }
            B::For(_, _, body) => drop_nops(body),
            _ => {}
        }
    }
}

/// Finds the block holding every statement that touches `grad_v` (`touching`, positions
/// in `stmts`) and its phases: `stmts` itself, or the one loop body or branch among them
/// holding them all.
fn locate<'b>(
    scan: &Scan<'_>,
    stmts: &'b [B],
    v: VarId,
    touching: &[usize],
    path: &mut Path,
    edits: &mut Vec<Edit>,
) {
    if let Some(found) = phases(scan, stmts, v, touching) {
        let edit = |at: usize, store: bool| Edit {
            path: path.clone(),
            at,
            v,
            store,
        };
        edits.extend(found.adds.iter().map(|&at| edit(at, true)));
        edits.extend(found.resets.iter().map(|&at| edit(at, false)));
        return;
    }
    let [k] = touching[..] else {
        return;
    };
    let blocks: Vec<&'b [B]> = match &stmts[k] {
        B::For(_, _, body) => vec![body],
        B::If(cond, then, other) if !super::loops::reads_adj(cond, v) => vec![then, other],
        _ => return,
    };
    let inside: Vec<(usize, Vec<usize>)> = blocks
        .iter()
        .map(|inner| scan.touching(inner, v))
        .enumerate()
        .filter(|(_, at)| !at.is_empty())
        .collect();
    if let [(which, at)] = &inside[..] {
        path.push((k, *which as u8));
        locate(scan, blocks[*which], v, at, path, edits);
        path.pop();
    }
}

/// What one statement of the block does with `grad_v`.
enum Event {
    /// A loop adding at its own element over `range`: statement `at`.
    Add { at: usize, range: Interval },
    /// Elements read, then reset: a loop (statement `at`) or a single element reset by
    /// statement `at` after the statements before it read it.
    Reset { at: usize, range: Interval },
}

/// The additions that become stores and the resets dropped: positions in the block.
struct Phases {
    adds: Vec<usize>,
    resets: Vec<usize>,
}

/// The block's statements touching `grad_v` as phases, when they are (see the module's
/// comment); `None` when anything else touches it.
fn phases(scan: &Scan<'_>, stmts: &[B], v: VarId, touching: &[usize]) -> Option<Phases> {
    let facts = scan.facts;
    let owner = facts.f.vars[v].scope;
    let mut events = Vec::new();
    // A single element read by statements waiting for its reset: its index.
    let mut pending: Option<Index> = None;
    for &at in touching {
        let b = &stmts[at];
        match b {
            B::For(Some(i), Replay::Rev(r) | Replay::Forward(r), body) if pending.is_none() => {
                let steps = facts.steps(*r, owner)?;
                let inside = scan.touching(body, v);
                let inside: Vec<&B> = inside.iter().map(|&k| &body[k]).collect();
                events.push(loop_event(facts, &inside, v, *i, steps, at)?);
            }
            B::Kill(Place::Elem(w, index)) if *w == v => {
                if pending.as_ref().is_some_and(|p| p.text() != index.text()) {
                    return None;
                }
                pending = None;
                let point = facts.sym(index.single()?, owner)?;
                let range = Interval {
                    hi: point.plus(1),
                    lo: point,
                };
                events.push(Event::Reset { at, range });
            }
            _ => {
                let index = reads_at(b, v)?;
                if pending.as_ref().is_some_and(|p| p.text() != index.text()) {
                    return None;
                }
                pending = Some(index);
            }
        }
    }
    if pending.is_some() {
        return None;
    }
    // Round the block's repetitions: from its first addition.
    let first = events.iter().position(|e| matches!(e, Event::Add { .. }))?;
    events.rotate_left(first);
    let mut found = Phases {
        adds: Vec::new(),
        resets: Vec::new(),
    };
    let mut common: Option<Interval> = None;
    let mut pieces: Vec<Interval> = Vec::new();
    let close = |range: &Option<Interval>, pieces: &mut Vec<Interval>| -> Option<()> {
        if let Some(range) = range {
            covers(pieces, range).then_some(())?;
        }
        pieces.clear();
        Some(())
    };
    // Whether the last event was an addition: a phase's first one is a store, those after
    // it add to what it stored, within its range.
    let mut adding = false;
    for e in events {
        match e {
            Event::Add { range, .. } if adding => {
                let within = common
                    .as_ref()
                    .is_some_and(|c| c.lo.le(&range.lo) && range.hi.le(&c.hi));
                within.then_some(())?;
            }
            Event::Add { at, range } => {
                close(&common, &mut pieces)?;
                if common.as_ref().is_some_and(|c| *c != range) {
                    return None;
                }
                common = Some(range);
                found.adds.push(at);
                adding = true;
            }
            Event::Reset { at, range } => {
                pieces.push(range);
                found.resets.push(at);
                adding = false;
            }
        }
    }
    close(&common, &mut pieces)?;
    Some(found)
}

/// A reverse loop over `steps` whose statements `touching` touch `grad_v`: one addition at
/// its own element and nothing else of it, or reads of its own element followed by the
/// element's reset.
fn loop_event(
    facts: &Facts,
    touching: &[&B],
    v: VarId,
    i: VarId,
    steps: Interval,
    at: usize,
) -> Option<Event> {
    let index = &facts.f.vars[i].ident;
    if let [B::AddAdj(Place::Elem(w, place), e)] = touching[..]
        && *w == v
        && !super::loops::reads_adj(e, v)
    {
        let shift = shifted(place, index)?;
        return Some(Event::Add {
            at,
            range: steps.shift(shift),
        });
    }
    let (last, before) = touching.split_last()?;
    let B::Kill(Place::Elem(w, place)) = last else {
        return None;
    };
    if *w != v {
        return None;
    }
    let shift = shifted(place, index)?;
    for b in before {
        if reads_at(b, v)?.text() != place.text() {
            return None;
        }
    }
    Some(Event::Reset {
        at,
        range: steps.shift(shift),
    })
}

/// The one element of `grad_v` a statement reads, when it reads only that one and writes
/// nothing of `grad_v` (`grad_x[0] += grad_k[0];`, `let g = grad_k[i];`).
fn reads_at(b: &B, v: VarId) -> Option<Index> {
    fn collect(e: &E, v: VarId, out: &mut Vec<Option<Index>>) {
        match e {
            E::AdjElem(w, i) if *w == v => out.push(Some(i.clone())),
            E::Adj(w) | E::DotAdj(w) | E::DotAdjElem(w, _) if *w == v => out.push(None),
            _ => e.for_each_child(|c| collect(c, v, out)),
        }
    }
    let mut found = Vec::new();
    match b {
        B::LetAdj(w, e) | B::AddSum(w, e) if *w != v => collect(e, v, &mut found),
        B::SetAdj(p, e) | B::AddAdj(p, e) if p.var() != v => collect(e, v, &mut found),
        B::LetGrads(_, e) => collect(e, v, &mut found),
        B::LetUp(Place::Elem(w, i)) if *w == v => found.push(Some(i.clone())),
        _ => return None,
    }
    let first = found.first()?.clone()?;
    found
        .iter()
        .all(|i| i.as_ref().is_some_and(|i| i.text() == first.text()))
        .then_some(first)
}

/// `i + c`, `c + i` or `i - c` with `c` an integer literal (or `i` alone): `c`.
fn shifted(at: &Index, index: &syn::Ident) -> Option<i64> {
    fn offset(e: &syn::Expr, index: &syn::Ident) -> Option<i64> {
        match e {
            syn::Expr::Path(p) if p.path.is_ident(index) => Some(0),
            syn::Expr::Paren(p) => offset(&p.expr, index),
            syn::Expr::Group(g) => offset(&g.expr, index),
            syn::Expr::Binary(b) => match b.op {
                syn::BinOp::Add(_) => match (literal(&b.left), literal(&b.right)) {
                    (Some(c), None) => Some(offset(&b.right, index)? + c),
                    (None, Some(c)) => Some(offset(&b.left, index)? + c),
                    _ => None,
                },
                syn::BinOp::Sub(_) => Some(offset(&b.left, index)? - literal(&b.right)?),
                _ => None,
            },
            _ => None,
        }
    }
    offset(&at.single()?.expr, index)
}

/// A symbolic integer: a base (`x.len()`, a parameter `n`) plus a constant, or a constant.
#[derive(Clone, PartialEq, Eq)]
struct Sym {
    base: Option<String>,
    at: i64,
}

impl Sym {
    fn plus(&self, c: i64) -> Sym {
        Sym {
            base: self.base.clone(),
            at: self.at + c,
        }
    }

    /// Whether `self ≤ other` for every value of the base.
    fn le(&self, other: &Sym) -> bool {
        self.base == other.base && self.at <= other.at
    }
}

/// `lo..hi`, empty when `hi ≤ lo`.
#[derive(Clone, PartialEq, Eq)]
struct Interval {
    lo: Sym,
    hi: Sym,
}

impl Interval {
    fn shift(&self, c: i64) -> Interval {
        Interval {
            lo: self.lo.plus(c),
            hi: self.hi.plus(c),
        }
    }
}

/// Whether `pieces` are disjoint and cover `range`: chained end to start (`[0]`, then
/// `1..n`), from at most `range.lo` to at least `range.hi`. Two chained pieces are disjoint
/// whatever their ends; more need their inner ends in order.
fn covers(pieces: &[Interval], range: &Interval) -> bool {
    let mut rest: Vec<&Interval> = pieces.iter().collect();
    let Some(start) = rest.iter().position(|p| p.lo.le(&range.lo)) else {
        return false;
    };
    let mut chain = vec![rest.remove(start)];
    while let Some(next) = rest
        .iter()
        .position(|p| Some(&p.lo) == chain.last().map(|c| &c.hi))
    {
        chain.push(rest.remove(next));
    }
    let ordered = chain.windows(2).skip(1).all(|w| w[0].lo.le(&w[1].lo));
    rest.is_empty() && ordered && chain.last().is_some_and(|last| range.hi.le(&last.hi))
}

/// What the rewrite needs to know of the forward pass.
struct Facts<'a> {
    f: &'a Func,
    /// Sequences of floats made in the body (`vec![0.0; n]`), not parameters, not the
    /// result: their gradients are the pullback's own.
    fresh: BTreeSet<VarId>,
    /// Each loop's range variable: its steps (`steps(1..x.len())`).
    steps: HashMap<VarId, &'a Konst>,
    /// Variables bound by `let` to a constant expression: the expression.
    defs: HashMap<VarId, &'a Konst>,
    /// Variables some statement binds again or changes (a method call, a `&mut` borrow),
    /// element writes aside.
    changed: BTreeSet<VarId>,
    /// Sequences whose length some statement changes.
    resized: BTreeSet<VarId>,
}

impl<'a> Facts<'a> {
    fn new(f: &'a Func, a: &Analysis) -> Facts<'a> {
        let mut facts = Facts {
            f,
            fresh: BTreeSet::new(),
            steps: HashMap::new(),
            defs: HashMap::new(),
            changed: BTreeSet::new(),
            resized: BTreeSet::new(),
        };
        let vars = &f.vars;
        let mut changed = BTreeSet::new();
        // What an expression changes: the items it takes (`it.next()`), what it lends
        // `&mut`; evaluated for its effect, any receiver of a method (`v.truncate(2)`).
        let mut effects = |k: &Konst, changed: &mut BTreeSet<VarId>, eval: bool| {
            changed.extend(k.advanced(vars));
            if eval {
                changed.extend(k.mutated(vars));
                facts.resized.extend(k.resized(vars));
            }
        };
        analysis::walk(&f.body, &mut |stmt, _| match stmt {
            Stmt::Let { var, op, .. } => {
                if let Op::Konst(k) = op {
                    effects(k, &mut changed, false);
                    facts.defs.insert(*var, k);
                }
                if vars[*var].kind == Kind::Seq
                    && vars[*var].param.is_none()
                    && *var != a.result
                    && matches!(op, Op::Konst(_) | Op::List { .. })
                {
                    facts.fresh.insert(*var);
                }
            }
            Stmt::Declare { var } | Stmt::Assign { var, .. } => {
                changed.insert(*var);
                if let Stmt::Assign {
                    op: Op::Konst(k), ..
                } = stmt
                {
                    effects(k, &mut changed, false);
                }
            }
            // Elements written: the length stays.
            Stmt::SetElem { .. } | Stmt::Break => {}
            Stmt::Eval(k) => effects(k, &mut changed, true),
            Stmt::If { cond, .. } => effects(cond, &mut changed, false),
            Stmt::Loop { head, body, .. } => match head {
                LoopHead::Range { var, steps } => {
                    changed.extend(*var);
                    let control = a.control.get(&body.scope);
                    if let Some(range) = control.and_then(|c| c.range) {
                        facts.steps.insert(range, steps);
                    }
                }
                LoopHead::Iter { var, iter } => {
                    changed.extend(*var);
                    effects(iter, &mut changed, false);
                }
                LoopHead::While { cond } => effects(cond, &mut changed, false),
                LoopHead::Infinite => {}
            },
        });
        facts.changed = changed;
        // A gradient that grows and shrinks with its sequence is left as it is.
        let resized = &facts.resized;
        facts.fresh.retain(|v| !resized.contains(v));
        facts
    }

    /// A range variable's steps as an interval: `steps(lo..hi)` or `steps(lo..=hi)`.
    fn steps(&self, range: VarId, owner: ScopeId) -> Option<Interval> {
        let k = self.steps.get(&range)?;
        let syn::Expr::Call(call) = &k.expr else {
            return None;
        };
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        let [arg] = call.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        if p.path.segments.last().is_none_or(|s| s.ident != "steps") {
            return None;
        }
        let syn::Expr::Range(r) = strip(arg) else {
            return None;
        };
        let lo = self.sym_in(r.start.as_deref()?, k, 0, owner)?;
        let hi = self.sym_in(r.end.as_deref()?, k, 0, owner)?;
        let hi = match r.limits {
            syn::RangeLimits::HalfOpen(_) => hi,
            syn::RangeLimits::Closed(_) => hi.plus(1),
        };
        Some(Interval { lo, hi })
    }

    /// An index as a symbol, for a gradient declared in block `owner`.
    fn sym(&self, k: &Konst, owner: ScopeId) -> Option<Sym> {
        self.sym_in(&k.expr, k, 0, owner)
    }

    /// `e`, an expression of `k` (whose reads name its variables), as a symbol that has one
    /// value while a gradient declared in block `owner` lives: literals, sums and
    /// differences with a literal, and variables bound in `owner` or a block around it
    /// (each bound once per pass of that block, then, and never changed): a `let n = ..`
    /// as its expression, another variable (a parameter) as itself, `x.len()` of a
    /// sequence whose length nothing changes.
    fn sym_in(&self, e: &syn::Expr, k: &Konst, depth: usize, owner: ScopeId) -> Option<Sym> {
        if depth > 8 {
            return None;
        }
        if let Some(c) = literal(e) {
            return Some(Sym { base: None, at: c });
        }
        let var = |p: &syn::Expr| -> Option<VarId> {
            let syn::Expr::Path(p) = strip(p) else {
                return None;
            };
            let name = p.path.get_ident()?;
            k.reads
                .iter()
                .copied()
                .find(|&r| self.f.vars[r].ident == *name)
        };
        match strip(e) {
            syn::Expr::Binary(b) => {
                let (left, right) = (
                    self.sym_in(&b.left, k, depth + 1, owner)?,
                    self.sym_in(&b.right, k, depth + 1, owner)?,
                );
                match b.op {
                    syn::BinOp::Add(_) if right.base.is_none() => Some(left.plus(right.at)),
                    syn::BinOp::Add(_) if left.base.is_none() => Some(right.plus(left.at)),
                    syn::BinOp::Sub(_) if right.base.is_none() => Some(left.plus(-right.at)),
                    _ => None,
                }
            }
            syn::Expr::MethodCall(m) if m.method == "len" && m.args.is_empty() => {
                let v = var(&m.receiver)?;
                (self.fixed(v, owner) && !self.resized.contains(&v)).then(|| Sym {
                    base: Some(format!("{}.len()", self.f.vars[v].ident)),
                    at: 0,
                })
            }
            p @ syn::Expr::Path(_) => {
                let v = var(p)?;
                if !self.fixed(v, owner) {
                    return None;
                }
                let def = self.defs.get(&v);
                if let Some(known) = def.and_then(|d| self.sym_in(&d.expr, d, depth + 1, owner)) {
                    return Some(known);
                }
                Some(Sym {
                    base: Some(self.f.vars[v].ident.to_string()),
                    at: 0,
                })
            }
            _ => None,
        }
    }
}

impl Facts<'_> {
    /// Whether `v` has one value while a gradient declared in block `owner` lives: bound in
    /// that block or one around it, and never changed.
    fn fixed(&self, v: VarId, owner: ScopeId) -> bool {
        let mut scope = Some(owner);
        while let Some(s) = scope {
            if s == self.f.vars[v].scope {
                return !self.changed.contains(&v);
            }
            scope = self.f.scopes[s].parent;
        }
        false
    }
}
