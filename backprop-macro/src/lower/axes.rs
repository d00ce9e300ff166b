//! ndarray's `a.map_axis(Axis(k), |lane| ..)` of a matrix parameter (`a: &Array2<f64>`):
//! the walk over its lanes that it means, collected, made an array:
//!
//! ```text
//! a.map_axis(Axis(1), |row| row.dot(x))
//!     ==>  Array1::from_vec(a.rows().into_iter().map(|row| row.dot(x)).collect::<Vec<_>>())
//! ```
//!
//! (`Axis(0)`: `a.columns()`), which lowering reads as any walk of a matrix's lanes
//! collected into a `Vec`, then made an array through the runtime's `array_from_vec` gate.
//! `a.fold_axis(Axis(k), init, |m, &v| m.max(v))` is the `map_axis` of the lanes' folds
//! (`|lane| lane.fold(init, |m, &v| m.max(v))`, the accumulator taken by value: `*m` read
//! as `m`). Only of matrices: parameters whose type says so (`Array2`, `ArrayView2`), and
//! locals bound to one (annotated, or a product of two, a matrix mapped, transposed or
//! combined elementwise with another array: `let z = x.dot(w) + b;`); the axis a literal.

use super::*;
use syn::visit_mut::VisitMut;

/// Rewrites every such `map_axis` in `block`; `krate` is the path to the facade crate.
pub(super) fn desugar(block: &mut syn::Block, sig: &syn::Signature, krate: &syn::Path) {
    let matrices: HashSet<String> = sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            syn::FnArg::Typed(t) if is_matrix(&t.ty) => match &*t.pat {
                Pat::Ident(p) => Some(p.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if !matrices.is_empty() {
        MapAxis { matrices, krate }.visit_block_mut(block);
    }
}

/// Whether `e` is a matrix, given the names of `matrices` (see the module's comment).
fn matrix_expr(e: &Expr, matrices: &HashSet<String>) -> bool {
    let of = |e: &Expr| matrix_expr(e, matrices);
    match strip(e) {
        Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| matrices.contains(&i.to_string())),
        Expr::Reference(r) => of(&r.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => of(&u.expr),
        Expr::Binary(b) => {
            use syn::BinOp::{Add, Div, Mul, Sub};
            matches!(b.op, Add(_) | Sub(_) | Mul(_) | Div(_)) && (of(&b.left) || of(&b.right))
        }
        Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "dot" => of(&m.receiver) && m.args.first().is_some_and(of),
            "mapv" | "t" | "to_owned" | "clone" | "reversed_axes" | "mapv_into" => of(&m.receiver),
            _ => false,
        },
        _ => false,
    }
}

/// `Array2<T>`, `ArrayView2<T>`, or a reference to one.
fn is_matrix(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_matrix(&r.elem),
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Array2" || s.ident == "ArrayView2"),
        _ => false,
    }
}

/// `Axis(k)` (or `ndarray::Axis(k)`) of a literal `k`.
fn axis_literal(e: &Expr) -> Option<usize> {
    let Expr::Call(c) = strip(e) else {
        return None;
    };
    let named_axis = matches!(strip(&c.func), Expr::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "Axis"));
    match (named_axis, c.args.first().map(strip), c.args.len()) {
        (
            true,
            Some(Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(k),
                ..
            })),
            1,
        ) => k.base10_parse().ok(),
        _ => None,
    }
}

struct MapAxis<'a> {
    matrices: HashSet<String>,
    krate: &'a syn::Path,
}

impl VisitMut for MapAxis<'_> {
    /// Statements in order: a `let` binds a matrix (`let z = x.dot(w);`), or binds the name
    /// again to something else.
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        for stmt in &mut block.stmts {
            self.visit_stmt_mut(stmt);
            if let syn::Stmt::Local(l) = stmt
                && let Some((name, ty)) = match &l.pat {
                    Pat::Ident(p) => Some((p.ident.to_string(), None)),
                    Pat::Type(t) => match &*t.pat {
                        Pat::Ident(p) => Some((p.ident.to_string(), Some(&*t.ty))),
                        _ => None,
                    },
                    _ => None,
                }
            {
                let init = l.init.as_ref().map(|i| &*i.expr);
                match ty.is_some_and(is_matrix)
                    || init.is_some_and(|e| matrix_expr(e, &self.matrices))
                {
                    true => self.matrices.insert(name),
                    false => self.matrices.remove(&name),
                };
            }
        }
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::MethodCall(m) = &*e else {
            return;
        };
        let matrix = match strip(&m.receiver) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.matrices.contains(&i.to_string())),
            _ => false,
        };
        if matrix {
            fold_as_map(e);
        }
        let Expr::MethodCall(m) = &*e else {
            return;
        };
        if m.method != "map_axis" || m.args.len() != 2 || !matrix {
            return;
        }
        let lanes = match axis_literal(&m.args[0]) {
            Some(0) => "columns",
            Some(1) => "rows",
            _ => return,
        };
        let span = m.method.span();
        let lanes = Ident::new(lanes, span);
        let (a, f, krate) = (&m.receiver, &m.args[1], self.krate);
        *e = syn::parse_quote_spanned! {span=>
            #krate::ndarray::Array1::from_vec(
                #a.#lanes().into_iter().map(#f).collect::<::std::vec::Vec<_>>()
            )
        };
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `a.fold_axis(Axis(k), init, |m, &v| ..)` as `a.map_axis(Axis(k), |lane| lane.fold(init,
/// |m, &v| ..))`: the accumulator, `&A` to `fold_axis`, by value to `fold`, so `*m` is read
/// as `m` (a `&m` pattern as `m`).
fn fold_as_map(e: &mut Expr) {
    let Expr::MethodCall(m) = e else { return };
    if m.method != "fold_axis" || m.args.len() != 3 {
        return;
    }
    let Expr::Closure(c) = strip(&m.args[2]).clone() else {
        return;
    };
    let [acc, elem] = &c.inputs.iter().cloned().collect::<Vec<_>>()[..] else {
        return;
    };
    let (acc, by_ref) = match acc {
        Pat::Ident(p) => (p.ident.clone(), true),
        Pat::Reference(r) => match &*r.pat {
            Pat::Ident(p) => (p.ident.clone(), false),
            _ => return,
        },
        _ => return,
    };
    let mut body = (*c.body).clone();
    if by_ref {
        helpers::Derefs(&[acc.to_string()]).visit_expr_mut(&mut body);
    }
    let span = m.method.span();
    let (a, axis, init) = (&m.receiver, &m.args[0], &m.args[1]);
    // (Not a name the fold reads.)
    let name = match mentions(&quote!(#init #body), &Ident::new("lane", span)) {
        true => "fold_lane",
        false => "lane",
    };
    let lane = Ident::new(name, span);
    *e = syn::parse_quote_spanned! {span=>
        #a.map_axis(#axis, |#lane| #lane.fold(#init, |#acc, #elem| #body))
    };
}
