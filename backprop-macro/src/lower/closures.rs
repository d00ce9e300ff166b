//! Closures, as the code they stand for:
//! - a closure bound to a local and called, `let f = |t| t * x; f(2.0)`, is inlined at each
//!   call, `{ let t = 2.0; t * x }` (when nothing between rebinds a name it reads, and the
//!   local is only called);
//! - ndarray's `a.mapv(|v| body)` (and `a.mapv(f64::tanh)`) is the
//!   array expression `body` with `v` replaced by `a`: elementwise, as the arrays' own
//!   operations are (`(v * 2.0).tanh()` is `(a * 2.0).tanh()`).

use super::*;

pub(super) fn desugar(block: &mut syn::Block) {
    Inline.visit_block_mut(block);
    Mapv.visit_block_mut(block);
}

struct Inline;

/// `let name = |params| body;`: the name, the parameters' names, the body, and whether it
/// captures by value (`move`).
fn closure_let(stmt: &syn::Stmt) -> Option<(Ident, Vec<Ident>, Expr, bool)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let Pat::Ident(name) = &local.pat else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let Expr::Closure(c) = strip(&init.expr) else {
        return None;
    };
    let params = c
        .inputs
        .iter()
        .map(|p| match p {
            Pat::Ident(i) => Some(i.ident.clone()),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(i) => Some(i.ident.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((
        name.ident.clone(),
        params,
        (*c.body).clone(),
        c.capture.is_some(),
    ))
}

/// The names a `let` binds.
fn bound_names(stmt: &syn::Stmt, out: &mut HashSet<String>) {
    if let syn::Stmt::Local(local) = stmt {
        collect_idents(local.pat.to_token_stream(), out);
    }
}

/// The names a statement assigns (`x = ..`, `x += ..`), anywhere inside it.
fn assigned_names(stmt: &syn::Stmt, out: &mut HashSet<String>) {
    struct Assigned<'a>(&'a mut HashSet<String>);
    impl<'ast> Visit<'ast> for Assigned<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            let place = match e {
                Expr::Assign(a) => Some(&*a.left),
                Expr::Binary(b) if compound(&b.op).is_some() || is_compound_other(&b.op) => {
                    Some(&*b.left)
                }
                _ => None,
            };
            if let Some(place) = place {
                collect_idents(place.to_token_stream(), self.0);
            }
            syn::visit::visit_expr(self, e);
        }
    }
    Assigned(out).visit_stmt(stmt);
}

/// Replaces `name(args)` with the body; notes any other use of `name`.
struct Calls<'a> {
    name: &'a Ident,
    params: &'a [Ident],
    body: &'a Expr,
    other_use: bool,
}

impl VisitMut for Calls<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Call(call) = e {
            if matches!(strip(&call.func), Expr::Path(p) if p.path.is_ident(self.name))
                && call.args.len() == self.params.len()
            {
                for a in call.args.iter_mut() {
                    self.visit_expr_mut(a);
                }
                let (params, args, body) = (self.params, call.args.iter(), self.body);
                *e = syn::parse_quote!({ #(let #params = #args;)* #body });
                return;
            }
        }
        if let Expr::Path(p) = e {
            if p.path.is_ident(self.name) {
                self.other_use = true;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

impl VisitMut for Inline {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let mut i = 0;
        while i < block.stmts.len() {
            let Some((name, params, body, by_value)) = closure_let(&block.stmts[i]) else {
                i += 1;
                continue;
            };
            // The names the body reads from around it must mean the same at every call.
            let mut read = HashSet::new();
            collect_idents(body.to_token_stream(), &mut read);
            for p in &params {
                read.remove(&p.to_string());
            }
            let mut later: Vec<syn::Stmt> = block.stmts[i + 1..].to_vec();
            let mut rebound = HashSet::new();
            for s in &later {
                bound_names(s, &mut rebound);
            }
            // A `move` closure keeps the values it captured: inlined, it would read them as
            // they are at the call, so one whose captures are assigned later stays.
            if by_value {
                let mut assigned = HashSet::new();
                for s in &later {
                    assigned_names(s, &mut assigned);
                }
                rebound.extend(assigned);
            }
            if rebound.contains(&name.to_string()) || rebound.iter().any(|n| read.contains(n)) {
                i += 1;
                continue;
            }
            let mut calls = Calls {
                name: &name,
                params: &params,
                body: &body,
                other_use: false,
            };
            for s in &mut later {
                calls.visit_stmt_mut(s);
            }
            if calls.other_use {
                i += 1;
                continue;
            }
            block.stmts.truncate(i);
            block.stmts.extend(later);
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

struct Mapv;

impl VisitMut for Mapv {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = e else { return };
        // (`map` is an iterator's too: only `mapv` is certainly ndarray's.)
        if m.method != "mapv" || m.args.len() != 1 {
            return;
        }
        let array = &m.receiver;
        let mapped: Option<Expr> = match strip(&m.args[0]) {
            // `|v| body`, `|&v| body`.
            Expr::Closure(c) if c.inputs.len() == 1 => {
                let param = match &c.inputs[0] {
                    Pat::Ident(i) => Some(&i.ident),
                    Pat::Reference(r) => match &*r.pat {
                        Pat::Ident(i) => Some(&i.ident),
                        _ => None,
                    },
                    Pat::Type(t) => match &*t.pat {
                        Pat::Ident(i) => Some(&i.ident),
                        _ => None,
                    },
                    _ => None,
                };
                param.map(|v| {
                    let mut body = (*c.body).clone();
                    Substitute {
                        name: v,
                        with: syn::parse_quote!((#array)),
                    }
                    .visit_expr_mut(&mut body);
                    body
                })
            }
            // `f64::tanh`, `f32::exp`: the method on the array.
            Expr::Path(p) if p.path.segments.len() == 2 => {
                let ty = &p.path.segments[0].ident;
                let method = &p.path.segments[1].ident;
                (ty == "f64" || ty == "f32").then(|| syn::parse_quote!((#array).#method()))
            }
            _ => None,
        };
        if let Some(mapped) = mapped {
            *e = syn::parse_quote!((#mapped));
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `name` → `with`, outside closures that rebind it.
struct Substitute<'a> {
    name: &'a Ident,
    with: Expr,
}

impl VisitMut for Substitute<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Path(p) = e {
            if p.path.is_ident(self.name) {
                *e = self.with.clone();
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}
