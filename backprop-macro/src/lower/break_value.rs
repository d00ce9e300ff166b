//! `loop` with a value (`let y = loop { ... break v; ... };`) as the assignments it means:
//! `let y; loop { ... y = v; break; ... }`. The same for `y = loop { ... }`, for a loop
//! that is a block's value (which gets a variable of its own), and for a labeled loop left
//! from inside with `break 'label v` (`y` then starts from its type's default). Lowering
//! then sees a `let` assigned later, which it supports. A labeled block (`let r = 'b: { ..
//! break 'b v; .. tail }`) is the loop that runs once, `'b: loop { .. break 'b v; ..
//! break 'b tail; }`, where nothing inside leaves an enclosing loop by `break` or
//! `continue` without a label.

use super::*;

/// Rewrites every `loop` with a value in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    let mut rewrite = Rewrite { taken };
    rewrite.visit_block_mut(block);
}

struct Rewrite<'a> {
    /// Every identifier of the function: a loop's own variable avoids them.
    taken: &'a mut HashSet<String>,
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Block(b) = e
            && let Some(label) = &b.label
            && !leaves_enclosing(&b.block)
        {
            let name = &label.name;
            let mut body = b.block.clone();
            match body.stmts.pop() {
                Some(syn::Stmt::Expr(tail, None)) => {
                    body.stmts.push(syn::parse_quote!(break #name #tail;));
                }
                Some(last) => {
                    body.stmts.push(last);
                    body.stmts.push(syn::parse_quote!(break #name;));
                }
                None => body.stmts.push(syn::parse_quote!(break #name;)),
            }
            let stmts = &body.stmts;
            *e = syn::parse_quote_spanned!(name.span()=> #label loop { #(#stmts)* });
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // Inner blocks first: loops nested in loops.
        syn::visit_mut::visit_block_mut(self, block);
        let stmts = std::mem::take(&mut block.stmts);
        let last = stmts.len().saturating_sub(1);
        for (i, stmt) in stmts.into_iter().enumerate() {
            match stmt {
                // `let y = loop { ... };`
                syn::Stmt::Local(mut local) if valued(local.init.as_ref().map(|i| &*i.expr)) => {
                    let Some(name) = local_name(&local.pat) else {
                        block.stmts.push(syn::Stmt::Local(local));
                        continue;
                    };
                    let init = local.init.take().expect("checked above");
                    let Expr::Loop(mut l) = *init.expr else {
                        unreachable!("checked above")
                    };
                    if find_breaks(&l).nested {
                        // Assigned in an inner loop, which the flags of labeled loops then
                        // leave: rustc cannot see that it is assigned once, on every path.
                        set_mutable(&mut local.pat);
                        local.init = Some(syn::LocalInit {
                            eq_token: Default::default(),
                            expr: syn::parse_quote!(::core::default::Default::default()),
                            diverge: None,
                        });
                    }
                    assign_breaks(&mut l, &name);
                    block.stmts.push(syn::Stmt::Local(local));
                    block
                        .stmts
                        .push(syn::Stmt::Expr(Expr::Loop(l), Some(Default::default())));
                }
                // `y = loop { ... };`
                syn::Stmt::Expr(Expr::Assign(a), semi) if valued(Some(&a.right)) => {
                    let Expr::Path(p) = &*a.left else {
                        block.stmts.push(syn::Stmt::Expr(Expr::Assign(a), semi));
                        continue;
                    };
                    let Some(name) = p.path.get_ident().cloned() else {
                        block.stmts.push(syn::Stmt::Expr(Expr::Assign(a), semi));
                        continue;
                    };
                    let Expr::Loop(mut l) = *a.right else {
                        unreachable!("checked above")
                    };
                    assign_breaks(&mut l, &name);
                    block
                        .stmts
                        .push(syn::Stmt::Expr(Expr::Loop(l), Some(Default::default())));
                }
                // A block's value: `loop { ... break v; }` at its end.
                syn::Stmt::Expr(Expr::Loop(mut l), None)
                    if i == last && valued(Some(&Expr::Loop(l.clone()))) =>
                {
                    let name = self.fresh_name(l.loop_token.span);
                    // (Assigned in an inner loop: from its type's default, as above.)
                    let nested = find_breaks(&l).nested;
                    assign_breaks(&mut l, &name);
                    block.stmts.push(if nested {
                        syn::parse_quote!(let mut #name = ::core::default::Default::default();)
                    } else {
                        syn::parse_quote!(let #name;)
                    });
                    block
                        .stmts
                        .push(syn::Stmt::Expr(Expr::Loop(l), Some(Default::default())));
                    block
                        .stmts
                        .push(syn::Stmt::Expr(syn::parse_quote!(#name), None));
                }
                other => block.stmts.push(other),
            }
        }
    }

    // Items inside the body are not the function's code. (A closure's body is: a chain's
    // runs in the loop the chain means, a helper inlined in it with it.)
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Rewrite<'_> {
    fn fresh_name(&mut self, span: Span) -> Ident {
        Ident::new(&crate::names::unused(self.taken, "loop_value"), span)
    }
}

/// A `loop` some `break` of which carries a value: an unlabeled `break v` in its own body,
/// or `break 'label v` with its label anywhere inside.
fn valued(expr: Option<&Expr>) -> bool {
    let Some(Expr::Loop(l)) = expr else {
        return false;
    };
    find_breaks(l).found.is_some()
}

/// Whether a labeled block's body leaves an enclosing loop with an unlabeled `break` or
/// `continue`, which inside the loop it becomes would leave that loop instead.
fn leaves_enclosing(body: &syn::Block) -> bool {
    let mut find = FindBreak {
        label: None,
        valued: false,
        continues: true,
        depth: 0,
        found: None,
        nested: false,
    };
    find.visit_block(body);
    find.found.is_some()
}

fn find_breaks(l: &syn::ExprLoop) -> FindBreak {
    let mut find = FindBreak {
        label: l.label.as_ref().map(|l| l.name.clone()),
        valued: true,
        continues: false,
        depth: 0,
        found: None,
        nested: false,
    };
    find.visit_block(&l.body);
    find
}

/// The first `break` in `body` that leaves the loop labeled `label` (unlabeled outside
/// nested loops, or naming the label), where a body of a loop of several parts (one per part
/// of a joined walk) could not leave them all.
pub(super) fn first_break(body: &syn::Block, label: Option<&syn::Label>) -> Option<Span> {
    let mut find = FindBreak {
        label: label.map(|l| l.name.clone()),
        valued: false,
        continues: false,
        depth: 0,
        found: None,
        nested: false,
    };
    find.visit_block(body);
    find.found
}

/// Whether `b` leaves the loop labeled `label` with a value, `depth` loops inside it.
fn leaves(b: &syn::ExprBreak, label: &Option<syn::Lifetime>, depth: usize) -> bool {
    b.expr.is_some() && leaves_at_all(b, label, depth)
}

/// Whether `b` leaves the loop labeled `label`, with a value or without.
fn leaves_at_all(b: &syn::ExprBreak, label: &Option<syn::Lifetime>, depth: usize) -> bool {
    match &b.label {
        None => depth == 0,
        Some(l) => label.as_ref().is_some_and(|own| own.ident == l.ident),
    }
}

struct FindBreak {
    label: Option<syn::Lifetime>,
    /// Only breaks with a value count.
    valued: bool,
    /// An unlabeled `continue` outside nested loops counts too.
    continues: bool,
    depth: usize,
    /// The first that leaves.
    found: Option<Span>,
    /// One is inside a nested loop (`break 'label v`).
    nested: bool,
}

impl<'ast> Visit<'ast> for FindBreak {
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        let leaving = match self.valued {
            true => leaves(b, &self.label, self.depth),
            false => leaves_at_all(b, &self.label, self.depth),
        };
        if leaving {
            self.found.get_or_insert(b.break_token.span);
        }
        // Assigned in an inner loop, or left for another label: not assigned on every path.
        let elsewhere = b
            .label
            .as_ref()
            .is_some_and(|l| self.label.as_ref().is_none_or(|own| own.ident != l.ident));
        self.nested |= (leaving && self.depth > 0) || elsewhere;
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
        if self.continues && c.label.is_none() && self.depth == 0 {
            self.found.get_or_insert(c.continue_token.span);
        }
        self.nested |= c.label.is_some();
    }
    // Inside a nested loop, only a labeled `break` leaves this one.
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.depth += 1;
        syn::visit::visit_expr_loop(self, l);
        self.depth -= 1;
    }
    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.depth += 1;
        syn::visit::visit_expr_while(self, w);
        self.depth -= 1;
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.depth += 1;
        syn::visit::visit_expr_for_loop(self, f);
        self.depth -= 1;
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn set_mutable(pat: &mut Pat) {
    match pat {
        Pat::Ident(p) => p.mutability = Some(Default::default()),
        Pat::Type(t) => set_mutable(&mut t.pat),
        _ => {}
    }
}

/// The variable a `let` binds: `y` or `y: f64`.
fn local_name(pat: &Pat) -> Option<Ident> {
    match pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => Some(p.ident.clone()),
        Pat::Type(t) => local_name(&t.pat),
        _ => None,
    }
}

/// `break v` (of this loop) becomes `name = v; break;` (`break 'label` keeps its label).
fn assign_breaks(l: &mut syn::ExprLoop, name: &Ident) {
    struct Assign<'a> {
        name: &'a Ident,
        label: Option<syn::Lifetime>,
        depth: usize,
    }
    impl Assign<'_> {
        /// `name = v;` and the `break` that leaves, for a `break` that leaves this loop.
        fn split(&self, b: &syn::ExprBreak) -> Option<(syn::Stmt, syn::Stmt)> {
            if !leaves(b, &self.label, self.depth) {
                return None;
            }
            let (name, value, label) = (self.name, b.expr.as_ref()?, &b.label);
            let span = b.break_token.span;
            Some((
                syn::parse_quote_spanned!(span=> #name = #value;),
                syn::parse_quote_spanned!(span=> break #label;),
            ))
        }
    }
    impl VisitMut for Assign<'_> {
        // `break v;` as a statement becomes two statements, so the block visibly ends at
        // the `break`.
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            for stmt in std::mem::take(&mut block.stmts) {
                match stmt {
                    syn::Stmt::Expr(Expr::Break(b), semi) => match self.split(&b) {
                        Some((assign, exit)) => {
                            block.stmts.push(assign);
                            block.stmts.push(exit);
                        }
                        None => block.stmts.push(syn::Stmt::Expr(Expr::Break(b), semi)),
                    },
                    mut other => {
                        self.visit_stmt_mut(&mut other);
                        block.stmts.push(other);
                    }
                }
            }
        }
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            match expr {
                Expr::Break(b) => {
                    if let Some((assign, exit)) = self.split(b) {
                        *expr = syn::parse_quote!({ #assign #exit });
                    }
                }
                Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
                    self.depth += 1;
                    syn::visit_mut::visit_expr_mut(self, expr);
                    self.depth -= 1;
                }
                Expr::Closure(_) => {}
                _ => syn::visit_mut::visit_expr_mut(self, expr),
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut assign = Assign {
        name,
        label: l.label.as_ref().map(|l| l.name.clone()),
        depth: 0,
    };
    assign.visit_block_mut(&mut l.body);
}
