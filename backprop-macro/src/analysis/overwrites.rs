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
