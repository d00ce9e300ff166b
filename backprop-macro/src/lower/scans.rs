//! `scan` in an iterator chain as a `map` over a state the statement declares first:
//!
//! ```text
//! let sums: Vec<f64> = x                        let mut state = 0.0;
//!     .iter()                                   let sums: Vec<f64> = x
//!     .scan(0.0, |acc, &v| {          ==>           .iter()
//!         *acc += v;                                .map(|&v| {
//!         Some(*acc)                                    state += v;
//!     })                                                state
//!     .collect();                                   })
//!                                                   .collect();
//! ```
//!
//! The chain is consumed where the statement is (a `for` loop's head, a `let`, a block's
//! value), so its state lives exactly as long as the statement's iteration, and a `map`
//! that updates a captured local is a chain the lowering supports. Only scans that never
//! end early: the closure's value is `Some(..)` at its end and nowhere else (no `None`,
//! `return` or `?`), and the state is used only through `*acc` (or as a method's receiver,
//! `acc.sin()`). Any other `scan` is left
//! as written, for the chain's error.

use super::*;

/// Rewrites every such `scan` in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    Rewrite { taken }.visit_block_mut(block);
}

struct Rewrite<'a> {
    /// Every identifier of the function: a state's name avoids them.
    taken: &'a mut HashSet<String>,
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let stmts = std::mem::take(&mut block.stmts);
        for mut stmt in stmts {
            let mut found = Found {
                taken: self.taken,
                states: Vec::new(),
            };
            match &mut stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &mut local.init {
                        found.visit_expr_mut(&mut init.expr);
                    }
                }
                syn::Stmt::Expr(e, _) => found.visit_expr_mut(e),
                _ => {}
            }
            for (name, init) in found.states {
                block.stmts.push(syn::parse_quote!(let mut #name = #init;));
            }
            block.stmts.push(stmt);
        }
    }

    // Items and closures inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// The scans of one statement's own expression: not those of its inner blocks (visited as
/// blocks) nor of expressions evaluated more than once (a `while` condition).
struct Found<'a> {
    taken: &'a mut HashSet<String>,
    /// Each state's name and first value, in the order the statement meets them.
    states: Vec<(Ident, Expr)>,
}

impl VisitMut for Found<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Block(_)
            | Expr::Closure(_)
            | Expr::While(_)
            | Expr::Loop(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::Async(_)
            | Expr::TryBlock(_) => {}
            Expr::ForLoop(f) => self.visit_expr_mut(&mut f.expr),
            Expr::If(i) => self.visit_expr_mut(&mut i.cond),
            Expr::Match(m) => self.visit_expr_mut(&mut m.expr),
            Expr::MethodCall(m) => {
                syn::visit_mut::visit_expr_method_call_mut(self, m);
                if let Some(rewritten) = self.scan(m) {
                    *e = rewritten;
                }
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}

impl Found<'_> {
    /// `receiver.scan(init, |acc, x| { ..; Some(v) })` as `receiver.map(|x| { ..; v })`
    /// over a fresh state, or `None` where the scan is not of that form.
    fn scan(&mut self, m: &syn::ExprMethodCall) -> Option<Expr> {
        if m.method != "scan" || m.args.len() != 2 {
            return None;
        }
        let Expr::Closure(f) = strip(&m.args[1]) else {
            return None;
        };
        let Pat::Ident(acc) = &f.inputs.first()? else {
            return None;
        };
        if f.inputs.len() != 2 || acc.by_ref.is_some() || acc.subpat.is_some() {
            return None;
        }
        let (mut stmts, value) = match strip(&f.body) {
            Expr::Block(b) if b.label.is_none() => {
                let mut stmts = b.block.stmts.clone();
                let Some(syn::Stmt::Expr(last, None)) = stmts.pop() else {
                    return None;
                };
                (stmts, last)
            }
            other => (Vec::new(), other.clone()),
        };
        let Expr::Call(call) = strip(&value) else {
            return None;
        };
        let some = matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Some"));
        if !some || call.args.len() != 1 {
            return None;
        }
        let mut value = call.args[0].clone();
        let name = Ident::new(&crate::names::unused(self.taken, "state"), acc.ident.span());
        let mut deref = Deref {
            acc: &acc.ident,
            state: &name,
            other_use: false,
        };
        stmts.iter_mut().for_each(|s| deref.visit_stmt_mut(s));
        deref.visit_expr_mut(&mut value);
        let mut exits = Exits::default();
        stmts.iter().for_each(|s| exits.visit_stmt(s));
        exits.visit_expr(&value);
        if deref.other_use || exits.found {
            return None;
        }
        let (receiver, x, init) = (&m.receiver, &f.inputs[1], &m.args[0]);
        self.states.push((name, init.clone()));
        let span = m.method.span();
        let map = Ident::new("map", span);
        Some(syn::parse_quote_spanned! {span=>
            #receiver.#map(|#x| { #(#stmts)* #value })
        })
    }
}

/// Replaces `*acc` by the state; notes any other use of `acc`.
struct Deref<'a> {
    acc: &'a Ident,
    state: &'a Ident,
    other_use: bool,
}

impl VisitMut for Deref<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Unary(u) = e
            && matches!(u.op, syn::UnOp::Deref(_))
            && let Expr::Path(p) = strip(&u.expr)
            && p.path.is_ident(self.acc)
        {
            let state = self.state;
            *e = syn::parse_quote!(#state);
            return;
        }
        // `acc.sin()`: a method of the state, through the reference.
        if let Expr::MethodCall(m) = e
            && let Expr::Path(p) = strip(&m.receiver)
            && p.path.is_ident(self.acc)
        {
            let state = self.state;
            *m.receiver = syn::parse_quote!(#state);
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_ident_mut(&mut self, i: &mut Ident) {
        if i == self.acc {
            self.other_use = true;
        }
    }
}

/// `None`, `return` or `?` in a scan's closure: a scan that may end early.
#[derive(Default)]
struct Exits {
    found: bool,
}

impl Visit<'_> for Exits {
    fn visit_expr(&mut self, e: &Expr) {
        match e {
            Expr::Return(_) | Expr::Try(_) => self.found = true,
            Expr::Path(p) if p.path.is_ident("None") => self.found = true,
            _ => syn::visit::visit_expr(self, e),
        }
    }

    fn visit_expr_closure(&mut self, _: &syn::ExprClosure) {}
    fn visit_item(&mut self, _: &syn::Item) {}
}
