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
//! Only of parameters whose type says they are matrices (`Array2`, `ArrayView2`), the axis
//! a literal.

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
