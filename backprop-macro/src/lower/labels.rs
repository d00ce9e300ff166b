//! Labeled loops as the flags they mean. `break 'outer` from an inner loop sets
//! `break_outer` and leaves the inner loop; after every loop that may have set it, `if
//! break_outer { break; }` leaves the next one out, up to `'outer` itself. `continue
//! 'outer` is the same with `continue_outer`, which the loop `'outer` resets and
//! continues on. A labeled `break` or `continue` of the loop it is in is a plain one.
//! Lowering then sees loops without labels, which it supports.

use super::*;

/// Rewrites every labeled loop in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    Rewrite { taken }.visit_block_mut(block);
}

struct Rewrite<'a> {
    taken: &'a mut HashSet<String>,
}

/// The label of a loop expression, if it is a labeled loop.
fn label_of(expr: &Expr) -> Option<&syn::Label> {
    match expr {
        Expr::ForLoop(f) => f.label.as_ref(),
        Expr::While(w) => w.label.as_ref(),
        Expr::Loop(l) => l.label.as_ref(),
        _ => None,
    }
}

fn body_of(expr: &mut Expr) -> Option<&mut syn::Block> {
    match expr {
        Expr::ForLoop(f) => Some(&mut f.body),
        Expr::While(w) => Some(&mut w.body),
        Expr::Loop(l) => Some(&mut l.body),
        _ => None,
    }
}

fn is_loop(expr: &Expr) -> bool {
    matches!(expr, Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_))
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // Inner labeled loops first.
        syn::visit_mut::visit_block_mut(self, block);
        for stmt in std::mem::take(&mut block.stmts) {
            let syn::Stmt::Expr(mut expr, semi) = stmt else {
                block.stmts.push(stmt);
                continue;
            };
            let Some(label) = label_of(&expr).map(|l| l.name.clone()) else {
                block.stmts.push(syn::Stmt::Expr(expr, semi));
                continue;
            };
            let base = label.ident.to_string();
            let label = label.ident;
            let flags = Flags {
                label,
                brk: self.fresh(&format!("break_{base}")),
                cont: self.fresh(&format!("continue_{base}")),
            };
            let body = body_of(&mut expr).expect("a loop");
            let used = flags.rewrite(body, 0);
            match &mut expr {
                Expr::ForLoop(f) => f.label = None,
                Expr::While(w) => w.label = None,
                Expr::Loop(l) => l.label = None,
                _ => {}
            }
            for (flag, needed) in [(&flags.brk, used.brk), (&flags.cont, used.cont)] {
                if needed {
                    block.stmts.push(syn::parse_quote!(let mut #flag = false;));
                }
            }
            block.stmts.push(syn::Stmt::Expr(expr, semi));
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Rewrite<'_> {
    fn fresh(&mut self, base: &str) -> Ident {
        Ident::new(&crate::names::unused(self.taken, base), Span::call_site())
    }
}

struct Flags {
    label: Ident,
    brk: Ident,
    cont: Ident,
}

#[derive(Default, Clone, Copy)]
struct Used {
    brk: bool,
    cont: bool,
}

impl Flags {
    fn targets(&self, label: &Option<syn::Lifetime>) -> bool {
        label.as_ref().is_some_and(|l| l.ident == self.label)
    }

    /// Rewrites the labeled exits in `block`, which is `depth` loops inside the labeled
    /// loop (0: its own body). Returns which flags an inner loop may have set.
    fn rewrite(&self, block: &mut syn::Block, depth: usize) -> Used {
        let mut used = Used::default();
        for stmt in std::mem::take(&mut block.stmts) {
            match stmt {
                syn::Stmt::Expr(Expr::Break(b), _)
                    if self.targets(&b.label) && b.expr.is_none() =>
                {
                    if depth == 0 {
                        block.stmts.push(syn::parse_quote!(break;));
                    } else {
                        let flag = &self.brk;
                        block.stmts.push(syn::parse_quote!(#flag = true;));
                        block.stmts.push(syn::parse_quote!(break;));
                        used.brk = true;
                    }
                }
                syn::Stmt::Expr(Expr::Continue(c), _) if self.targets(&c.label) => {
                    if depth == 0 {
                        block.stmts.push(syn::parse_quote!(continue;));
                    } else {
                        let flag = &self.cont;
                        block.stmts.push(syn::parse_quote!(#flag = true;));
                        block.stmts.push(syn::parse_quote!(break;));
                        used.cont = true;
                    }
                }
                syn::Stmt::Expr(mut expr, semi) => {
                    let inner = self.rewrite_expr(&mut expr, depth);
                    let leaves = is_loop(&expr);
                    block.stmts.push(syn::Stmt::Expr(expr, semi));
                    // After a loop an exit may have left: leave this level too.
                    if leaves && inner.brk {
                        let flag = &self.brk;
                        block.stmts.push(syn::parse_quote!(if #flag { break; }));
                    }
                    if leaves && inner.cont {
                        let flag = &self.cont;
                        block.stmts.push(if depth == 0 {
                            syn::parse_quote!(if #flag { #flag = false; continue; })
                        } else {
                            syn::parse_quote!(if #flag { break; })
                        });
                    }
                    used.brk |= inner.brk;
                    used.cont |= inner.cont;
                }
                other => block.stmts.push(other),
            }
        }
        used
    }

    /// The exits inside an expression statement: into branches and blocks at this depth,
    /// into loops one deeper.
    fn rewrite_expr(&self, expr: &mut Expr, depth: usize) -> Used {
        match expr {
            Expr::If(i) => {
                let mut used = self.rewrite(&mut i.then_branch, depth);
                if let Some((_, e)) = &mut i.else_branch {
                    let more = self.rewrite_expr(e, depth);
                    used.brk |= more.brk;
                    used.cont |= more.cont;
                }
                used
            }
            Expr::Block(b) => self.rewrite(&mut b.block, depth),
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                let body = body_of(expr).expect("a loop");
                self.rewrite(body, depth + 1)
            }
            _ => Used::default(),
        }
    }
}
