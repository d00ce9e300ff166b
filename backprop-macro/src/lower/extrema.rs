//! Running extrema of computed candidates, found first and differentiated once.
//!
//! ```text
//! for j in 0..k {                       let mut closest_picked = false;
//!     let mut distance = 0.0;           let mut closest_at = 0;
//!     for l in 0..d { ... }             let mut closest_scan = closest;
//!     closest = closest.min(distance);  for j in 0..k {
//! }                                         let mut distance = 0.0;
//!                                           for l in 0..d { ... }
//!                               ==>         let closest_candidate = distance;
//!                                           if !d::min_picks_first(closest_scan, closest_candidate) {
//!                                               closest_picked = true;
//!                                               closest_at = j;
//!                                           }
//!                                           closest_scan = closest_scan.min(closest_candidate);
//!                                       }
//!                                       if closest_picked {
//!                                           let j = closest_at;
//!                                           let mut distance = 0.0;
//!                                           for l in 0..d { ... }
//!                                           closest = closest.min(distance);
//!                                       }
//! ```
//!
//! The gradient of a running minimum reaches only the candidate picked last, so the loop
//! that searches for it carries no derivative (nothing it computes reaches the result:
//! the analysis finds it inactive), and only the winning iteration runs again with them
//! (k-means' nearest centroid: one distance's reverse per point instead of `k`). The
//! value is the same: the winner's candidate, computed again the same way, is what the
//! minimum kept. A loop whose candidate is an element (`m = m.max(x[i])`, nothing else in
//! the body) is left to the analysis's own running extrema, which need no second pass.
//!
//! Only loops that can run twice with the same effect are rewritten: a `for` over a range
//! whose bounds are plain arithmetic of names, the running value assigned last and read
//! nowhere else, and a body that changes nothing declared outside it and never leaves
//! early.

use super::*;

/// Rewrites every such loop in `block`.
pub(super) fn desugar(block: &mut syn::Block, taken: &mut HashSet<String>) {
    let mut rewrite = Rewrite { taken };
    each_statement(block, false, |stmt| match stmt {
        syn::Stmt::Expr(Expr::ForLoop(f), _) => extremum(f).map(|found| rewrite.rewrite(f, &found)),
        _ => None,
    });
}

struct Rewrite<'a> {
    taken: &'a mut HashSet<String>,
}

/// `acc = acc.min(candidate)` (or `max`, or `candidate.min(acc)`), the loop's last
/// statement.
struct Found {
    acc: Ident,
    method: Ident,
    candidate: Expr,
    acc_first: bool,
}

fn extremum(f: &syn::ExprForLoop) -> Option<Found> {
    let Pat::Ident(var) = &*f.pat else {
        return None;
    };
    if f.label.is_some() || var.by_ref.is_some() || var.mutability.is_some() || var.subpat.is_some()
    {
        return None;
    }
    let Expr::Range(range) = &*f.expr else {
        return None;
    };
    let bounds_plain = [&range.start, &range.end]
        .into_iter()
        .all(|b| b.as_deref().is_some_and(plain));
    let (last, rest) = f.body.stmts.split_last()?;
    if !bounds_plain {
        return None;
    }
    let syn::Stmt::Expr(Expr::Assign(assign), Some(_)) = last else {
        return None;
    };
    let acc = single_ident(&assign.left)?;
    let Expr::MethodCall(call) = &*assign.right else {
        return None;
    };
    if !matches!(call.method.to_string().as_str(), "min" | "max")
        || call.args.len() != 1
        || call.turbofish.is_some()
    {
        return None;
    }
    let arg = &call.args[0];
    let (acc_first, candidate) = if single_ident(&call.receiver).as_ref() == Some(&acc) {
        (true, arg.clone())
    } else if single_ident(arg).as_ref() == Some(&acc) {
        (false, (*call.receiver).clone())
    } else {
        return None;
    };
    // Only an element compared, after copies of elements: the analysis's running extrema
    // reverse it with no second pass.
    let element = |e: &Expr| matches!(strip(e), Expr::Index(_) | Expr::Path(_));
    let copies = rest.iter().all(|stmt| match stmt {
        syn::Stmt::Local(local) => local
            .init
            .as_ref()
            .is_some_and(|init| element(&init.expr) && init.diverge.is_none()),
        _ => false,
    });
    if copies && element(&candidate) {
        return None;
    }
    // Each statement changes only what the body declared before it, or inside itself.
    let mut declared: HashSet<String> = HashSet::new();
    for stmt in rest {
        let mut m = Mentions::default();
        m.visit_stmt(stmt);
        let inside = locals(stmt);
        let outside = |n: &String| !declared.contains(n) && !inside.contains(n);
        if m.unsupported || m.names.contains(&acc.to_string()) || m.changed.iter().any(outside) {
            return None;
        }
        if let syn::Stmt::Local(local) = stmt {
            declared.extend(locals_of_pat(&local.pat));
        }
    }
    let mut m = Mentions::default();
    m.visit_expr(&candidate);
    if m.unsupported || m.names.contains(&acc.to_string()) || !m.changed.is_empty() {
        return None;
    }
    Some(Found {
        acc,
        method: call.method.clone(),
        candidate,
        acc_first,
    })
}

impl Rewrite<'_> {
    fn rewrite(&mut self, f: &syn::ExprForLoop, found: &Found) -> Vec<syn::Stmt> {
        let Found {
            acc,
            method,
            candidate,
            acc_first,
        } = found;
        let fresh = |taken: &mut HashSet<String>, suffix: &str| {
            let name = crate::names::unused(taken, &format!("{acc}_{suffix}"));
            Ident::new(&name, acc.span())
        };
        let picked_flag = fresh(self.taken, "picked");
        let at = fresh(self.taken, "at");
        let scan = fresh(self.taken, "scan");
        let cand = fresh(self.taken, "candidate");
        let (pat, range) = (&f.pat, &f.expr);
        let Expr::Range(syn::ExprRange {
            start: Some(start), ..
        }) = &*f.expr
        else {
            unreachable!("a running extremum's loop is over a range with a start")
        };
        let (_, rest) = f.body.stmts.split_last().expect("the update is last");
        let helper = Ident::new(&format!("{method}_picks_first"), method.span());
        let picked = if *acc_first {
            quote!(!::backprop::__private::d::#helper(#scan, #cand))
        } else {
            quote!(::backprop::__private::d::#helper(#cand, #scan))
        };
        let update = f.body.stmts.last().expect("the update is last");
        vec![
            syn::parse_quote!(let mut #picked_flag = false;),
            syn::parse_quote!(let mut #at = #start;),
            syn::parse_quote!(let mut #scan = #acc;),
            syn::parse_quote!(for #pat in #range {
                #(#rest)*
                let #cand = #candidate;
                if #picked {
                    #picked_flag = true;
                    #at = #pat;
                }
                #scan = #scan.#method(#cand);
            }),
            syn::parse_quote!(if #picked_flag {
                let #pat = #at;
                #(#rest)*
                #update
            }),
        ]
    }
}

/// A bound evaluated twice to the same value: names, literals, fields, elements, `len()`
/// and arithmetic of them.
pub(super) fn plain(e: &Expr) -> bool {
    match e {
        Expr::Binary(b) => plain(&b.left) && plain(&b.right),
        Expr::Unary(u) => plain(&u.expr),
        Expr::Paren(p) => plain(&p.expr),
        Expr::Cast(c) => plain(&c.expr),
        Expr::Index(i) => plain(&i.expr) && plain(&i.index),
        Expr::Field(f) => plain(&f.base),
        Expr::MethodCall(m) => m.method == "len" && m.args.is_empty() && plain(&m.receiver),
        Expr::Path(_) | Expr::Lit(_) => true,
        _ => false,
    }
}

fn single_ident(e: &Expr) -> Option<Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        _ => None,
    }
}

/// The names a statement binds with `let` or a `for` pattern, at any depth.
pub(super) fn locals(stmt: &syn::Stmt) -> HashSet<String> {
    let mut bound = Bound(HashSet::new());
    bound.visit_stmt(stmt);
    bound.0
}

/// The first of `stmts` that binds again, at any depth, a name that `read` (expressions a
/// rewrite puts elsewhere, such as `x[i]` for an item of `x`) mentions: those would then
/// read the new binding.
pub(super) fn binds_again<'s>(stmts: &'s [syn::Stmt], read: &[&Expr]) -> Option<&'s syn::Stmt> {
    let mut names = HashSet::new();
    for e in read {
        collect_idents(e.to_token_stream(), &mut names);
    }
    stmts
        .iter()
        .find(|s| locals(s).iter().any(|n| names.contains(n)))
}

fn locals_of_pat(pat: &Pat) -> HashSet<String> {
    let mut bound = Bound(HashSet::new());
    bound.visit_pat(pat);
    bound.0
}

struct Bound(HashSet<String>);

impl Visit<'_> for Bound {
    fn visit_pat_ident(&mut self, p: &syn::PatIdent) {
        self.0.insert(p.ident.to_string());
        syn::visit::visit_pat_ident(self, p);
    }
}

/// The names an expression reads or changes, and whether it does something a second run
/// could not repeat the same way.
#[derive(Default)]
pub(super) struct Mentions {
    pub(super) names: HashSet<String>,
    /// Assigned, borrowed mutably, or the receiver of a method that may change it.
    pub(super) changed: HashSet<String>,
    unsupported: bool,
}

impl Mentions {
    fn changes(&mut self, target: &Expr) {
        match target {
            Expr::Path(p) => {
                if let Some(i) = p.path.get_ident() {
                    self.changed.insert(i.to_string());
                }
            }
            Expr::Index(i) => self.changes(&i.expr),
            Expr::Field(f) => self.changes(&f.base),
            Expr::Paren(p) => self.changes(&p.expr),
            Expr::Unary(u) => self.changes(&u.expr),
            _ => self.unsupported = true,
        }
    }
}

/// Methods that only read their receiver (floats' and slices'); any other may change it.
const READS_ONLY: &[&str] = &[
    "len", "iter", "exp", "ln", "sqrt", "abs", "powi", "powf", "sin", "cos", "tanh", "min", "max",
    "clone", "is_empty", "is_nan", "signum",
];

impl Visit<'_> for Mentions {
    fn visit_ident(&mut self, i: &Ident) {
        self.names.insert(i.to_string());
    }

    fn visit_expr(&mut self, e: &Expr) {
        match e {
            Expr::Assign(a) => self.changes(&a.left),
            Expr::Binary(b) if crate::ir::compound_assign(&b.op) => self.changes(&b.left),
            Expr::Reference(r) if r.mutability.is_some() => self.changes(&r.expr),
            Expr::MethodCall(m) if !READS_ONLY.contains(&m.method.to_string().as_str()) => {
                self.changes(&m.receiver)
            }
            Expr::Break(_)
            | Expr::Continue(_)
            | Expr::Return(_)
            | Expr::Try(_)
            | Expr::Macro(_)
            | Expr::Closure(_)
            | Expr::Yield(_)
            | Expr::Await(_) => self.unsupported = true,
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_stmt_macro(&mut self, _: &syn::StmtMacro) {
        self.unsupported = true;
    }

    fn visit_item(&mut self, _: &syn::Item) {
        self.unsupported = true;
    }
}
