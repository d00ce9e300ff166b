//! ndarray's in-place map of a local array, and its `Zip` of arrays element by element, as
//! the assignments they mean:
//!
//! ```text
//! h.mapv_inplace(|v| v.max(0.0));     ==>  h = h.mapv(|v| v.max(0.0));
//! Zip::from(&mut y).and(&a).and(&b)
//!     .for_each(|y, &a, &b| *y += a * b);  ==>  assert_eq!(y.shape(), a.shape(), ..); ..
//!                                                y = y + a * b;
//! let z = Zip::from(&a).and(&b)
//!     .map_collect(|&a, &b| a.max(b));      ==>  (the checks) let z = ..;
//! Zip::from(&a).and(&b)
//!     .fold(0.0, |s, &a, &b| s + a * b)     ==>  { (the checks)
//!                                                  a.iter().zip(b.iter()).fold(0.0, |s, (&a, &b)| ..) }
//! ```
//!
//! The method is ndarray's own (no slice, `Vec` or struct of parameters has it), so the
//! rewrite needs no types; the assignment is then an array assigned whole, which lowering
//! supports. Only on a local named by itself (not a field or an element). (`scaled_add`,
//! which `Differentiable` structs have too, is rewritten where lowering knows the
//! receiver is an array: `statements.rs`.)

use super::*;

/// Rewrites every such statement in `block`.
pub(super) fn desugar(block: &mut syn::Block, krate: &syn::Path) {
    Rewrite { krate }.visit_block_mut(block);
}

struct Rewrite<'a> {
    krate: &'a syn::Path,
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let stmts = std::mem::take(&mut block.stmts);
        for stmt in stmts {
            match zipped(&stmt, self.krate) {
                Some(rewritten) => block.stmts.extend(rewritten),
                None => block.stmts.push(stmt),
            }
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        syn::visit_mut::visit_stmt_mut(self, stmt);
        let syn::Stmt::Expr(Expr::MethodCall(m), Some(semi)) = stmt else {
            return;
        };
        let Expr::Path(target) = strip(&m.receiver) else {
            return;
        };
        if target.path.get_ident().is_none() {
            return;
        }
        let span = m.method.span();
        let value: Expr = match (m.method.to_string().as_str(), m.args.len()) {
            ("mapv_inplace", 1) => {
                let f = &m.args[0];
                syn::parse_quote_spanned!(span=> #target.mapv(#f))
            }
            _ => return,
        };
        let semi = *semi;
        *stmt = syn::Stmt::Expr(
            syn::parse_quote_spanned!(span=> #target = #value),
            Some(semi),
        );
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let Some(folded) = zip_fold(e) {
            *e = folded;
        }
    }

    // Items inside the body are not the function's code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `Zip::from(&a).and(&b).fold(init, |acc, &p, &q| ..)`: after `Zip`'s shape checks, the
/// fold of the arrays' elements walked together, `a.iter().zip(b.iter()).fold(init, |acc,
/// (&p, &q)| ..)` (the same order: both in their logical order).
fn zip_fold(e: &Expr) -> Option<Expr> {
    let (end, init, f) = super::folds::fold_call(e)?;
    let producers = zip_producers(&end.receiver)?;
    if f.inputs.len() != producers.len() + 1 || producers.iter().any(|(_, m)| *m) {
        return None;
    }
    let span = end.method.span();
    let first = &producers[0].0;
    let checks = producers[1..].iter().map(|(p, _)| {
        quote_spanned!(span=> assert_eq!(#first.shape(), #p.shape(), "Zip: the arrays' shapes differ");)
    });
    let mut walk: Expr = syn::parse_quote_spanned!(span=> #first.iter());
    let mut pattern = f.inputs[1].clone();
    for ((p, _), input) in producers[1..].iter().zip(f.inputs.iter().skip(2)) {
        walk = syn::parse_quote_spanned!(span=> #walk.zip(#p.iter()));
        pattern = syn::parse_quote!((#pattern, #input));
    }
    let (acc, body) = (&f.inputs[0], &f.body);
    Some(syn::parse_quote_spanned!(span=> {
        #(#checks)*
        #walk.fold(#init, |#acc, #pattern| #body)
    }))
}

/// A `Zip` chain read off: its producers, its closure, and whether it ends in `for_each`.
struct ZipChain<'a> {
    /// Each array walked (`&x`, `x.view()` as `x`; `&mut y`, `y.view_mut()` as `y`) and
    /// whether it is written.
    producers: Vec<(Expr, bool)>,
    f: &'a syn::ExprClosure,
    for_each: bool,
}

/// `Zip::from(p0).and(p1)...` ending in `.for_each(f)` or `.map_collect(f)`.
fn zip_chain(e: &Expr) -> Option<ZipChain<'_>> {
    let Expr::MethodCall(end) = strip(e) else {
        return None;
    };
    let for_each = match end.method.to_string().as_str() {
        "for_each" => true,
        "map_collect" => false,
        _ => return None,
    };
    let [f] = end.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let Expr::Closure(f) = strip(f) else {
        return None;
    };
    let producers = zip_producers(&end.receiver)?;
    Some(ZipChain {
        producers,
        f,
        for_each,
    })
}

/// `Zip::from(p0).and(p1)...`: each producer, in order.
fn zip_producers(chain: &Expr) -> Option<Vec<(Expr, bool)>> {
    let mut producers = Vec::new();
    let mut at = strip(chain);
    loop {
        match at {
            Expr::MethodCall(m) if m.method == "and" && m.args.len() == 1 => {
                producers.push(producer(&m.args[0]));
                at = strip(&m.receiver);
            }
            Expr::Call(c) if c.args.len() == 1 => {
                let Expr::Path(p) = strip(&c.func) else {
                    return None;
                };
                let n = p.path.segments.len();
                if n < 2
                    || p.path.segments[n - 2].ident != "Zip"
                    || p.path.segments[n - 1].ident != "from"
                {
                    return None;
                }
                producers.push(producer(&c.args[0]));
                break;
            }
            _ => return None,
        }
    }
    producers.reverse();
    Some(producers)
}

/// A producer as the array it walks, and whether it is walked mutably.
fn producer(e: &Expr) -> (Expr, bool) {
    match strip(e) {
        Expr::Reference(r) => (strip(&r.expr).clone(), r.mutability.is_some()),
        Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "view" || m.method == "view_mut") =>
        {
            (strip(&m.receiver).clone(), m.method == "view_mut")
        }
        other => (other.clone(), false),
    }
}

/// A `Zip` statement as the checks and the assignment or `let` it means ([module](self)):
/// `None` where it is not one this rewrite takes (lowering then refuses it).
fn zipped(stmt: &syn::Stmt, krate: &syn::Path) -> Option<Vec<syn::Stmt>> {
    let (e, local) = match stmt {
        syn::Stmt::Expr(e, Some(_)) => (e, None),
        syn::Stmt::Local(l) => (&*l.init.as_ref()?.expr, Some(l)),
        _ => return None,
    };
    let ZipChain {
        producers,
        f,
        for_each,
    } = zip_chain(e)?;
    if f.inputs.len() != producers.len() || for_each == local.is_some() {
        return None;
    }
    let names: Vec<Ident> = f
        .inputs
        .iter()
        .map(|p| super::closures::closure_param(p).map(|(v, _)| v.clone()))
        .collect::<Option<_>>()?;
    // Every producer walks the first one's shape, as `Zip` checks.
    let span = f.span();
    let first = &producers[0].0;
    let mut out: Vec<syn::Stmt> = producers[1..]
        .iter()
        .map(|(p, _)| {
            syn::parse_quote_spanned!(span=>
                assert_eq!(#first.shape(), #p.shape(), "Zip: the arrays' shapes differ");
            )
        })
        .collect();
    let arrays: Vec<(Ident, Expr)> = names
        .into_iter()
        .zip(producers.iter().map(|(p, _)| p.clone()))
        .collect();
    if let Some(local) = local {
        let value = super::closures::elementwise_body(&arrays, &f.body, krate);
        let mut local = local.clone();
        *local.init.as_mut()?.expr = syn::parse_quote!((#value));
        out.push(syn::Stmt::Local(local));
        return Some(out);
    }
    // `for_each` writing the first producer: `*y = e` (or `+=`, ..), after `let`s.
    let (target, mutable) = &producers[0];
    if !mutable || producers[1..].iter().any(|(_, m)| *m) {
        return None;
    }
    let (lets, last) = match strip(&f.body) {
        Expr::Block(b) => {
            let (last, lets) = b.block.stmts.split_last()?;
            if !lets.iter().all(|s| matches!(s, syn::Stmt::Local(_))) {
                return None;
            }
            let syn::Stmt::Expr(last, _) = last else {
                return None;
            };
            (lets.to_vec(), last)
        }
        other => (Vec::new(), other),
    };
    let element = &arrays[0].0;
    let is_element = |e: &Expr| {
        matches!(strip(e), Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_))
            && matches!(strip(&u.expr), Expr::Path(p) if p.path.is_ident(element)))
    };
    let value: Expr = match strip(last) {
        Expr::Assign(a) if is_element(&a.left) => (*a.right).clone(),
        Expr::Binary(b) if is_element(&b.left) => {
            let op = match b.op {
                syn::BinOp::AddAssign(_) => quote!(+),
                syn::BinOp::SubAssign(_) => quote!(-),
                syn::BinOp::MulAssign(_) => quote!(*),
                syn::BinOp::DivAssign(_) => quote!(/),
                _ => return None,
            };
            let right = &b.right;
            syn::parse_quote!(*#element #op (#right))
        }
        _ => return None,
    };
    let body: Expr = syn::parse_quote!({ #(#lets)* #value });
    let value = super::closures::elementwise_body(&arrays, &body, krate);
    out.push(syn::parse_quote_spanned!(span=> #target = #value;));
    Some(out)
}
