//! Conditions that compute a value on the way, an `if`, a `match` or a block inside an
//! `if`'s condition, as the statements they mean before the test, the right of `&&` and
//! `||` still evaluated only when the left says so:
//!
//! ```text
//! if x > 0.0 && match root(x, y) { Some(t) => t, None => x } < 0.9 { a } else { b }
//!     ==>  let cond: bool = if x > 0.0 { let value = match root(x, y) { .. }; value < 0.9 }
//!                           else { false };
//!          if cond { a } else { b }
//! ```
//!
//! An `else if` whose condition needs it becomes an `else` block holding those statements
//! and the `if`; a closure whose value is such an `if` gets a block body. A chain's `filter`
//! and `take_while` take their tests' statements by [`lift`] (`iterators`); a closure that
//! is itself a test (`.filter(..).count()`) is evaluated as written. Lowering reads
//! conditions as constants (no derivative flows through a test), which is why what they
//! compute is bound to names first (before what the comparison reads besides: only a
//! panic's message could tell). Conditions with `let` (`if let`, let chains) or an exit
//! (`return`, `break`, `continue`, `?`) are left as they are, as are `while` loops' (lowering
//! takes a block there already).

use super::*;

/// Rewrites every such condition in `block`; `taken`, the function's names.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    IfBodies.visit_block_mut(block);
    hoisting::hoist(
        block,
        true,
        &mut |e: &mut Expr, before: &mut Vec<syn::Stmt>| {
            let Expr::If(i) = e else { return };
            let mut first = lift(&mut i.cond, &mut names(taken));
            desugar_all(&mut first, taken);
            before.append(&mut first);
            lift_else_ifs(i, taken);
        },
    );
}

/// Fresh names among the function's.
fn names(taken: &mut HashSet<String>) -> impl FnMut(&str, Span) -> Ident + '_ {
    |base, span| Ident::new(&crate::names::unused(taken, base), span)
}

/// The statements `stmts` with their own conditions rewritten (what [`lift`] hoists may hold
/// more).
fn desugar_all(stmts: &mut Vec<syn::Stmt>, taken: &mut HashSet<String>) {
    if stmts.is_empty() {
        return;
    }
    let mut block = syn::Block {
        brace_token: Default::default(),
        stmts: std::mem::take(stmts),
    };
    desugar(&mut block, taken);
    *stmts = block.stmts;
}

/// Each `else if c { .. }` of the chain after `i` whose `c` computes a value, as `else {
/// ..; if c { .. } }`.
fn lift_else_ifs(i: &mut syn::ExprIf, taken: &mut HashSet<String>) {
    let Some((_, rest)) = &mut i.else_branch else {
        return;
    };
    let Expr::If(next) = &mut **rest else { return };
    let mut stmts = lift(&mut next.cond, &mut names(taken));
    if stmts.is_empty() {
        return lift_else_ifs(next, taken);
    }
    desugar_all(&mut stmts, taken);
    lift_else_ifs(next, taken);
    let span = next.if_token.span;
    let chain = Expr::If(next.clone());
    stmts.push(syn::Stmt::Expr(chain, None));
    **rest = Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: syn::Block {
            brace_token: syn::token::Brace(span),
            stmts,
        },
    });
}

/// Closures whose value is an `if` whose condition computes a value (`|e| if e > match ..
/// { .. } { .. } else { .. }`), given a block body, whose statement the rest of the pass
/// rewrites. (A closure that is itself a test, `.filter(|&&e| e > match .. { .. })`, is
/// evaluated as written: lowering takes what it computes there.)
struct IfBodies;

impl VisitMut for IfBodies {
    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        syn::visit_mut::visit_expr_closure_mut(self, c);
        if let Expr::If(i) = &*c.body
            && computes(&i.cond)
        {
            let body = &c.body;
            *c.body = syn::parse_quote_spanned!(i.if_token.span=> { #body });
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A fresh name from a base name, at a span.
pub(super) type Fresh<'f> = &'f mut dyn FnMut(&str, Span) -> Ident;

/// The statements that compute what the test `cond` computes on the way, in the order it
/// does, `cond` left reading their names (none where it computes nothing, or where it
/// binds with `let` or may leave).
pub(super) fn lift(cond: &mut Expr, fresh: Fresh) -> Vec<syn::Stmt> {
    let mut scan = Scan::default();
    scan.visit_expr(cond);
    if !scan.computes || scan.leaves || binds(cond) {
        return Vec::new();
    }
    let mut stmts = Vec::new();
    test(cond, fresh, &mut stmts);
    stmts
}

/// A condition that binds with `let` (`if let`, a let chain).
fn binds(cond: &Expr) -> bool {
    match cond {
        Expr::Let(_) => true,
        Expr::Paren(p) => binds(&p.expr),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => binds(&b.left) || binds(&b.right),
        _ => false,
    }
}

/// What a condition holds outside its closures: whether it computes a value with an `if`, a
/// `match` or a block, and whether it may leave (`return`, `?`, a `break` or `continue` to
/// a loop or block around it).
#[derive(Default)]
struct Scan {
    computes: bool,
    leaves: bool,
    /// The labels of the blocks and loops inside it around the expression visited.
    labels: Vec<String>,
    /// How many loops inside it are around the expression visited.
    loops: usize,
}

impl Scan {
    fn within(&self, label: Option<&syn::Lifetime>) -> bool {
        match label {
            Some(l) => self.labels.contains(&l.ident.to_string()),
            None => self.loops > 0,
        }
    }
}

impl Visit<'_> for Scan {
    fn visit_expr(&mut self, e: &Expr) {
        let (label, is_loop) = match e {
            Expr::Closure(_) => return,
            Expr::Return(_) | Expr::Try(_) => (None, false),
            Expr::Break(b) => {
                self.leaves |= !self.within(b.label.as_ref());
                (None, false)
            }
            Expr::Continue(c) => {
                self.leaves |= !self.within(c.label.as_ref());
                (None, false)
            }
            Expr::Match(m) if matches::is_test(m) => (None, false),
            Expr::If(_) | Expr::Match(_) => {
                self.computes = true;
                (None, false)
            }
            Expr::Block(b) => {
                self.computes = true;
                (b.label.as_ref(), false)
            }
            Expr::Loop(l) => (l.label.as_ref(), true),
            Expr::While(w) => (w.label.as_ref(), true),
            Expr::ForLoop(f) => (f.label.as_ref(), true),
            _ => (None, false),
        };
        self.leaves |= matches!(e, Expr::Return(_) | Expr::Try(_));
        let labels = self.labels.len();
        if let Some(l) = label {
            self.labels.push(l.name.ident.to_string());
        }
        self.loops += usize::from(is_loop);
        syn::visit::visit_expr(self, e);
        self.loops -= usize::from(is_loop);
        self.labels.truncate(labels);
    }

    fn visit_item(&mut self, _: &syn::Item) {}
}

/// Whether `e` computes a value on the way (outside its closures).
fn computes(e: &Expr) -> bool {
    let mut scan = Scan::default();
    scan.visit_expr(e);
    scan.computes
}

/// `cond`, a test, rewritten: `&&` and `||` whose right computes as a flag set by an `if`,
/// a test that is a block, an `if` or a `match` as a flag bound to it (the tests it ends in
/// rewritten in it), what else it computes bound to names in `stmts` first.
fn test(cond: &mut Expr, fresh: Fresh, stmts: &mut Vec<syn::Stmt>) {
    if !computes(cond) {
        return;
    }
    let span = cond.span();
    match cond {
        Expr::Paren(p) => test(&mut p.expr, fresh, stmts),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => test(&mut u.expr, fresh, stmts),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
            test(&mut b.left, fresh, stmts);
            if !computes(&b.right) {
                return;
            }
            let mut right = Vec::new();
            test(&mut b.right, fresh, &mut right);
            let (left, value) = (&b.left, &b.right);
            let flag = fresh("cond", span);
            stmts.push(if matches!(b.op, syn::BinOp::And(_)) {
                syn::parse_quote_spanned! {span=>
                    let #flag: bool = if #left { #(#right)* #value } else { false };
                }
            } else {
                syn::parse_quote_spanned! {span=>
                    let #flag: bool = if #left { true } else { #(#right)* #value };
                }
            });
            *cond = syn::parse_quote_spanned!(span=> #flag);
        }
        Expr::Block(_) | Expr::If(_) | Expr::Match(_) => {
            tests_at_ends(cond, fresh, stmts);
            let flag = fresh("cond", span);
            stmts.push(syn::parse_quote_spanned!(span=> let #flag: bool = #cond;));
            *cond = syn::parse_quote_spanned!(span=> #flag);
        }
        _ => Values { fresh, stmts }.visit_expr_mut(cond),
    }
}

/// A block, an `if` or a `match` whose value is a test: the tests its value ends in (a
/// block's last expression, each branch's, each arm's) rewritten where they are, what its
/// `if`'s condition and its `match`'s value compute bound in `stmts` first.
fn tests_at_ends(e: &mut Expr, fresh: Fresh, stmts: &mut Vec<syn::Stmt>) {
    match e {
        Expr::Block(b) => last_test(&mut b.block, fresh),
        Expr::If(i) => {
            test(&mut i.cond, fresh, stmts);
            last_test(&mut i.then_branch, fresh);
            if let Some((_, rest)) = &mut i.else_branch {
                if let Expr::Block(b) = &mut **rest {
                    last_test(&mut b.block, fresh);
                } else if computes(rest) {
                    let chain = &**rest;
                    let mut block: syn::Block =
                        syn::parse_quote_spanned!(chain.span()=> { #chain });
                    last_test(&mut block, fresh);
                    **rest = syn::parse_quote!(#block);
                }
            }
        }
        Expr::Match(m) => {
            Values {
                fresh: &mut *fresh,
                stmts,
            }
            .visit_expr_mut(&mut m.expr);
            for arm in &mut m.arms {
                let mut first = Vec::new();
                test(&mut arm.body, fresh, &mut first);
                if !first.is_empty() {
                    let body = &arm.body;
                    *arm.body = syn::parse_quote_spanned!(body.span()=> { #(#first)* #body });
                }
            }
        }
        _ => {}
    }
}

/// A block whose value is a test: what that test computes bound before it, in the block.
fn last_test(block: &mut syn::Block, fresh: Fresh) {
    let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last_mut() else {
        return;
    };
    let mut first = Vec::new();
    test(tail, fresh, &mut first);
    let at = block.stmts.len() - 1;
    block.stmts.splice(at..at, first);
}

/// The values a comparison (or a call, an index) computes with an `if`, a `match` or a
/// block, bound to names in the order they are evaluated; tests inside rewritten as
/// [`test`] does.
struct Values<'f, 's> {
    fresh: Fresh<'f>,
    stmts: &'s mut Vec<syn::Stmt>,
}

impl VisitMut for Values<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if !computes(e) {
            return;
        }
        match e {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                test(e, self.fresh, self.stmts);
            }
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                test(e, self.fresh, self.stmts);
            }
            Expr::If(_) | Expr::Match(_) | Expr::Block(_) => {
                let span = e.span();
                let name = (self.fresh)("value", span);
                self.stmts
                    .push(syn::parse_quote_spanned!(span=> let #name = #e;));
                *e = syn::parse_quote_spanned!(span=> #name);
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
