//! Element writes whose old value no backward rule reads: they save nothing.
//!
//! An array some backward rule reads is saved at its element writes, so that the reverse
//! sweep can give each rule the values the array had where the rule's operation ran. A
//! write destroys only values that rules *before* it read: in program order, or anywhere in
//! a loop around both, whose next iteration comes after. When the first rule that reads the
//! array comes after the write, and after the outermost loop around the write, nothing reads
//! what the write destroys, and the reverse need not restore it:
//!
//! ```text
//! let mut rotated = [0.0; 3];
//! if theta != 0.0 { for i in 0..3 { rotated[i] = .. } } else { rotated[0] = ..; .. }
//! let px = rotated[0] / rotated[2];   // the first rule reading `rotated`
//! ```
//!
//! saves nothing (it saved the three zeros). The reverse sweep still sees the right values
//! everywhere: it reads the array only at rules after every such write, where the array holds
//! what later writes (saved, and restored in reverse) left.
//!
//! Decided per variable and block: a block's writes of a variable save nothing when all of
//! them can. Writes inside a loop are all decided alike (by the outermost loop's end).

use super::*;

/// Element writes that save nothing, as `(variable, block)`: every element write of the
/// variable directly in that block.
pub type Unread = BTreeSet<(VarId, ScopeId)>;

/// The element writes of the variables in `saved` (those some rule reads) that destroy no
/// value a rule reads.
pub(super) fn plan(f: &Func, active: &[bool], saved: &[bool]) -> Unread {
    let mut scan = Scan {
        first_read: vec![usize::MAX; f.vars.len()],
        ..Scan::default()
    };
    scan.block(f, active, &f.body, None);
    // A saved element is restored by index, where it was written: what the index reads is
    // read there too (`v[idx[k]]`), which may keep another array's writes saved.
    loop {
        let (unread, kept) = scan.decide(saved);
        let mut changed = false;
        for w in scan
            .writes
            .iter()
            .filter(|w| kept.contains(&(w.var, w.scope)))
        {
            for &r in &w.index_reads {
                changed |= w.at < scan.first_read[r];
                scan.first_read[r] = scan.first_read[r].min(w.at);
            }
        }
        if !changed {
            return unread;
        }
    }
}

/// An element write: its variable, block, position, outermost loop and what its index
/// reads.
struct Write {
    var: VarId,
    scope: ScopeId,
    at: usize,
    outer: Option<usize>,
    index_reads: Vec<VarId>,
}

/// Statements numbered in program order (a block's statements, each followed by the
/// blocks inside it).
#[derive(Default)]
struct Scan {
    at: usize,
    /// The position of the first statement whose backward rule reads each variable.
    first_read: Vec<usize>,
    writes: Vec<Write>,
    /// The last position inside each outermost loop.
    loop_ends: Vec<usize>,
}

impl Scan {
    /// The blocks whose writes of a saved variable all destroy nothing a rule reads, and
    /// the others.
    fn decide(&self, saved: &[bool]) -> (Unread, Unread) {
        let (mut unread, mut kept) = (Unread::new(), Unread::new());
        for w in self.writes.iter().filter(|w| saved[w.var]) {
            // The last position whose value the write may destroy for a later iteration.
            let limit = w.outer.map_or(w.at, |l| self.loop_ends[l]);
            if self.first_read[w.var] > limit {
                unread.insert((w.var, w.scope));
            } else {
                kept.insert((w.var, w.scope));
            }
        }
        unread.retain(|k| !kept.contains(k));
        (unread, kept)
    }

    fn block(&mut self, f: &Func, active: &[bool], block: &Block, outer: Option<usize>) {
        for stmt in &block.stmts {
            self.at += 1;
            if let Some((_, reads)) = rule_of(&f.vars, stmt, active) {
                for v in reads {
                    self.first_read[v] = self.first_read[v].min(self.at);
                }
            }
            match stmt {
                Stmt::SetElem { var, index, .. } => self.writes.push(Write {
                    var: *var,
                    scope: block.scope,
                    at: self.at,
                    outer,
                    index_reads: index.reads().copied().collect(),
                }),
                Stmt::If { then, els, .. } => {
                    self.block(f, active, then, outer);
                    self.block(f, active, els, outer);
                }
                Stmt::Loop { body, .. } => {
                    let this = outer.unwrap_or_else(|| {
                        self.loop_ends.push(0);
                        self.loop_ends.len() - 1
                    });
                    self.block(f, active, body, Some(this));
                    if outer.is_none() {
                        self.loop_ends[this] = self.at;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whole assignments in place whose old value no backward rule reads, as `(block, position
/// of the statement in it)`. In a loop body written
///
/// ```text
/// h = relu(h);         // destroys the last pass's sum (or the value before the loop)
/// h = h.dot(w) + &h;   // the rules read the old `h` (the product's, the sum's shape)
/// h = sigmoid(h);      // destroys the sum, which no rule reads
/// ```
///
/// the first and the third assignments save nothing. The value an assignment destroys was
/// made by an earlier definition, and nothing between them (nested blocks included)
/// changes the variable or has a rule reading it, nor does the assignment's own rule.
/// "Earlier" is in the same block, or before the block: before an `if`, or, for a loop
/// body, before the loop and at the end of the body's previous pass (the body's last
/// statement touching the variable assigns it whole). The reverse does not restore such a
/// value either: the reverse of the statements between reads no value of the variable, and
/// the earlier definition restores (or, a `let`, needs) none.
///
/// Arrays and sequences only: saving a float costs a copy of eight bytes.
pub type UnreadAssigns = BTreeSet<(ScopeId, usize)>;

pub(super) fn unread_assigns(f: &Func, active: &[bool], saved: &[bool]) -> UnreadAssigns {
    let mut unread = UnreadAssigns::new();
    let arrays = |v: VarId| saved[v] && matches!(f.vars[v].kind, Kind::Seq | Kind::Tensor);
    if !(0..f.vars.len()).any(arrays) {
        return unread;
    }
    let scan = Reassigns {
        f,
        active,
        arrays: &arrays,
    };
    scan.block(
        &f.body,
        &scan.each_touched(&f.body),
        BTreeSet::new(),
        &mut unread,
    );
    unread
}

struct Reassigns<'a> {
    f: &'a Func,
    active: &'a [bool],
    arrays: &'a dyn Fn(VarId) -> bool,
}

impl Reassigns<'_> {
    /// `fresh`: the variables whose value at the block's start comes from a definition that
    /// nothing has read in a rule or changed since; `touched`: [`Self::touched`] of each of
    /// the block's statements.
    fn block(
        &self,
        block: &Block,
        touched: &[BTreeSet<VarId>],
        mut fresh: BTreeSet<VarId>,
        unread: &mut UnreadAssigns,
    ) {
        for (at, stmt) in block.stmts.iter().enumerate() {
            if let Stmt::Assign {
                var,
                op,
                init: false,
                ..
            } = stmt
                && fresh.contains(var)
                && !touched[at].contains(var)
                && self.keeps_shape(*var, defining(op, &block.stmts[..at]))
            {
                unread.insert((block.scope, at));
            }
            match stmt {
                Stmt::If { then, els, .. } => {
                    self.block(then, &self.each_touched(then), fresh.clone(), unread);
                    self.block(els, &self.each_touched(els), fresh.clone(), unread);
                }
                Stmt::Loop { body, .. } => {
                    // The value a pass starts with is the one before the loop or the one
                    // the last pass ended with: fresh when the body ends by assigning it.
                    let inside = self.each_touched(body);
                    let carried = fresh
                        .iter()
                        .copied()
                        .filter(|&v| ends_assigned(body, &inside, v))
                        .collect();
                    self.block(body, &inside, carried, unread);
                }
                _ => {}
            }
            for v in &touched[at] {
                fresh.remove(v);
            }
            if let Stmt::Let { var, .. } | Stmt::Assign { var, .. } = stmt
                && (self.arrays)(*var)
            {
                fresh.insert(*var);
            }
        }
    }

    /// Whether `var = op` (`op` as [`defining`] finds it) leaves `var` the shape it had. The
    /// reverse resets `var`'s adjoint to zeros shaped like the value before (`reset_like`),
    /// which it has without restoring it only if the shape is the same: so it is for
    /// elementwise arithmetic on `var`, and taken to be for a call consuming `var` (`h =
    /// relu(h)`, a gate applied elementwise); not for a call borrowing it (`h =
    /// layer.forward(&h)`, of another width) or an operation without it.
    fn keeps_shape(&self, var: VarId, op: &Op) -> bool {
        if !self.active[var] {
            return true;
        }
        match op {
            Op::Call(call) => call
                .args
                .iter()
                .any(|a| !a.by_ref && matches!(a.value, Operand::Var(v) if v == var)),
            Op::Bin(..) | Op::Neg(_) | Op::Math(..) | Op::Cast(..) => op
                .operands()
                .into_iter()
                .any(|o| matches!(o, Operand::Var(v) if *v == var)),
            _ => false,
        }
    }

    /// What a statement (the blocks inside it included) reads in a backward rule or
    /// changes, besides its own whole definition.
    fn touched(&self, stmt: &Stmt) -> BTreeSet<VarId> {
        let mut touched = BTreeSet::new();
        let mut top = true;
        walk_stmts(std::slice::from_ref(stmt), 0, &mut |s, _| {
            if let Some((_, reads)) = rule_of(&self.f.vars, s, self.active) {
                touched.extend(reads);
            }
            match s {
                // A definition inside the statement is conditional (or repeated).
                Stmt::Assign { var, .. } if !top => {
                    touched.insert(*var);
                }
                Stmt::SetElem { var, .. } => {
                    touched.insert(*var);
                }
                Stmt::Eval(k) => {
                    touched.extend(k.mutated(&self.f.vars));
                    touched.extend(k.resized(&self.f.vars));
                }
                _ => {}
            }
            top = false;
        });
        touched
    }

    fn each_touched(&self, block: &Block) -> Vec<BTreeSet<VarId>> {
        block.stmts.iter().map(|s| self.touched(s)).collect()
    }
}

/// Whether the last statement of `body` that touches `v` assigns it whole, directly in the
/// body (or none touches it): a pass ends with a value nothing has read. `touched`: what
/// each statement touches.
fn ends_assigned(body: &Block, touched: &[BTreeSet<VarId>], v: VarId) -> bool {
    for (stmt, touches) in body.stmts.iter().zip(touched).rev() {
        if let Stmt::Assign { var, .. } = stmt
            && *var == v
        {
            return true;
        }
        if touches.contains(&v) {
            return false;
        }
    }
    true
}

/// The operation an assignment's value comes from: `op`, or, for a copy of the temporary
/// the statement before defines (`let s0 = relu(h); h = s0;`, as calls are lowered), that
/// temporary's.
fn defining<'a>(op: &'a Op, before: &'a [Stmt]) -> &'a Op {
    match (op, before.last()) {
        (Op::Copy(Operand::Var(t)), Some(Stmt::Let { var, op: def, .. })) if var == t => def,
        _ => op,
    }
}
